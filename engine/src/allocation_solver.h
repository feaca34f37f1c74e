// The allocation problem as numbers, and its solvers: the optimum (through
// MinCostFlow), and the first_come and best_first baselines. Knows nothing
// of the engine's records: Engine::PlanAllocation builds an
// AllocationProblem from a snapshot and turns the answer into ids
// (allocation.cc).
//
// Pure functions of their arguments; safe to call concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "biomatch/engine/time.h"

namespace biomatch::engine {

struct AllocSlot {
  Seconds start = 0;
  Seconds end = 0;
  std::int64_t free = 0;  // >= 0
};

struct AllocCandidate {
  std::uint32_t capability = 0;  // < AllocationProblem::capabilities()
  double score = 0;              // >= 0
};

struct AllocRequest {
  std::int64_t quantity = 1;  // >= 1
  // Usable slots: start >= not_before and end <= deadline (as a hold).
  Seconds not_before = 0;
  Seconds deadline = 0;
  std::vector<AllocCandidate> candidates;  // best first, distinct capabilities
};

struct AllocationProblem {
  std::vector<AllocRequest> requests;  // in creation order
  // The capabilities' slots, one capability after another, each's by start
  // and non-overlapping: capability c's are [slot_begin[c], slot_begin[c + 1]).
  std::vector<AllocSlot> slots;
  std::vector<std::uint32_t> slot_begin{0};

  std::uint32_t capabilities() const { return static_cast<std::uint32_t>(slot_begin.size() - 1); }
  std::span<const AllocSlot> Slots(std::uint32_t c) const {
    return {slots.data() + slot_begin[c], slots.data() + slot_begin[c + 1]};
  }
};

// One request's placement: a capability and units from its slots.
struct AllocPlacement {
  static constexpr std::uint32_t kUnplaced = 0xFFFFFFFF;
  std::uint32_t capability = kUnplaced;
  double score = 0;
  std::vector<std::pair<std::uint32_t, std::int64_t>> units;  // (slot index, units), by slot
  bool placed() const { return capability != kUnplaced; }
};

struct AllocSolution {
  std::vector<AllocPlacement> placements;  // by request
  double score = 0;
  std::size_t placed = 0;
  std::int64_t units = 0;
};

// The best placement SolveAllocation finds, the relaxation's bound, and the
// baselines it compared against.
struct AllocOptimum {
  AllocSolution solution;
  double upper_bound = 0;
  bool exact = true;  // every quantity 1: the solution is an optimum
  AllocSolution first_come, best_first;
  // Placements on uncontested capabilities that did not fit, which the
  // argument in SolveAllocation rules out (tests check for 0). Such a
  // request goes to the flow, or stays unplaced: the plan stays valid.
  std::size_t misfits = 0;
};

// Never over a slot's free units, never outside a window, never a request
// split across capabilities. See allocation.h for what it guarantees.
// Requests whose best candidate nobody contests take it; the rest are split
// into groups that contest no capability with each other, solved on up to
// `threads` threads.
AllocOptimum SolveAllocation(const AllocationProblem& problem, std::size_t threads = 1);

// Requests in order; each takes its best candidate with room, earliest
// slots first.
AllocSolution FirstCome(const AllocationProblem& problem);
// Pairs by descending score (ties: request order, then candidate order);
// each places its request if the request is not yet placed and the
// capability has room, earliest slots first.
AllocSolution BestFirst(const AllocationProblem& problem);

}  // namespace biomatch::engine
