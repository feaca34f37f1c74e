#include "allocation_solver.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <numeric>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "min_cost_flow.h"

namespace biomatch::engine {
namespace {

// Scores become integer costs per unit at this scale: a unit's cost is off
// by at most 0.5 / kCostScale, which the upper bound accounts for.
constexpr double kCostScale = 1e9;

// [lo, hi): the slots of `c` with start >= not_before and end <= deadline.
// Starts and ends are both sorted, slots not overlapping.
std::pair<std::uint32_t, std::uint32_t> SlotRange(std::span<const AllocSlot> slots, Seconds not_before,
                                                  Seconds deadline) {
  const auto lo = std::lower_bound(slots.begin(), slots.end(), not_before,
                                   [](const AllocSlot& s, Seconds t) { return s.start < t; });
  const auto hi =
      std::upper_bound(lo, slots.end(), deadline, [](Seconds t, const AllocSlot& s) { return t < s.end; });
  return {static_cast<std::uint32_t>(lo - slots.begin()), static_cast<std::uint32_t>(hi - slots.begin())};
}

// Free units left in every slot of every capability.
class Residual {
 public:
  explicit Residual(const AllocationProblem& p) : p_(p), free_(p.slots.size()) {
    for (std::size_t i = 0; i < p.slots.size(); ++i) free_[i] = p.slots[i].free;
  }

  // Takes `units` of slot `slot` of capability `c`. REQUIRES: they are free.
  void Take(std::uint32_t c, std::uint32_t slot, std::int64_t units) { free_[p_.slot_begin[c] + slot] -= units; }
  std::int64_t Free(std::uint32_t c, std::uint32_t slot) const { return free_[p_.slot_begin[c] + slot]; }

  // Places request `r` on candidate `cand` as a hold would: the earliest
  // free units inside its window. False, and nothing taken, when there are
  // too few.
  bool PlaceEarliest(const AllocRequest& r, const AllocCandidate& cand, AllocPlacement* out) {
    const auto [lo, hi] = SlotRange(p_.Slots(cand.capability), r.not_before, r.deadline);
    std::int64_t* free = free_.data() + p_.slot_begin[cand.capability];
    std::int64_t have = 0;
    for (std::uint32_t i = lo; i < hi && have < r.quantity; ++i) have += free[i];
    if (have < r.quantity) return false;
    out->capability = cand.capability;
    out->score = cand.score;
    out->units.clear();
    std::int64_t left = r.quantity;
    for (std::uint32_t i = lo; left > 0; ++i) {
      const std::int64_t take = std::min(free[i], left);
      if (take == 0) continue;
      free[i] -= take;
      left -= take;
      out->units.emplace_back(i, take);
    }
    return true;
  }

 private:
  const AllocationProblem& p_;
  std::vector<std::int64_t> free_;  // by slot of p_.slots
};

void Total(const AllocationProblem& p, AllocSolution* s) {
  s->score = 0;
  s->placed = 0;
  s->units = 0;
  for (std::size_t r = 0; r < s->placements.size(); ++r) {
    if (!s->placements[r].placed()) continue;
    s->score += s->placements[r].score;
    ++s->placed;
    s->units += p.requests[r].quantity;
  }
}

// best_first over the requests not yet placed in *s, on what `residual`
// has left.
void PlaceBestFirst(const AllocationProblem& p, Residual* residual, AllocSolution* s) {
  struct Pair {
    double score;
    std::uint32_t request, candidate;
  };
  std::vector<Pair> pairs;
  for (std::uint32_t r = 0; r < p.requests.size(); ++r) {
    if (s->placements[r].placed()) continue;
    const auto& cands = p.requests[r].candidates;
    for (std::uint32_t k = 0; k < cands.size(); ++k) pairs.push_back({cands[k].score, r, k});
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
    return std::tie(b.score, a.request, a.candidate) < std::tie(a.score, b.request, b.candidate);
  });
  for (const Pair& pair : pairs) {
    AllocPlacement& placement = s->placements[pair.request];
    if (placement.placed()) continue;
    const AllocRequest& r = p.requests[pair.request];
    residual->PlaceEarliest(r, r.candidates[pair.candidate], &placement);
  }
  Total(p, s);
}

// The relaxation's solution: per request, its flow on each candidate pair,
// and per pair the units it sends through each segment.
struct FlowGraph {
  // Segments: runs of a capability's slots that every pair's window either
  // covers whole or misses, so that their units are interchangeable. Merging
  // them keeps the model exact with far fewer arcs than one per slot.
  std::vector<std::uint32_t> segment_begin;  // by capability: first segment; one past the end last
  std::vector<std::uint32_t> bounds;         // by segment: its first slot; then one past its last
  std::vector<std::uint32_t> bound_begin;    // by capability: first entry in `bounds`
  // Arcs of pair (r, k): [pair_arc[i], pair_arc[i + 1]) with i = pair_begin[r] + k; arc j of the
  // pair runs to segment pair_segment[i] + j.
  std::vector<std::uint32_t> pair_begin, pair_arc, pair_segment;
};

// The flow relaxation of `p` solved, and repaired to a placement: requests
// the relaxation placed whole on one capability keep it, the rest are
// placed best first on what is left.
struct Relaxed {
  AllocSolution solution;
  double upper_bound = 0;
};
Relaxed SolveRelaxed(const AllocationProblem& p) {
  const std::size_t n_req = p.requests.size();
  const std::size_t n_cap = p.capabilities();

  // Each pair's slot range, and the segment bounds of each capability.
  FlowGraph g;
  g.pair_begin.resize(n_req + 1);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> cuts;  // (capability, slot)
  for (std::size_t r = 0; r < n_req; ++r) {
    g.pair_begin[r] = static_cast<std::uint32_t>(ranges.size());
    for (const AllocCandidate& cand : p.requests[r].candidates) {
      const auto range = SlotRange(p.Slots(cand.capability), p.requests[r].not_before, p.requests[r].deadline);
      ranges.push_back(range);
      cuts.emplace_back(cand.capability, range.first);
      cuts.emplace_back(cand.capability, range.second);
    }
  }
  g.pair_begin[n_req] = static_cast<std::uint32_t>(ranges.size());
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  g.segment_begin.resize(n_cap + 1);
  g.bound_begin.resize(n_cap + 1);
  g.bounds.reserve(cuts.size());
  std::uint32_t segments = 0;
  for (std::size_t c = 0, j = 0; c < n_cap; ++c) {
    g.segment_begin[c] = segments;
    g.bound_begin[c] = static_cast<std::uint32_t>(g.bounds.size());
    const std::size_t first = j;
    for (; j < cuts.size() && cuts[j].first == c; ++j) g.bounds.push_back(cuts[j].second);
    if (j > first) segments += static_cast<std::uint32_t>(j - first - 1);
  }
  std::vector<std::pair<std::uint32_t, std::uint32_t>>().swap(cuts);
  g.segment_begin[n_cap] = segments;
  g.bound_begin[n_cap] = static_cast<std::uint32_t>(g.bounds.size());
  // Segment s of capability c spans slots [bounds[bound_begin[c] + j], .. + 1) with j = s - segment_begin[c].
  auto segment_slots = [&](std::uint32_t c, std::uint32_t s) {
    const std::uint32_t j = g.bound_begin[c] + (s - g.segment_begin[c]);
    return std::pair(g.bounds[j], g.bounds[j + 1]);
  };

  // Nodes: the sink, the requests, the segments. Arcs: each request to the
  // sink (unplaced units, free), each pair to the segments in its window
  // (worth score / quantity a unit), each segment to the sink (its units).
  MinCostFlow flow;
  flow.Reserve(static_cast<std::uint32_t>(n_req + 1 + segments), n_req + segments + 2 * ranges.size());
  std::int64_t total_quantity = 0;
  for (const AllocRequest& r : p.requests) total_quantity += r.quantity;
  const std::uint32_t sink = flow.AddNode(-total_quantity);
  for (const AllocRequest& r : p.requests) flow.AddNode(r.quantity);
  const std::uint32_t first_segment_node = static_cast<std::uint32_t>(n_req + 1);
  std::vector<std::int64_t> segment_units(segments, 0);
  for (std::uint32_t c = 0; c < n_cap; ++c) {
    for (std::uint32_t s = g.segment_begin[c]; s < g.segment_begin[c + 1]; ++s) {
      const auto [lo, hi] = segment_slots(c, s);
      for (std::uint32_t i = lo; i < hi; ++i) segment_units[s] += p.Slots(c)[i].free;
      flow.AddNode(0);
    }
  }
  for (std::uint32_t r = 0; r < n_req; ++r) flow.AddArc(r + 1, sink, p.requests[r].quantity, 0);
  for (std::uint32_t s = 0; s < segments; ++s) flow.AddArc(first_segment_node + s, sink, segment_units[s], 0);
  g.pair_arc.resize(ranges.size() + 1);
  g.pair_segment.resize(ranges.size());
  std::uint32_t next_arc = static_cast<std::uint32_t>(n_req + segments);
  for (std::uint32_t r = 0; r < n_req; ++r) {
    const AllocRequest& req = p.requests[r];
    const auto cost = [&](double score) {
      return -static_cast<std::int64_t>(std::llround(kCostScale * score / static_cast<double>(req.quantity)));
    };
    for (std::uint32_t k = 0; k < req.candidates.size(); ++k) {
      const std::uint32_t i = g.pair_begin[r] + k;
      const std::uint32_t c = req.candidates[k].capability;
      const auto [lo, hi] = ranges[i];
      g.pair_arc[i] = next_arc;
      // The segment starting at slot lo.
      const auto first = std::lower_bound(g.bounds.begin() + g.bound_begin[c], g.bounds.begin() + g.bound_begin[c + 1], lo);
      g.pair_segment[i] = g.segment_begin[c] + static_cast<std::uint32_t>(first - (g.bounds.begin() + g.bound_begin[c]));
      for (std::uint32_t s = g.pair_segment[i]; lo < hi && s < g.segment_begin[c + 1] && segment_slots(c, s).first < hi;
           ++s) {
        flow.AddArc(r + 1, first_segment_node + s, std::min(req.quantity, segment_units[s]),
                    cost(req.candidates[k].score));
        ++next_arc;
      }
    }
  }
  g.pair_arc[ranges.size()] = next_arc;
  std::vector<std::pair<std::uint32_t, std::uint32_t>>().swap(ranges);

  const std::optional<std::int64_t> cost = flow.Solve();  // always feasible: every request may stay unplaced
  Relaxed out;
  out.upper_bound = cost ? (-static_cast<double>(*cost) + 0.5 * static_cast<double>(total_quantity)) / kCostScale : 0;

  // Keep the requests the relaxation placed whole on one capability; give
  // each its units segment by segment, earliest slots first.
  Residual residual(p);
  AllocSolution& relaxed = out.solution;
  relaxed.placements.resize(n_req);
  struct Use {
    std::uint32_t segment, request;
    std::int64_t units;
  };
  std::vector<Use> uses;
  for (std::uint32_t r = 0; r < n_req && cost; ++r) {
    const AllocRequest& req = p.requests[r];
    for (std::uint32_t k = 0; k < req.candidates.size(); ++k) {
      const std::uint32_t i = g.pair_begin[r] + k;
      std::int64_t units = 0;
      for (std::uint32_t a = g.pair_arc[i]; a < g.pair_arc[i + 1]; ++a) units += flow.Flow(a);
      if (units != req.quantity) continue;
      relaxed.placements[r].capability = req.candidates[k].capability;
      relaxed.placements[r].score = req.candidates[k].score;
      for (std::uint32_t a = g.pair_arc[i]; a < g.pair_arc[i + 1]; ++a) {
        if (const std::int64_t f = flow.Flow(a); f > 0) uses.push_back({g.pair_segment[i] + (a - g.pair_arc[i]), r, f});
      }
      break;
    }
  }
  std::sort(uses.begin(), uses.end(),
            [](const Use& a, const Use& b) { return std::tie(a.segment, a.request) < std::tie(b.segment, b.request); });
  for (const Use& use : uses) {
    AllocPlacement& placement = relaxed.placements[use.request];
    const std::uint32_t c = placement.capability;
    std::int64_t left = use.units;
    for (std::uint32_t i = segment_slots(c, use.segment).first; left > 0; ++i) {
      const std::int64_t take = std::min(residual.Free(c, i), left);
      if (take == 0) continue;
      residual.Take(c, i, take);
      left -= take;
      placement.units.emplace_back(i, take);
    }
  }
  // The rest go greedily onto what is left.
  PlaceBestFirst(p, &residual, &relaxed);

  return out;
}

// Capabilities that every request listing them could use at once: each
// such request's window holds the units all of them ask for together, so
// any of them placed in any order leaves room for the others.
std::vector<bool> Uncontested(const AllocationProblem& p) {
  std::vector<std::int64_t> demand(p.capabilities(), 0);
  for (const AllocRequest& r : p.requests) {
    for (const AllocCandidate& cand : r.candidates) demand[cand.capability] += r.quantity;
  }
  std::vector<std::int64_t> prefix(p.slots.size() + 1, 0);  // free units before each slot
  for (std::size_t i = 0; i < p.slots.size(); ++i) prefix[i + 1] = prefix[i] + p.slots[i].free;
  std::vector<bool> uncontested(p.capabilities(), true);
  for (const AllocRequest& r : p.requests) {
    for (const AllocCandidate& cand : r.candidates) {
      const std::uint32_t first = p.slot_begin[cand.capability];
      const auto [lo, hi] = SlotRange(p.Slots(cand.capability), r.not_before, r.deadline);
      if (prefix[first + hi] - prefix[first + lo] < demand[cand.capability]) uncontested[cand.capability] = false;
    }
  }
  return uncontested;
}

// The requests of `open` grouped so that no contested capability is a
// candidate of two groups; each group in request order.
std::vector<std::vector<std::uint32_t>> ContestedGroups(const AllocationProblem& p,
                                                        const std::vector<bool>& uncontested,
                                                        const std::vector<std::uint32_t>& open) {
  std::vector<std::uint32_t> parent(p.capabilities());  // union-find over capabilities
  for (std::uint32_t c = 0; c < parent.size(); ++c) parent[c] = c;
  auto find = [&](std::uint32_t c) {
    while (parent[c] != c) c = parent[c] = parent[parent[c]];
    return c;
  };
  // A request's first contested candidate names its group (its first
  // candidate when it has none: a misfit, see AllocOptimum).
  auto root_of = [&](const AllocRequest& r) {
    const auto it = std::find_if(r.candidates.begin(), r.candidates.end(),
                                 [&](const AllocCandidate& c) { return !uncontested[c.capability]; });
    return (it != r.candidates.end() ? *it : r.candidates.front()).capability;
  };
  for (const std::uint32_t r : open) {
    const std::uint32_t root = find(root_of(p.requests[r]));
    for (const AllocCandidate& cand : p.requests[r].candidates) {
      if (!uncontested[cand.capability]) parent[find(cand.capability)] = root;
    }
  }
  std::vector<std::vector<std::uint32_t>> groups;
  std::unordered_map<std::uint32_t, std::size_t> group_of;  // by root capability
  for (const std::uint32_t r : open) {
    const auto [it, added] = group_of.try_emplace(find(root_of(p.requests[r])), groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(r);
  }
  return groups;
}

// A group's requests as a problem of their own, over the units `residual`
// has left of their candidates. Every slot of a capability is kept (some
// with no free units), so slot numbers are the same in both problems.
struct Subproblem {
  AllocationProblem problem;
  std::vector<std::uint32_t> capabilities;  // by the problem's capability: the whole problem's
};
Subproblem Extract(const AllocationProblem& p, const Residual& residual, const std::vector<std::uint32_t>& requests) {
  Subproblem sub;
  std::unordered_map<std::uint32_t, std::uint32_t> local;  // whole problem's capability -> sub's
  for (const std::uint32_t r : requests) {
    AllocRequest& req = sub.problem.requests.emplace_back(p.requests[r]);
    for (AllocCandidate& cand : req.candidates) {
      const auto [it, added] = local.try_emplace(cand.capability, static_cast<std::uint32_t>(sub.capabilities.size()));
      if (added) {
        sub.capabilities.push_back(cand.capability);
        const std::span<const AllocSlot> slots = p.Slots(cand.capability);
        for (std::uint32_t i = 0; i < slots.size(); ++i) {
          sub.problem.slots.push_back({slots[i].start, slots[i].end, residual.Free(cand.capability, i)});
        }
        sub.problem.slot_begin.push_back(static_cast<std::uint32_t>(sub.problem.slots.size()));
      }
      cand.capability = it->second;
    }
  }
  return sub;
}

}  // namespace

AllocSolution FirstCome(const AllocationProblem& p) {
  Residual residual(p);
  AllocSolution s;
  s.placements.resize(p.requests.size());
  for (std::size_t r = 0; r < p.requests.size(); ++r) {
    for (const AllocCandidate& cand : p.requests[r].candidates) {
      if (residual.PlaceEarliest(p.requests[r], cand, &s.placements[r])) break;
    }
  }
  Total(p, &s);
  return s;
}

AllocSolution BestFirst(const AllocationProblem& p) {
  Residual residual(p);
  AllocSolution s;
  s.placements.resize(p.requests.size());
  PlaceBestFirst(p, &residual, &s);
  return s;
}

AllocOptimum SolveAllocation(const AllocationProblem& p, std::size_t threads) {
  AllocOptimum out;
  for (const AllocRequest& r : p.requests) out.exact &= r.quantity == 1;
  AllocSolution& solution = out.solution;
  solution.placements.resize(p.requests.size());
  Residual residual(p);

  // A request whose best candidate is uncontested takes it: some optimum
  // does, of the relaxation too (moving a request onto an uncontested
  // capability never lowers its score and always fits), and the
  // capability stays uncontested for the others.
  const std::vector<bool> uncontested = Uncontested(p);
  std::vector<std::uint32_t> open;  // requests left to the flow
  for (std::uint32_t r = 0; r < p.requests.size(); ++r) {
    const AllocRequest& req = p.requests[r];
    if (req.candidates.empty()) continue;
    // Uncontested, it fits whatever else was placed.
    if (!uncontested[req.candidates[0].capability] ||
        !residual.PlaceEarliest(req, req.candidates[0], &solution.placements[r])) {
      if (uncontested[req.candidates[0].capability]) ++out.misfits;
      open.push_back(r);
    }
  }
  double fixed_score = 0;
  for (const AllocPlacement& placed : solution.placements) fixed_score += placed.score;

  // The rest fall apart into groups that share no contested capability
  // (an uncontested one never binds), each its own flow problem.
  std::vector<std::vector<std::uint32_t>> groups = ContestedGroups(p, uncontested, open);
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::vector<double> bounds(groups.size());
  // The tasks, largest first, and the baselines right after the largest
  // group: they fill the time other threads would wait for it.
  std::vector<std::function<void()>> tasks;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    tasks.emplace_back([&, g] {
      const Subproblem sub = Extract(p, residual, groups[g]);
      Relaxed relaxed = SolveRelaxed(sub.problem);
      bounds[g] = relaxed.upper_bound;
      for (std::size_t i = 0; i < groups[g].size(); ++i) {
        AllocPlacement& placement = relaxed.solution.placements[i];
        if (placement.placed()) placement.capability = sub.capabilities[placement.capability];
        solution.placements[groups[g][i]] = std::move(placement);
      }
    });
  }
  const auto baselines = tasks.begin() + std::min<std::ptrdiff_t>(1, static_cast<std::ptrdiff_t>(tasks.size()));
  tasks.insert(baselines, {[&] { out.first_come = FirstCome(p); }, [&] { out.best_first = BestFirst(p); }});
  std::atomic<std::size_t> next{0};
  auto run_tasks = [&] {
    for (std::size_t t; (t = next.fetch_add(1)) < tasks.size();) tasks[t]();
  };
  {
    std::vector<std::jthread> helpers;
    for (std::size_t t = 1; t < std::min(threads, tasks.size()); ++t) helpers.emplace_back(run_tasks);
    run_tasks();
  }
  // Each group planned its contested capabilities alone and had the
  // uncontested ones to itself: the units of those are taken afresh, which
  // always fits.
  for (const std::uint32_t r : open) {
    AllocPlacement& placement = solution.placements[r];
    if (!placement.placed()) continue;
    if (uncontested[placement.capability]) {
      const AllocRequest& req = p.requests[r];
      const auto cand = std::find_if(req.candidates.begin(), req.candidates.end(),
                                     [&](const AllocCandidate& c) { return c.capability == placement.capability; });
      if (!residual.PlaceEarliest(req, *cand, &placement)) {
        ++out.misfits;
        placement = AllocPlacement{};
      }
    } else {
      for (const auto& [slot, units] : placement.units) residual.Take(placement.capability, slot, units);
    }
  }
  Total(p, &solution);
  out.upper_bound = fixed_score;
  for (const double bound : bounds) out.upper_bound += bound;

  // With quantities above 1 the repair may fall short of a greedy placement.
  if (!out.exact) {
    for (const AllocSolution* greedy : {&out.first_come, &out.best_first}) {
      if (greedy->score > solution.score) solution = *greedy;
    }
  }
  return out;
}

}  // namespace biomatch::engine
