// Engine::PlanAllocation and Engine::ApplyAllocation: the candidate graph
// read from a snapshot of the engine, the solvers (allocation_solver.cc) run
// off the lock, and the plan's holds placed in one mutation.
#include "biomatch/engine/allocation.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "allocation_solver.h"
#include "biomatch/engine/engine.h"
#include "biomatch/engine/validate.h"
#include "hold.h"
#include "replicas.h"
#include "state.h"
#include "stepped_reader.h"

namespace biomatch::engine {
namespace {

Status ValidateSelect(const AllocationSelect& select, const AllocationOptions& options) {
  if (!select.category_prefix.empty()) {
    if (Status st = ValidateCategory(select.category_prefix, "select.category"); !st.ok()) return st;
  }
  if (!select.region_prefix.empty()) {
    if (Status st = ValidateRegion(select.region_prefix, "select.region"); !st.ok()) return st;
  }
  if (select.request_ids.size() > kMaxAllocationRequests) {
    return Status::InvalidArgument("select.request_ids",
                                   "names more than " + std::to_string(kMaxAllocationRequests) + " requests");
  }
  for (std::size_t i = 0; i < select.request_ids.size(); ++i) {
    const std::string field = "select.request_ids[" + std::to_string(i) + "]";
    if (Status st = ValidateId(select.request_ids[i], field); !st.ok()) return st;
  }
  if (select.limit < 1 || select.limit > kMaxAllocationRequests) {
    return Status::InvalidArgument("select.limit", "must be from 1 to " + std::to_string(kMaxAllocationRequests));
  }
  if (options.candidates < 1 || options.candidates > kMaxAllocationCandidates) {
    return Status::InvalidArgument("candidates", "must be from 1 to " + std::to_string(kMaxAllocationCandidates));
  }
  if (options.threads < 1 || options.threads > 64) return Status::InvalidArgument("threads", "must be from 1 to 64");
  return Status::Ok();
}

// What a plan needs of the engine beyond the problem: the ids behind its
// numbers, and which requests had no feasible capability at all.
struct Snapshot {
  AllocationProblem problem;
  std::vector<std::string> request_ids;     // by problem request
  std::vector<std::string> capability_ids;  // by problem capability
  std::size_t pairs = 0;
};

std::int64_t UnreservedUnits(const RequestRec& r) { return r.doc.quantity - r.live_units - r.completed_units; }

// A selected request as the selection read it.
struct Selected {
  std::string id;
  Seconds created_at = 0;
  // Its category, unit and stage: requests matched next to each other read
  // the same posting lists and calendars.
  std::tuple<std::uint32_t, std::uint32_t, Unit, Stage> locality{};
};

// The selected open requests, oldest first.
Result<std::vector<Selected>> SelectRequests(const SteppedReader& reader, const AllocationSelect& select) {
  std::vector<Selected> chosen;
  auto consider = [&](const EngineState& s, std::uint32_t idx) {
    const RequestRec& r = s.requests.at(idx);
    if (r.doc.status != RequestStatus::kOpen || UnreservedUnits(r) <= 0) return;
    if (!select.category_prefix.empty() && !IsPathPrefix(select.category_prefix, r.doc.category)) return;
    if (!select.region_prefix.empty() && !(r.doc.region && IsPathPrefix(select.region_prefix, *r.doc.region))) return;
    chosen.push_back({r.doc.id, r.doc.meta.created_at, {r.plan.node, r.plan.deepest_prefix, r.plan.unit, r.plan.stage}});
  };
  if (!select.request_ids.empty()) {
    std::unordered_set<std::string_view> seen;
    Status missing;
    for (std::size_t first = 0; first < select.request_ids.size() && missing.ok();
         first += SteppedReader::kStepRecords) {
      reader.Step([&](const EngineState& s) {
        const std::size_t last = std::min(select.request_ids.size(), first + SteppedReader::kStepRecords);
        for (std::size_t i = first; i < last; ++i) {
          const auto idx = s.requests.Find(select.request_ids[i]);
          if (!idx) {
            missing = Status::InvalidArgument("select.request_ids[" + std::to_string(i) + "]",
                                              "request " + select.request_ids[i] + " does not exist");
            return;
          }
          if (seen.insert(select.request_ids[i]).second) consider(s, *idx);
        }
      });
    }
    if (!missing.ok()) return missing;
  } else {
    reader.ForEachOpenRequest(consider);
  }
  const auto older = [](const Selected& x, const Selected& y) {
    return x.created_at != y.created_at ? x.created_at < y.created_at : x.id < y.id;
  };
  if (chosen.size() > select.limit) {
    std::partial_sort(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(select.limit), chosen.end(), older);
    chosen.resize(select.limit);
  } else {
    std::sort(chosen.begin(), chosen.end(), older);
  }
  return chosen;
}

// Reads the candidate graph: each selected request's best feasible
// capabilities by the matcher (its unreserved quantity, at options.now),
// and the free units of their slots. The matches run on options.threads
// threads, one step of the reader each. A request closed or deleted since
// its selection drops out; a capability deleted since its match offers no
// slots.
Result<Snapshot> ReadSnapshot(const SteppedReader& reader, const AllocationSelect& select,
                              const AllocationOptions& options) {
  Result<std::vector<Selected>> chosen_or = SelectRequests(reader, select);
  if (!chosen_or.ok()) return chosen_or.status();
  const std::vector<Selected>& chosen = *chosen_or;
  struct Found {
    std::string capability_id;
    double score;
  };
  // What each request's match saw; quantity 0: the request dropped out.
  struct Read {
    std::int64_t quantity = 0;
    Seconds not_before = 0, deadline = 0;
    std::vector<Found> found;
  };
  std::vector<Read> reads(chosen.size());
  // Matched in locality order; each thread takes every threads-th run of kRun.
  constexpr std::size_t kRun = 64;
  std::vector<std::uint32_t> order(chosen.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::tie(chosen[a].locality, a) < std::tie(chosen[b].locality, b);
  });
  auto match_runs = [&](std::size_t first_run, std::size_t step) {
    MatchOptions match;
    match.now = options.now;
    match.limit = options.candidates;
    for (std::size_t run = first_run * kRun; run < order.size(); run += step * kRun) {
      for (std::size_t j = run; j < std::min(order.size(), run + kRun); ++j) {
        const std::uint32_t i = order[j];
        reader.Step([&](const EngineState& s) {
          const auto idx = s.requests.Find(chosen[i].id);
          if (!idx) return;
          const RequestRec& rec = s.requests.at(*idx);
          if (rec.doc.status != RequestStatus::kOpen || UnreservedUnits(rec) <= 0) return;
          Read& read = reads[i];
          read.quantity = UnreservedUnits(rec);
          read.not_before = std::max(rec.plan.window.earliest_start, options.now);
          read.deadline = rec.plan.window.deadline;
          QueryPlan plan = rec.plan;
          plan.quantity = read.quantity;
          for (Match& m : RunIndexed(s, plan, match).matches) {
            read.found.push_back({std::move(m.capability_id), m.score});
          }
        });
      }
    }
  };
  const std::size_t threads = std::min(options.threads, (chosen.size() + kRun - 1) / kRun);
  {
    std::vector<std::jthread> helpers;
    for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(match_runs, t, threads);
    match_runs(0, std::max<std::size_t>(threads, 1));
  }

  // Each capability's slots, those that some window using it can reach:
  // min not_before to max deadline over its pairs.
  Snapshot snap;
  struct Reach {
    std::uint32_t index;  // in the problem
    Seconds from, to;
  };
  std::unordered_map<std::string, Reach> reach;  // by capability id
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    Read& read = reads[i];
    if (read.quantity == 0) continue;
    AllocRequest& req = snap.problem.requests.emplace_back();
    req.quantity = read.quantity;
    req.not_before = read.not_before;
    req.deadline = read.deadline;
    for (Found& f : read.found) {
      const auto [it, added] = reach.try_emplace(
          f.capability_id, Reach{static_cast<std::uint32_t>(snap.capability_ids.size()), req.not_before, req.deadline});
      if (added) snap.capability_ids.push_back(f.capability_id);
      it->second.from = std::min(it->second.from, req.not_before);
      it->second.to = std::max(it->second.to, req.deadline);
      req.candidates.push_back({it->second.index, f.score});
    }
    snap.pairs += req.candidates.size();
    snap.request_ids.push_back(chosen[i].id);
  }
  snap.problem.slot_begin.reserve(snap.capability_ids.size() + 1);
  for (std::size_t first = 0; first < snap.capability_ids.size(); first += SteppedReader::kStepRecords) {
    reader.Step([&](const EngineState& s) {
      const std::size_t last = std::min(snap.capability_ids.size(), first + SteppedReader::kStepRecords);
      for (std::size_t c = first; c < last; ++c) {
        if (const auto idx = s.capabilities.Find(snap.capability_ids[c])) {
          const Reach& r = reach.at(snap.capability_ids[c]);
          const SlotCalendar::View cal = s.capabilities.at(*idx).calendar.view();
          const auto [lo, hi] = cal.Inside(r.from, r.to);
          for (std::size_t j = lo; j < hi; ++j) {
            if (cal.Free(j) > 0) snap.problem.slots.push_back({cal.start(j), cal.end(j), cal.Free(j)});
          }
        }
        snap.problem.slot_begin.push_back(static_cast<std::uint32_t>(snap.problem.slots.size()));
      }
    });
  }
  return snap;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

AllocationTotals TotalsOf(const AllocSolution& s) { return {s.placed, s.units, s.score}; }

}  // namespace

std::string_view ToString(UnplacedReason reason) {
  return reason == UnplacedReason::kNoFeasibleCapability ? "no_feasible_capability" : "capacity_taken";
}

Result<AllocationPlan> Engine::PlanAllocation(const AllocationSelect& select, const AllocationOptions& options) const {
  if (Status st = ValidateSelect(select, options); !st.ok()) return st;
  const auto start = std::chrono::steady_clock::now();
  Result<Snapshot> read = ReadSnapshot(SteppedReader(replicas_.get()), select, options);
  if (!read.ok()) return read.status();
  const Snapshot& snap = *read;
  const AllocationProblem& problem = snap.problem;
  AllocationPlan out;
  out.read_seconds = SecondsSince(start);

  const auto solve_start = std::chrono::steady_clock::now();
  const AllocOptimum optimum = SolveAllocation(problem);
  out.requests = problem.requests.size();
  out.totals = TotalsOf(optimum.solution);
  out.first_come = TotalsOf(optimum.first_come);
  out.best_first = TotalsOf(optimum.best_first);
  out.upper_bound = optimum.upper_bound;
  out.exact = optimum.exact;
  out.candidate_pairs = snap.pairs;
  for (std::size_t r = 0; r < problem.requests.size(); ++r) {
    const AllocPlacement& p = optimum.solution.placements[r];
    if (!p.placed()) {
      out.unplaced.push_back({snap.request_ids[r], problem.requests[r].candidates.empty()
                                                       ? UnplacedReason::kNoFeasibleCapability
                                                       : UnplacedReason::kCapacityTaken});
      continue;
    }
    PlacedRequest placed;
    placed.request_id = snap.request_ids[r];
    placed.capability_id = snap.capability_ids[p.capability];
    placed.score = p.score;
    placed.quantity = problem.requests[r].quantity;
    for (const auto& [slot, units] : p.units) {
      const AllocSlot& s = problem.Slots(p.capability)[slot];
      placed.allocations.push_back({s.start, s.end, units});
    }
    out.plan.push_back(std::move(placed));
  }
  out.solve_seconds = SecondsSince(solve_start);
  return out;
}

Result<std::vector<Reservation>> Engine::ApplyAllocation(const AllocationPlan& plan,
                                                         const std::vector<std::string>& reservation_ids,
                                                         std::int64_t hold_seconds, Seconds now) {
  if (reservation_ids.size() != plan.plan.size()) {
    return Status::InvalidArgument("reservation_ids", "must name one reservation per placed request");
  }
  for (const std::string& id : reservation_ids) {
    if (Status st = ValidateId(id, "reservation_ids"); !st.ok()) return st;
  }
  if (hold_seconds < 10 || hold_seconds > 86400) {
    return Status::InvalidArgument("hold_seconds", "must be from 10 to 86400");
  }
  return replicas_->Write([&](EngineState& s, bool) -> Result<std::vector<Reservation>> {

    // Check everything before changing anything: each pair still passes every
    // hard constraint with exactly the plan's slots, and the slots hold the
    // units of all the plan's holds together.
    std::vector<std::uint32_t> capability_of(plan.plan.size());
    std::unordered_set<std::uint32_t> requests;
    std::unordered_set<std::string_view> ids;
    std::unordered_map<std::uint64_t, std::int64_t> wanted;  // (capability, slot) -> units
    for (std::size_t i = 0; i < plan.plan.size(); ++i) {
      const PlacedRequest& p = plan.plan[i];
      const std::string& rid = reservation_ids[i];
      if (s.reservations.Find(rid) || !ids.insert(rid).second) {
        return Status::Conflict("reservation " + rid + " already exists");
      }
      const auto req_idx = s.requests.Find(p.request_id);
      const auto cap_idx = s.capabilities.Find(p.capability_id);
      if (!req_idx || !cap_idx) {
        return Status::Conflict("request " + p.request_id + " or capability " + p.capability_id + " no longer exists");
      }
      const RequestRec& req = s.requests.at(*req_idx);
      if (!requests.insert(*req_idx).second) return Status::Conflict("request " + p.request_id + " is placed twice");
      if (req.doc.status != RequestStatus::kOpen || UnreservedUnits(req) < p.quantity || p.quantity < 1) {
        return Status::Conflict("request " + p.request_id + " no longer has " + std::to_string(p.quantity) +
                                " unreserved units");
      }
      const CapabilityRec& cap = s.capabilities.at(*cap_idx);
      const PathTree::Node& category = s.categories.node(cap.node);
      QueryPlan q = req.plan;
      q.quantity = p.quantity;
      const PlatformVerdict verdict = JudgePlatform(s, q, cap.platform);
      if ((!IsPathPrefix(req.doc.category, category.path) && !IsPathPrefix(category.path, req.doc.category)) ||
          cap.unit != q.unit || (cap.stages & StageBit(q.stage)) == 0 ||
          CheckBeforeAvailability(q, verdict, cap.price_per_unit)) {
        return Status::Conflict("capability " + p.capability_id + " can no longer serve request " + p.request_id);
      }
      const Seconds not_before = std::max(q.window.earliest_start, now);
      std::int64_t units = 0;
      for (const Allocation& a : p.allocations) {
        const auto slot = cap.calendar.Find(a.start, a.end);
        if (!slot || a.start < not_before || a.end > q.window.deadline || a.units < 1 || a.end > verdict.quals_valid_until) {
          return Status::Conflict("capability " + p.capability_id + " no longer offers slot " + FormatRfc3339(a.start) +
                                  " to request " + p.request_id);
        }
        wanted[(static_cast<std::uint64_t>(*cap_idx) << 32) | *slot] += a.units;
        units += a.units;
      }
      if (units != p.quantity) return Status::Conflict("the plan for request " + p.request_id + " is not whole");
      capability_of[i] = *cap_idx;
    }
    for (const auto& [key, units] : wanted) {
      const CapabilityRec& cap = s.capabilities.at(static_cast<std::uint32_t>(key >> 32));
      const auto slot = static_cast<std::size_t>(key & 0xFFFFFFFF);
      if (cap.calendar.Free(slot) < units) {
        return Status::Conflict("slot " + FormatRfc3339(cap.calendar.start(slot)) + " of capability " +
                                std::string(s.capabilities.id(static_cast<std::uint32_t>(key >> 32))) + " has " +
                                std::to_string(cap.calendar.Free(slot)) + " free units, not " + std::to_string(units));
      }
    }

    ChangeSet changes;
    for (std::size_t i = 0; i < plan.plan.size(); ++i) {
      const PlacedRequest& p = plan.plan[i];
      Reservation r;
      r.id = reservation_ids[i];
      r.request_id = p.request_id;
      r.capability_id = p.capability_id;
      r.quantity = p.quantity;
      r.status = ReservationStatus::kHeld;
      r.allocations = p.allocations;
      r.expires_at = now + hold_seconds;
      TakeUnits(s, r, capability_of[i]);
      RecordHold(s, std::move(r), now, &changes);
    }
    std::vector<Reservation> placed = changes.reservations;
    PublishChanges(s, changes, now);
    return placed;
  });
}

}  // namespace biomatch::engine
