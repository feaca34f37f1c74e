// App: the v1 REST API. Routes each request (404, 405), authenticates it,
// checks the caller's role, decodes the body, calls the engine, and answers;
// writes answer only once their commit is durable (Store::WhenDurable), so no
// I/O thread ever waits on the disk.
//
// Thread safety: Handle may be called from every I/O thread at once.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth.h"
#include "stream_hub.h"
#include "subscription_book.h"
#include "ws_session.h"
#include "biomatch/engine/engine.h"
#include "biomatch/server/server.h"
#include "biomatch/storage/store.h"
#include "http_session.h"
#include "metrics.h"
#include "openapi.h"
#include "output_budget.h"

namespace biomatch::server {

class App : public Handler {
 public:
  App(const ServerOptions& options, engine::Engine& engine, storage::Store& store, KeyRing& keys,
      SubscriptionBook& book, StreamHub& hub, OutputBudget& output_budget);
  ~App() override;

  void Handle(HttpRequest&& request, std::function<void(HttpResponse)> respond) override;
  Upgrade HandleUpgrade(const HttpRequest& request) override;
  std::optional<HttpResponse> Screen(const HttpRequest& header) override;
  // Points the engine's match watch at what the subscriptions ask for: on
  // when one takes match.found, from the lowest min_score among them.
  void UpdateMatchWatch();
  bool Draining() const override { return draining_.load(); }
  void SetReady() { ready_ = true; }
  void SetDraining() { draining_ = true; }
  // Waits for background work (checkpoints) to finish.
  void StopBackground() { blocking_->join(); }

  Metrics& metrics() { return metrics_; }

  struct Call;
  using Endpoint = void (App::*)(Call&);
  struct Route {
    http::verb method;
    std::vector<std::string> pattern;  // segments; "{}" matches one
    Permission permission;
    bool authenticated;
    Endpoint endpoint;
    std::string name;  // for metrics and OpenAPI: "GET /v1/platforms/{id}"
    OpenApiMeta api;   // what /openapi.json says of it
  };
  static const std::vector<Route>& Routes();

  // The subprotocol a stream answers with when the client offers it.
  static constexpr std::string_view kStreamProtocol = "biomatch.v1";
  static constexpr std::size_t kMaxStreamSubscriptions = 64;

 private:
  // Finds the route of call.request (404, 405) and checks the caller's
  // token and role (401, 403); the refusal, or nullopt with call.route,
  // params and caller set.
  std::optional<HttpResponse> Resolve(Call& call, const std::vector<std::string_view>& segments,
                                      std::string_view token);
  void Reply(Call& call, HttpResponse res);
  // Answers `res` once what this thread just submitted to the store (or
  // `ticket`) is durable, from the store's writer thread.
  void ReplyWhenDurable(Call& call, HttpResponse res);
  void ReplyWhenDurable(Call& call, std::uint64_t ticket, HttpResponse res);
  bool ReadJsonBody(Call& call);  // checks the content type; answers 415 itself
  bool Admit(Call& call);         // answers 503 itself when the store is full

  void Healthz(Call& c);
  void MetricsText(Call& c);
  void OpenApi(Call& c);
  void PutPlatform(Call& c);
  void GetPlatform(Call& c);
  void DeletePlatform(Call& c);
  void ListPlatforms(Call& c);
  void PutCapability(Call& c);
  void GetCapability(Call& c);
  void DeleteCapability(Call& c);
  void ListCapabilities(Call& c);
  void PutSlots(Call& c);
  void CapabilityMatches(Call& c);
  void PutRequest(Call& c);
  void GetRequest(Call& c);
  void DeleteRequest(Call& c);
  void ListRequests(Call& c);
  void CancelRequest(Call& c);
  void RequestMatches(Call& c);
  void Match(Call& c);
  void Bulk(Call& c);
  void ApplyBulk(Call& c);  // on blocking_
  // Runs `endpoint` on `c`; an exception (a bug) is answered with 500.
  void Run(Call& c, Endpoint endpoint);
  void CreateReservation(Call& c);
  void GetReservation(Call& c);
  void ListReservations(Call& c);
  void ConfirmReservation(Call& c);
  void CancelReservation(Call& c);
  void CompleteReservation(Call& c);
  void CreateKey(Call& c);
  void ListKeys(Call& c);
  void DeleteKey(Call& c);
  void PutSubscription(Call& c);
  void GetSubscription(Call& c);
  void DeleteSubscription(Call& c);
  void ListSubscriptions(Call& c);
  void StreamWithoutUpgrade(Call& c);
  void StatsOverview(Call& c);
  void Checkpoint(Call& c);

  const ServerOptions& options_;
  engine::Engine& engine_;
  storage::Store& store_;
  KeyRing& keys_;
  SubscriptionBook& book_;
  StreamHub& hub_;
  std::mutex subscriptions_mu_;  // orders subscription writes: book and store alike
  OutputBudget& output_budget_;  // streams charge it
  Metrics metrics_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> draining_{false};
  // Idempotency-Key -> (body digest, reservation id), loaded from the store.
  std::mutex idempotency_mu_;
  std::map<std::string, std::pair<std::string, std::string>> idempotency_;  // GUARDED_BY(idempotency_mu_)
  static constexpr int kMaxBulks = 4;  // bulk loads applied or waiting at once
  std::atomic<int> bulks_{0};
  std::unique_ptr<net::thread_pool> blocking_;  // bulk loads and checkpoints: never on an I/O thread
};

}  // namespace biomatch::server
