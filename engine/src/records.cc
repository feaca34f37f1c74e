// Records and their indexes, and the Engine's entity puts, deletes, reads
// and lists. The checks of puts and deletes are batch.cc's.
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/validate.h"
#include "mutation.h"
#include "replicas.h"
#include "state.h"

namespace biomatch::engine {
namespace {

// Each posting of capability `idx` with what it holds.
template <typename Fn>
void ForEachPosting(EngineState& s, std::uint32_t idx, Fn fn) {
  const CapabilityRec& c = s.capabilities.at(idx);
  NodePostings& np = s.postings[c.node];
  for (int st = 0; st < kStageCount; ++st) {
    if ((c.stages & (1u << st)) == 0) continue;
    auto& list = np.capabilities[NodePostings::Key(c.unit, static_cast<Stage>(st))];
    fn(list, std::find_if(list.begin(), list.end(), [&](const CapabilityPosting& p) { return p.idx == idx; }));
  }
}

}  // namespace

// Records copy the documents they keep rather than adopt the caller's
// buffers: a parsed document's strings lie among its temporaries (and a
// bulk load's among everything else it parsed), and would pin that memory
// long after the rest is freed.

PlatformRec BuildPlatform(EngineState& s, const Platform& p) {
  PlatformRec rec;
  for (const Qualification& q : p.qualifications) {
    auto [it, inserted] = s.qualification_ids.try_emplace(q.name, static_cast<std::uint32_t>(s.qualification_ids.size()));
    rec.quals.push_back({it->second, q.valid_until.value_or(kMaxTime)});
  }
  std::sort(rec.quals.begin(), rec.quals.end(),
            [](const HeldQualification& a, const HeldQualification& b) { return a.id < b.id; });
  rec.doc = p;  // a copy: see above
  return rec;
}

void StorePlatform(EngineState& s, std::uint32_t idx, PlatformRec rec) {
  PlatformRec& stored = s.platforms.at(idx) = std::move(rec);
  const Platform& p = stored.doc;
  if (s.platform_facts.size() <= idx) {
    s.platform_facts.resize(s.platforms.slots());
    s.platform_capabilities.resize(s.platforms.slots());
  }
  PlatformFacts& f = s.platform_facts[idx];
  f.at = OnSphere(p.location);
  f.quality = 0.5;
  if (p.evaluation) {
    const Evaluation& e = *p.evaluation;
    f.quality = (e.service_capability + e.management + e.output + e.basic_conditions) / 400.0;
  }
  f.quals = stored.quals.data();
  f.qual_count = static_cast<std::uint32_t>(stored.quals.size());
  f.qual_mask = 0;
  for (const HeldQualification& q : stored.quals) f.qual_mask |= QualMask(q.id);
  f.region = s.regions.Intern(p.region);
  f.open = p.open;
}

CapabilityRec BuildCapability(EngineState& s, const Capability& c, std::uint32_t platform) {
  CapabilityRec rec;
  // Title, description and keywords: kept, and indexed for text relevance.
  std::vector<std::string_view> texts{c.title, c.description};
  for (const std::string& k : c.keywords) texts.push_back(k);
  rec.node = s.InternCategory(c.category);
  rec.texts = PackedStrings(texts, &s.pool);
  rec.terms = s.vocabulary.BuildDoc(texts, s.CategoryPool(rec.node));
  rec.price_per_unit = c.price_per_unit;
  rec.platform = platform;
  rec.stages = c.stages;
  rec.unit = c.unit;
  return rec;
}

void IndexCapability(EngineState& s, std::uint32_t idx) {
  CapabilityRec& c = s.capabilities.at(idx);
  NodePostings& np = s.postings[c.node];
  for (int st = 0; st < kStageCount; ++st) {
    if (c.stages & (1u << st)) {
      np.capabilities[NodePostings::Key(c.unit, static_cast<Stage>(st))].push_back({idx, c.platform, CapabilityView(c)});
    }
  }
  ++np.capabilities_by_unit[static_cast<std::size_t>(c.unit)];
  s.vocabulary.AddDoc(c.terms);
  ++s.platform_capabilities[c.platform];
  s.offered_units += c.calendar.total_units();
  s.reserved_units += c.calendar.total_reserved();
}

void RefreshPostings(EngineState& s, std::uint32_t idx) {
  ForEachPosting(s, idx, [&](std::vector<CapabilityPosting>&, auto it) { it->view = CapabilityView(s.capabilities.at(idx)); });
}

void EraseValue(std::vector<std::uint32_t>* v, std::uint32_t value) {
  if (auto it = std::find(v->begin(), v->end(), value); it != v->end()) {
    *it = v->back();
    v->pop_back();
  }
}

void UnindexCapability(EngineState& s, std::uint32_t idx) {
  ForEachPosting(s, idx, [](std::vector<CapabilityPosting>& list, auto it) {
    *it = list.back();
    list.pop_back();
  });
  const CapabilityRec& c = s.capabilities.at(idx);
  --s.postings[c.node].capabilities_by_unit[static_cast<std::size_t>(c.unit)];
  s.vocabulary.RemoveDoc(c.terms);
  --s.platform_capabilities[c.platform];
  s.offered_units -= c.calendar.total_units();
  s.reserved_units -= c.calendar.total_reserved();
}

void IndexOpenRequest(EngineState& s, std::uint32_t idx) {
  const RequestRec& r = s.requests.at(idx);
  s.postings[r.plan.node].open_requests[NodePostings::Key(r.plan.unit, r.plan.stage)].push_back(idx);
  s.open_by_deadline.emplace(r.doc.window.deadline, idx);
  ++s.open_requests;
}

void UnindexOpenRequest(EngineState& s, std::uint32_t idx) {
  const RequestRec& r = s.requests.at(idx);
  EraseValue(&s.postings[r.plan.node].open_requests[NodePostings::Key(r.plan.unit, r.plan.stage)], idx);
  s.open_by_deadline.erase({r.doc.window.deadline, idx});
  --s.open_requests;
}

RequestStatus DeriveStatus(const RequestRec& r, Seconds now) {
  const RequestStatus current = r.doc.status;
  if (current == RequestStatus::kCancelled || current == RequestStatus::kExpired) return current;
  if (r.completed_units >= r.doc.quantity) return RequestStatus::kFulfilled;
  if (r.live_units + r.completed_units >= r.doc.quantity) return RequestStatus::kReserved;
  if (r.doc.window.deadline < now) return RequestStatus::kExpired;
  return RequestStatus::kOpen;
}

bool SetRequestStatus(EngineState& s, std::uint32_t idx, RequestStatus status, Seconds now) {
  RequestRec& r = s.requests.at(idx);
  if (r.doc.status == status) return false;
  if (r.doc.status == RequestStatus::kOpen) UnindexOpenRequest(s, idx);
  r.doc.status = status;
  if (status == RequestStatus::kOpen) IndexOpenRequest(s, idx);
  ++r.doc.meta.version;
  r.doc.meta.updated_at = now;
  return true;
}

PutOutcome<Platform> ApplyPutPlatform(EngineState& s, Platform platform, Seconds now, ChangeSet* changes) {
  const auto [idx, created] = s.platforms.FindOrInsert(platform.id);
  Stamp(&platform.meta, created ? nullptr : &s.platforms.at(idx).doc.meta, now);
  PlatformRec rec = BuildPlatform(s, platform);
  PutOutcome<Platform> out{rec.doc, created};
  StorePlatform(s, idx, std::move(rec));
  if (changes) changes->platforms.push_back(out.entity);
  return out;
}

PutOutcome<Capability> ApplyPutCapability(EngineState& s, Capability capability, std::uint32_t platform, Seconds now,
                                          ChangeSet* changes, bool want_entity) {
  const auto [idx, created] = s.capabilities.FindOrInsert(capability.id);
  const CapabilityRec* prev = created ? nullptr : &s.capabilities.at(idx);
  CapabilityRec rec = BuildCapability(s, capability, platform);
  static const SlotCalendar kNoCalendar;
  const SlotCalendar& old_calendar = prev ? prev->calendar : kNoCalendar;  // no copy
  rec.calendar = CarryReservations(old_calendar, std::move(capability.slots), s.CategoryPool(rec.node)).value();
  Stamp(&rec.meta, prev ? &prev->meta : nullptr, now);
  if (prev) {
    rec.live_reservations = prev->live_reservations;
    rec.reservations = prev->reservations;
    UnindexCapability(s, idx);
  }
  s.capabilities.at(idx) = std::move(rec);
  IndexCapability(s, idx);
  PutOutcome<Capability> out{want_entity || changes ? CapabilitySnapshot(s, idx) : Capability{}, created};
  if (changes) changes->capabilities.push_back(out.entity);
  return out;
}

PutOutcome<Request> ApplyPutRequest(EngineState& s, Request request, Seconds now, ChangeSet* changes) {
  const auto [idx, created] = s.requests.FindOrInsert(request.id);
  RequestRec& rec = s.requests.at(idx);  // CompilePlan leaves the requests table alone
  Stamp(&request.meta, created ? nullptr : &rec.doc.meta, now);
  if (!created && rec.doc.status == RequestStatus::kOpen) UnindexOpenRequest(s, idx);
  rec.plan = CompilePlan(s, request);
  rec.doc = request;  // a copy: see BuildPlatform
  // A re-posted request is live again: derive its status afresh.
  rec.doc.status = RequestStatus::kFulfilled;  // a placeholder outside the open index
  rec.doc.status = DeriveStatus(rec, now);
  if (rec.doc.status == RequestStatus::kOpen) IndexOpenRequest(s, idx);
  PutOutcome<Request> out{rec.doc, created};
  if (changes) changes->requests.push_back(out.entity);
  return out;
}

void ApplyDeletePlatform(EngineState& s, std::string_view id, ChangeSet* changes) {
  const std::uint32_t idx = *s.platforms.Find(id);
  if (changes) changes->deleted_platforms.push_back(s.platforms.at(idx).doc);
  s.platforms.Erase(idx);
}

void ApplyDeleteCapability(EngineState& s, std::string_view id, ChangeSet* changes) {
  const std::uint32_t idx = *s.capabilities.Find(id);
  for (const std::uint32_t r : std::vector<std::uint32_t>(s.capabilities.at(idx).reservations)) {
    EraseReservation(s, r, changes);
  }
  UnindexCapability(s, idx);
  if (changes) changes->deleted_capabilities.push_back(CapabilitySnapshot(s, idx));
  s.capabilities.Erase(idx);
}

void ApplyDeleteRequest(EngineState& s, std::string_view id, ChangeSet* changes) {
  const std::uint32_t idx = *s.requests.Find(id);
  if (s.requests.at(idx).doc.status == RequestStatus::kOpen) UnindexOpenRequest(s, idx);
  for (const std::uint32_t r : std::vector<std::uint32_t>(s.requests.at(idx).reservations)) {
    EraseReservation(s, r, changes);
  }
  if (changes) changes->deleted_requests.push_back(s.requests.at(idx).doc);
  s.requests.Erase(idx);
}

Result<PutOutcome<Platform>> Engine::PutPlatform(Platform platform, Seconds now, IfMatch if_match) {
  if (Status st = ValidateId(platform.id); !st.ok()) return st;
  if (Status st = ValidatePlatform(platform); !st.ok()) return st;
  return replicas_->Write([&](EngineState& s, bool last) -> Result<PutOutcome<Platform>> {
    if (Status st = CheckIfMatchOn(s.platforms, platform.id, if_match); !st.ok()) return st;
    ChangeSet changes;
    auto out = ApplyPutPlatform(s, Take(platform, last), now, &changes);
    Notify(s, changes, now);
    return out;
  });
}

Status Engine::DeletePlatform(std::string_view id, IfMatch if_match) {
  return replicas_->Write([&](EngineState& s, bool) -> Status {
    if (Status st = CheckDeletePlatform(s, id); !st.ok()) return st;
    if (Status st = CheckIfMatchOn(s.platforms, id, if_match); !st.ok()) return st;
    ChangeSet changes;
    ApplyDeletePlatform(s, id, &changes);
    Notify(s, changes, std::nullopt);
    return Status::Ok();
  });
}

Result<PutOutcome<Capability>> Engine::PutCapability(Capability capability, Seconds now, IfMatch if_match) {
  if (Status st = ValidateId(capability.id); !st.ok()) return st;
  if (Status st = ValidateCapability(capability); !st.ok()) return st;
  return replicas_->Write([&](EngineState& s, bool last) -> Result<PutOutcome<Capability>> {
    if (Status st = CheckIfMatchOn(s.capabilities, capability.id, if_match); !st.ok()) return st;
    std::uint32_t platform;
    if (Status st = CheckPutCapability(s, capability, &platform); !st.ok()) return st;
    ChangeSet changes;
    auto out = ApplyPutCapability(s, Take(capability, last), platform, now, &changes);
    Notify(s, changes, now);
    return out;
  });
}

Status Engine::DeleteCapability(std::string_view id, IfMatch if_match) {
  return replicas_->Write([&](EngineState& s, bool) -> Status {
    if (Status st = CheckDeleteCapability(s, id); !st.ok()) return st;
    if (Status st = CheckIfMatchOn(s.capabilities, id, if_match); !st.ok()) return st;
    ChangeSet changes;
    ApplyDeleteCapability(s, id, &changes);
    Notify(s, changes, std::nullopt);
    return Status::Ok();
  });
}

Result<PutOutcome<Request>> Engine::PutRequest(Request request, Seconds now, IfMatch if_match) {
  if (Status st = ValidateId(request.id); !st.ok()) return st;
  if (Status st = ValidateRequest(request); !st.ok()) return st;
  return replicas_->Write([&](EngineState& s, bool last) -> Result<PutOutcome<Request>> {
    if (Status st = CheckIfMatchOn(s.requests, request.id, if_match); !st.ok()) return st;
    if (Status st = CheckPutRequest(s, request); !st.ok()) return st;
    ChangeSet changes;
    auto out = ApplyPutRequest(s, Take(request, last), now, &changes);
    Notify(s, changes, now);
    return out;
  });
}

Status Engine::DeleteRequest(std::string_view id, IfMatch if_match) {
  return replicas_->Write([&](EngineState& s, bool) -> Status {
    if (Status st = CheckDeleteRequest(s, id); !st.ok()) return st;
    if (Status st = CheckIfMatchOn(s.requests, id, if_match); !st.ok()) return st;
    ChangeSet changes;
    ApplyDeleteRequest(s, id, &changes);
    Notify(s, changes, std::nullopt);
    return Status::Ok();
  });
}

Result<Platform> Engine::GetPlatform(std::string_view id) const {
  const Replicas::Read s(*replicas_);
  const auto idx = s->platforms.Find(id);
  if (!idx) return Status::NotFound(Quoted("platform", id) + " does not exist");
  return s->platforms.at(*idx).doc;
}

ListPage<Platform> Engine::ListPlatforms(const ListQuery& q) const {
  const Replicas::Read s(*replicas_);
  const auto& platforms = s->platforms;  // the lambdas below run under the lock
  return ListTable<Platform>(
      platforms, q,
      [&](const PlatformRec& p) { return q.region_prefix.empty() || IsPathPrefix(q.region_prefix, p.doc.region); },
      [&](std::uint32_t idx) { return platforms.at(idx).doc; });
}

Result<Capability> Engine::ReplaceSlots(std::string_view capability_id, std::vector<Slot> slots, Seconds now,
                                        IfMatch if_match) {
  if (Status st = ValidateSlots(slots); !st.ok()) return st;
  return replicas_->Write([&](EngineState& s, bool last) -> Result<Capability> {
    const auto idx = s.capabilities.Find(capability_id);
    if (!idx) return Status::NotFound(Quoted("capability", capability_id) + " does not exist");
    CapabilityRec& rec = s.capabilities.at(*idx);
    if (Status st = CheckIfMatch(&rec.meta, if_match); !st.ok()) return st;
    Result<SlotCalendar> calendar = CarryReservations(rec.calendar, Take(slots, last), s.CategoryPool(rec.node));
    if (!calendar.ok()) return calendar.status();
    s.offered_units += calendar->total_units() - rec.calendar.total_units();
    rec.calendar = std::move(calendar).value();
    RefreshPostings(s, *idx);
    Stamp(&rec.meta, &rec.meta, now);
    ChangeSet changes;
    changes.capabilities.push_back(CapabilitySnapshot(s, *idx));
    Notify(s, changes, now);
    return changes.capabilities.back();
  });
}

Result<Capability> Engine::GetCapability(std::string_view id) const {
  const Replicas::Read s(*replicas_);
  const auto idx = s->capabilities.Find(id);
  if (!idx) return Status::NotFound(Quoted("capability", id) + " does not exist");
  return CapabilitySnapshot(*s, *idx);
}

ListPage<Capability> Engine::ListCapabilities(const ListQuery& q) const {
  const Replicas::Read read(*replicas_);
  const EngineState& s = *read;
  return ListTable<Capability>(
      s.capabilities, q,
      [&](const CapabilityRec& c) {
        return (q.platform_id.empty() || s.platforms.id(c.platform) == q.platform_id) &&
               (q.category_prefix.empty() || IsPathPrefix(q.category_prefix, s.categories.node(c.node).path)) &&
               (q.region_prefix.empty() || IsPathPrefix(q.region_prefix, s.platforms.at(c.platform).doc.region));
      },
      [&](std::uint32_t idx) { return CapabilitySnapshot(s, idx); });
}

Result<Request> Engine::GetRequest(std::string_view id) const {
  const Replicas::Read s(*replicas_);
  const auto idx = s->requests.Find(id);
  if (!idx) return Status::NotFound(Quoted("request", id) + " does not exist");
  return s->requests.at(*idx).doc;
}

ListPage<Request> Engine::ListRequests(const ListQuery& q) const {
  const Replicas::Read s(*replicas_);
  const auto& requests = s->requests;  // the lambdas below run under the lock
  return ListTable<Request>(
      requests, q,
      [&](const RequestRec& r) {
        return (q.category_prefix.empty() || IsPathPrefix(q.category_prefix, r.doc.category)) &&
               (q.region_prefix.empty() || (r.doc.region && IsPathPrefix(q.region_prefix, *r.doc.region))) &&
               (!q.request_status || r.doc.status == *q.request_status);
      },
      [&](std::uint32_t idx) { return requests.at(idx).doc; });
}

}  // namespace biomatch::engine
