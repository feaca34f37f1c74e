// Percolator: the index of every subscription, matched against each event
// (the reverse of a search: the documents are fixed, the queries stored).
//
// Each subscription is posted, for every event type it takes, under one
// anchor: the key its most selective field gives. Anchors, most selective
// first: each of its platform_ids or requester_ids; its (category, region)
// pair when it sets either; one token of each keyword; its stages; else it
// matches every event of the type. An event looks up only the anchors it
// could satisfy (its ids, each pair of its category and region prefixes, its
// tokens, its stages, the catch-all list) and checks the candidates found
// there in full, so its cost grows with the subscriptions that share its
// anchors, not with how many exist.
//
// Thread safety: none; the owner (SubscriptionBook) locks.
#pragma once

#include <array>
#include <bitset>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "biomatch/server/subscription.h"

namespace biomatch::server {

// A subscription prepared for matching: its types as bits, its keywords as
// tokens.
class CompiledFilter {
 public:
  explicit CompiledFilter(std::shared_ptr<const Subscription> sub);
  const Subscription& sub() const { return *sub_; }
  const std::shared_ptr<const Subscription>& shared() const { return sub_; }
  bool TakesType(std::size_t type_index) const { return types_[type_index]; }
  // Fields an anchor has already proved for a candidate.
  enum Proven : unsigned { kNothing = 0, kPaths = 1, kPlatform = 2, kRequester = 4 };
  // Whether the subscription passes the event (subscription.h), for an
  // event whose type it takes; `proven` fields are not checked again.
  bool Passes(std::string_view type, const EventFacets& facets, unsigned proven = kNothing) const;
  const std::vector<std::vector<std::string>>& keyword_tokens() const { return keyword_tokens_; }

 private:
  std::shared_ptr<const Subscription> sub_;
  std::bitset<kEventTypeCount> types_;
  std::vector<std::vector<std::string>> keyword_tokens_;  // per keyword: sorted, distinct
};

class Percolator {
 public:
  // Adds `sub`, replacing a subscription with its id.
  void Put(std::shared_ptr<const Subscription> sub);
  void Remove(std::string_view id);
  std::size_t size() const { return filters_.size(); }
  const CompiledFilter* Find(std::string_view id) const;  // nullptr when absent

  // Appends every subscription passing the event to *out, each once, in no
  // particular order. `type` not a known event type: none.
  void Match(std::string_view type, const EventFacets& facets, std::vector<const CompiledFilter*>* out) const;

  // The lowest min_score among subscriptions that take match.found (0 for
  // one without min_score); nullopt when none takes it.
  std::optional<double> MatchFoundThreshold() const;

 private:
  using Posting = std::vector<const CompiledFilter*>;
  // The anchors of one event type.
  struct TypeIndex {
    std::unordered_map<std::string, Posting> by_platform, by_requester, by_path, by_token;
    std::array<Posting, engine::kStageCount> by_stage;
    Posting any;
  };
  // Where a filter is posted, so Remove can take it out.
  struct Entry {
    std::unique_ptr<CompiledFilter> filter;
    std::vector<Posting*> postings;
  };

  void Post(Entry* entry);

  std::unordered_map<std::string, Entry> filters_;
  std::array<TypeIndex, kEventTypeCount> index_;
};

// The key of a (category, region) anchor: both paths joined by a byte that
// no path holds.
std::string PathKey(std::string_view category, std::string_view region);

}  // namespace biomatch::server
