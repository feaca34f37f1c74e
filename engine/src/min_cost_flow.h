// MinCostFlow: the one interface through which allocation reaches a
// min-cost flow solver (LEMON's NetworkSimplex, min_cost_flow.cc). Replacing
// the solver means replacing that file alone.
//
// A problem is nodes with integer supplies (positive: the node sends,
// negative: it receives; they sum to 0) and arcs with an integer capacity
// and an integer cost per unit of flow. Solve() finds a flow that meets
// every supply within the capacities at the least total cost; capacities
// integral, the flow found is integral on every arc.
//
// Not thread safe: one problem is built and solved by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

namespace biomatch::engine {

class MinCostFlow {
 public:
  MinCostFlow();
  ~MinCostFlow();
  MinCostFlow(const MinCostFlow&) = delete;
  MinCostFlow& operator=(const MinCostFlow&) = delete;

  // Room for this many nodes and arcs without reallocating (a hint).
  void Reserve(std::uint32_t nodes, std::uint64_t arcs);
  // Returns the new node's number: 0, 1, 2, ... in order.
  std::uint32_t AddNode(std::int64_t supply);
  // Returns the new arc's number: 0, 1, 2, ... in order. REQUIRES: capacity >= 0.
  std::uint32_t AddArc(std::uint32_t from, std::uint32_t to, std::int64_t capacity, std::int64_t cost);

  // The least total cost, or nullopt when no flow meets the supplies.
  // REQUIRES: called once, after every node and arc was added.
  std::optional<std::int64_t> Solve();
  // The flow on `arc` in the solution. REQUIRES: Solve() returned a cost.
  std::int64_t Flow(std::uint32_t arc) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace biomatch::engine
