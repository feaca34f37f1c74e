// Global allocation: placing many open requests at once onto scarce capacity
// so that the total match score is as large as possible (API.md,
// "Allocation"; Engine::PlanAllocation and Engine::ApplyAllocation).
//
// The model. A request takes all of its unreserved quantity from one
// capability, from free units of slots inside its window, as a hold would;
// a slot's free units are shared by every request that could use it. A
// placed pair is worth its match score (the score of /v1/match); the plan
// maximises the sum over placed requests. Each request considers only its
// best `candidates` feasible capabilities.
//
// When every quantity is 1 the plan is an optimum over those candidates (an
// assignment, solved as a min-cost flow). Otherwise the flow relaxation (a
// request's units may split across capabilities, or be placed in part) is
// solved and its value reported as upper_bound; the plan keeps the requests
// the relaxation placed whole on one capability and places the others
// greedily on what is left, and is never worse than either baseline.
//
// Baselines on the same candidates: first_come takes requests in creation
// order, each its best capability with room; best_first takes pairs by
// descending score.
//
// Value types, copyable on purpose; no internal synchronisation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/time.h"
#include "biomatch/engine/types.h"

namespace biomatch::engine {

inline constexpr std::size_t kMaxAllocationRequests = 100000;
inline constexpr std::size_t kMaxAllocationCandidates = 1000;

// Which open requests to place. Every criterion given must hold; requests
// that are not open are left out.
struct AllocationSelect {
  std::string category_prefix;           // whole segments; empty: any
  std::string region_prefix;             // of the request's region; empty: any
  std::vector<std::string> request_ids;  // empty: any; each must exist
  // At most this many, oldest first (by created_at, then id). 1 to
  // kMaxAllocationRequests.
  std::size_t limit = 10000;
};

struct AllocationOptions {
  Seconds now = 0;
  // How many of each request's best feasible capabilities the plan may use.
  // More finds a better plan on crowded markets at the price of a larger
  // graph (time and memory grow about linearly). 1 to kMaxAllocationCandidates.
  std::size_t candidates = 16;
  // Threads that read the candidate graph (one match per request, under the
  // shared lock) and solve its independent parts: more hold the lock for
  // less time and use more cores meanwhile. 1 works on the calling thread
  // alone. 1 to 64.
  std::size_t threads = 1;
};

struct PlacedRequest {
  std::string request_id;
  std::string capability_id;
  double score = 0;
  std::int64_t quantity = 0;            // the request's unreserved units
  std::vector<Allocation> allocations;  // slots inside the window, by start
  bool operator==(const PlacedRequest&) const = default;
};

// Persisted in nothing; names are the API's.
enum class UnplacedReason : std::uint8_t {
  kNoFeasibleCapability,  // no capability could serve it, even alone
  kCapacityTaken,         // its candidates' room went to other requests
};
std::string_view ToString(UnplacedReason reason);

struct UnplacedRequest {
  std::string request_id;
  UnplacedReason reason = UnplacedReason::kNoFeasibleCapability;
  bool operator==(const UnplacedRequest&) const = default;
};

// What a placement achieves.
struct AllocationTotals {
  std::size_t placed = 0;
  std::int64_t units = 0;
  double score = 0;
};

struct AllocationPlan {
  std::vector<PlacedRequest> plan;        // in selection order
  std::vector<UnplacedRequest> unplaced;  // in selection order
  std::size_t requests = 0;               // selected
  AllocationTotals totals;
  AllocationTotals first_come;
  AllocationTotals best_first;
  // No placement of the selected requests on their candidates scores more.
  double upper_bound = 0;
  // Every quantity was 1: totals.score is the optimum (up to 1e-9 a unit).
  bool exact = true;
  std::size_t candidate_pairs = 0;  // feasible (request, capability) pairs considered
  double read_seconds = 0;   // reading the candidate graph, in steps under the shared lock
  double solve_seconds = 0;  // the solver and the baselines, off the lock
};

}  // namespace biomatch::engine
