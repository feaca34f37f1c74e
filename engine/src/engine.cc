// Engine mutations and reads. Matching lives in matcher.cc, statistics in
// stats.cc; all three share EngineState (state.h).
#include "biomatch/engine/engine.h"

#include <algorithm>
#include <cassert>
#include <mutex>
#include <variant>

#include "biomatch/engine/validate.h"
#include "state.h"

namespace biomatch::engine {
namespace {

using Lock = std::unique_lock<std::shared_mutex>;
using ReadLock = std::shared_lock<std::shared_mutex>;

std::string Quoted(std::string_view kind, std::string_view id) {
  std::string s(kind);
  s += ' ';
  s += id;
  return s;
}

Status CheckIfMatch(const EntityMeta* current, IfMatch if_match) {
  if (!if_match) return Status::Ok();
  if (current == nullptr) return Status::PreconditionFailed("If-Match given but the entity does not exist");
  if (current->version != *if_match) {
    return Status::PreconditionFailed("If-Match version " + std::to_string(*if_match) +
                                      " does not match current version " + std::to_string(current->version));
  }
  return Status::Ok();
}

void Stamp(EntityMeta* meta, const EntityMeta* previous, Seconds now) {
  meta->version = previous ? previous->version + 1 : 1;
  meta->created_at = previous ? previous->created_at : now;
  meta->updated_at = now;
}

// What an observer may read during its call (the exclusive lock is held).
class StateContext final : public ChangeContext {
 public:
  explicit StateContext(const EngineState& s) : s_(s) {}
  const Platform* FindPlatform(std::string_view id) const override {
    const auto idx = s_.platforms.Find(id);
    return idx ? &s_.platforms.at(*idx).doc : nullptr;
  }
  std::optional<Capability> FindCapability(std::string_view id) const override {
    const auto idx = s_.capabilities.Find(id);
    return idx ? std::optional(CapabilitySnapshot(s_, *idx, false)) : std::nullopt;
  }
  const Request* FindRequest(std::string_view id) const override {
    const auto idx = s_.requests.Find(id);
    return idx ? &s_.requests.at(*idx).doc : nullptr;
  }

 private:
  const EngineState& s_;
};

// Completes a mutation's change set with the unmet demand's and the match
// watch's findings and hands it to the observer. `now` is the mutation's
// time (none for deletes).
void Notify(EngineState& s, ChangeSet& changes, std::optional<Seconds> now) {
  s.unmet.Update(s, now, &changes);
  if (!s.observer) return;
  s.watch.Update(s, now, &changes);
  if (!changes.empty()) s.observer(changes, StateContext(s));
}

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

// Stores `rec` as platform `idx` (a new index, or the platform's own) with
// its facts for matching.
void StorePlatform(EngineState& s, std::uint32_t idx, PlatformRec rec) {
  PlatformRec& stored = s.platforms.at(idx) = std::move(rec);
  const Platform& p = stored.doc;
  if (s.platform_facts.size() <= idx) {
    s.platform_facts.resize(s.platforms.slots());
    s.platform_capabilities.resize(s.platforms.slots());
  }
  PlatformFacts& f = s.platform_facts[idx];
  f.location = p.location;
  f.cos_lat = CosLatitude(p.location);
  f.quality = 0.5;
  if (p.evaluation) {
    const Evaluation& e = *p.evaluation;
    f.quality = (e.service_capability + e.management + e.output + e.basic_conditions) / 400.0;
  }
  f.quals = stored.quals.data();
  f.qual_count = static_cast<std::uint32_t>(stored.quals.size());
  f.region = s.regions.Intern(p.region);
  f.open = p.open;
}

// A capability's record but for its calendar, reservations and meta;
// `platform` is the index of its platform.
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

// After capability `idx` got a new calendar.
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

// The status a live request should have given its units and the clock.
// Cancelled and expired requests stay as they are.
RequestStatus DeriveStatus(const RequestRec& r, Seconds now) {
  const RequestStatus current = r.doc.status;
  if (current == RequestStatus::kCancelled || current == RequestStatus::kExpired) return current;
  if (r.completed_units >= r.doc.quantity) return RequestStatus::kFulfilled;
  if (r.live_units + r.completed_units >= r.doc.quantity) return RequestStatus::kReserved;
  if (r.doc.window.deadline < now) return RequestStatus::kExpired;
  return RequestStatus::kOpen;
}

// Moves a request to `status`, keeping the open-request index in step.
// Returns true when the status changed (the version is then bumped).
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


// A new calendar for `slots` that keeps the reservations of `old`: every slot
// with reserved units must remain with the same bounds and enough units.
// The new calendar's block comes from `mr`.
Result<SlotCalendar> CarryReservations(const SlotCalendar& old, std::vector<Slot> slots,
                                       std::pmr::memory_resource* mr = std::pmr::get_default_resource()) {
  for (Slot& s : slots) s.reserved = 0;
  if (old.total_reserved() == 0) return SlotCalendar(std::move(slots), mr);
  const auto by_start = [](const Slot& a, const Slot& b) { return a.start < b.start; };
  if (!std::is_sorted(slots.begin(), slots.end(), by_start)) std::sort(slots.begin(), slots.end(), by_start);
  for (std::size_t i = 0; i < old.size(); ++i) {
    const Slot prev = old.slot(i);
    if (prev.reserved == 0) continue;
    auto it = std::lower_bound(slots.begin(), slots.end(), prev.start,
                               [](const Slot& s, Seconds start) { return s.start < start; });
    const std::string where = "slot " + FormatRfc3339(prev.start) + " to " + FormatRfc3339(prev.end);
    if (it == slots.end() || it->start != prev.start || it->end != prev.end) {
      return Status::Conflict(where + " has " + std::to_string(prev.reserved) +
                              " reserved units and cannot be removed or moved");
    }
    if (it->units < prev.reserved) {
      return Status::Conflict(where + " has " + std::to_string(prev.reserved) + " reserved units; " +
                              std::to_string(it->units) + " units would be too few");
    }
    it->reserved = prev.reserved;
  }
  return SlotCalendar(std::move(slots), mr);
}

std::vector<Allocation> Allocate(SlotCalendar& cal, std::size_t first, std::size_t last, std::int64_t quantity) {
  std::vector<Allocation> out;
  for (std::size_t i = first; i <= last && quantity > 0; ++i) {
    const std::int64_t take = std::min(cal.Free(i), quantity);
    if (take == 0) continue;
    cal.Reserve(i, take);
    const Slot slot = cal.slot(i);
    out.push_back({slot.start, slot.end, take});
    quantity -= take;
  }
  return out;
}

// Applies (sign +1) or releases (sign -1) a reservation's allocations.
Status ApplyAllocations(EngineState& s, const Reservation& r, std::uint32_t cap_idx, int sign) {
  CapabilityRec& c = s.capabilities.at(cap_idx);
  for (const Allocation& a : r.allocations) {
    const auto i = c.calendar.Find(a.start, a.end);
    if (!i) return Status::Corruption("reservation " + r.id + " names a slot capability " + r.capability_id + " lacks");
    if (sign > 0) {
      if (c.calendar.Free(*i) < a.units) {
        return Status::Corruption("reservation " + r.id + " over-reserves a slot of " + r.capability_id);
      }
      c.calendar.Reserve(*i, a.units);
    } else {
      c.calendar.Release(*i, a.units);
    }
    s.reserved_units += sign * a.units;
  }
  return Status::Ok();
}

bool IsLive(ReservationStatus st) { return st == ReservationStatus::kHeld || st == ReservationStatus::kConfirmed; }

// Ends a live reservation as cancelled or expired and frees its units.
void Release(EngineState& s, std::uint32_t res_idx, ReservationStatus end_status, Seconds now,
             ChangeSet* changes) {
  Reservation& r = s.reservations.at(res_idx).doc;
  const std::uint32_t cap_idx = *s.capabilities.Find(r.capability_id);
  const std::uint32_t req_idx = *s.requests.Find(r.request_id);
  (void)ApplyAllocations(s, r, cap_idx, -1);  // releasing what was applied cannot fail
  --s.capabilities.at(cap_idx).live_reservations;
  if (r.status == ReservationStatus::kHeld) {
    s.holds_by_expiry.erase({r.expires_at, res_idx});
    --s.held;
  } else {
    --s.confirmed;
  }
  r.status = end_status;
  ++r.meta.version;
  r.meta.updated_at = now;
  changes->reservations.push_back(r);
  RequestRec& req = s.requests.at(req_idx);
  req.live_units -= r.quantity;
  if (SetRequestStatus(s, req_idx, DeriveStatus(req, now), now)) changes->requests.push_back(req.doc);
}

// Accounts a live or completed reservation against its request, capability
// and the counters (shared by Hold and LoadReservation).
void Attach(EngineState& s, std::uint32_t res_idx) {
  const Reservation& r = s.reservations.at(res_idx).doc;
  RequestRec& req = s.requests.at(*s.requests.Find(r.request_id));
  CapabilityRec& cap = s.capabilities.at(*s.capabilities.Find(r.capability_id));
  req.reservations.push_back(res_idx);
  cap.reservations.push_back(res_idx);
  if (r.status == ReservationStatus::kCompleted) req.completed_units += r.quantity;
  if (!IsLive(r.status)) return;
  req.live_units += r.quantity;
  ++cap.live_reservations;
  if (r.status == ReservationStatus::kHeld) {
    s.holds_by_expiry.emplace(r.expires_at, res_idx);
    ++s.held;
  } else {
    ++s.confirmed;
  }
}

// Deletes a finished reservation with its capability or request: its
// completed units are given back so the state stays what reloading the
// remaining reservations would rebuild.
void EraseReservation(EngineState& s, std::uint32_t res_idx, ChangeSet* changes) {
  const Reservation r = s.reservations.at(res_idx).doc;
  const std::uint32_t req_idx = *s.requests.Find(r.request_id);
  const std::uint32_t cap_idx = *s.capabilities.Find(r.capability_id);
  if (r.status == ReservationStatus::kCompleted) {
    (void)ApplyAllocations(s, r, cap_idx, -1);
    s.requests.at(req_idx).completed_units -= r.quantity;
  }
  EraseValue(&s.requests.at(req_idx).reservations, res_idx);
  EraseValue(&s.capabilities.at(cap_idx).reservations, res_idx);
  s.reservations.Erase(res_idx);
  if (changes) changes->deleted_reservations.push_back(r.id);
}

// One page of `table` in id order after q.after: the snapshot(idx) of each
// record that keep(rec) accepts. next_after is set only when another
// accepted record follows.
template <typename T, typename Rec, typename Filter, typename Snap>
ListPage<T> ListTable(const Table<Rec>& table, const ListQuery& q, Filter keep, Snap snapshot) {
  ListPage<T> page;
  const std::size_t limit = std::max<std::size_t>(1, q.limit);
  std::string_view last_id;
  table.ids().ScanAfter(q.after, [&](std::uint32_t idx) {
    const Rec& rec = table.at(idx);
    if (!keep(rec)) return true;
    if (page.items.size() == limit) {
      page.next_after = std::string(last_id);
      return false;
    }
    page.items.push_back(snapshot(idx));
    last_id = table.id(idx);
    return true;
  });
  return page;
}

}  // namespace

Capability CapabilitySnapshot(const EngineState& s, std::uint32_t idx, bool slots) {
  const CapabilityRec& rec = s.capabilities.at(idx);
  Capability c;
  c.id = s.capabilities.id(idx);
  c.platform_id = s.platforms.id(rec.platform);
  c.category = s.categories.node(rec.node).path;
  c.title = rec.texts[0];
  c.description = rec.texts[1];
  for (std::size_t i = 2; i < rec.texts.size(); ++i) c.keywords.emplace_back(rec.texts[i]);
  c.stages = rec.stages;
  c.unit = rec.unit;
  c.price_per_unit = rec.price_per_unit;
  if (slots) c.slots = rec.calendar.Slots();
  c.meta = rec.meta;
  return c;
}

Engine::Engine() : state_(std::make_unique<EngineState>()) {}
Engine::~Engine() = default;

void Engine::SetChangeObserver(ChangeObserver observer) {
  Lock lock(state_->mu);
  state_->observer = std::move(observer);
}

void Engine::SetMatchWatch(const MatchWatchOptions& options) {
  Lock lock(state_->mu);
  state_->watch.Configure(options);
}

// --- Platforms.

// --- Puts and deletes: each is a state check (against the engine and, in a
// batch, what earlier operations did) and an apply that cannot fail.

namespace {

// Values by id for the ids a batch touches: a StringIndex naming slots of a
// vector (a flat table: a bulk load touches a million ids).
template <typename V>
class BatchMap {
 public:
  void Reserve(std::size_t n) {
    slots_.Reserve(n, 0);
    values_.reserve(n);
  }
  const V* Find(std::string_view id) const {
    const auto slot = slots_.Find(id);
    return slot ? &values_[*slot].value : nullptr;
  }
  // The value of `id`, value-initialised when it had none.
  V& operator[](std::string_view id) {
    const auto [slot, added] = slots_.FindOrInsert(id, static_cast<std::uint32_t>(values_.size()));
    if (added) values_.emplace_back();
    return values_[slot].value;
  }

 private:
  struct Value {
    V value{};  // wrapped: no std::vector<bool>
  };
  StringIndex slots_;
  std::vector<Value> values_;
};

// Where the check of a capability put found its platform: an index in the
// engine, or (with kPutInBatch) the index of the operation of the batch that
// puts it, whose engine index is known once that operation is applied.
using PlatformRef = std::uint32_t;
constexpr PlatformRef kPutInBatch = 0x80000000;

// What the earlier operations of a batch did, so later ones are checked
// against the state they will meet. Empty for a single operation. Values
// view the batch's operations and the engine's state, which stay put while
// the batch is checked.
struct Overlay {
  BatchMap<std::optional<std::uint32_t>> platforms;  // id -> the operation that last put it; none once deleted
  BatchMap<std::optional<std::string_view>> capabilities;  // id -> platform, if it exists
  BatchMap<bool> requests;
  BatchMap<std::int64_t> capabilities_per_platform;  // change in count
  // Deleted earlier in the batch: their stored reservations no longer apply.
  BatchMap<bool> deleted_capabilities, deleted_requests;

  std::optional<PlatformRef> FindPlatform(const EngineState& s, std::string_view id) const {
    if (const auto* op = platforms.Find(id)) {
      if (!*op) return std::nullopt;
      return **op | kPutInBatch;
    }
    return s.platforms.Find(id);
  }
  std::optional<std::string_view> CapabilityPlatform(const EngineState& s, std::string_view id) const {
    if (const auto* platform = capabilities.Find(id)) return *platform;
    if (auto idx = s.capabilities.Find(id)) return s.platforms.id(s.capabilities.at(*idx).platform);
    return std::nullopt;
  }
  bool RequestExists(const EngineState& s, std::string_view id) const {
    if (const bool* exists = requests.Find(id)) return *exists;
    return s.requests.Find(id).has_value();
  }
  // The stored capability or request `id`, unless the batch deleted it earlier.
  template <typename Rec>
  static const Rec* Stored(const Table<Rec>& table, const BatchMap<bool>& deleted, std::string_view id) {
    if (deleted.Find(id)) return nullptr;
    const auto idx = table.Find(id);
    return idx ? &table.at(*idx) : nullptr;
  }
};

// Sets *platform to where the capability's platform is.
Status CheckPutCapability(const EngineState& s, const Overlay& o, const Capability& c, PlatformRef* platform) {
  const auto found = o.FindPlatform(s, c.platform_id);
  if (!found) return Status::InvalidArgument("platform_id", Quoted("platform", c.platform_id) + " does not exist");
  *platform = *found;
  // Only reserved units can make the new slots conflict with the old.
  const CapabilityRec* prev = o.Stored(s.capabilities, o.deleted_capabilities, c.id);
  if (prev && prev->calendar.total_reserved() > 0) {
    if (auto carried = CarryReservations(prev->calendar, c.slots); !carried.ok()) return carried.status();
  }
  return Status::Ok();
}

Status CheckPutRequest(const EngineState& s, const Overlay& o, const Request& r) {
  if (const RequestRec* prev = o.Stored(s.requests, o.deleted_requests, r.id)) {
    if (prev->live_units + prev->completed_units > r.quantity) {
      return Status::Conflict("quantity " + std::to_string(r.quantity) + " is below the " +
                              std::to_string(prev->live_units + prev->completed_units) +
                              " units already reserved or completed");
    }
  }
  return Status::Ok();
}

Status CheckDeletePlatform(const EngineState& s, const Overlay& o, std::string_view id) {
  if (!o.FindPlatform(s, id)) return Status::NotFound(Quoted("platform", id) + " does not exist");
  std::int64_t count = 0;
  if (auto idx = s.platforms.Find(id)) count += s.platform_capabilities[*idx];
  if (const std::int64_t* change = o.capabilities_per_platform.Find(id)) count += *change;
  if (count > 0) return Status::Conflict(Quoted("platform", id) + " still has " + std::to_string(count) + " capabilities");
  return Status::Ok();
}

Status CheckDeleteCapability(const EngineState& s, const Overlay& o, std::string_view id) {
  if (!o.CapabilityPlatform(s, id)) return Status::NotFound(Quoted("capability", id) + " does not exist");
  if (const CapabilityRec* rec = o.Stored(s.capabilities, o.deleted_capabilities, id); rec && rec->live_reservations > 0) {
    return Status::Conflict(Quoted("capability", id) + " has " + std::to_string(rec->live_reservations) +
                            " live reservations");
  }
  return Status::Ok();
}

Status CheckDeleteRequest(const EngineState& s, const Overlay& o, std::string_view id) {
  if (!o.RequestExists(s, id)) return Status::NotFound(Quoted("request", id) + " does not exist");
  if (const RequestRec* rec = o.Stored(s.requests, o.deleted_requests, id); rec && rec->live_units > 0) {
    return Status::Conflict(Quoted("request", id) + " has " + std::to_string(rec->live_units) +
                            " units in live reservations");
  }
  return Status::Ok();
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

// REQUIRES: CheckPutCapability passed.
// `changes` may be null (nobody observes); the returned entity is left empty
// unless `want_entity` or `changes`.
PutOutcome<Capability> ApplyPutCapability(EngineState& s, Capability capability, std::uint32_t platform, Seconds now,
                                          ChangeSet* changes, bool want_entity = true) {
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

// REQUIRES: CheckPutRequest passed.
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

// A batch may delete an id and put it again, or put and then delete it;
// its change set then lists the id among both the puts and the deletes, and
// a reader of the change set (storage writes puts before deletes; events
// are derived puts first) would get the order wrong. Keeps the net effect:
// each id once, in its final state: the last put of an id that exists at
// the end, the last delete of one that does not.
template <typename T, typename Rec>
void KeepNetEffect(const Table<Rec>& table, std::vector<T>* puts, std::vector<T>* deletes) {
  auto keep_last = [](std::vector<T>* list, auto wanted) {
    BatchMap<bool> seen;
    std::vector<T> kept;
    for (auto it = list->rbegin(); it != list->rend(); ++it) {
      bool& was_seen = seen[it->id];
      if (!was_seen && wanted(it->id)) kept.push_back(std::move(*it));
      was_seen = true;
    }
    std::reverse(kept.begin(), kept.end());
    *list = std::move(kept);
  };
  keep_last(puts, [&](std::string_view id) { return table.Find(id).has_value(); });
  keep_last(deletes, [&](std::string_view id) { return !table.Find(id).has_value(); });
}

void KeepNetEffect(const EngineState& s, ChangeSet* c) {
  KeepNetEffect(s.platforms, &c->platforms, &c->deleted_platforms);
  KeepNetEffect(s.capabilities, &c->capabilities, &c->deleted_capabilities);
  KeepNetEffect(s.requests, &c->requests, &c->deleted_requests);
}

const EntityMeta& MetaOf(const PlatformRec& r) { return r.doc.meta; }
const EntityMeta& MetaOf(const CapabilityRec& r) { return r.meta; }
const EntityMeta& MetaOf(const RequestRec& r) { return r.doc.meta; }

template <typename Rec>
Status CheckIfMatchOn(const Table<Rec>& table, std::string_view id, IfMatch if_match) {
  const auto idx = table.Find(id);
  return CheckIfMatch(idx ? &MetaOf(table.at(*idx)) : nullptr, if_match);
}

}  // namespace

Result<PutOutcome<Platform>> Engine::PutPlatform(Platform platform, Seconds now, IfMatch if_match) {
  if (Status st = ValidateId(platform.id); !st.ok()) return st;
  if (Status st = ValidatePlatform(platform); !st.ok()) return st;
  Lock lock(state_->mu);
  EngineState& s = *state_;
  if (Status st = CheckIfMatchOn(s.platforms, platform.id, if_match); !st.ok()) return st;
  ChangeSet changes;
  auto out = ApplyPutPlatform(s, std::move(platform), now, &changes);
  Notify(s, changes, now);
  return out;
}

Status Engine::DeletePlatform(std::string_view id, IfMatch if_match) {
  Lock lock(state_->mu);
  EngineState& s = *state_;
  if (Status st = CheckDeletePlatform(s, Overlay{}, id); !st.ok()) return st;
  if (Status st = CheckIfMatchOn(s.platforms, id, if_match); !st.ok()) return st;
  ChangeSet changes;
  ApplyDeletePlatform(s, id, &changes);
  Notify(s, changes, std::nullopt);
  return Status::Ok();
}

Result<PutOutcome<Capability>> Engine::PutCapability(Capability capability, Seconds now, IfMatch if_match) {
  if (Status st = ValidateId(capability.id); !st.ok()) return st;
  if (Status st = ValidateCapability(capability); !st.ok()) return st;
  Lock lock(state_->mu);
  EngineState& s = *state_;
  if (Status st = CheckIfMatchOn(s.capabilities, capability.id, if_match); !st.ok()) return st;
  PlatformRef platform;  // an engine index: there is no batch
  if (Status st = CheckPutCapability(s, Overlay{}, capability, &platform); !st.ok()) return st;
  ChangeSet changes;
  auto out = ApplyPutCapability(s, std::move(capability), platform, now, &changes);
  Notify(s, changes, now);
  return out;
}

Status Engine::DeleteCapability(std::string_view id, IfMatch if_match) {
  Lock lock(state_->mu);
  EngineState& s = *state_;
  if (Status st = CheckDeleteCapability(s, Overlay{}, id); !st.ok()) return st;
  if (Status st = CheckIfMatchOn(s.capabilities, id, if_match); !st.ok()) return st;
  ChangeSet changes;
  ApplyDeleteCapability(s, id, &changes);
  Notify(s, changes, std::nullopt);
  return Status::Ok();
}

Result<PutOutcome<Request>> Engine::PutRequest(Request request, Seconds now, IfMatch if_match) {
  if (Status st = ValidateId(request.id); !st.ok()) return st;
  if (Status st = ValidateRequest(request); !st.ok()) return st;
  Lock lock(state_->mu);
  EngineState& s = *state_;
  if (Status st = CheckIfMatchOn(s.requests, request.id, if_match); !st.ok()) return st;
  if (Status st = CheckPutRequest(s, Overlay{}, request); !st.ok()) return st;
  ChangeSet changes;
  auto out = ApplyPutRequest(s, std::move(request), now, &changes);
  Notify(s, changes, now);
  return out;
}

Status Engine::DeleteRequest(std::string_view id, IfMatch if_match) {
  Lock lock(state_->mu);
  EngineState& s = *state_;
  if (Status st = CheckDeleteRequest(s, Overlay{}, id); !st.ok()) return st;
  if (Status st = CheckIfMatchOn(s.requests, id, if_match); !st.ok()) return st;
  ChangeSet changes;
  ApplyDeleteRequest(s, id, &changes);
  Notify(s, changes, std::nullopt);
  return Status::Ok();
}

Result<std::size_t> Engine::ApplyBatch(std::vector<BatchOp> ops, Seconds now, std::vector<BatchError>* errors) {
  errors->clear();
  // Document validation needs no lock. The same pass counts puts per type
  // (and their id bytes), to size the tables once.
  struct Puts {
    std::size_t n = 0, id_bytes = 0;
    void Add(const BatchOp& op) { ++n, id_bytes += op.id.size(); }
  } platform_puts, capability_puts, request_puts;
  bool has_deletes = false;
  // Each document is validated without its id, checked on its own above (a
  // document's own id is ignored: the operation's replaces it).
  auto validate = [](auto* doc, const std::string& id, auto check) {
    doc->id.clear();
    Status st = check(*doc);
    doc->id = id;
    return st;
  };
  std::vector<BatchError> invalid;  // in operation order
  for (std::size_t i = 0; i < ops.size(); ++i) {
    BatchOp& op = ops[i];
    has_deletes |= op.kind != BatchOp::Kind::kPut;
    Status st = ValidateId(op.id);
    if (!st.ok()) {
      invalid.push_back({i, std::move(st)});
      continue;
    }
    if (auto* p = std::get_if<Platform>(&op.doc)) {
      platform_puts.Add(op);
      st = validate(p, op.id, ValidatePlatform);
    } else if (auto* c = std::get_if<Capability>(&op.doc)) {
      capability_puts.Add(op);
      st = validate(c, op.id, ValidateCapability);
    } else if (auto* r = std::get_if<Request>(&op.doc)) {
      request_puts.Add(op);
      st = validate(r, op.id, ValidateRequest);
    } else if (op.kind == BatchOp::Kind::kPut) {
      st = Status::InvalidArgument("doc", "is required for a put");
    }
    if (!st.ok()) invalid.push_back({i, std::move(st)});
  }
  Lock lock(state_->mu);
  EngineState& s = *state_;
  // Only a delete asks whether a capability or request exists, or where a
  // capability is (a put needs its platform and nothing else): a batch of
  // puts records platforms alone.
  Overlay o;
  o.platforms.Reserve(platform_puts.n);
  if (has_deletes) o.capabilities.Reserve(capability_puts.n);
  assert(ops.size() < kPutInBatch);
  std::vector<PlatformRef> platform_of(ops.size());  // by operation: see PlatformRef
  std::size_t next_invalid = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (next_invalid < invalid.size() && invalid[next_invalid].index == i) {
      errors->push_back(std::move(invalid[next_invalid++]));
      continue;
    }
    const BatchOp& op = ops[i];
    Status st;
    switch (op.kind) {
      case BatchOp::Kind::kPut:
        if (const auto* c = std::get_if<Capability>(&op.doc)) st = CheckPutCapability(s, o, *c, &platform_of[i]);
        if (const auto* r = std::get_if<Request>(&op.doc)) st = CheckPutRequest(s, o, *r);
        break;
      case BatchOp::Kind::kDeletePlatform: st = CheckDeletePlatform(s, o, op.id); break;
      case BatchOp::Kind::kDeleteCapability: st = CheckDeleteCapability(s, o, op.id); break;
      case BatchOp::Kind::kDeleteRequest: st = CheckDeleteRequest(s, o, op.id); break;
    }
    if (!st.ok()) {
      errors->push_back({i, std::move(st)});
      continue;
    }
    // Record what this operation leaves behind for the ones after it.
    auto move_capability = [&](std::string_view id, std::optional<std::string_view> platform) {
      if (auto old = o.CapabilityPlatform(s, id)) --o.capabilities_per_platform[*old];
      if (platform) ++o.capabilities_per_platform[*platform];
      o.capabilities[id] = platform;
    };
    switch (op.kind) {
      case BatchOp::Kind::kPut:
        if (std::holds_alternative<Platform>(op.doc)) o.platforms[op.id] = static_cast<std::uint32_t>(i);
        if (!has_deletes) break;
        if (const auto* c = std::get_if<Capability>(&op.doc)) move_capability(op.id, std::string_view(c->platform_id));
        if (std::holds_alternative<Request>(op.doc)) o.requests[op.id] = true;
        break;
      case BatchOp::Kind::kDeletePlatform: o.platforms[op.id] = std::nullopt; break;
      case BatchOp::Kind::kDeleteCapability:
        move_capability(op.id, std::nullopt);
        o.deleted_capabilities[op.id] = true;
        break;
      case BatchOp::Kind::kDeleteRequest:
        o.requests[op.id] = false;
        o.deleted_requests[op.id] = true;
        break;
    }
  }
  if (!errors->empty()) return Status::InvalidArgument("", std::to_string(errors->size()) + " operations are invalid");

  ChangeSet changes;
  ChangeSet* sink = s.observer ? &changes : nullptr;  // nobody observes: copy nothing
  s.platforms.Reserve(platform_puts.n, platform_puts.id_bytes);
  s.capabilities.Reserve(capability_puts.n, capability_puts.id_bytes);
  s.requests.Reserve(request_puts.n, request_puts.id_bytes);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    BatchOp& op = ops[i];
    switch (op.kind) {
      case BatchOp::Kind::kPut:
        if (auto* p = std::get_if<Platform>(&op.doc)) {
          ApplyPutPlatform(s, std::move(*p), now, sink);
          platform_of[i] = *s.platforms.Find(op.id);  // for the capabilities that follow
        }
        if (auto* c = std::get_if<Capability>(&op.doc)) {
          const PlatformRef ref = platform_of[i];
          const std::uint32_t platform = ref & kPutInBatch ? platform_of[ref & ~kPutInBatch] : ref;
          ApplyPutCapability(s, std::move(*c), platform, now, sink, false);
        }
        if (auto* r = std::get_if<Request>(&op.doc)) ApplyPutRequest(s, std::move(*r), now, sink);
        break;
      case BatchOp::Kind::kDeletePlatform: ApplyDeletePlatform(s, op.id, sink); break;
      case BatchOp::Kind::kDeleteCapability: ApplyDeleteCapability(s, op.id, sink); break;
      case BatchOp::Kind::kDeleteRequest: ApplyDeleteRequest(s, op.id, sink); break;
    }
  }
  if (has_deletes && sink) KeepNetEffect(s, sink);  // without deletes no id is both put and deleted
  if (!sink) s.unmet.Invalidate();  // it cannot follow changes it does not see
  Notify(s, changes, now);
  return ops.size();
}

Result<Platform> Engine::GetPlatform(std::string_view id) const {
  ReadLock lock(state_->mu);
  const auto idx = state_->platforms.Find(id);
  if (!idx) return Status::NotFound(Quoted("platform", id) + " does not exist");
  return state_->platforms.at(*idx).doc;
}

ListPage<Platform> Engine::ListPlatforms(const ListQuery& q) const {
  ReadLock lock(state_->mu);
  return ListTable<Platform>(
      state_->platforms, q,
      [&](const PlatformRec& p) { return q.region_prefix.empty() || IsPathPrefix(q.region_prefix, p.doc.region); },
      [&](std::uint32_t idx) { return state_->platforms.at(idx).doc; });
}

// --- Capabilities.

Result<Capability> Engine::ReplaceSlots(std::string_view capability_id, std::vector<Slot> slots, Seconds now,
                                        IfMatch if_match) {
  if (Status st = ValidateSlots(slots); !st.ok()) return st;
  Lock lock(state_->mu);
  EngineState& s = *state_;
  const auto idx = s.capabilities.Find(capability_id);
  if (!idx) return Status::NotFound(Quoted("capability", capability_id) + " does not exist");
  CapabilityRec& rec = s.capabilities.at(*idx);
  if (Status st = CheckIfMatch(&rec.meta, if_match); !st.ok()) return st;
  Result<SlotCalendar> calendar = CarryReservations(rec.calendar, std::move(slots), s.CategoryPool(rec.node));
  if (!calendar.ok()) return calendar.status();
  s.offered_units += calendar->total_units() - rec.calendar.total_units();
  rec.calendar = std::move(calendar).value();
  RefreshPostings(s, *idx);
  Stamp(&rec.meta, &rec.meta, now);
  ChangeSet changes;
  changes.capabilities.push_back(CapabilitySnapshot(s, *idx));
  Notify(s, changes, now);
  return changes.capabilities.back();
}

Result<Capability> Engine::GetCapability(std::string_view id) const {
  ReadLock lock(state_->mu);
  const auto idx = state_->capabilities.Find(id);
  if (!idx) return Status::NotFound(Quoted("capability", id) + " does not exist");
  return CapabilitySnapshot(*state_, *idx);
}

ListPage<Capability> Engine::ListCapabilities(const ListQuery& q) const {
  ReadLock lock(state_->mu);
  const EngineState& s = *state_;
  return ListTable<Capability>(
      s.capabilities, q,
      [&](const CapabilityRec& c) {
        return (q.platform_id.empty() || s.platforms.id(c.platform) == q.platform_id) &&
               (q.category_prefix.empty() || IsPathPrefix(q.category_prefix, s.categories.node(c.node).path)) &&
               (q.region_prefix.empty() || IsPathPrefix(q.region_prefix, s.platforms.at(c.platform).doc.region));
      },
      [&](std::uint32_t idx) { return CapabilitySnapshot(s, idx); });
}

// --- Requests.

Result<Request> Engine::CancelRequest(std::string_view id, Seconds now) {
  Lock lock(state_->mu);
  EngineState& s = *state_;
  const auto idx = s.requests.Find(id);
  if (!idx) return Status::NotFound(Quoted("request", id) + " does not exist");
  const RequestStatus st = s.requests.at(*idx).doc.status;
  if (st != RequestStatus::kOpen && st != RequestStatus::kReserved) {
    return Status::Conflict(Quoted("request", id) + " is " + std::string(ToString(st)) + " and cannot be cancelled");
  }
  ChangeSet changes;
  for (const std::uint32_t r : std::vector<std::uint32_t>(s.requests.at(*idx).reservations)) {
    if (IsLive(s.reservations.at(r).doc.status)) Release(s, r, ReservationStatus::kCancelled, now, &changes);
  }
  SetRequestStatus(s, *idx, RequestStatus::kCancelled, now);
  changes.requests.clear();  // the final state below supersedes intermediate ones
  changes.requests.push_back(s.requests.at(*idx).doc);
  Notify(s, changes, now);
  return s.requests.at(*idx).doc;
}

Result<Request> Engine::GetRequest(std::string_view id) const {
  ReadLock lock(state_->mu);
  const auto idx = state_->requests.Find(id);
  if (!idx) return Status::NotFound(Quoted("request", id) + " does not exist");
  return state_->requests.at(*idx).doc;
}

ListPage<Request> Engine::ListRequests(const ListQuery& q) const {
  ReadLock lock(state_->mu);
  return ListTable<Request>(
      state_->requests, q,
      [&](const RequestRec& r) {
        return (q.category_prefix.empty() || IsPathPrefix(q.category_prefix, r.doc.category)) &&
               (q.region_prefix.empty() || (r.doc.region && IsPathPrefix(q.region_prefix, *r.doc.region))) &&
               (!q.request_status || r.doc.status == *q.request_status);
      },
      [&](std::uint32_t idx) { return state_->requests.at(idx).doc; });
}

// --- Reservations.

Result<Reservation> Engine::Hold(const HoldSpec& spec, Seconds now) {
  if (Status st = ValidateId(spec.reservation_id); !st.ok()) return st;
  if (Status st = ValidateId(spec.request_id, "request_id"); !st.ok()) return st;
  if (Status st = ValidateId(spec.capability_id, "capability_id"); !st.ok()) return st;
  if (spec.quantity && (*spec.quantity < 1 || *spec.quantity > kMaxUnits)) {
    return Status::InvalidArgument("quantity", "must be an integer from 1 to 1000000000");
  }
  if (spec.hold_seconds < 10 || spec.hold_seconds > 86400) {
    return Status::InvalidArgument("hold_seconds", "must be from 10 to 86400");
  }
  Lock lock(state_->mu);
  EngineState& s = *state_;
  if (s.reservations.Find(spec.reservation_id)) {
    return Status::Conflict(Quoted("reservation", spec.reservation_id) + " already exists");
  }
  const auto req_idx = s.requests.Find(spec.request_id);
  if (!req_idx) return Status::InvalidArgument("request_id", Quoted("request", spec.request_id) + " does not exist");
  const auto cap_idx = s.capabilities.Find(spec.capability_id);
  if (!cap_idx) {
    return Status::InvalidArgument("capability_id", Quoted("capability", spec.capability_id) + " does not exist");
  }
  RequestRec& req = s.requests.at(*req_idx);
  CapabilityRec& cap = s.capabilities.at(*cap_idx);
  if (req.doc.status != RequestStatus::kOpen) {
    return Status::Conflict(Quoted("request", spec.request_id) + " is " + std::string(ToString(req.doc.status)));
  }
  const std::int64_t quantity = spec.quantity.value_or(req.doc.quantity);
  const std::int64_t left = req.doc.quantity - req.live_units - req.completed_units;
  if (quantity > left) {
    return Status::Conflict("request " + req.doc.id + " has " + std::to_string(left) + " unreserved units, not " +
                            std::to_string(quantity));
  }
  const PathTree::Node& category = s.categories.node(cap.node);
  if (!IsPathPrefix(req.doc.category, category.path) && !IsPathPrefix(category.path, req.doc.category)) {
    return Status::Conflict("capability category " + category.path + " does not fit request category " +
                            req.doc.category);
  }
  if (cap.unit != req.plan.unit) return Status::Conflict("capability unit differs from the request's");
  if ((cap.stages & StageBit(req.plan.stage)) == 0) {
    return Status::Conflict("capability does not serve the request's stage");
  }
  QueryPlan plan = req.plan;
  plan.quantity = quantity;
  PairScore pair;
  if (auto why = EvaluatePair(PairContext(s, plan, now), CapabilityView(cap), CategoryFactor(plan.depth, category.depth),
                              JudgePlatform(s, plan, cap.platform), &pair)) {
    return Status::Conflict("capability cannot serve the request: " + std::string(ToString(*why)) +
                            (*why == Rejection::kAvailability ? " (not enough free units in the window)" : ""));
  }
  const auto fill = cap.calendar.EarliestFill(std::max(plan.window.earliest_start, now), plan.window.deadline, quantity);

  Reservation r;
  r.id = spec.reservation_id;
  r.request_id = req.doc.id;
  r.capability_id = spec.capability_id;
  r.quantity = quantity;
  r.status = ReservationStatus::kHeld;
  r.allocations = Allocate(cap.calendar, fill->first, fill->last, quantity);
  r.expires_at = now + spec.hold_seconds;
  Stamp(&r.meta, nullptr, now);
  s.reserved_units += quantity;
  const std::uint32_t res_idx = s.reservations.Insert(r.id, ReservationRec{r});
  Attach(s, res_idx);
  ChangeSet changes;
  changes.reservations.push_back(r);
  if (SetRequestStatus(s, *req_idx, DeriveStatus(req, now), now)) changes.requests.push_back(req.doc);
  Notify(s, changes, now);
  return r;
}

Result<Reservation> Engine::Confirm(std::string_view id, Seconds now) {
  Lock lock(state_->mu);
  EngineState& s = *state_;
  const auto idx = s.reservations.Find(id);
  if (!idx) return Status::NotFound(Quoted("reservation", id) + " does not exist");
  Reservation& r = s.reservations.at(*idx).doc;
  if (r.status != ReservationStatus::kHeld) {
    return Status::Conflict(Quoted("reservation", id) + " is " + std::string(ToString(r.status)) + ", not held");
  }
  if (r.expires_at <= now) {
    return Status::Conflict(Quoted("reservation", id) + " expired at " + FormatRfc3339(r.expires_at));
  }
  s.holds_by_expiry.erase({r.expires_at, *idx});
  --s.held;
  ++s.confirmed;
  r.status = ReservationStatus::kConfirmed;
  Stamp(&r.meta, &r.meta, now);
  ChangeSet changes;
  changes.reservations.push_back(r);
  Notify(s, changes, now);
  return r;
}

Result<Reservation> Engine::CancelReservation(std::string_view id, Seconds now) {
  Lock lock(state_->mu);
  EngineState& s = *state_;
  const auto idx = s.reservations.Find(id);
  if (!idx) return Status::NotFound(Quoted("reservation", id) + " does not exist");
  const ReservationStatus st = s.reservations.at(*idx).doc.status;
  if (!IsLive(st)) {
    return Status::Conflict(Quoted("reservation", id) + " is " + std::string(ToString(st)) + " and cannot be cancelled");
  }
  ChangeSet changes;
  Release(s, *idx, ReservationStatus::kCancelled, now, &changes);
  Notify(s, changes, now);
  return s.reservations.at(*idx).doc;
}

Result<Reservation> Engine::Complete(std::string_view id, Seconds now) {
  Lock lock(state_->mu);
  EngineState& s = *state_;
  const auto idx = s.reservations.Find(id);
  if (!idx) return Status::NotFound(Quoted("reservation", id) + " does not exist");
  Reservation& r = s.reservations.at(*idx).doc;
  if (r.status != ReservationStatus::kConfirmed) {
    return Status::Conflict(Quoted("reservation", id) + " is " + std::string(ToString(r.status)) +
                            "; only a confirmed reservation can be completed");
  }
  // The units stay taken: the slot was used.
  --s.confirmed;
  --s.capabilities.at(*s.capabilities.Find(r.capability_id)).live_reservations;
  r.status = ReservationStatus::kCompleted;
  Stamp(&r.meta, &r.meta, now);
  const std::uint32_t req_idx = *s.requests.Find(r.request_id);
  RequestRec& req = s.requests.at(req_idx);
  req.live_units -= r.quantity;
  req.completed_units += r.quantity;
  ChangeSet changes;
  changes.reservations.push_back(r);
  if (SetRequestStatus(s, req_idx, DeriveStatus(req, now), now)) changes.requests.push_back(req.doc);
  Notify(s, changes, now);
  return r;
}

ChangeSet Engine::Sweep(Seconds now) {
  Lock lock(state_->mu);
  EngineState& s = *state_;
  ChangeSet changes;
  while (!s.holds_by_expiry.empty() && s.holds_by_expiry.begin()->first <= now) {
    Release(s, s.holds_by_expiry.begin()->second, ReservationStatus::kExpired, now, &changes);
  }
  while (!s.open_by_deadline.empty() && s.open_by_deadline.begin()->first < now) {
    const std::uint32_t idx = s.open_by_deadline.begin()->second;
    SetRequestStatus(s, idx, RequestStatus::kExpired, now);
    changes.requests.push_back(s.requests.at(idx).doc);
  }
  Notify(s, changes, now);
  return changes;
}

Result<Reservation> Engine::GetReservation(std::string_view id) const {
  ReadLock lock(state_->mu);
  const auto idx = state_->reservations.Find(id);
  if (!idx) return Status::NotFound(Quoted("reservation", id) + " does not exist");
  return state_->reservations.at(*idx).doc;
}

ListPage<Reservation> Engine::ListReservations(const ListQuery& q) const {
  ReadLock lock(state_->mu);
  return ListTable<Reservation>(
      state_->reservations, q,
      [&](const ReservationRec& r) {
        return (q.request_id.empty() || r.doc.request_id == q.request_id) &&
               (q.capability_id.empty() || r.doc.capability_id == q.capability_id) &&
               (!q.reservation_status || r.doc.status == *q.reservation_status);
      },
      [&](std::uint32_t idx) { return state_->reservations.at(idx).doc; });
}

// --- Recovery.

Status Engine::LoadPlatform(Platform platform) {
  if (Status st = ValidatePlatform(platform); !st.ok() || platform.id.empty()) {
    return Status::Corruption("stored platform " + platform.id + " is invalid: " + st.ToString());
  }
  Lock lock(state_->mu);
  EngineState& s = *state_;
  s.unmet.Invalidate();  // rebuilt by the next mutation (Store::Open sweeps)
  if (s.platforms.Find(platform.id)) return Status::Corruption("platform " + platform.id + " stored twice");
  StorePlatform(s, s.platforms.Insert(platform.id, PlatformRec{}), BuildPlatform(s, platform));
  return Status::Ok();
}

Status Engine::LoadCapability(Capability capability) {
  if (Status st = ValidateCapability(capability); !st.ok() || capability.id.empty()) {
    return Status::Corruption("stored capability " + capability.id + " is invalid: " + st.ToString());
  }
  Lock lock(state_->mu);
  EngineState& s = *state_;
  s.unmet.Invalidate();  // rebuilt by the next mutation (Store::Open sweeps)
  const auto platform = s.platforms.Find(capability.platform_id);
  if (!platform) return Status::Corruption("capability " + capability.id + " names a missing platform");
  if (s.capabilities.Find(capability.id)) return Status::Corruption("capability " + capability.id + " stored twice");
  for (Slot& slot : capability.slots) slot.reserved = 0;
  CapabilityRec rec = BuildCapability(s, capability, *platform);
  rec.calendar = SlotCalendar(std::move(capability.slots), s.CategoryPool(rec.node));
  rec.meta = capability.meta;
  IndexCapability(s, s.capabilities.Insert(capability.id, std::move(rec)));
  return Status::Ok();
}

Status Engine::LoadRequest(Request request) {
  if (Status st = ValidateRequest(request); !st.ok() || request.id.empty()) {
    return Status::Corruption("stored request " + request.id + " is invalid: " + st.ToString());
  }
  Lock lock(state_->mu);
  EngineState& s = *state_;
  s.unmet.Invalidate();  // rebuilt by the next mutation (Store::Open sweeps)
  if (s.requests.Find(request.id)) return Status::Corruption("request " + request.id + " stored twice");
  RequestRec rec;
  rec.plan = CompilePlan(s, request);
  rec.doc = request;  // a copy: see BuildPlatform
  const std::uint32_t idx = s.requests.Insert(request.id, std::move(rec));
  if (s.requests.at(idx).doc.status == RequestStatus::kOpen) IndexOpenRequest(s, idx);
  return Status::Ok();
}

Status Engine::LoadReservation(Reservation reservation) {
  Lock lock(state_->mu);
  EngineState& s = *state_;
  s.unmet.Invalidate();  // rebuilt by the next mutation (Store::Open sweeps)
  if (s.reservations.Find(reservation.id)) {
    return Status::Corruption("reservation " + reservation.id + " stored twice");
  }
  const auto req_idx = s.requests.Find(reservation.request_id);
  const auto cap_idx = s.capabilities.Find(reservation.capability_id);
  if (!req_idx || !cap_idx) {
    return Status::Corruption("reservation " + reservation.id + " names a missing request or capability");
  }
  if (IsLive(reservation.status) || reservation.status == ReservationStatus::kCompleted) {
    if (Status st = ApplyAllocations(s, reservation, *cap_idx, +1); !st.ok()) return st;
  }
  const std::string id = reservation.id;
  Attach(s, s.reservations.Insert(id, ReservationRec{std::move(reservation)}));
  return Status::Ok();
}

Status Engine::LoadWatchedPairs(WatchedPairs pairs) {
  Lock lock(state_->mu);
  state_->watch.Load(*state_, std::move(pairs));
  return Status::Ok();
}

}  // namespace biomatch::engine
