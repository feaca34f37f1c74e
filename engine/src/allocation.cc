// Engine::PlanAllocation and Engine::ApplyAllocation: the candidate graph
// read from a snapshot of the engine, the solvers (allocation_solver.cc) run
// off the lock, and the plan's holds placed in one mutation.
#include "biomatch/engine/allocation.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <string_view>
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

// Requests of one category, unit and stage matched together in one step of
// the reader (RunIndexedBatch reads each posting once for all of them): at
// most kMatchBatch, and no more than walk about kStepPostings postings in
// all, so that a step stays a few milliseconds long at 1M capabilities
// (bench/README.md); a single request's walk is never split.
constexpr std::size_t kMatchBatch = 8;
constexpr std::size_t kStepPostings = 65536;

std::int64_t UnreservedUnits(const RequestRec& r) { return r.doc.quantity - r.live_units - r.completed_units; }

// A selected request as the selection read it.
struct Selected {
  std::string id;
  Seconds created_at = 0;
  // What RunIndexedBatch needs its plans to share: requests matched
  // together read the same posting lists and calendars once.
  std::tuple<std::uint32_t, std::uint32_t, std::uint16_t, Unit, Stage> locality{};
};

// The selected open requests, oldest first.
Result<std::vector<Selected>> SelectRequests(const SteppedReader& reader, const AllocationSelect& select) {
  std::vector<Selected> chosen;
  auto consider = [&](const EngineState& s, std::uint32_t idx) {
    const RequestRec& r = s.requests.at(idx);
    if (r.doc.status != RequestStatus::kOpen || UnreservedUnits(r) <= 0) return;
    if (!select.category_prefix.empty() && !IsPathPrefix(select.category_prefix, r.doc.category)) return;
    if (!select.region_prefix.empty() && !(r.doc.region && IsPathPrefix(select.region_prefix, *r.doc.region))) return;
    chosen.push_back(
        {r.doc.id, r.doc.meta.created_at, {r.plan.node, r.plan.deepest_prefix, r.plan.depth, r.plan.unit, r.plan.stage}});
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
// threads, a batch of them per step of the reader. A request closed or deleted since
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
  // Matched in locality order, in chunks of up to kMatchBatch requests that
  // share their posting lists, which the threads take in turn; a chunk is
  // matched in one step, or several when its walks are long.
  std::vector<std::uint32_t> order(chosen.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return std::tie(chosen[a].locality, a) < std::tie(chosen[b].locality, b);
  });
  std::vector<std::size_t> chunk_begin{0};  // chunk c is order[chunk_begin[c], chunk_begin[c + 1])
  for (std::size_t j = 1; j <= order.size(); ++j) {
    if (j == order.size() || j - chunk_begin.back() == kMatchBatch ||
        chosen[order[j]].locality != chosen[order[j - 1]].locality) {
      chunk_begin.push_back(j);
    }
  }
  const std::size_t chunks = chunk_begin.size() - 1;
  std::atomic<std::size_t> next_chunk{0};
  auto match_chunks = [&] {
    MatchOptions match;
    match.now = options.now;
    match.limit = options.candidates;
    match.count_feasible = false;
    std::vector<std::uint32_t> batch;  // chosen requests still open
    std::vector<QueryPlan> plans;
    for (std::size_t c; (c = next_chunk.fetch_add(1)) < chunks;) {
      for (std::size_t j = chunk_begin[c]; j < chunk_begin[c + 1];) {
        reader.Step([&](const EngineState& s) {
          batch.clear();
          plans.clear();
          std::size_t batch_size = 0;  // set by the first request still open
          for (; j < chunk_begin[c + 1] && (batch_size == 0 || batch.size() < batch_size); ++j) {
            const std::uint32_t i = order[j];
            const auto idx = s.requests.Find(chosen[i].id);
            if (!idx) continue;
            const RequestRec& rec = s.requests.at(*idx);
            if (rec.doc.status != RequestStatus::kOpen || UnreservedUnits(rec) <= 0) continue;
            if (batch_size == 0) {
              batch_size = std::clamp<std::size_t>(kStepPostings / std::max<std::size_t>(PostingsToVisit(s, rec.plan), 1), 1,
                                                   kMatchBatch);
            }
            Read& read = reads[i];
            read.quantity = UnreservedUnits(rec);
            read.not_before = std::max(rec.plan.window.earliest_start, options.now);
            read.deadline = rec.plan.window.deadline;
            batch.push_back(i);
            plans.push_back(rec.plan);
            plans.back().quantity = read.quantity;
          }
          std::vector<MatchResult> results = RunIndexedBatch(s, plans, match);
          for (std::size_t k = 0; k < batch.size(); ++k) {
            for (Match& m : results[k].matches) reads[batch[k]].found.push_back({std::move(m.capability_id), m.score});
          }
        });
      }
    }
  };
  {
    std::vector<std::jthread> helpers;
    for (std::size_t t = 1; t < std::min(options.threads, chunks); ++t) helpers.emplace_back(match_chunks);
    match_chunks();
  }

  // The problem's capabilities as the matches found them; each one's
  // demand (the units of every request that may use it), and its pairs'
  // windows.
  Snapshot snap;
  std::unordered_map<std::string_view, std::uint32_t> capability_of;  // by id, into the reads' strings
  std::vector<std::int64_t> demand;
  std::vector<Seconds> latest;                            // by capability: the last deadline of its pairs
  std::vector<std::pair<std::uint32_t, Seconds>> starts;  // (capability, a pair's not_before)
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const Read& read = reads[i];
    if (read.quantity == 0) continue;
    AllocRequest& req = snap.problem.requests.emplace_back();
    req.quantity = read.quantity;
    req.not_before = read.not_before;
    req.deadline = read.deadline;
    for (const Found& f : read.found) {
      const auto [it, added] = capability_of.try_emplace(f.capability_id, static_cast<std::uint32_t>(demand.size()));
      if (added) {
        snap.capability_ids.push_back(f.capability_id);
        demand.push_back(0);
        latest.push_back(req.deadline);
      }
      const std::uint32_t c = it->second;
      demand[c] += req.quantity;
      latest[c] = std::max(latest[c], req.deadline);
      starts.emplace_back(c, req.not_before);
      req.candidates.push_back({c, f.score});
    }
    snap.pairs += req.candidates.size();
    snap.request_ids.push_back(chosen[i].id);
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());

  // Each capability's slots that some placement may need: from each of its
  // pairs' not_before, the earliest slots that hold its demand. (A request
  // never needs a slot past them: the slots before hold every unit all its
  // rivals on the capability could take, and its own. So every set of
  // pairs that fits in all the slots fits in these, and the plan and its
  // bound are the same; hourly calendars shrink from hundreds of slots a
  // window to a few.)
  snap.problem.slot_begin.reserve(snap.capability_ids.size() + 1);
  auto next_start = starts.begin();
  for (std::size_t first = 0; first < snap.capability_ids.size(); first += SteppedReader::kStepRecords) {
    reader.Step([&](const EngineState& s) {
      const std::size_t last = std::min(snap.capability_ids.size(), first + SteppedReader::kStepRecords);
      for (std::size_t c = first; c < last; ++c) {
        const auto own_end = std::find_if(next_start, starts.end(), [&](const auto& x) { return x.first != c; });
        const auto idx = s.capabilities.Find(snap.capability_ids[c]);
        if (idx && next_start != own_end) {
          const SlotCalendar::View cal = s.capabilities.at(*idx).calendar.view();
          std::int64_t wanted = 0;  // units still wanted since the last not_before passed
          auto nb = next_start;
          for (std::size_t j = cal.Inside(nb->second, latest[c]).first; j < cal.size() && cal.end(j) <= latest[c]; ++j) {
            for (; nb != own_end && nb->second <= cal.start(j); ++nb) wanted = demand[c];
            if (wanted <= 0) {
              if (nb == own_end) break;
              j = cal.Inside(nb->second, latest[c]).first - 1;  // on to the next not_before
              continue;
            }
            if (cal.Free(j) > 0) {
              snap.problem.slots.push_back({cal.start(j), cal.end(j), cal.Free(j)});
              wanted -= cal.Free(j);
            }
          }
        }
        next_start = own_end;
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
  const AllocOptimum optimum = SolveAllocation(problem, options.threads);
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
