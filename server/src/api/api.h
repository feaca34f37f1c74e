// Api: what every endpoint shares. A Call is one HTTP request on its way to
// an answer; Api holds the engine, the store, the keys, the subscriptions and
// the streams, and the ways to answer a Call (at once, or once its change is
// durable). Endpoints are free functions `void Name(Api&, Call&)`, one file
// per resource under api/, listed once in the route table (routes.cc).
//
// An endpoint answers its Call exactly once, by Reply or ReplyWhenDurable,
// from any thread; a Call that must outlive the endpoint (durable writes,
// background work) is kept alive with shared_from_this().
//
// Thread safety: every endpoint may run on every I/O thread at once; Api's
// methods are thread safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth.h"
#include "biomatch/engine/engine.h"
#include "biomatch/engine/mutex.h"
#include "biomatch/engine/thread_annotations.h"
#include "biomatch/server/json_codec.h"
#include "biomatch/server/server.h"
#include "biomatch/storage/store.h"
#include "metrics.h"
#include "net.h"
#include "output_budget.h"
#include "stream_hub.h"
#include "subscription_book.h"

namespace biomatch::server {

struct Route;
class StatsRollup;

struct Call : std::enable_shared_from_this<Call> {
  using Clock = std::chrono::steady_clock;

  HttpRequest request;
  std::function<void(HttpResponse)> respond;
  Clock::time_point start;
  const Route* route = nullptr;              // null until routed
  std::vector<std::string> params;           // the path's {} segments, decoded, in order
  std::map<std::string, std::string> query;  // decoded
  std::optional<ApiKey> caller;              // set on authenticated routes
  std::string_view body;                     // the JSON body, once ReadJsonBody accepted it
  bool answered = false;
  bool fenced = false;  // what the answer shows is durable (see Api::Reply)

  const std::string& param(std::size_t i = 0) const { return params[i]; }
  // The decoded query parameter `name`, or "" when absent.
  std::string Query(const std::string& name) const;
};

class Api {
 public:
  Api(const ServerOptions& options, engine::Engine& engine, storage::Store& store, KeyRing& keys,
      SubscriptionBook& book, StreamHub& hub, OutputBudget& output_budget, Metrics& metrics);
  ~Api();  // waits for background work
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  const ServerOptions& options() const { return options_; }
  engine::Engine& engine() { return engine_; }
  storage::Store& store() { return store_; }
  KeyRing& keys() { return keys_; }
  SubscriptionBook& book() { return book_; }
  StreamHub& hub() { return hub_; }
  OutputBudget& output_budget() { return output_budget_; }
  Metrics& metrics() { return metrics_; }
  // The statistics' time series; nullptr until the server sets it (then
  // the time series answer 503). REQUIRES: set before serving.
  const StatsRollup* stats_rollup() const { return stats_rollup_; }
  void SetStatsRollup(const StatsRollup* rollup) { stats_rollup_ = rollup; }

  // Answers `call` (once; later answers are dropped). On an authenticated
  // route the answer first waits until every change it may show is durable
  // (the read fence), from the store's writer thread.
  void Reply(Call& call, HttpResponse res);
  // Answers `res` once what this thread just submitted to the store (or
  // `ticket`) is durable.
  void ReplyWhenDurable(Call& call, HttpResponse res);
  void ReplyWhenDurable(Call& call, std::uint64_t ticket, HttpResponse res);
  // Checks that the body is application/json and sets call.body; answers 415
  // itself and returns false when it is not.
  bool ReadJsonBody(Call& call);
  // Answers 503 itself and returns false while the store refuses writes.
  bool Admit(Call& call);
  // This thread's JSON reader, sized to the body limit.
  JsonReader& Reader();
  // Runs `endpoint` on `call`; an exception (a bug) is answered with 500.
  void Run(Call& call, void (*endpoint)(Api&, Call&));
  // Runs a write endpoint: on this thread, or, while a bulk is under way
  // (Engine::ApplyBatch makes writes wait until it is durable and
  // published), on the writes' own thread, one after another in arrival
  // order, so that no I/O thread waits for the bulk. At most
  // kMaxDeferredWrites wait there; more answer 503 with Retry-After.
  static constexpr int kMaxDeferredWrites = 1024;
  void RunWrite(Call& call, void (*endpoint)(Api&, Call&));
  // Runs `work` on the background thread (bulk loads, checkpoints): never on
  // an I/O thread, and at a lower CPU priority (nice kBackgroundNice).
  static constexpr int kBackgroundNice = 10;
  void RunInBackground(std::function<void()> work);
  // Waits for background work, and writes that waited for a bulk, to finish.
  void StopBackground() {
    blocking_->join();
    deferred_->join();
  }

  // Points the engine's match watch at what the subscriptions ask for: on
  // when one takes match.found, from the lowest min_score among them.
  void UpdateMatchWatch();

  bool ready() const { return ready_.load(); }
  bool draining() const { return draining_.load(); }
  void SetReady() { ready_ = true; }
  void SetDraining() { draining_ = true; }

  // Orders subscription writes: the book and the store see them in the same order.
  Mutex& subscriptions_mu() RETURN_CAPABILITY(subscriptions_mu_) { return subscriptions_mu_; }

  // Idempotency-Key records: (caller-scoped key) -> (body digest, reservation id).
  struct IdempotencyRecord {
    std::string digest;
    std::string reservation_id;
  };
  Mutex& idempotency_mu() RETURN_CAPABILITY(idempotency_mu_) { return idempotency_mu_; }
  std::map<std::string, IdempotencyRecord>& idempotency() REQUIRES(idempotency_mu_) { return idempotency_; }

  // Bulk loads applied or waiting at once, at most kMaxBulks: TryStartBulk
  // takes a place (false when none is free), EndBulk returns it.
  static constexpr int kMaxBulks = 4;
  bool TryStartBulk();
  void EndBulk() { --bulks_; }

 private:
  const ServerOptions& options_;
  engine::Engine& engine_;
  storage::Store& store_;
  KeyRing& keys_;
  SubscriptionBook& book_;
  StreamHub& hub_;
  OutputBudget& output_budget_;
  Metrics& metrics_;
  const StatsRollup* stats_rollup_ = nullptr;
  std::atomic<bool> ready_{false};
  std::atomic<bool> draining_{false};
  Mutex subscriptions_mu_;
  Mutex idempotency_mu_;
  std::map<std::string, IdempotencyRecord> idempotency_ GUARDED_BY(idempotency_mu_);
  std::atomic<int> bulks_{0};
  std::atomic<int> deferred_writes_{0};  // posted to deferred_ and not yet run
  std::unique_ptr<net::thread_pool> blocking_;
  std::unique_ptr<net::thread_pool> deferred_;  // one thread: writes during a bulk
};

}  // namespace biomatch::server
