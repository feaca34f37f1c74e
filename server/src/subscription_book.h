// SubscriptionBook: every subscription, by id, with the percolator index over
// them. The API reads and writes it; the stream hub matches events with it.
//
// Storage form of a subscription record (key: its id, family
// kSubscriptions):
//   value := "S1\n" owner "\n" version "\n" created_at "\n" updated_at "\n" json
// with the times as Unix seconds and `json` the client document
// (AppendSubscriptionJson, kClient).
//
// Thread safety: every method may be called concurrently (a shared mutex:
// matching shares it, changes take it alone).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/server/subscription.h"
#include "biomatch/storage/store.h"
#include "percolator.h"

namespace biomatch::server {

std::string EncodeSubscriptionRecord(const Subscription& s);
engine::Status DecodeSubscriptionRecord(std::string_view id, std::string_view value, Subscription* s);

class SubscriptionBook {
 public:
  // Loads every stored subscription (kCorruption for a record it cannot read).
  engine::Status Load(const storage::Store& store);

  std::shared_ptr<const Subscription> Get(std::string_view id) const;  // nullptr when absent
  // Subscriptions in id order after `after`, at most `limit`, only those of
  // `owner` unless it is empty. *more tells whether another one follows.
  std::vector<std::shared_ptr<const Subscription>> List(const std::string& owner, const std::string& after,
                                                        std::size_t limit, bool* more) const;
  void Put(Subscription s);
  void Remove(std::string_view id);
  std::size_t size() const;

  // Calls visit(s) for every subscription passing the event, under the
  // book's shared lock: `visit` must not call back into the book.
  void Match(std::string_view type, const EventFacets& facets,
             const std::function<void(const Subscription&)>& visit) const;
  // The ids among `candidates` (current definitions) that pass the event.
  void MatchAmong(const std::vector<std::string>& candidates, std::string_view type, const EventFacets& facets,
                  std::vector<std::string>* ids) const;
  // Percolator::MatchFoundThreshold.
  std::optional<double> MatchFoundThreshold() const;

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<const Subscription>, std::less<>> by_id_;  // GUARDED_BY(mu_)
  Percolator percolator_;                                                        // GUARDED_BY(mu_)
};

}  // namespace biomatch::server
