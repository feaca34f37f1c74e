#include "codec.h"

#include <cstring>

#include "biomatch/storage/coding.h"

namespace biomatch::storage {
namespace {

using engine::Seconds;
using engine::Status;

Status Finish(const Reader& r, const char* what) {
  if (!r.ok() || !r.at_end()) return Status::Corruption(std::string("cannot decode stored ") + what);
  return Status::Ok();
}

bool Begin(Reader& r) { return r.U8() == kValueVersion; }

void WriteStrings(Writer& w, const std::vector<std::string>& v) {
  w.Varint(v.size());
  for (const auto& s : v) w.Str(s);
}
std::vector<std::string> ReadStrings(Reader& r) {
  std::vector<std::string> v(r.Count());
  for (auto& s : v) s = r.Str();
  return v;
}

}  // namespace

std::string EventKey(std::uint64_t seq) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[static_cast<std::size_t>(i)] = static_cast<char>(seq >> (56 - 8 * i));
  return k;
}

std::uint64_t DecodeEventKey(std::string_view key) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(key[static_cast<std::size_t>(i)]);
  return v;
}

std::string EncodeFixed64(std::uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
  return s;
}

bool DecodeFixed64(std::string_view in, std::uint64_t* v) {
  if (in.size() != 8) return false;
  *v = 0;
  for (int i = 7; i >= 0; --i) *v = (*v << 8) | static_cast<std::uint8_t>(in[static_cast<std::size_t>(i)]);
  return true;
}

std::string EncodeFixed32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
  return s;
}

bool DecodeFixed32(std::string_view in, std::uint32_t* v) {
  if (in.size() != 4) return false;
  *v = 0;
  for (int i = 3; i >= 0; --i) *v = (*v << 8) | static_cast<std::uint8_t>(in[static_cast<std::size_t>(i)]);
  return true;
}

std::string EncodePlatform(const engine::Platform& p) {
  Writer w;
  w.U8(kValueVersion);
  w.Str(p.id);
  w.Str(p.name);
  w.U8(static_cast<std::uint8_t>(p.kind));
  w.U8(static_cast<std::uint8_t>(p.level));
  w.Str(p.region);
  w.F64(p.location.lat);
  w.F64(p.location.lon);
  w.Varint(p.qualifications.size());
  for (const auto& q : p.qualifications) {
    w.Str(q.name);
    w.Opt(q.valid_until, [&](Seconds t) { w.Time(t); });
  }
  w.U8(p.open ? 1 : 0);
  w.Opt(p.evaluation, [&](const engine::Evaluation& e) {
    w.F64(e.service_capability);
    w.F64(e.management);
    w.F64(e.output);
    w.F64(e.basic_conditions);
  });
  w.Meta(p.meta);
  return w.Take();
}

Status DecodePlatform(std::string_view in, engine::Platform* p) {
  Reader r(in);
  if (!Begin(r)) return Status::Corruption("stored platform has an unknown value version");
  p->id = r.Str();
  p->name = r.Str();
  p->kind = r.Enum<engine::PlatformKind>(3);
  p->level = r.Enum<engine::PlatformLevel>(5);
  p->region = r.Str();
  p->location.lat = r.F64();
  p->location.lon = r.F64();
  p->qualifications.resize(r.Count());
  for (auto& q : p->qualifications) {
    q.name = r.Str();
    q.valid_until = r.Flag() ? std::optional<Seconds>(r.Time()) : std::nullopt;
  }
  p->open = r.Flag();
  p->evaluation.reset();
  if (r.Flag()) p->evaluation = engine::Evaluation{r.F64(), r.F64(), r.F64(), r.F64()};
  r.Meta(&p->meta);
  return Finish(r, "platform");
}

std::string EncodeCapability(const engine::Capability& c) {
  Writer w;
  w.U8(kValueVersion);
  w.Str(c.id);
  w.Str(c.platform_id);
  w.Str(c.category);
  w.Str(c.title);
  w.Str(c.description);
  WriteStrings(w, c.keywords);
  w.U8(c.stages);
  w.U8(static_cast<std::uint8_t>(c.unit));
  w.F64(c.price_per_unit);
  w.Varint(c.slots.size());
  for (const auto& s : c.slots) {
    w.Time(s.start);
    w.Time(s.end);
    w.Varint(static_cast<std::uint64_t>(s.units));
  }
  w.Meta(c.meta);
  return w.Take();
}

Status DecodeCapability(std::string_view in, engine::Capability* c) {
  Reader r(in);
  if (!Begin(r)) return Status::Corruption("stored capability has an unknown value version");
  c->id = r.Str();
  c->platform_id = r.Str();
  c->category = r.Str();
  c->title = r.Str();
  c->description = r.Str();
  c->keywords = ReadStrings(r);
  c->stages = r.U8();
  c->unit = r.Enum<engine::Unit>(engine::kUnitCount);
  c->price_per_unit = r.F64();
  c->slots.resize(r.Count());
  for (auto& s : c->slots) {
    s.start = r.Time();
    s.end = r.Time();
    s.units = static_cast<std::int64_t>(r.Varint());
    s.reserved = 0;
  }
  r.Meta(&c->meta);
  return Finish(r, "capability");
}

std::string EncodeRequest(const engine::Request& q) {
  Writer w;
  w.U8(kValueVersion);
  w.Str(q.id);
  w.Str(q.requester.id);
  w.U8(static_cast<std::uint8_t>(q.requester.type));
  w.Str(q.category);
  w.Str(q.text);
  WriteStrings(w, q.keywords);
  w.U8(static_cast<std::uint8_t>(q.stage));
  w.Varint(static_cast<std::uint64_t>(q.quantity));
  w.U8(static_cast<std::uint8_t>(q.unit));
  w.Opt(q.budget_max, [&](double v) { w.F64(v); });
  w.Time(q.window.earliest_start);
  w.Time(q.window.deadline);
  w.Opt(q.location, [&](const engine::GeoPoint& g) {
    w.F64(g.lat);
    w.F64(g.lon);
  });
  w.Opt(q.max_distance_km, [&](double v) { w.F64(v); });
  w.Opt(q.region, [&](const std::string& s) { w.Str(s); });
  WriteStrings(w, q.required_qualifications);
  w.Opt(q.weights, [&](const engine::WeightOverrides& o) {
    const std::optional<double>* fields[] = {&o.category, &o.text,    &o.price,      &o.time,
                                             &o.distance, &o.quality, &o.utilization};
    std::uint8_t mask = 0;
    for (int i = 0; i < 7; ++i) mask |= static_cast<std::uint8_t>(fields[i]->has_value() << i);
    w.U8(mask);
    for (const auto* f : fields) {
      if (*f) w.F64(**f);
    }
  });
  w.U8(static_cast<std::uint8_t>(q.status));
  w.Meta(q.meta);
  return w.Take();
}

Status DecodeRequest(std::string_view in, engine::Request* q) {
  Reader r(in);
  if (!Begin(r)) return Status::Corruption("stored request has an unknown value version");
  q->id = r.Str();
  q->requester.id = r.Str();
  q->requester.type = r.Enum<engine::RequesterType>(5);
  q->category = r.Str();
  q->text = r.Str();
  q->keywords = ReadStrings(r);
  q->stage = r.Enum<engine::Stage>(engine::kStageCount);
  q->quantity = static_cast<std::int64_t>(r.Varint());
  q->unit = r.Enum<engine::Unit>(engine::kUnitCount);
  q->budget_max = r.Flag() ? std::optional<double>(r.F64()) : std::nullopt;
  q->window.earliest_start = r.Time();
  q->window.deadline = r.Time();
  q->location.reset();
  if (r.Flag()) q->location = engine::GeoPoint{r.F64(), r.F64()};
  q->max_distance_km = r.Flag() ? std::optional<double>(r.F64()) : std::nullopt;
  q->region = r.Flag() ? std::optional<std::string>(r.Str()) : std::nullopt;
  q->required_qualifications = ReadStrings(r);
  q->weights.reset();
  if (r.Flag()) {
    engine::WeightOverrides o;
    std::optional<double>* fields[] = {&o.category, &o.text, &o.price, &o.time, &o.distance, &o.quality, &o.utilization};
    const std::uint8_t mask = r.U8();
    for (int i = 0; i < 7; ++i) {
      if (mask & (1u << i)) *fields[i] = r.F64();
    }
    q->weights = o;
  }
  q->status = r.Enum<engine::RequestStatus>(5);
  r.Meta(&q->meta);
  return Finish(r, "request");
}

std::string EncodeReservation(const engine::Reservation& v) {
  Writer w;
  w.U8(kValueVersion);
  w.Str(v.id);
  w.Str(v.request_id);
  w.Str(v.capability_id);
  w.Varint(static_cast<std::uint64_t>(v.quantity));
  w.U8(static_cast<std::uint8_t>(v.status));
  w.Varint(v.allocations.size());
  for (const auto& a : v.allocations) {
    w.Time(a.start);
    w.Time(a.end);
    w.Varint(static_cast<std::uint64_t>(a.units));
  }
  w.Time(v.expires_at);
  w.Meta(v.meta);
  return w.Take();
}

Status DecodeReservation(std::string_view in, engine::Reservation* v) {
  Reader r(in);
  if (!Begin(r)) return Status::Corruption("stored reservation has an unknown value version");
  v->id = r.Str();
  v->request_id = r.Str();
  v->capability_id = r.Str();
  v->quantity = static_cast<std::int64_t>(r.Varint());
  v->status = r.Enum<engine::ReservationStatus>(5);
  v->allocations.resize(r.Count());
  for (auto& a : v->allocations) {
    a.start = r.Time();
    a.end = r.Time();
    a.units = static_cast<std::int64_t>(r.Varint());
  }
  v->expires_at = r.Time();
  r.Meta(&v->meta);
  return Finish(r, "reservation");
}

std::string EncodeEvent(const Event& e) {
  Writer w;
  w.U8(kValueVersion);
  w.Time(e.at);
  w.Str(e.type);
  w.Str(e.body);
  return w.Take();
}

Status DecodeEvent(std::string_view key, std::string_view in, Event* e) {
  if (key.size() != 8) return Status::Corruption("stored event has a malformed key");
  Reader r(in);
  if (!Begin(r)) return Status::Corruption("stored event has an unknown value version");
  e->seq = DecodeEventKey(key);
  e->at = r.Time();
  e->type = r.Str();
  e->body = r.Str();
  return Finish(r, "event");
}

std::string EncodeWatchedPairs(const engine::WatchedPairs& w) {
  Writer out;
  out.U8(kValueVersion);
  out.Str(w.request_id);
  out.Varint(w.announced.size());
  for (const auto& [capability, score] : w.announced) {
    out.Str(capability);
    out.F64(score);
  }
  return out.Take();
}

Status DecodeWatchedPairs(std::string_view in, engine::WatchedPairs* w) {
  Reader r(in);
  if (!Begin(r)) return Status::Corruption("stored match watch state has an unknown value version");
  w->request_id = r.Str();
  const std::uint64_t n = r.Varint();
  w->announced.clear();
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string capability = r.Str();
    const double score = r.F64();
    w->announced.emplace_back(std::move(capability), score);
  }
  return Finish(r, "match watch state");
}

}  // namespace biomatch::storage
