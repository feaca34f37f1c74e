// Reservations: holds and their lifecycle (confirm, cancel, complete,
// expiry), the calendars that keep them when slots change, and the
// cancellation and expiry of requests, which release theirs.
#include <algorithm>
#include <cassert>
#include <cstdint>
#include <memory_resource>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/time.h"
#include "biomatch/engine/validate.h"
#include "hold.h"
#include "mutation.h"
#include "replicas.h"
#include "state.h"

namespace biomatch::engine {
namespace {

// Reserves `quantity` free units of slots first..last, earliest first.
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

}  // namespace

Result<SlotCalendar> CarryReservations(const SlotCalendar& old, std::vector<Slot> slots,
                                       std::pmr::memory_resource* mr) {
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

Result<Request> Engine::CancelRequest(std::string_view id, Seconds now) {
  return replicas_->Write([&](EngineState& s, bool) -> Result<Request> {
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
  });
}

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
  return replicas_->Write([&](EngineState& s, bool) -> Result<Reservation> {
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
    switch (CheckCompatibility(s, req.doc.category, req.plan, cap)) {
      case Compatibility::kCompatible:
        break;
      case Compatibility::kCategory:
        return Status::Conflict("capability category " + category.path + " does not fit request category " +
                                req.doc.category);
      case Compatibility::kUnit:
        return Status::Conflict("capability unit differs from the request's");
      case Compatibility::kStage:
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
    s.reserved_units += quantity;
    ChangeSet changes;
    RecordHold(s, std::move(r), now, &changes);
    Notify(s, changes, now);
    return changes.reservations.front();
  });
}

void RecordHold(EngineState& s, Reservation r, Seconds now, ChangeSet* changes) {
  Stamp(&r.meta, nullptr, now);
  const std::uint32_t res_idx = s.reservations.Insert(r.id, ReservationRec{r});
  Attach(s, res_idx);
  const std::uint32_t req_idx = *s.requests.Find(r.request_id);
  changes->reservations.push_back(std::move(r));
  RequestRec& req = s.requests.at(req_idx);
  if (SetRequestStatus(s, req_idx, DeriveStatus(req, now), now)) changes->requests.push_back(req.doc);
}

void TakeUnits(EngineState& s, const Reservation& r, std::uint32_t capability_idx) {
  const Status st = ApplyAllocations(s, r, capability_idx, +1);
  assert(st.ok());
  (void)st;
}

void PublishChanges(EngineState& s, ChangeSet& changes, Seconds now) { Notify(s, changes, now); }

Result<Reservation> Engine::Confirm(std::string_view id, Seconds now) {
  return replicas_->Write([&](EngineState& s, bool) -> Result<Reservation> {
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
  });
}

Result<Reservation> Engine::CancelReservation(std::string_view id, Seconds now) {
  return replicas_->Write([&](EngineState& s, bool) -> Result<Reservation> {
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
  });
}

Result<Reservation> Engine::Complete(std::string_view id, Seconds now) {
  return replicas_->Write([&](EngineState& s, bool) -> Result<Reservation> {
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
  });
}

ChangeSet Engine::Sweep(Seconds now) {
  return replicas_->Write([&](EngineState& s, bool) -> ChangeSet {
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
  });
}

Result<Reservation> Engine::GetReservation(std::string_view id) const {
  const Replicas::Read s(*replicas_);
  const auto idx = s->reservations.Find(id);
  if (!idx) return Status::NotFound(Quoted("reservation", id) + " does not exist");
  return s->reservations.at(*idx).doc;
}

ListPage<Reservation> Engine::ListReservations(const ListQuery& q) const {
  const Replicas::Read s(*replicas_);
  const auto& reservations = s->reservations;  // the lambdas below run under the lock
  return ListTable<Reservation>(
      reservations, q,
      [&](const ReservationRec& r) {
        return (q.request_id.empty() || r.doc.request_id == q.request_id) &&
               (q.capability_id.empty() || r.doc.capability_id == q.capability_id) &&
               (!q.reservation_status || r.doc.status == *q.reservation_status);
      },
      [&](std::uint32_t idx) { return reservations.at(idx).doc; });
}

}  // namespace biomatch::engine
