// SubscriptionBook: every subscription, by id, with the percolator index over
// them. The API reads and writes it; the stream hub matches events with it.
//
// Storage form of a subscription record (key: its id, family
// kSubscriptions):
//   value := "S2\n" owner "\n" owner_id "\n" version "\n" created_at "\n" updated_at "\n" json
//          | "S1\n" owner "\n" version "\n" created_at "\n" updated_at "\n" json
// with the times as Unix seconds and `json` the client document
// (AppendSubscriptionJson, kClient). S1 records (written before keys had
// identities) are read with owner_id = owner: the identity of a key record
// without an id is its name (auth.h). New records are S2.
//
// Thread safety: every method may be called concurrently (a shared mutex:
// matching shares it, changes take it alone).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/mutex.h"
#include "biomatch/engine/thread_annotations.h"
#include "biomatch/server/subscription.h"
#include "biomatch/storage/store.h"
#include "percolator.h"

namespace biomatch::server {

// A subscription as a stream names it: its id and its owner's identity
// when the stream was opened, so an id that is later another key's never
// routes that key's events to the stream.
struct SubscriptionRef {
  std::string id;
  std::string owner_id;
  bool operator==(const SubscriptionRef&) const = default;
};

std::string EncodeSubscriptionRecord(const Subscription& s);
engine::Status DecodeSubscriptionRecord(std::string_view id, std::string_view value, Subscription* s);

class SubscriptionBook {
 public:
  // Loads every stored subscription (kCorruption for a record it cannot read).
  engine::Status Load(const storage::Store& store);

  std::shared_ptr<const Subscription> Get(std::string_view id) const;  // nullptr when absent
  // Subscriptions in id order after `after`, at most `limit`, only those of
  // the key identity `owner_id` unless it is empty. *more tells whether
  // another one follows.
  std::vector<std::shared_ptr<const Subscription>> List(const std::string& owner_id, const std::string& after,
                                                        std::size_t limit, bool* more) const;
  // The ids of the subscriptions of the key identity `owner_id`, in id order.
  std::vector<std::string> OwnedBy(std::string_view owner_id) const;
  void Put(Subscription s);
  void Remove(std::string_view id);
  std::size_t size() const;

  // Calls visit(s) for every subscription passing the event, under the
  // book's shared lock: `visit` must not call back into the book.
  void Match(std::string_view type, const EventFacets& facets,
             const std::function<void(const Subscription&)>& visit) const;
  // The ids among `candidates` that pass the event, judged on their current
  // definitions; a candidate whose id is now another owner's passes nothing.
  void MatchAmong(const std::vector<SubscriptionRef>& candidates, std::string_view type, const EventFacets& facets,
                  std::vector<std::string>* ids) const;
  // Percolator::MatchFoundThreshold.
  std::optional<double> MatchFoundThreshold() const;

 private:
  mutable SharedMutex mu_;
  std::map<std::string, std::shared_ptr<const Subscription>, std::less<>> by_id_ GUARDED_BY(mu_);
  Percolator percolator_ GUARDED_BY(mu_);
};

}  // namespace biomatch::server
