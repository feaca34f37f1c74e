// The codec's writing half: API documents as plain appends to a string.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/types.h"
#include "biomatch/server/json_codec.h"
#include "biomatch/server/subscription.h"
#include "json_syntax.h"

namespace biomatch::server {
namespace {

using json::ObjectWriter;

void AppendStringArray(const std::vector<std::string>& items, std::string* out) {
  AppendJsonStringArray(items, [](const std::string& item) -> std::string_view { return item; }, out);
}

// The stages of a set, as an array of wire names in enum order.
void AppendStages(engine::StageSet stages, std::string* out) {
  out->push_back('[');
  bool first = true;
  for (int i = 0; i < engine::kStageCount; ++i) {
    const auto stage = static_cast<engine::Stage>(i);
    if ((stages & engine::StageBit(stage)) == 0) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(engine::ToString(stage), out);
  }
  out->push_back(']');
}

void AppendGeoPoint(const engine::GeoPoint& g, std::string* out) {
  ObjectWriter w(out);
  w.Number("lat", g.lat);
  w.Number("lon", g.lon);
  w.Close();
}

void AppendMeta(const engine::EntityMeta& meta, ObjectWriter* w) {
  w->Uint("version", meta.version);
  w->Time("created_at", meta.created_at);
  w->Time("updated_at", meta.updated_at);
}

void AppendSlot(const engine::Slot& s, DocForm form, std::string* out) {
  ObjectWriter w(out);
  w.Time("start", s.start);
  w.Time("end", s.end);
  w.Int("units", s.units);
  if (form == DocForm::kStored) {
    w.Int("reserved", s.reserved);
    w.Int("free", s.units - s.reserved);
  }
  w.Close();
}

void AppendWeights(const engine::WeightOverrides& o, std::string* out) {
  ObjectWriter w(out);
  for (const engine::FactorSpec& f : engine::kFactors) {
    if (const std::optional<double>& v = o.*f.override_weight) w.Number(f.name, *v);
  }
  w.Close();
}

// Every factor; null for one that does not apply.
void AppendFactors(const engine::Factors& factors, std::string* out) {
  ObjectWriter w(out);
  for (const engine::FactorSpec& f : engine::kFactors) w.OptionalNumber(f.name, engine::FactorValue(factors, f));
  w.Close();
}

}  // namespace

void AppendPlatformJson(const engine::Platform& p, DocForm form, std::string* out) {
  ObjectWriter w(out);
  if (form == DocForm::kStored) w.String("id", p.id);
  w.String("name", p.name);
  w.String("kind", engine::ToString(p.kind));
  w.String("level", engine::ToString(p.level));
  w.String("region", p.region);
  AppendGeoPoint(p.location, w.Key("location"));
  std::string* quals = w.Key("qualifications");
  quals->push_back('[');
  for (std::size_t i = 0; i < p.qualifications.size(); ++i) {
    if (i > 0) quals->push_back(',');
    const engine::Qualification& q = p.qualifications[i];
    ObjectWriter qw(quals);
    qw.String("name", q.name);
    if (q.valid_until) qw.Time("valid_until", *q.valid_until);
    qw.Close();
  }
  quals->push_back(']');
  w.Bool("open", p.open);
  if (p.evaluation) {
    ObjectWriter ew(w.Key("evaluation"));
    ew.Number("service_capability", p.evaluation->service_capability);
    ew.Number("management", p.evaluation->management);
    ew.Number("output", p.evaluation->output);
    ew.Number("basic_conditions", p.evaluation->basic_conditions);
    ew.Close();
  }
  if (form == DocForm::kStored) AppendMeta(p.meta, &w);
  w.Close();
}

void AppendCapabilityJson(const engine::Capability& c, DocForm form, std::string* out) {
  ObjectWriter w(out);
  if (form == DocForm::kStored) w.String("id", c.id);
  w.String("platform_id", c.platform_id);
  w.String("category", c.category);
  w.String("title", c.title);
  w.String("description", c.description);
  AppendStringArray(c.keywords, w.Key("keywords"));
  AppendStages(c.stages, w.Key("stages"));
  w.String("unit", engine::ToString(c.unit));
  w.Number("price_per_unit", c.price_per_unit);
  std::string* slots = w.Key("slots");
  slots->push_back('[');
  for (std::size_t i = 0; i < c.slots.size(); ++i) {
    if (i > 0) slots->push_back(',');
    AppendSlot(c.slots[i], form, slots);
  }
  slots->push_back(']');
  if (form == DocForm::kStored) AppendMeta(c.meta, &w);
  w.Close();
}

void AppendRequestJson(const engine::Request& r, DocForm form, std::string* out) {
  ObjectWriter w(out);
  if (form == DocForm::kStored) w.String("id", r.id);
  {
    ObjectWriter rw(w.Key("requester"));
    rw.String("id", r.requester.id);
    rw.String("type", engine::ToString(r.requester.type));
    rw.Close();
  }
  w.String("category", r.category);
  w.String("text", r.text);
  AppendStringArray(r.keywords, w.Key("keywords"));
  w.String("stage", engine::ToString(r.stage));
  w.Int("quantity", r.quantity);
  w.String("unit", engine::ToString(r.unit));
  if (r.budget_max) w.Number("budget_max", *r.budget_max);
  {
    ObjectWriter ww(w.Key("window"));
    ww.Time("earliest_start", r.window.earliest_start);
    ww.Time("deadline", r.window.deadline);
    ww.Close();
  }
  if (r.location) AppendGeoPoint(*r.location, w.Key("location"));
  if (r.max_distance_km) w.Number("max_distance_km", *r.max_distance_km);
  if (r.region) w.String("region", *r.region);
  AppendStringArray(r.required_qualifications, w.Key("required_qualifications"));
  if (r.weights) AppendWeights(*r.weights, w.Key("weights"));
  if (form == DocForm::kStored) {
    w.String("status", engine::ToString(r.status));
    AppendMeta(r.meta, &w);
  }
  w.Close();
}

void AppendReservationJson(const engine::Reservation& r, std::string* out) {
  ObjectWriter w(out);
  w.String("id", r.id);
  w.String("request_id", r.request_id);
  w.String("capability_id", r.capability_id);
  w.Int("quantity", r.quantity);
  w.String("status", engine::ToString(r.status));
  std::string* allocations = w.Key("allocations");
  allocations->push_back('[');
  for (std::size_t i = 0; i < r.allocations.size(); ++i) {
    if (i > 0) allocations->push_back(',');
    ObjectWriter aw(allocations);
    aw.Time("start", r.allocations[i].start);
    aw.Time("end", r.allocations[i].end);
    aw.Int("units", r.allocations[i].units);
    aw.Close();
  }
  allocations->push_back(']');
  w.Time("expires_at", r.expires_at);
  AppendMeta(r.meta, &w);
  w.Close();
}

namespace {

template <typename Entity, typename AppendDoc>
void AppendBulkPut(std::string_view type, const Entity& e, AppendDoc append_doc, std::string* out) {
  out->append(R"({"op":"put","type":")");
  out->append(type);
  out->append(R"(","id":)");
  AppendJsonString(e.id, out);
  out->append(R"(,"doc":)");
  append_doc(e, DocForm::kClient, out);
  out->append("}\n");
}

}  // namespace

void AppendBulkPutLine(const engine::Platform& p, std::string* out) {
  AppendBulkPut("platform", p, AppendPlatformJson, out);
}
void AppendBulkPutLine(const engine::Capability& c, std::string* out) {
  AppendBulkPut("capability", c, AppendCapabilityJson, out);
}
void AppendBulkPutLine(const engine::Request& r, std::string* out) {
  AppendBulkPut("request", r, AppendRequestJson, out);
}

namespace {

// Which ids a written match carries.
enum class MatchIds { kCapability, kRequest, kBoth };

void AppendMatch(const engine::Match& m, bool explain, MatchIds ids, std::string* out) {
  ObjectWriter w(out);
  if (ids != MatchIds::kCapability) w.String("request_id", m.request_id);
  if (ids != MatchIds::kRequest) {
    w.String("capability_id", m.capability_id);
    w.String("platform_id", m.platform_id);
  }
  w.Number("score", m.score);
  w.Number("total_price", m.total_price);
  w.Time("earliest_start", m.earliest_start);
  w.Time("completion", m.completion);
  if (explain) AppendFactors(m.explain, w.Key("explain"));
  w.Close();
}

}  // namespace

namespace {

// `took_us`: the answer's time, last, when set.
void AppendMatchObject(const engine::MatchResult& result, bool explain, bool reverse, std::optional<std::int64_t> took_us,
                       std::string* out) {
  ObjectWriter w(out);
  std::string* matches = w.Key("matches");
  matches->push_back('[');
  for (std::size_t i = 0; i < result.matches.size(); ++i) {
    if (i > 0) matches->push_back(',');
    AppendMatch(result.matches[i], explain, reverse ? MatchIds::kRequest : MatchIds::kCapability, matches);
  }
  matches->push_back(']');
  w.Uint("feasible", result.feasible);
  if (explain && !reverse) {
    ObjectWriter rw(w.Key("rejected"));
    for (std::size_t i = 0; i < engine::kRejectionNames.size(); ++i) {
      rw.Uint(engine::kRejectionNames[i], result.rejected[i]);
    }
    rw.Close();
  }
  if (took_us) w.Int("took_us", *took_us);
  w.Close();
}

}  // namespace

void AppendMatchResultJson(const engine::MatchResult& result, bool explain, bool reverse, std::string* out) {
  AppendMatchObject(result, explain, reverse, std::nullopt, out);
}

void AppendMatchAnswerJson(const engine::MatchResult& result, bool explain, bool reverse, std::int64_t took_us,
                           std::string* out) {
  AppendMatchObject(result, explain, reverse, took_us, out);
}

void AppendFoundMatchJson(const engine::Match& m, std::string* out) {
  AppendMatch(m, true, MatchIds::kBoth, out);
}

void AppendSubscriptionJson(const Subscription& s, DocForm form, std::string* out) {
  ObjectWriter w(out);
  if (form == DocForm::kStored) {
    w.String("id", s.id);
    w.String("owner", s.owner);
  }
  if (!s.types.empty()) AppendStringArray(s.types, w.Key("types"));
  if (s.category) w.String("category", *s.category);
  if (s.region) w.String("region", *s.region);
  if (s.stages != 0) AppendStages(s.stages, w.Key("stages"));
  if (!s.keywords.empty()) AppendStringArray(s.keywords, w.Key("keywords"));
  if (!s.platform_ids.empty()) AppendStringArray(s.platform_ids, w.Key("platform_ids"));
  if (!s.requester_ids.empty()) AppendStringArray(s.requester_ids, w.Key("requester_ids"));
  if (s.min_score) w.Number("min_score", *s.min_score);
  if (form == DocForm::kStored) AppendMeta(s.meta, &w);
  w.Close();
}

// --- The API's answers beyond entities.

namespace {

void AppendErrorMember(std::string_view code, std::string_view message, std::string_view field, ObjectWriter* w) {
  ObjectWriter e(w->Key("error"));
  e.String("code", code);
  e.String("message", message);
  if (!field.empty()) e.String("field", field);
  e.Close();
}

}  // namespace

void AppendErrorJson(std::string_view code, std::string_view message, std::string_view field, std::string* out) {
  ObjectWriter w(out);
  AppendErrorMember(code, message, field, &w);
  w.Close();
}

void AppendBulkRejectedJson(std::string_view message, const std::vector<BulkLineError>& lines, std::string* out) {
  ObjectWriter w(out);
  AppendErrorMember("invalid_argument", message, "", &w);
  std::string* array = w.Key("lines");
  array->push_back('[');
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) array->push_back(',');
    ObjectWriter l(array);
    l.Uint("line", lines[i].line);
    l.String("code", lines[i].code);
    l.String("message", lines[i].message);
    if (!lines[i].field.empty()) l.String("field", lines[i].field);
    l.Close();
  }
  array->push_back(']');
  w.Close();
}

void AppendBulkAppliedJson(std::size_t applied, std::string* out) {
  ObjectWriter w(out);
  w.Uint("applied", applied);
  w.Close();
}

void AppendHealthJson(std::string_view status, std::string* out) {
  ObjectWriter w(out);
  w.String("status", status);
  w.Close();
}

void AppendOverviewJson(const engine::Overview& o, std::uint64_t events, std::string* out) {
  ObjectWriter w(out);
  w.Uint("platforms", o.platforms);
  w.Uint("capabilities", o.capabilities);
  w.Uint("requests", o.requests);
  w.Uint("open_requests", o.open_requests);
  w.Uint("unmatched_requests", o.unmatched_requests);
  w.Uint("held_reservations", o.held_reservations);
  w.Uint("confirmed_reservations", o.confirmed_reservations);
  w.Int("offered_units", o.offered_units);
  w.Int("reserved_units", o.reserved_units);
  w.Uint("events", events);
  w.Close();
}

void AppendKeyJson(std::string_view name, std::string_view role, std::string_view token, std::string* out) {
  ObjectWriter w(out);
  w.String("name", name);
  w.String("role", role);
  if (!token.empty()) w.String("token", token);
  w.Close();
}

void AppendCheckpointJson(std::string_view dir, std::uint64_t last_seq, std::string* out) {
  ObjectWriter w(out);
  w.String("dir", dir);
  w.Uint("last_seq", last_seq);
  w.Close();
}

void AppendEventMessageHead(std::uint64_t seq, std::string_view type, engine::Seconds at, std::string* out) {
  ObjectWriter w(out);  // left open: the subscriptions and the tail follow
  w.Uint("seq", seq);
  w.String("type", type);
  w.Time("at", at);
  w.Key("subscriptions");
}

void AppendEventMessageTail(std::string_view data, std::string* out) {
  out->append(",\"data\":");
  out->append(data);
  out->push_back('}');
}

void AppendStreamGapJson(std::uint64_t earliest, std::string* out) {
  ObjectWriter w(out);
  w.String("type", "stream.gap");
  w.Uint("earliest", earliest);
  w.Close();
}

void AppendAccessLogJson(std::string_view method, std::string_view target, unsigned status, double micros,
                         std::string* out) {
  ObjectWriter w(out);
  w.String("method", method);
  w.String("target", target);
  w.Uint("status", status);
  w.Int("us", static_cast<std::int64_t>(micros + 0.5));
  w.Close();
}

}  // namespace biomatch::server
