// UnmetDemand: which open requests have no feasible capability now (the
// supervision statistics' unmet demand), kept exact and incremental.
//
// Each open request has either a witness, one capability that passed every
// hard constraint when last checked, or none (it is unmatched). Feasibility
// of a pair only shrinks as the clock advances (slots start, completion
// moves later), so a witness found at time t whose allocation starts at E
// stays feasible for every now in [t, E] while neither side changes. What
// can change a pair is watched through the change sets:
//   - a request put or reopened: evaluated afresh (a forward search that
//     stops at the first feasible capability);
//   - a capability put, deleted, given slots, or held from, a platform put:
//     the requests it witnesses are checked against it again, and searched
//     afresh when it no longer serves them;
//   - a capability put or given capacity back (cancel, expiry), or whose
//     platform changed: checked against the unmatched requests;
//   - a witness whose E has passed: the request is searched afresh by the
//     next mutation (Sweep runs every second) and, until then, by readers.
// An unmatched request stays unmatched as time passes, so it needs no timer.
//
// Keys are ids, not record indices (a batch may reuse an index).
//
// Thread safety: Update, Invalidate need the engine's exclusive lock;
// Unmatched the shared lock.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "biomatch/engine/engine.h"

namespace biomatch::engine {

struct EngineState;

class UnmetDemand {
 public:
  // The whole state is rebuilt by the next Update (after recovery, or a
  // mutation whose change set was not collected).
  void Invalidate() { stale_ = true; }

  // Brings the state up to date with `changes`, just applied to `s`, and
  // appends to changes->unmet_changes every request that entered or left
  // unmet demand or gained its first feasible capability. `now` is the
  // mutation's time; without one (deletions) the latest time seen is used,
  // which is exact too (the witnesses it finds expire as they should). A
  // rebuild reports nothing: there is no earlier state to compare with.
  void Update(const EngineState& s, std::optional<Seconds> now, ChangeSet* changes);

  // Whether open request `request_idx` has no feasible capability at `now`
  // (>= the time of the last Update). Costs a search only for a request
  // whose witness expired since the last Update.
  bool Unmatched(const EngineState& s, std::uint32_t request_idx, Seconds now) const;

  // Open requests counted unmatched as of the last Update (empty while the
  // state waits for a rebuild).
  std::size_t unmatched_count() const { return unmatched_.size(); }
  const std::unordered_set<std::string>& unmatched() const { return unmatched_; }

 private:
  struct Entry {
    std::uint32_t node = 0;  // the request's category node
    std::string witness;  // capability id; empty when unmatched
    Seconds until = 0;    // the witness holds while now <= until
    bool reported_unmet = false;  // the state the last UnmetChange announced
  };

  void Rebuild(const EngineState& s, Seconds now);
  // Searches request `id` afresh and records the outcome.
  void Evaluate(const EngineState& s, const std::string& id, Seconds now, ChangeSet* changes);
  // Records that request `id`, of category node `node`, has witness
  // (capability id, until), or none.
  void Set(const std::string& id, std::uint32_t node, std::optional<std::pair<std::string, Seconds>> witness,
           ChangeSet* changes);
  void AddUnmatched(const std::string& id, std::uint32_t node);
  void RemoveUnmatched(const std::string& id, std::uint32_t node);
  // The unmatched requests whose category some capability of `supply` is
  // in, above or below (the others cannot be served by them).
  std::vector<std::string> UnmatchedNear(const EngineState& s, const std::vector<std::uint32_t>& supply) const;
  // Forgets request `id` (closed, or `deleted`).
  void Drop(const std::string& id, bool deleted, ChangeSet* changes);
  void Unlink(const std::string& id, const Entry& e);
  // Re-checks the requests witnessed by capability `capability_id`; those
  // it no longer serves are added to *lost.
  void Recheck(const EngineState& s, const std::string& capability_id, Seconds now,
               std::unordered_set<std::string>* lost);
  // Appends the UnmetChanges of request `id` now being `unmet` (or not),
  // and of its first match.
  void Report(const std::string& id, bool unmet, bool first_match, Entry* e, ChangeSet* changes);

  bool stale_ = true;
  Seconds last_now_ = 0;
  std::unordered_map<std::string, Entry> by_request_;  // open requests
  std::unordered_map<std::string, std::unordered_set<std::string>> by_witness_;  // capability -> requests
  std::set<std::pair<Seconds, std::string>> by_until_;  // witnessed requests by expiry
  std::unordered_set<std::string> unmatched_;
  std::unordered_map<std::uint32_t, std::unordered_set<std::string>> unmatched_by_node_;  // by category node
  std::unordered_set<std::string> ever_matched_;  // requests that had a feasible capability
};

// The first capability that passes every hard constraint for stored request
// `request_idx` at `now`, with the start of its allocation; nullopt when
// none does. Stops at the first one found.
std::optional<std::pair<std::uint32_t, Seconds>> FindWitness(const EngineState& s, std::uint32_t request_idx,
                                                              Seconds now);

}  // namespace biomatch::engine
