#include "unmet_demand.h"

#include <algorithm>
#include <optional>

#include "state.h"

namespace biomatch::engine {
namespace {

// Past this many capabilities with new supply in one change set, the
// unmatched requests are searched afresh (one indexed search each) instead
// of checking every new capability against every unmatched request.
constexpr std::size_t kForwardAfterCapabilities = 32;

// Platform verdicts of one search, computed once per platform.
class VerdictMemo {
 public:
  const PlatformVerdict& Get(const EngineState& s, const QueryPlan& q, std::uint32_t platform) {
    auto [it, inserted] = verdicts_.try_emplace(platform);
    if (inserted) it->second = JudgePlatform(s, q, platform);
    return it->second;
  }

 private:
  std::unordered_map<std::uint32_t, PlatformVerdict> verdicts_;
};

}  // namespace

std::optional<std::pair<std::uint32_t, Seconds>> FindWitness(const EngineState& s, std::uint32_t request_idx,
                                                              Seconds now) {
  const RequestRec& r = s.requests.at(request_idx);
  const QueryPlan& q = r.plan;
  if (q.node == kNone) return std::nullopt;  // stored plans intern their category
  if (q.unknown_qual) return std::nullopt;    // no platform holds a qualification nobody has
  std::vector<std::uint32_t> nodes;
  s.categories.AppendRelated(q.node, &nodes);
  const PairContext x(s, q, now);
  VerdictMemo memo;
  const std::size_t key = NodePostings::Key(q.unit, q.stage);
  for (const std::uint32_t node : nodes) {
    const double category = CategoryFactor(q.depth, s.categories.node(node).depth);
    for (const CapabilityPosting& posting : s.postings[node].capabilities[key]) {
      // Over budget needs no platform verdict: checked first.
      if (OverBudget(q, posting.view.price_per_unit)) continue;
      const PlatformVerdict& v = memo.Get(s, q, posting.platform);
      if (CheckBeforeAvailability(q, v, posting.view.price_per_unit)) continue;
      PairScore pair;
      double weighted;
      if (ScoreWithoutText(x, posting.view, category, v, &pair, &weighted)) continue;
      return std::pair(posting.idx, pair.earliest_start);
    }
  }
  return std::nullopt;
}

void UnmetDemand::Update(const EngineState& s, std::optional<Seconds> now_opt, ChangeSet* changes) {
  const Seconds now = std::max(now_opt.value_or(last_now_), last_now_);
  last_now_ = now;
  if (stale_) {
    Rebuild(s, now);
    return;
  }
  std::unordered_set<std::string> evaluate;  // requests to search afresh
  std::vector<std::uint32_t> supply;         // capabilities with new supply
  std::unordered_set<std::string> recheck;   // capabilities whose witnessed pairs may have failed

  for (const Request& r : changes->deleted_requests) Drop(r.id, true, changes);
  for (const Request& r : changes->requests) {
    const auto idx = s.requests.Find(r.id);
    if (idx && s.requests.at(*idx).doc.status == RequestStatus::kOpen) {
      evaluate.insert(r.id);
    } else {
      Drop(r.id, false, changes);
    }
  }
  for (const Capability& c : changes->deleted_capabilities) recheck.insert(c.id);
  for (const Capability& c : changes->capabilities) {
    recheck.insert(c.id);
    if (const auto idx = s.capabilities.Find(c.id)) supply.push_back(*idx);
  }
  for (const Reservation& r : changes->reservations) {
    if (r.status == ReservationStatus::kHeld) {
      recheck.insert(r.capability_id);
    } else if (r.status == ReservationStatus::kCancelled || r.status == ReservationStatus::kExpired) {
      if (const auto idx = s.capabilities.Find(r.capability_id)) supply.push_back(*idx);
    }
  }
  if (!changes->platforms.empty() && !by_request_.empty()) {
    std::unordered_set<std::uint32_t> platforms;
    for (const Platform& p : changes->platforms) {
      if (const auto idx = s.platforms.Find(p.id)) platforms.insert(*idx);
    }
    for (std::uint32_t idx = 0; idx < s.capabilities.slots(); ++idx) {
      if (!s.capabilities.live(idx) || !platforms.contains(s.capabilities.at(idx).platform)) continue;
      recheck.insert(std::string(s.capabilities.id(idx)));
      supply.push_back(idx);
    }
  }
  // Witnesses whose allocation has started.
  while (!by_until_.empty() && by_until_.begin()->first < now) {
    evaluate.insert(by_until_.begin()->second);
    by_until_.erase(by_until_.begin());
  }

  for (const std::string& capability : recheck) Recheck(s, capability, now, &evaluate);
  for (const std::string& id : evaluate) Evaluate(s, id, now, changes);

  std::sort(supply.begin(), supply.end());
  supply.erase(std::unique(supply.begin(), supply.end()), supply.end());
  if (supply.empty() || unmatched_.empty()) return;
  if (supply.size() > kForwardAfterCapabilities) {
    for (const std::string& id : std::vector<std::string>(unmatched_.begin(), unmatched_.end())) {
      Evaluate(s, id, now, changes);
    }
    return;
  }
  for (const std::string& id : UnmatchedNear(s, supply)) {
    const RequestRec& r = s.requests.at(*s.requests.Find(id));
    std::optional<PairContext> x;  // made for the first compatible capability (it weighs the request's words)
    for (const std::uint32_t c : supply) {
      if (CheckCompatibility(s, r.doc.category, r.plan, s.capabilities.at(c)) != Compatibility::kCompatible) continue;
      if (!x) x.emplace(s, r.plan, now);
      PairScore pair;
      if (PairFeasible(s, *x, r, c, &pair)) {
        Set(id, r.plan.node, std::pair(std::string(s.capabilities.id(c)), pair.earliest_start), changes);
        break;
      }
    }
  }
}

bool UnmetDemand::Unmatched(const EngineState& s, std::uint32_t request_idx, Seconds now) const {
  const std::string& id = s.requests.at(request_idx).doc.id;
  const auto it = by_request_.find(id);
  if (!stale_ && it != by_request_.end()) {
    if (it->second.witness.empty()) return true;
    if (now <= it->second.until) return false;
  }
  return !FindWitness(s, request_idx, now);
}

void UnmetDemand::Rebuild(const EngineState& s, Seconds now) {
  by_request_.clear();
  by_witness_.clear();
  by_until_.clear();
  unmatched_.clear();
  unmatched_by_node_.clear();
  ever_matched_.clear();
  stale_ = false;
  for (std::uint32_t idx = 0; idx < s.requests.slots(); ++idx) {
    if (!s.requests.live(idx)) continue;
    const RequestRec& r = s.requests.at(idx);
    // A request that ever held units had a feasible capability then.
    if (!r.reservations.empty()) ever_matched_.insert(r.doc.id);
    if (r.doc.status != RequestStatus::kOpen) continue;
    Entry& e = by_request_[r.doc.id];
    e.node = r.plan.node;
    if (const auto w = FindWitness(s, idx, now)) {
      e.witness = s.capabilities.id(w->first);
      e.until = w->second;
      by_witness_[e.witness].insert(r.doc.id);
      by_until_.emplace(e.until, r.doc.id);
      ever_matched_.insert(r.doc.id);
    } else {
      e.reported_unmet = true;
      AddUnmatched(r.doc.id, e.node);
    }
  }
}

void UnmetDemand::Evaluate(const EngineState& s, const std::string& id, Seconds now, ChangeSet* changes) {
  const auto idx = s.requests.Find(id);
  if (!idx || s.requests.at(*idx).doc.status != RequestStatus::kOpen) {
    Drop(id, !idx, changes);
    return;
  }
  const auto w = FindWitness(s, *idx, now);
  Set(id, s.requests.at(*idx).plan.node,
      w ? std::optional(std::pair(std::string(s.capabilities.id(w->first)), w->second)) : std::nullopt, changes);
}

void UnmetDemand::Set(const std::string& id, std::uint32_t node,
                      std::optional<std::pair<std::string, Seconds>> witness, ChangeSet* changes) {
  auto [it, created] = by_request_.try_emplace(id);
  Entry& e = it->second;
  if (!created) {
    Unlink(id, e);
    RemoveUnmatched(id, e.node);
  }
  e.node = node;
  bool first_match = false;
  if (witness) {
    e.witness = std::move(witness->first);
    e.until = witness->second;
    by_witness_[e.witness].insert(id);
    by_until_.emplace(e.until, id);
    first_match = ever_matched_.insert(id).second;
  } else {
    e.witness.clear();
    e.until = 0;
    AddUnmatched(id, node);
  }
  Report(id, e.witness.empty(), first_match, &e, changes);
}

void UnmetDemand::Drop(const std::string& id, bool deleted, ChangeSet* changes) {
  if (deleted) ever_matched_.erase(id);
  const auto it = by_request_.find(id);
  if (it == by_request_.end()) return;
  Unlink(id, it->second);
  RemoveUnmatched(id, it->second.node);
  Report(id, false, false, &it->second, changes);  // no longer counted
  by_request_.erase(it);
}

void UnmetDemand::AddUnmatched(const std::string& id, std::uint32_t node) {
  unmatched_.insert(id);
  unmatched_by_node_[node].insert(id);
}

void UnmetDemand::RemoveUnmatched(const std::string& id, std::uint32_t node) {
  if (unmatched_.erase(id) == 0) return;
  const auto it = unmatched_by_node_.find(node);
  if (it == unmatched_by_node_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) unmatched_by_node_.erase(it);
}

std::vector<std::string> UnmetDemand::UnmatchedNear(const EngineState& s,
                                                    const std::vector<std::uint32_t>& supply) const {
  std::vector<std::uint32_t> related;
  for (const std::uint32_t c : supply) s.categories.AppendRelated(s.capabilities.at(c).node, &related);
  const std::unordered_set<std::uint32_t> nodes(related.begin(), related.end());
  std::vector<std::string> out;
  for (const std::uint32_t node : nodes) {
    if (const auto it = unmatched_by_node_.find(node); it != unmatched_by_node_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
    }
  }
  return out;
}

void UnmetDemand::Unlink(const std::string& id, const Entry& e) {
  if (e.witness.empty()) return;
  by_until_.erase({e.until, id});
  if (auto it = by_witness_.find(e.witness); it != by_witness_.end()) {
    it->second.erase(id);
    if (it->second.empty()) by_witness_.erase(it);
  }
}

void UnmetDemand::Recheck(const EngineState& s, const std::string& capability_id, Seconds now,
                          std::unordered_set<std::string>* lost) {
  const auto it = by_witness_.find(capability_id);
  if (it == by_witness_.end()) return;
  const auto cap = s.capabilities.Find(capability_id);
  for (const std::string& id : std::vector<std::string>(it->second.begin(), it->second.end())) {
    const auto r = s.requests.Find(id);
    PairScore pair;
    if (r && cap && PairFeasible(s, PairContext(s, s.requests.at(*r).plan, now), s.requests.at(*r), *cap, &pair)) {
      Entry& e = by_request_.at(id);
      by_until_.erase({e.until, id});
      e.until = pair.earliest_start;
      by_until_.emplace(e.until, id);
    } else {
      lost->insert(id);
    }
  }
}

void UnmetDemand::Report(const std::string& id, bool unmet, bool first_match, Entry* e, ChangeSet* changes) {
  using Kind = UnmetChange::Kind;
  if (unmet != e->reported_unmet) changes->unmet_changes.push_back({id, unmet ? Kind::kEntered : Kind::kLeft});
  if (first_match) changes->unmet_changes.push_back({id, Kind::kFirstMatch});
  e->reported_unmet = unmet;
}

}  // namespace biomatch::engine
