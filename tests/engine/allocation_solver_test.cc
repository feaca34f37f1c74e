// SolveAllocation on random problems of a few hundred requests, where
// requests with an uncontested best candidate are fixed and the rest split
// into independent groups, against the relaxation solved whole by a plain
// model written here: one flow node per slot.
#include "allocation_solver.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "min_cost_flow.h"

namespace biomatch::engine {
namespace {

constexpr double kScale = 1e9;  // score to integer cost, as the solver's own scale

// Markets of a few scarce capabilities each, which their requests contest,
// and capabilities with room to spare that requests of every market may use
// (they bind nobody: their requests are fixed early, or they join the
// markets' groups without linking them).
AllocationProblem RandomProblem(std::uint64_t seed, std::int64_t max_quantity) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); };
  AllocationProblem p;
  const std::int64_t markets = uniform(2, 6);
  std::vector<std::vector<std::uint32_t>> scarce(static_cast<std::size_t>(markets));
  std::vector<std::uint32_t> plentiful;
  for (std::uint32_t c = 0, capabilities = static_cast<std::uint32_t>(uniform(20, 60)); c < capabilities; ++c) {
    const bool roomy = uniform(0, 3) == 0;
    (roomy ? plentiful : scarce[static_cast<std::size_t>(uniform(0, markets - 1))]).push_back(c);
    for (std::int64_t day = 0, slots = roomy ? 6 : uniform(1, 5); day < slots; ++day) {
      p.slots.push_back({day * 10, day * 10 + 10, roomy ? uniform(3, 6) : uniform(0, 3)});
    }
    p.slot_begin.push_back(static_cast<std::uint32_t>(p.slots.size()));
  }
  auto pick = [&](const std::vector<std::uint32_t>& from) { return from[static_cast<std::size_t>(uniform(0, static_cast<std::int64_t>(from.size()) - 1))]; };
  for (std::int64_t r = 0, requests = uniform(100, 300); r < requests; ++r) {
    AllocRequest& req = p.requests.emplace_back();
    req.quantity = uniform(1, max_quantity);
    req.not_before = uniform(0, 2) * 10;
    req.deadline = req.not_before + uniform(1, 4) * 10;
    const std::vector<std::uint32_t>& market = scarce[static_cast<std::size_t>(uniform(0, markets - 1))];
    std::set<std::uint32_t> chosen;
    for (std::int64_t k = market.empty() ? 0 : uniform(0, 4); k > 0; --k) chosen.insert(pick(market));
    if (!plentiful.empty() && uniform(0, 3) == 0) chosen.insert(pick(plentiful));
    for (const std::uint32_t c : chosen) req.candidates.push_back({c, static_cast<double>(uniform(1, 1000)) / 1000});
    std::stable_sort(req.candidates.begin(), req.candidates.end(),
                     [](const AllocCandidate& a, const AllocCandidate& b) { return a.score > b.score; });
  }
  return p;
}

// The relaxation's optimum: requests to every slot of every candidate
// inside their window, each unit worth score / quantity.
double WholeRelaxation(const AllocationProblem& p) {
  MinCostFlow flow;
  std::int64_t total = 0;
  for (const AllocRequest& r : p.requests) total += r.quantity;
  const std::uint32_t sink = flow.AddNode(-total);
  for (const AllocRequest& r : p.requests) flow.AddNode(r.quantity);
  const std::uint32_t first_slot = flow.AddNode(0);
  for (std::size_t i = 1; i < p.slots.size(); ++i) flow.AddNode(0);
  for (std::uint32_t r = 0; r < p.requests.size(); ++r) flow.AddArc(r + 1, sink, p.requests[r].quantity, 0);
  for (std::uint32_t i = 0; i < p.slots.size(); ++i) flow.AddArc(first_slot + i, sink, p.slots[i].free, 0);
  for (std::uint32_t r = 0; r < p.requests.size(); ++r) {
    const AllocRequest& req = p.requests[r];
    for (const AllocCandidate& cand : req.candidates) {
      for (std::uint32_t i = p.slot_begin[cand.capability]; i < p.slot_begin[cand.capability + 1]; ++i) {
        if (p.slots[i].start < req.not_before || p.slots[i].end > req.deadline) continue;
        flow.AddArc(r + 1, first_slot + i, req.quantity,
                    -std::llround(kScale * cand.score / static_cast<double>(req.quantity)));
      }
    }
  }
  return -static_cast<double>(*flow.Solve()) / kScale;
}

// Whole requests, on one of their candidates at its score, inside their
// windows, never over a slot; the totals add up.
void ExpectValid(const AllocationProblem& p, const AllocSolution& s) {
  std::vector<std::int64_t> free(p.slots.size());
  for (std::size_t i = 0; i < p.slots.size(); ++i) free[i] = p.slots[i].free;
  double score = 0;
  std::size_t placed = 0;
  for (std::size_t r = 0; r < p.requests.size(); ++r) {
    const AllocPlacement& pl = s.placements[r];
    if (!pl.placed()) continue;
    const AllocRequest& req = p.requests[r];
    const auto cand = std::find_if(req.candidates.begin(), req.candidates.end(),
                                   [&](const AllocCandidate& c) { return c.capability == pl.capability; });
    ASSERT_NE(cand, req.candidates.end()) << "request " << r << " placed on a capability it cannot use";
    EXPECT_EQ(pl.score, cand->score);
    std::int64_t units = 0;
    for (const auto& [slot, n] : pl.units) {
      const AllocSlot& at = p.Slots(pl.capability)[slot];
      EXPECT_TRUE(at.start >= req.not_before && at.end <= req.deadline) << "request " << r << " outside its window";
      free[p.slot_begin[pl.capability] + slot] -= n;
      units += n;
    }
    EXPECT_EQ(units, req.quantity) << "request " << r;
    score += pl.score;
    ++placed;
  }
  for (std::size_t i = 0; i < free.size(); ++i) EXPECT_GE(free[i], 0) << "slot " << i << " over capacity";
  EXPECT_NEAR(s.score, score, 1e-6);
  EXPECT_EQ(s.placed, placed);
}

TEST(AllocationSolverTest, UnitQuantitiesReachTheWholeOptimum) {
  int contested = 0;  // instances where a greedy falls short
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const AllocationProblem p = RandomProblem(seed, 1);
    const double optimum = WholeRelaxation(p);  // integral with quantities 1
    for (const std::size_t threads : {1, 3}) {
      const AllocOptimum out = SolveAllocation(p, threads);
      EXPECT_TRUE(out.exact);
      EXPECT_EQ(out.misfits, 0u);
      EXPECT_NEAR(out.solution.score, optimum, 1e-6) << threads << " threads";
      EXPECT_NEAR(out.upper_bound, optimum, 1e-6);
      ExpectValid(p, out.solution);
      contested += threads == 1 && out.solution.score > std::max(out.first_come.score, out.best_first.score) + 1e-6;
    }
  }
  EXPECT_GE(contested, 10) << "the instances are too easy to tell the optimum from a greedy";
}

TEST(AllocationSolverTest, LargerQuantitiesKeepTheWholeBound) {
  for (std::uint64_t seed = 100; seed < 140; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const AllocationProblem p = RandomProblem(seed, 4);
    const double relaxation = WholeRelaxation(p);
    const AllocOptimum out = SolveAllocation(p, 2);
    EXPECT_EQ(out.misfits, 0u);
    EXPECT_NEAR(out.upper_bound, relaxation, 1e-6);
    EXPECT_LE(out.solution.score, relaxation + 1e-6);
    EXPECT_GE(out.solution.score, std::max(out.first_come.score, out.best_first.score) - 1e-6);
    ExpectValid(p, out.solution);
  }
}

// Two markets, each one unit of a scarce capability wanted by two requests,
// and one capability both markets may use, with a unit for each of the four
// requests (so nobody contests it): the markets are planned apart, and the
// two that lose their market's unit must not both get the shared one's
// first slot.
TEST(AllocationSolverTest, GroupsShareAnUncontestedCapabilityWithoutOverfilling) {
  AllocationProblem p;
  p.slots = {{0, 10, 1}, {10, 20, 1}, {0, 10, 1}, {0, 10, 1}, {10, 20, 1}, {20, 30, 1}};
  p.slot_begin = {0, 1, 2, 6};  // scarce A, scarce B, shared
  for (const std::uint32_t scarce : {0u, 0u, 1u, 1u}) {
    p.requests.push_back({1, 0, 40, {{scarce, 0.9}, {2, 0.5}}});
  }
  const AllocOptimum out = SolveAllocation(p, 2);
  EXPECT_EQ(out.misfits, 0u);
  EXPECT_EQ(out.solution.placed, 4u);
  EXPECT_NEAR(out.solution.score, 2 * 0.9 + 2 * 0.5, 1e-9);
  ExpectValid(p, out.solution);
}

}  // namespace
}  // namespace biomatch::engine
