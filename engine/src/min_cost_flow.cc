// MinCostFlow on LEMON's NetworkSimplex. Chosen over COIN-OR CLP because the
// allocation relaxation is a pure network problem: the network simplex runs
// on the graph itself (no matrix), keeps every flow integral, so that the
// quantity-1 case is solved exactly by the same call, and LEMON is header
// only. (LEMON's CostScaling would do too, but does not compile under C++20
// with class-type maps.)
#include "min_cost_flow.h"

#include <cassert>
#include <vector>

#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

namespace biomatch::engine {

struct MinCostFlow::Impl {
  using Graph = lemon::SmartDigraph;
  using Solver = lemon::NetworkSimplex<Graph, std::int64_t, std::int64_t>;

  Graph graph;
  std::vector<std::int64_t> supply;  // by node
  std::vector<std::int64_t> capacity, cost, flow;  // by arc
};

MinCostFlow::MinCostFlow() : impl_(std::make_unique<Impl>()) {}
MinCostFlow::~MinCostFlow() = default;

void MinCostFlow::Reserve(std::uint32_t nodes, std::uint64_t arcs) {
  impl_->graph.reserveNode(static_cast<int>(nodes));
  impl_->graph.reserveArc(static_cast<int>(arcs));
  impl_->supply.reserve(nodes);
  impl_->capacity.reserve(arcs);
  impl_->cost.reserve(arcs);
}

std::uint32_t MinCostFlow::AddNode(std::int64_t supply) {
  impl_->graph.addNode();
  impl_->supply.push_back(supply);
  return static_cast<std::uint32_t>(impl_->supply.size() - 1);
}

std::uint32_t MinCostFlow::AddArc(std::uint32_t from, std::uint32_t to, std::int64_t capacity, std::int64_t cost) {
  assert(capacity >= 0);
  Impl& m = *impl_;
  m.graph.addArc(m.graph.nodeFromId(static_cast<int>(from)), m.graph.nodeFromId(static_cast<int>(to)));
  m.capacity.push_back(capacity);
  m.cost.push_back(cost);
  return static_cast<std::uint32_t>(m.capacity.size() - 1);
}

std::optional<std::int64_t> MinCostFlow::Solve() {
  Impl& m = *impl_;
  // SmartDigraph numbers nodes and arcs densely in the order they were
  // added, so the vectors serve as LEMON maps through these adaptors.
  Impl::Graph::NodeMap<std::int64_t> supply(m.graph);
  Impl::Graph::ArcMap<std::int64_t> capacity(m.graph), cost(m.graph);
  for (Impl::Graph::NodeIt n(m.graph); n != lemon::INVALID; ++n) supply[n] = m.supply[static_cast<std::size_t>(m.graph.id(n))];
  for (Impl::Graph::ArcIt a(m.graph); a != lemon::INVALID; ++a) {
    const auto i = static_cast<std::size_t>(m.graph.id(a));
    capacity[a] = m.capacity[i];
    cost[a] = m.cost[i];
  }
  Impl::Solver solver(m.graph);
  solver.upperMap(capacity).costMap(cost).supplyMap(supply);
  if (solver.run(Impl::Solver::BLOCK_SEARCH) != Impl::Solver::OPTIMAL) return std::nullopt;
  m.flow.assign(m.capacity.size(), 0);
  for (Impl::Graph::ArcIt a(m.graph); a != lemon::INVALID; ++a) {
    m.flow[static_cast<std::size_t>(m.graph.id(a))] = solver.flow(a);
  }
  return solver.totalCost<std::int64_t>();
}

std::int64_t MinCostFlow::Flow(std::uint32_t arc) const { return impl_->flow[arc]; }

}  // namespace biomatch::engine
