// MinCostFlow on LEMON's NetworkSimplex. Chosen over COIN-OR CLP because the
// allocation relaxation is a pure network problem: the network simplex runs
// on the graph itself (no matrix), keeps every flow integral, so that the
// quantity-1 case is solved exactly by the same call, and LEMON is header
// only. (LEMON's CostScaling would do too, but does not compile under C++20
// with class-type maps.)
#include "min_cost_flow.h"

#include <cassert>

#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

namespace biomatch::engine {

struct MinCostFlow::Impl {
  using Graph = lemon::SmartDigraph;
  using Solver = lemon::NetworkSimplex<Graph, std::int64_t, std::int64_t>;

  // SmartDigraph numbers nodes and arcs densely in the order they are
  // added, which are the numbers MinCostFlow hands out; the maps grow with
  // the graph.
  Graph graph;
  Graph::NodeMap<std::int64_t> supply{graph};
  Graph::ArcMap<std::int64_t> capacity{graph}, cost{graph};
  std::unique_ptr<Solver> solver;  // after Solve()
};

MinCostFlow::MinCostFlow() : impl_(std::make_unique<Impl>()) {}
MinCostFlow::~MinCostFlow() = default;

void MinCostFlow::Reserve(std::uint32_t nodes, std::uint64_t arcs) {
  impl_->graph.reserveNode(static_cast<int>(nodes));
  impl_->graph.reserveArc(static_cast<int>(arcs));
}

std::uint32_t MinCostFlow::AddNode(std::int64_t supply) {
  const Impl::Graph::Node n = impl_->graph.addNode();
  impl_->supply[n] = supply;
  return static_cast<std::uint32_t>(impl_->graph.id(n));
}

std::uint32_t MinCostFlow::AddArc(std::uint32_t from, std::uint32_t to, std::int64_t capacity, std::int64_t cost) {
  assert(capacity >= 0);
  Impl& m = *impl_;
  const Impl::Graph::Arc a =
      m.graph.addArc(m.graph.nodeFromId(static_cast<int>(from)), m.graph.nodeFromId(static_cast<int>(to)));
  m.capacity[a] = capacity;
  m.cost[a] = cost;
  return static_cast<std::uint32_t>(m.graph.id(a));
}

std::optional<std::int64_t> MinCostFlow::Solve() {
  Impl& m = *impl_;
  m.solver = std::make_unique<Impl::Solver>(m.graph);
  m.solver->upperMap(m.capacity).costMap(m.cost).supplyMap(m.supply);
  if (m.solver->run(Impl::Solver::BLOCK_SEARCH) != Impl::Solver::OPTIMAL) return std::nullopt;
  return m.solver->totalCost<std::int64_t>();
}

std::int64_t MinCostFlow::Flow(std::uint32_t arc) const {
  return impl_->solver->flow(impl_->graph.arcFromId(static_cast<int>(arc)));
}

}  // namespace biomatch::engine
