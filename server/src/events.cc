#include "events.h"

#include <algorithm>

#include "biomatch/engine/tokenize.h"
#include "biomatch/server/json_codec.h"
#include "biomatch/server/json_stats.h"
#include "biomatch/storage/coding.h"

namespace biomatch::server {
namespace {

constexpr std::uint8_t kBodyTag = 'F';

const char* RequestEventType(const engine::Request& r) {
  switch (r.status) {
    case engine::RequestStatus::kCancelled:
    case engine::RequestStatus::kFulfilled:
    case engine::RequestStatus::kExpired: return "request.closed";
    default: return r.meta.version == 1 ? "request.created" : "request.updated";
  }
}

const char* ReservationEventType(const engine::Reservation& r) {
  switch (r.status) {
    case engine::ReservationStatus::kHeld: return "reservation.created";
    case engine::ReservationStatus::kConfirmed: return "reservation.confirmed";
    case engine::ReservationStatus::kCancelled: return "reservation.cancelled";
    case engine::ReservationStatus::kCompleted: return "reservation.completed";
    case engine::ReservationStatus::kExpired: return "reservation.expired";
  }
  return "reservation.updated";
}

// Adds the tokens of `texts` to facets->tokens (sorted and made distinct by Finish).
void AddTokens(std::initializer_list<std::string_view> texts, const std::vector<std::string>& keywords,
               EventFacets* f) {
  for (const std::string_view t : texts) engine::Tokenize(t, &f->tokens);
  for (const std::string& k : keywords) engine::Tokenize(k, &f->tokens);
}

void Finish(EventFacets* f) {
  std::sort(f->tokens.begin(), f->tokens.end());
  f->tokens.erase(std::unique(f->tokens.begin(), f->tokens.end()), f->tokens.end());
}

EventFacets PlatformFacets(const engine::Platform& p) {
  EventFacets f;
  f.region = p.region;
  f.platform_id = p.id;
  AddTokens({p.name}, {}, &f);
  Finish(&f);
  return f;
}

EventFacets CapabilityFacets(const engine::Capability& c, const engine::ChangeContext& context) {
  EventFacets f;
  f.category = c.category;
  f.stages = c.stages;
  if (const engine::Platform* p = context.FindPlatform(c.platform_id)) f.region = p->region;
  f.platform_id = c.platform_id;
  AddTokens({c.title}, c.keywords, &f);
  Finish(&f);
  return f;
}

// A request's facets, without Finish (callers add more tokens).
EventFacets RequestFacets(const engine::Request& r) {
  EventFacets f;
  f.category = r.category;
  f.stages = engine::StageBit(r.stage);
  f.region = r.region.value_or("");
  f.requester_id = r.requester.id;
  AddTokens({r.text}, r.keywords, &f);
  return f;
}

EventFacets ReservationFacets(const engine::Reservation& x, const engine::ChangeContext& context) {
  EventFacets f;
  if (const engine::Request* r = context.FindRequest(x.request_id)) f = RequestFacets(*r);
  if (const std::optional<engine::Capability> c = context.FindCapability(x.capability_id)) {
    f.platform_id = c->platform_id;
    AddTokens({c->title}, c->keywords, &f);
  }
  Finish(&f);
  return f;
}

EventFacets FoundMatchFacets(const engine::Match& m, const engine::ChangeContext& context) {
  EventFacets f;
  if (const engine::Request* r = context.FindRequest(m.request_id)) {
    f = RequestFacets(*r);
    f.region.clear();  // match.found filters by the platform's region
  }
  if (const std::optional<engine::Capability> c = context.FindCapability(m.capability_id)) AddTokens({c->title}, c->keywords, &f);
  if (const engine::Platform* p = context.FindPlatform(m.platform_id)) f.region = p->region;
  f.platform_id = m.platform_id;
  f.score = m.score;
  Finish(&f);
  return f;
}

template <typename Entity, typename Append>
std::string EntityData(const Entity& e, Append append) {
  std::string data;
  append(e, &data);
  return data;
}

}  // namespace

std::string EncodeEventBody(const EventFacets& f, std::string_view data) {
  storage::Writer w;
  w.U8(kBodyTag);
  w.Str(f.category);
  w.Str(f.region);
  w.U8(f.stages);
  w.Str(f.platform_id);
  w.Str(f.requester_id);
  w.Opt(f.score, [&](double score) { w.F64(score); });
  w.Varint(f.tokens.size());
  for (const std::string& t : f.tokens) w.Str(t);
  std::string out = w.Take();
  out.append(data);
  return out;
}

engine::Status DecodeEventBody(std::string_view body, EventFacets* f, std::string_view* data) {
  storage::Reader r(body);
  if (r.U8() != kBodyTag) return engine::Status::Corruption("an event body of an unknown form");
  // Read field by field so a reused *f keeps its capacity.
  r.Str(&f->category);
  r.Str(&f->region);
  f->stages = r.U8();
  r.Str(&f->platform_id);
  r.Str(&f->requester_id);
  f->score.reset();
  if (r.U8() != 0) f->score = r.F64();
  f->tokens.resize(r.Count());
  for (std::string& token : f->tokens) r.Str(&token);
  if (!r.ok()) return engine::Status::Corruption("a truncated event body");
  *data = r.rest();
  return engine::Status::Ok();
}

std::vector<storage::EventDraft> EventsOf(const engine::ChangeSet& c, const engine::ChangeContext& context) {
  std::vector<storage::EventDraft> out;
  auto add = [&](std::string type, const EventFacets& facets, const std::string& data) {
    out.push_back({std::move(type), EncodeEventBody(facets, data)});
  };
  auto platform_json = [](const engine::Platform& p, std::string* s) { AppendPlatformJson(p, DocForm::kStored, s); };
  auto capability_json = [](const engine::Capability& x, std::string* s) { AppendCapabilityJson(x, DocForm::kStored, s); };
  auto request_json = [](const engine::Request& r, std::string* s) { AppendRequestJson(r, DocForm::kStored, s); };
  for (const auto& p : c.platforms) add("platform.updated", PlatformFacets(p), EntityData(p, platform_json));
  for (const auto& x : c.capabilities) {
    add(x.meta.version == 1 ? "capability.created" : "capability.updated", CapabilityFacets(x, context),
        EntityData(x, capability_json));
  }
  for (const auto& r : c.requests) {
    EventFacets f = RequestFacets(r);
    Finish(&f);
    add(RequestEventType(r), f, EntityData(r, request_json));
  }
  for (const auto& r : c.reservations) {
    add(ReservationEventType(r), ReservationFacets(r, context), EntityData(r, AppendReservationJson));
  }
  for (const auto& p : c.deleted_platforms) add("platform.deleted", PlatformFacets(p), EntityData(p, platform_json));
  for (const auto& x : c.deleted_capabilities) {
    add("capability.deleted", CapabilityFacets(x, context), EntityData(x, capability_json));
  }
  for (const auto& r : c.deleted_requests) {
    EventFacets f = RequestFacets(r);
    Finish(&f);
    add("request.deleted", f, EntityData(r, request_json));
  }
  for (const auto& m : c.found_matches) add("match.found", FoundMatchFacets(m, context), EntityData(m, AppendFoundMatchJson));
  for (const auto& u : c.unmet_changes) {
    EventFacets f;
    if (const engine::Request* r = context.FindRequest(u.request_id)) {
      f = RequestFacets(*r);
    } else if (auto gone = std::find_if(c.deleted_requests.begin(), c.deleted_requests.end(),
                                        [&](const engine::Request& d) { return d.id == u.request_id; });
               gone != c.deleted_requests.end()) {
      f = RequestFacets(*gone);
    }
    Finish(&f);
    add(std::string(UnmetEventType(u)), f, EntityData(u, AppendUnmetEventJson));
  }
  return out;
}

}  // namespace biomatch::server
