// Engine: the in-memory, indexed state of biomatch and the matcher over it.
//
// The Engine holds every platform, capability (with its slot calendar),
// request and reservation, indexed so that a match touches only capabilities
// that can match: posting lists per (category node, unit, stage), platform
// attributes evaluated once per query, a BM25 text index with CJK bigrams and
// per-capability Fenwick trees over free slot units.
//
// Concurrency model: left-right (engine/src/replicas.h). The engine keeps two
// copies of its state. Const methods read the published copy under its shared
// lock and never wait for a writer. Mutations are serialised: each is applied
// to the other copy, which is then published with one atomic swap, and
// applied again to the copy readers left. Each is atomic as seen by readers,
// however long it is (a bulk), and costs twice its apply and the state twice
// its memory. A mutation hands its ChangeSet to the ChangeObserver during its
// first application, so the observer sees changes in exactly the order they
// were applied (storage relies on that to persist them in order). Nothing
// slow (no I/O) happens under a lock, but for ApplyBatch's before_publish.
//
// Time: every operation that depends on the clock takes `now` explicitly.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "biomatch/engine/status.h"
#include "biomatch/engine/types.h"

namespace biomatch::engine {

// One scored (request, capability) pair.
struct Match {
  std::string capability_id;
  std::string platform_id;
  std::string request_id;  // set by reverse matching
  double score = 0;
  double total_price = 0;
  Seconds earliest_start = 0;  // start of the first slot used
  Seconds completion = 0;      // end of the slot that reaches the quantity
  Factors explain;
  bool operator==(const Match&) const = default;
};

struct MatchOptions {
  Seconds now = 0;
  std::size_t limit = 10;
  // Also count rejections by first failed constraint (forward matching only).
  bool explain = false;
  // false: MatchResult::feasible and the availability count are left
  // incomplete, so that pairs that cannot rank skip their calendar search
  // (forward matching; allocation wants the best candidates only).
  bool count_feasible = true;
};

struct MatchResult {
  std::vector<Match> matches;  // best first; ties by id in byte order
  std::uint64_t feasible = 0;  // exact count passing every hard constraint
  std::array<std::uint64_t, kRejectionCount> rejected{};  // filled when explain
};

// The announcement state of one open request (match watch): the capabilities
// announced for it that are still feasible as far as the engine knows, with
// their latest scores. Storage persists it so that a restart does not
// announce a pair again. An empty list means the request has none.
struct WatchedPairs {
  std::string request_id;
  std::vector<std::pair<std::string, double>> announced;  // capability id, score
  bool operator==(const WatchedPairs&) const = default;
};

// A request entering or leaving unmet demand (an open request no capability
// can serve now), or gaining its first feasible capability since it was
// created. A request that closes or is deleted while unmet leaves it.
// Persisted as events (request.unmet, request.matched): never renumber.
struct UnmetChange {
  enum class Kind : std::uint8_t { kEntered = 0, kLeft = 1, kFirstMatch = 2 };
  std::string request_id;
  Kind kind = Kind::kEntered;
  bool operator==(const UnmetChange&) const = default;
};

// What a mutation changed: the new state of every entity it touched, and the
// last state of what it deleted. Storage persists exactly this; the server
// derives events from it (created when version == 1, closed when a request
// left open/reserved). It holds the net effect: an entity id appears in
// its kind's puts or its deletes, never both (a batch that deletes an id
// and puts it again reports its last put; one that puts and then deletes
// it, its delete), so the lists may be read in any order; only a batch
// that puts an id several times and never deletes it lists each put, in
// order.
struct ChangeSet {
  std::vector<Platform> platforms;
  std::vector<Capability> capabilities;
  std::vector<Request> requests;
  std::vector<Reservation> reservations;
  std::vector<Platform> deleted_platforms;
  std::vector<Capability> deleted_capabilities;
  std::vector<Request> deleted_requests;
  // Reservation history deleted with its capability or request (ids).
  std::vector<std::string> deleted_reservations;
  // Match watch (SetMatchWatch): pairs that entered a request's top matches
  // with this change (request_id, capability_id, platform_id, score, price,
  // times and explain set), and the new announcement state of every request
  // whose state changed.
  std::vector<Match> found_matches;
  std::vector<WatchedPairs> watch_states;
  // Unmet demand (always tracked): requests whose state changed with this
  // change, or, for a change that only passes time (Sweep), as the clock
  // made witnesses' slots start.
  std::vector<UnmetChange> unmet_changes;
  bool empty() const {
    return platforms.empty() && capabilities.empty() && requests.empty() && reservations.empty() &&
           deleted_platforms.empty() && deleted_capabilities.empty() && deleted_requests.empty() &&
           deleted_reservations.empty() && found_matches.empty() && watch_states.empty() &&
           unmet_changes.empty();
  }
};

// Read access to the state a change left behind, for a ChangeObserver: valid
// only during the observer call (the copy's exclusive lock is held). Each
// finds nothing when the entity does not exist; a capability comes without
// its slots.
class ChangeContext {
 public:
  virtual ~ChangeContext() = default;
  virtual const Platform* FindPlatform(std::string_view id) const = 0;
  virtual std::optional<Capability> FindCapability(std::string_view id) const = 0;
  virtual const Request* FindRequest(std::string_view id) const = 0;
};

// Called after every successful mutation's first application (under that
// copy's exclusive lock), in apply order. Must be quick and must not call
// back into the Engine.
using ChangeObserver = std::function<void(const ChangeSet&, const ChangeContext&)>;

// The match watch: live announcement of (request, capability) pairs for the
// match.found events. When enabled, every mutation finds the pairs that
// entered an open request's top `top_k` matches with a score >= min_score
// and reports them in ChangeSet::found_matches:
//   - a request created, changed or open again: its top matches (a forward
//     match), and its announced pairs are checked again;
//   - a capability created or changed, or freed capacity (a reservation
//     cancelled or expired): the open requests it can serve (a reverse scan);
//     it enters a request's top matches when fewer than top_k of the
//     request's announced pairs score higher;
//   - capacity taken by a hold: that capability's announced pairs are
//     checked again.
// A pair is announced once, and again only after it was found infeasible
// (or its request left open) and became feasible again. Changes the engine
// does not watch (the clock passing a slot's start, platform changes) are
// noticed when either side next changes. Costs a match per watched change,
// under the exclusive lock; nothing when disabled.
struct MatchWatchOptions {
  bool enabled = false;
  double min_score = 0;    // announce pairs scoring at least this
  std::size_t top_k = 10;  // "enters the request's current top k"
};

// Conditional writes: If-Match with the expected current version.
using IfMatch = std::optional<std::uint64_t>;

template <typename T>
struct PutOutcome {
  T entity;          // as stored, with meta
  bool created = false;
};

// Listing: items in id byte order after `after` (exclusive), at most `limit`.
struct ListQuery {
  std::string after;
  std::size_t limit = 100;
  std::string platform_id;       // capabilities
  std::string category_prefix;   // capabilities, requests (whole segments)
  std::string region_prefix;     // platforms; capabilities and requests by platform/request region
  std::optional<RequestStatus> request_status;
  std::optional<ReservationStatus> reservation_status;
  std::string request_id;        // reservations
  std::string capability_id;     // reservations
};
template <typename T>
struct ListPage {
  std::vector<T> items;
  std::string next_after;  // empty when there is nothing more
};

// One operation of an all-or-nothing batch (the bulk API).
struct BatchOp {
  enum class Kind : std::uint8_t { kPut, kDeletePlatform, kDeleteCapability, kDeleteRequest };
  Kind kind = Kind::kPut;
  std::string id;
  std::variant<std::monostate, Platform, Capability, Request> doc;  // for kPut; its id is set from `id`
};
struct BatchError {
  std::size_t index = 0;  // into the batch
  Status status;
};

struct HoldSpec {
  std::string reservation_id;
  std::string request_id;
  std::string capability_id;
  std::optional<std::int64_t> quantity;  // default: the request's quantity
  std::int64_t hold_seconds = 900;       // [10, 86400]
};

struct Overview {
  std::uint64_t platforms = 0, capabilities = 0, requests = 0, open_requests = 0;
  // Open requests no capability can serve, as of the last mutation (the
  // server sweeps every second; Balance is exact at its `now`).
  std::uint64_t unmatched_requests = 0;
  std::uint64_t held_reservations = 0, confirmed_reservations = 0;
  std::int64_t offered_units = 0, reserved_units = 0;  // over every slot
};

// Supervision statistics group by the first `depth` segments of a path (the
// category, or the platform's or request's region), or by platform id.
enum class GroupBy : std::uint8_t { kCategory, kRegion, kPlatform };

struct StatsQuery {
  GroupBy by = GroupBy::kCategory;
  std::size_t depth = 2;  // >= 1; ignored by kPlatform
  // Drill-down: only paths equal to or under this one (whole segments);
  // empty: all. Groups are still cut at `depth` segments from the root
  // (a prefix deeper than `depth` makes one group, the prefix itself).
  // Ignored by kPlatform.
  std::string prefix;
  Seconds from = 0, to = 0;  // slots lying wholly inside [from, to] count
};

// One group of the balance: open demand against free supply. A request is
// counted by its category, or by its own region (demand without a region
// is the group "unknown"); supply by its category or its platform's region.
struct BalanceRow {
  std::string group;
  std::uint64_t open_requests = 0;
  std::int64_t open_demand_units = 0;    // quantity not yet reserved nor completed
  std::uint64_t unmatched_requests = 0;  // open requests no capability can serve now
  std::int64_t unmatched_demand_units = 0;
  std::int64_t free_supply_units = 0;    // free units of slots inside [from, to] not started at `now`
};

// One group of the utilization. `reserved_units` is every taken unit of the
// slots inside [from, to]: held, confirmed and completed reservations alike
// (completed units stay taken: the slot was used); `completed_units` the
// part taken by completed reservations.
struct UtilizationRow {
  std::string group;
  std::int64_t offered_units = 0;  // units of the slots inside [from, to]
  std::int64_t reserved_units = 0;
  std::int64_t completed_units = 0;
};

struct EngineState;  // engine/src/state.h
class Replicas;     // engine/src/replicas.h
struct AllocationSelect;   // biomatch/engine/allocation.h
struct AllocationOptions;
struct AllocationPlan;

class Engine {
 public:
  Engine();
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // `publishing`, when given, is called after every mutation's first
  // application (and its observer call), right before readers can see it.
  void SetChangeObserver(ChangeObserver observer, std::function<void()> publishing = {});
  void SetMatchWatch(const MatchWatchOptions& options);

  // --- Writes. Each validates, applies atomically, and returns the stored
  // entity; on error nothing changed. `now` stamps created_at/updated_at.
  Result<PutOutcome<Platform>> PutPlatform(Platform platform, Seconds now, IfMatch if_match = {});
  // The platform must exist (kInvalidArgument on platform_id otherwise).
  // Slots keep their reserved units; a slot with reserved units must remain,
  // with the same start and end and at least as many units (kConflict).
  Result<PutOutcome<Capability>> PutCapability(Capability capability, Seconds now,
                                               IfMatch if_match = {});
  Result<Capability> ReplaceSlots(std::string_view capability_id, std::vector<Slot> slots,
                                  Seconds now, IfMatch if_match = {});
  // A new request starts open; a replaced one keeps its status, and may not
  // lower its quantity below its live reserved units (kConflict).
  Result<PutOutcome<Request>> PutRequest(Request request, Seconds now, IfMatch if_match = {});
  // Applies every operation or none. Each is checked against the state the
  // earlier ones leave (a capability may name a platform put earlier in the
  // batch). On failure *errors lists every failing operation and nothing
  // changed; on success the observer sees one ChangeSet for the whole batch.
  // Returns the number of operations applied.
  // `before_publish`, when given, is called once the batch is applied and
  // its ChangeSet observed, before readers can see it (the server waits
  // there until the batch is durable, so that no reader waits for it);
  // other mutations wait meanwhile, readers do not.
  Result<std::size_t> ApplyBatch(std::vector<BatchOp> ops, Seconds now, std::vector<BatchError>* errors,
                                 const std::function<void()>& before_publish = {});
  // Cancels an open or reserved request and its live reservations.
  Result<Request> CancelRequest(std::string_view id, Seconds now);

  // kConflict while capabilities (platform), live reservations (capability)
  // or live reservations (request) still depend on it. Deleting a capability
  // or request deletes its finished reservations too (ChangeSet reports them).
  Status DeletePlatform(std::string_view id, IfMatch if_match = {});
  Status DeleteCapability(std::string_view id, IfMatch if_match = {});
  Status DeleteRequest(std::string_view id, IfMatch if_match = {});

  // Holds units of the capability's free slots inside the request window,
  // earliest first. kConflict when the pair violates a hard constraint, the
  // request has no unreserved quantity left, or the units are not there.
  Result<Reservation> Hold(const HoldSpec& spec, Seconds now);
  Result<Reservation> Confirm(std::string_view reservation_id, Seconds now);
  Result<Reservation> CancelReservation(std::string_view reservation_id, Seconds now);
  Result<Reservation> Complete(std::string_view reservation_id, Seconds now);
  // Expires holds whose expires_at <= now and open requests whose deadline
  // < now. Returns what changed (empty when nothing did).
  ChangeSet Sweep(Seconds now);

  // --- Recovery: insert entities exactly as stored (meta and status kept),
  // in the order platforms, capabilities, requests, reservations. The
  // observer is not called. kCorruption when a stored entity is inconsistent.
  Status LoadPlatform(Platform platform);
  Status LoadCapability(Capability capability);  // slots' reserved fields ignored
  Status LoadRequest(Request request);
  Status LoadReservation(Reservation reservation);  // re-applies live allocations
  // After the entities: a request's announcement state. Pairs naming a
  // request or capability that no longer exists are dropped.
  Status LoadWatchedPairs(WatchedPairs pairs);

  // --- Reads.
  Result<Platform> GetPlatform(std::string_view id) const;
  Result<Capability> GetCapability(std::string_view id) const;
  Result<Request> GetRequest(std::string_view id) const;
  Result<Reservation> GetReservation(std::string_view id) const;
  ListPage<Platform> ListPlatforms(const ListQuery& query) const;
  ListPage<Capability> ListCapabilities(const ListQuery& query) const;
  ListPage<Request> ListRequests(const ListQuery& query) const;
  ListPage<Reservation> ListReservations(const ListQuery& query) const;

  // Ranked capabilities for a request document (validated here; the id may be
  // empty). Uses the indexes.
  Result<MatchResult> Match(const Request& request, const MatchOptions& options) const;
  // The same for a stored request.
  Result<MatchResult> MatchStored(std::string_view request_id, const MatchOptions& options) const;
  // Open requests the capability can serve, ranked by the same score.
  Result<MatchResult> ReverseMatch(std::string_view capability_id, const MatchOptions& options) const;
  // Reference implementation: evaluates every capability, no index. Returns
  // exactly what Match returns; used by tests and the brute-force benchmark.
  Result<MatchResult> BruteForceMatch(const Request& request, const MatchOptions& options) const;

  // --- Allocation (biomatch/engine/allocation.h).
  // Plans the placement of the selected open requests with the greatest
  // total score. The candidate graph (each request's best
  // options.candidates feasible capabilities, by the matcher, and the free
  // units of their slots) is read in short steps under the shared lock (a
  // batch of up to 8 matches that share their posting lists, or about a
  // thousand records), so no writer waits longer than a step. It is therefore no one instant's snapshot: a request closed in
  // between drops out, a capability deleted in between offers no slots, and
  // ApplyAllocation checks every pair again. Solving runs off the lock.
  // kInvalidArgument naming the field (select.limit, select.request_ids[i],
  // ...) for a bad selection or an id that names no request.
  Result<AllocationPlan> PlanAllocation(const AllocationSelect& select, const AllocationOptions& options) const;
  // Places every hold of plan.plan in one mutation, reservation_ids[i] for
  // plan.plan[i], each with exactly the plan's allocations, held for
  // hold_seconds like any other hold (one ChangeSet with them all). All or
  // none: kConflict, and nothing changed, when any pair no longer passes a
  // hard constraint, any request is no longer open with the planned units
  // unreserved, or the slots no longer hold the units of all the holds.
  // Returns the reservations in plan order.
  Result<std::vector<Reservation>> ApplyAllocation(const AllocationPlan& plan,
                                                   const std::vector<std::string>& reservation_ids,
                                                   std::int64_t hold_seconds, Seconds now);

  Overview GetOverview() const;
  // Rows sorted by group name. kPlatform is not a balance grouping (demand
  // has no platform): it groups as kRegion. Cost: a pass over the
  // capabilities' calendars and the open requests, whose unmet state is
  // kept current by every mutation (a search only for a request whose
  // witness expired since the last mutation). Balance and Utilization read
  // in steps of about a thousand records under the shared lock, so writers
  // never wait longer than a step; a change made during the pass may show
  // in part.
  std::vector<BalanceRow> Balance(const StatsQuery& query, Seconds now) const;
  // Rows sorted by group name. Cost: a pass over the capabilities'
  // calendars and their completed reservations.
  std::vector<UtilizationRow> Utilization(const StatsQuery& query) const;
  // The open requests no capability can serve, as of the last mutation (as
  // its change set's unmet_changes announced), in id byte order.
  std::vector<Request> UnmatchedRequests() const;

 private:
  friend class EngineTestAccess;  // tests/engine: reads the state itself
  std::unique_ptr<Replicas> replicas_;  // the state, twice
};

}  // namespace biomatch::engine
