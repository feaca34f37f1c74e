// MatchWatch: the engine's announcement state for live match notifications
// (Engine::SetMatchWatch has the rules). Per open request it keeps the
// capabilities announced for it, with their latest scores, and the reverse
// map from a capability to the requests it was announced for.
//
// Keys are ids, not record indices: a batch may delete an entity and reuse
// its index for another before the watch sees the change set.
//
// Thread safety: none of its own; the Engine calls it under its exclusive
// lock (Update, Load, Configure).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "biomatch/engine/engine.h"

namespace biomatch::engine {

struct EngineState;

class MatchWatch {
 public:
  // A request's announced list never grows beyond this many pairs per top
  // match: past it the lowest-scoring pairs are forgotten (and may be
  // announced again should they climb back into the top matches).
  static constexpr std::size_t kKeptPerTopMatch = 4;

  void Configure(const MatchWatchOptions& options) { options_ = options; }
  const MatchWatchOptions& options() const { return options_; }

  // Derives announcements from `changes`, just applied to `s`: appends to
  // changes->found_matches and changes->watch_states. `now` is the time of
  // the mutation. While disabled it only forgets deleted and closed
  // requests and deleted capabilities, so the stored state stays clean.
  // Without a time (deletions) nothing is evaluated, only forgotten.
  void Update(const EngineState& s, std::optional<Seconds> now, ChangeSet* changes);

  // Recovery: the stored state of one request.
  void Load(const EngineState& s, WatchedPairs pairs);

  // The announced pairs of a request (tests and statistics).
  std::vector<std::pair<std::string, double>> Announced(const std::string& request_id) const;

 private:
  struct Entry {
    std::string capability;
    double score = 0;
  };
  using List = std::vector<Entry>;

  Entry* Find(const std::string& request_id, const std::string& capability_id);  // nullptr when absent
  void Forget(const std::string& request_id);
  void ForgetCapability(const std::string& capability_id);
  void Add(const std::string& request_id, Entry entry);
  void Remove(const std::string& request_id, const std::string& capability_id);
  void Touch(const std::string& request_id) { touched_.push_back(request_id); }

  void EvaluateRequest(const EngineState& s, std::uint32_t request_idx, Seconds now, ChangeSet* changes);
  void RecheckCapability(const EngineState& s, std::uint32_t capability_idx, Seconds now);
  void EvaluateCapability(const EngineState& s, std::uint32_t capability_idx, Seconds now, ChangeSet* changes);
  void Trim(const std::string& request_id);

  MatchWatchOptions options_;
  std::unordered_map<std::string, List> by_request_;
  std::unordered_map<std::string, std::vector<std::string>> by_capability_;  // capability -> requests
  std::vector<std::string> touched_;  // requests whose list changed during Update
};

}  // namespace biomatch::engine
