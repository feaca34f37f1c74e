#include "events.h"

#include <algorithm>
#include <cstring>

#include "biomatch/engine/tokenize.h"
#include "biomatch/server/json_codec.h"

namespace biomatch::server {
namespace {

constexpr char kBodyTag = 'F';

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
  if (const engine::Capability* c = context.FindCapability(x.capability_id)) {
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
  if (const engine::Capability* c = context.FindCapability(m.capability_id)) AddTokens({c->title}, c->keywords, &f);
  if (const engine::Platform* p = context.FindPlatform(m.platform_id)) f.region = p->region;
  f.platform_id = m.platform_id;
  f.score = m.score;
  Finish(&f);
  return f;
}

void PutVarint(std::uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutStr(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

// Reads the facets grammar; every read fails (and stays failed) past the end.
class BodyReader {
 public:
  explicit BodyReader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  std::string_view rest() const { return in_; }
  std::uint8_t U8() {
    if (in_.empty()) return Fail(), 0;
    const auto v = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  std::uint64_t Varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      const std::uint8_t b = U8();
      if (!ok_) return 0;
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail(), 0;
  }
  void Str(std::string* out) {
    const std::uint64_t n = Varint();
    if (!ok_ || n > in_.size()) return Fail();
    out->assign(in_.substr(0, n));
    in_.remove_prefix(n);
  }
  double F64() {
    if (in_.size() < 8) return Fail(), 0;
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[i])) << (8 * i);
    in_.remove_prefix(8);
    double v;
    std::memcpy(&v, &bits, 8);
    return v;
  }

 private:
  void Fail() { ok_ = false; }
  std::string_view in_;
  bool ok_ = true;
};

template <typename Entity, typename Append>
std::string EntityData(const Entity& e, Append append) {
  std::string data;
  append(e, &data);
  return data;
}

}  // namespace

std::string EncodeEventBody(const EventFacets& f, std::string_view data) {
  std::string out;
  out.push_back(kBodyTag);
  PutStr(f.category, &out);
  PutStr(f.region, &out);
  out.push_back(static_cast<char>(f.stages));
  PutStr(f.platform_id, &out);
  PutStr(f.requester_id, &out);
  out.push_back(f.score ? 1 : 0);
  if (f.score) {  // IEEE 754, little-endian
    std::uint64_t bits;
    std::memcpy(&bits, &*f.score, 8);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
  }
  PutVarint(f.tokens.size(), &out);
  for (const std::string& t : f.tokens) PutStr(t, &out);
  out.append(data);
  return out;
}

engine::Status DecodeEventBody(std::string_view body, EventFacets* f, std::string_view* data) {
  if (body.empty() || body[0] != kBodyTag) return engine::Status::Corruption("an event body of an unknown form");
  BodyReader r(body.substr(1));
  // Assigned field by field so a reused *f keeps its capacity.
  r.Str(&f->category);
  r.Str(&f->region);
  f->stages = r.U8();
  r.Str(&f->platform_id);
  r.Str(&f->requester_id);
  f->score.reset();
  if (r.U8() != 0) f->score = r.F64();
  const std::uint64_t n = r.Varint();
  f->tokens.resize(r.ok() && n <= body.size() ? n : 0);
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
  return out;
}

}  // namespace biomatch::server
