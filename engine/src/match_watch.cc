#include "match_watch.h"

#include <algorithm>
#include <unordered_set>

#include "state.h"

namespace biomatch::engine {
namespace {

// The order of a request's top matches: higher score first, ties by
// capability id in byte order.
bool Ranks(double score, const std::string& id, double other_score, const std::string& other_id) {
  return score > other_score || (score == other_score && id < other_id);
}

// The ids of `items` in first-seen order, each once.
template <typename Items, typename IdOf>
std::vector<std::string> UniqueIds(const Items& items, IdOf id_of) {
  std::vector<std::string> ids;
  std::unordered_set<std::string> seen;
  for (const auto& item : items) {
    if (seen.insert(id_of(item)).second) ids.push_back(id_of(item));
  }
  return ids;
}

}  // namespace

void MatchWatch::Update(const EngineState& s, std::optional<Seconds> now, ChangeSet* changes) {
  touched_.clear();
  for (const Request& r : changes->deleted_requests) Forget(r.id);
  for (const Capability& c : changes->deleted_capabilities) ForgetCapability(c.id);

  // Requests: a closed one forgets its pairs, an open one is matched afresh.
  std::vector<std::uint32_t> open;
  for (const std::string& id : UniqueIds(changes->requests, [](const Request& r) { return r.id; })) {
    const auto idx = s.requests.Find(id);
    if (!idx) continue;  // deleted later in the same batch
    if (s.requests.at(*idx).doc.status == RequestStatus::kOpen) {
      open.push_back(*idx);
    } else {
      Forget(id);
    }
  }

  if (options_.enabled && now) {
    for (const std::uint32_t idx : open) EvaluateRequest(s, idx, *now, changes);
    // Capabilities that changed or got capacity back may enter top matches;
    // those that lost capacity to a hold may have left some pairs infeasible.
    std::vector<std::string> grown = UniqueIds(changes->capabilities, [](const Capability& c) { return c.id; });
    std::vector<std::string> taken;
    for (const Reservation& r : changes->reservations) {
      if (r.status == ReservationStatus::kCancelled || r.status == ReservationStatus::kExpired) {
        grown.push_back(r.capability_id);
      } else if (r.status == ReservationStatus::kHeld) {
        taken.push_back(r.capability_id);
      }
    }
    grown = UniqueIds(grown, [](const std::string& id) { return id; });
    for (const std::string& id : grown) {
      if (const auto idx = s.capabilities.Find(id)) {
        RecheckCapability(s, *idx, *now);
        EvaluateCapability(s, *idx, *now, changes);
      }
    }
    for (const std::string& id : UniqueIds(taken, [](const std::string& x) { return x; })) {
      if (std::find(grown.begin(), grown.end(), id) != grown.end()) continue;
      if (const auto idx = s.capabilities.Find(id)) RecheckCapability(s, *idx, *now);
    }
  }

  for (const std::string& id : UniqueIds(touched_, [](const std::string& x) { return x; })) {
    changes->watch_states.push_back({id, Announced(id)});
  }
  touched_.clear();
}

void MatchWatch::Load(const EngineState& s, WatchedPairs pairs) {
  const auto idx = s.requests.Find(pairs.request_id);
  if (!idx || s.requests.at(*idx).doc.status != RequestStatus::kOpen) return;
  for (auto& [capability, score] : pairs.announced) {
    if (s.capabilities.Find(capability)) Add(pairs.request_id, {std::move(capability), score});
  }
  touched_.clear();
}

std::vector<std::pair<std::string, double>> MatchWatch::Announced(const std::string& request_id) const {
  std::vector<std::pair<std::string, double>> out;
  if (auto it = by_request_.find(request_id); it != by_request_.end()) {
    for (const Entry& e : it->second) out.emplace_back(e.capability, e.score);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return Ranks(a.second, a.first, b.second, b.first); });
  return out;
}

MatchWatch::Entry* MatchWatch::Find(const std::string& request_id, const std::string& capability_id) {
  auto it = by_request_.find(request_id);
  if (it == by_request_.end()) return nullptr;
  for (Entry& e : it->second) {
    if (e.capability == capability_id) return &e;
  }
  return nullptr;
}

void MatchWatch::Add(const std::string& request_id, Entry entry) {
  by_capability_[entry.capability].push_back(request_id);
  by_request_[request_id].push_back(std::move(entry));
  Touch(request_id);
}

void MatchWatch::Remove(const std::string& request_id, const std::string& capability_id) {
  if (auto it = by_request_.find(request_id); it != by_request_.end()) {
    std::erase_if(it->second, [&](const Entry& e) { return e.capability == capability_id; });
    if (it->second.empty()) by_request_.erase(it);
  }
  if (auto it = by_capability_.find(capability_id); it != by_capability_.end()) {
    std::erase(it->second, request_id);
    if (it->second.empty()) by_capability_.erase(it);
  }
  Touch(request_id);
}

void MatchWatch::Forget(const std::string& request_id) {
  auto it = by_request_.find(request_id);
  if (it == by_request_.end()) return;
  const List list = std::move(it->second);
  by_request_.erase(it);
  for (const Entry& e : list) {
    if (auto c = by_capability_.find(e.capability); c != by_capability_.end()) {
      std::erase(c->second, request_id);
      if (c->second.empty()) by_capability_.erase(c);
    }
  }
  Touch(request_id);
}

void MatchWatch::ForgetCapability(const std::string& capability_id) {
  auto it = by_capability_.find(capability_id);
  if (it == by_capability_.end()) return;
  const std::vector<std::string> requests = std::move(it->second);
  by_capability_.erase(it);
  for (const std::string& r : requests) {
    if (auto list = by_request_.find(r); list != by_request_.end()) {
      std::erase_if(list->second, [&](const Entry& e) { return e.capability == capability_id; });
      if (list->second.empty()) by_request_.erase(list);
    }
    Touch(r);
  }
}

void MatchWatch::Trim(const std::string& request_id) {
  auto it = by_request_.find(request_id);
  const std::size_t keep = kKeptPerTopMatch * std::max<std::size_t>(1, options_.top_k);
  if (it == by_request_.end() || it->second.size() <= keep) return;
  List list = it->second;
  std::sort(list.begin(), list.end(), [](const Entry& a, const Entry& b) { return Ranks(a.score, a.capability, b.score, b.capability); });
  for (std::size_t i = keep; i < list.size(); ++i) Remove(request_id, list[i].capability);
}

void MatchWatch::EvaluateRequest(const EngineState& s, std::uint32_t request_idx, Seconds now, ChangeSet* changes) {
  const RequestRec& r = s.requests.at(request_idx);
  const std::string& id = r.doc.id;
  MatchOptions o;
  o.now = now;
  o.limit = options_.top_k;
  const MatchResult top = RunIndexed(s, r.plan, o);

  // Pairs announced before: still feasible (with a fresh score) or forgotten.
  if (auto it = by_request_.find(id); it != by_request_.end()) {
    const PairContext x(s, r.plan, now);
    for (const Entry& e : List(it->second)) {
      const auto cap = s.capabilities.Find(e.capability);
      PairScore pair;
      if (!cap || !PairFeasible(s, x, r, *cap, &pair)) {
        Remove(id, e.capability);
        continue;
      }
      Find(id, e.capability)->score = pair.score;
    }
  }
  for (const Match& m : top.matches) {
    if (m.score < options_.min_score) continue;
    if (Find(id, m.capability_id)) continue;
    Match found = m;
    found.request_id = id;
    changes->found_matches.push_back(std::move(found));
    Add(id, {m.capability_id, m.score});
  }
  Trim(id);
}

void MatchWatch::RecheckCapability(const EngineState& s, std::uint32_t capability_idx, Seconds now) {
  const std::string capability_id(s.capabilities.id(capability_idx));
  auto it = by_capability_.find(capability_id);
  if (it == by_capability_.end()) return;
  for (const std::string& request_id : std::vector<std::string>(it->second)) {
    const auto r = s.requests.Find(request_id);
    PairScore pair;
    if (!r || !PairFeasible(s, PairContext(s, s.requests.at(*r).plan, now), s.requests.at(*r), capability_idx, &pair)) {
      Remove(request_id, capability_id);
      continue;
    }
    Find(request_id, capability_id)->score = pair.score;
  }
}

void MatchWatch::EvaluateCapability(const EngineState& s, std::uint32_t capability_idx, Seconds now,
                                    ChangeSet* changes) {
  const std::string capability_id(s.capabilities.id(capability_idx));
  const std::string platform_id(s.platforms.id(s.capabilities.at(capability_idx).platform));
  ForEachServableRequest(s, capability_idx, now, [&](std::uint32_t request_idx, const PairScore& pair) {
    const std::string& request_id = s.requests.at(request_idx).doc.id;
    std::size_t higher = 0;
    if (auto it = by_request_.find(request_id); it != by_request_.end()) {
      for (Entry& e : it->second) {
        if (e.capability == capability_id) {  // announced already (RecheckCapability refreshed it)
          e.score = pair.score;
          return;
        }
        higher += Ranks(e.score, e.capability, pair.score, capability_id);
      }
    }
    if (pair.score < options_.min_score || higher >= options_.top_k) return;
    Match m = ToMatch(pair, capability_id, platform_id);
    m.request_id = request_id;
    Add(request_id, {capability_id, pair.score});
    changes->found_matches.push_back(std::move(m));
    Trim(request_id);
  });
}

}  // namespace biomatch::engine
