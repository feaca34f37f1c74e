// The pieces the Engine's methods are built from, shared by the files that
// implement them:
//   engine.cc        construction, the observer, If-Match and stamps
//   records.cc       records and their indexes; entity puts, deletes, reads, lists
//   batch.cc         the checks of every put and delete; ApplyBatch
//   reservations.cc  holds and their lifecycle, calendars that keep
//                    reservations, request cancellation and the sweep
//   recovery.cc      Load*
// Matching lives in matcher.cc and statistics in stats.cc. Private to the
// engine library.
//
// Every function here REQUIRES the lock of the copy of the state it is
// given (replicas.h): held shared by those that take a const EngineState&,
// exclusive by the others.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/status.h"
#include "biomatch/engine/types.h"
#include "slot_calendar.h"
#include "state.h"

namespace biomatch::engine {

// --- engine.cc

// "platform p1": an entity for messages.
std::string Quoted(std::string_view kind, std::string_view id);
// kPreconditionFailed unless `if_match` is absent or names `current`'s
// version (`current` is null when the entity does not exist).
Status CheckIfMatch(const EntityMeta* current, IfMatch if_match);
// The meta of a new version: `previous` is the entity's last (null when it
// is new).
void Stamp(EntityMeta* meta, const EntityMeta* previous, Seconds now);
// Completes a mutation's change set with the match watch's findings and
// hands it to the observer. `now` is the mutation's time (none for deletes).
void Notify(EngineState& s, ChangeSet& changes, std::optional<Seconds> now);

inline const EntityMeta& MetaOf(const PlatformRec& r) { return r.doc.meta; }
inline const EntityMeta& MetaOf(const CapabilityRec& r) { return r.meta; }
inline const EntityMeta& MetaOf(const RequestRec& r) { return r.doc.meta; }

// CheckIfMatch against record `id` of `table`.
template <typename Rec>
Status CheckIfMatchOn(const Table<Rec>& table, std::string_view id, IfMatch if_match) {
  const auto idx = table.Find(id);
  return CheckIfMatch(idx ? &MetaOf(table.at(*idx)) : nullptr, if_match);
}

// --- records.cc

// A platform's record (its document and qualification ids).
PlatformRec BuildPlatform(EngineState& s, const Platform& p);
// Stores `rec` as platform `idx` (a new index, or the platform's own) with
// its facts for matching.
void StorePlatform(EngineState& s, std::uint32_t idx, PlatformRec rec);
// A capability's record but for its calendar, reservations and meta;
// `platform` is the index of its platform.
CapabilityRec BuildCapability(EngineState& s, const Capability& c, std::uint32_t platform);
// Adds capability `idx` to, or takes it from, the postings, the text index
// and the counters.
void IndexCapability(EngineState& s, std::uint32_t idx);
void UnindexCapability(EngineState& s, std::uint32_t idx);
// After capability `idx` got a new calendar.
void RefreshPostings(EngineState& s, std::uint32_t idx);
// Adds open request `idx` to, or takes it from, the open-request postings.
void IndexOpenRequest(EngineState& s, std::uint32_t idx);
void UnindexOpenRequest(EngineState& s, std::uint32_t idx);
// Removes one `value` from `v`, if there, without keeping the order.
void EraseValue(std::vector<std::uint32_t>* v, std::uint32_t value);
// The status a live request should have given its units and the clock.
// Cancelled and expired requests stay as they are.
RequestStatus DeriveStatus(const RequestRec& r, Seconds now);
// Moves a request to `status`, keeping the open-request index in step.
// Returns true when the status changed (the version is then bumped).
bool SetRequestStatus(EngineState& s, std::uint32_t idx, RequestStatus status, Seconds now);

// The applies of puts and deletes, which cannot fail. Each REQUIRES its
// check (batch.cc) passed. `changes` may be null (nobody observes).
PutOutcome<Platform> ApplyPutPlatform(EngineState& s, Platform platform, Seconds now, ChangeSet* changes);
// `platform` is the index of the capability's platform. The returned entity
// is left empty unless `want_entity` or `changes`.
PutOutcome<Capability> ApplyPutCapability(EngineState& s, Capability capability, std::uint32_t platform, Seconds now,
                                          ChangeSet* changes, bool want_entity = true);
PutOutcome<Request> ApplyPutRequest(EngineState& s, Request request, Seconds now, ChangeSet* changes);
void ApplyDeletePlatform(EngineState& s, std::string_view id, ChangeSet* changes);
void ApplyDeleteCapability(EngineState& s, std::string_view id, ChangeSet* changes);
void ApplyDeleteRequest(EngineState& s, std::string_view id, ChangeSet* changes);

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

// --- batch.cc: the checks of single puts and deletes (a batch checks each
// against what its earlier operations did). Each returns the error the
// operation would meet, or Ok.

// Sets *platform to the index of the capability's platform.
Status CheckPutCapability(const EngineState& s, const Capability& c, std::uint32_t* platform);
Status CheckPutRequest(const EngineState& s, const Request& r);
Status CheckDeletePlatform(const EngineState& s, std::string_view id);
Status CheckDeleteCapability(const EngineState& s, std::string_view id);
Status CheckDeleteRequest(const EngineState& s, std::string_view id);

// --- reservations.cc

// A new calendar for `slots` that keeps the reservations of `old`: every slot
// with reserved units must remain with the same bounds and enough units.
// The new calendar's block comes from `mr`.
Result<SlotCalendar> CarryReservations(const SlotCalendar& old, std::vector<Slot> slots,
                                       std::pmr::memory_resource* mr = std::pmr::get_default_resource());
// Applies (sign +1) or releases (sign -1) a reservation's allocations.
Status ApplyAllocations(EngineState& s, const Reservation& r, std::uint32_t cap_idx, int sign);
// Held or confirmed.
bool IsLive(ReservationStatus st);
// Accounts a live or completed reservation against its request, capability
// and the counters (shared by Hold and LoadReservation).
void Attach(EngineState& s, std::uint32_t res_idx);
// Deletes a finished reservation with its capability or request: its
// completed units are given back so the state stays what reloading the
// remaining reservations would rebuild.
void EraseReservation(EngineState& s, std::uint32_t res_idx, ChangeSet* changes);

}  // namespace biomatch::engine
