// Router: the Handler every HTTP session calls. Finds a request's route in
// the route table (404, 405), authenticates the caller and checks its role
// (401, 403), and runs the route's endpoint (api/) or, for a WebSocket
// upgrade, its upgrade function. Owns the Api the endpoints share and the
// per-route metrics.
//
// Thread safety: every method may be called from every I/O thread at once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api.h"
#include "http_session.h"
#include "metrics.h"
#include "routes.h"

namespace biomatch::server {

class Router : public Handler {
 public:
  Router(const ServerOptions& options, engine::Engine& engine, storage::Store& store, KeyRing& keys,
         SubscriptionBook& book, StreamHub& hub, OutputBudget& output_budget);
  ~Router() override;

  void Handle(HttpRequest&& request, std::function<void(HttpResponse)> respond) override;
  Upgrade HandleUpgrade(const HttpRequest& request) override;
  Screening Screen(const HttpRequest& header) override;
  bool Draining() const override { return api_.draining(); }

  Api& api() { return api_; }
  Metrics& metrics() { return metrics_; }

  // The subprotocol a stream answers with when the client offers it.
  static constexpr std::string_view kStreamProtocol = "biomatch.v1";

 private:
  struct Pattern {
    std::vector<std::string> segments;  // "{}" matches any one segment
  };
  // Finds the route of call.request (404, 405) and checks the caller's
  // token and role (401, 403): the refusal, or nullopt with call.route,
  // params and call.caller set.
  std::optional<HttpResponse> Resolve(Call& call, const std::vector<std::string_view>& segments,
                                      std::string_view token);

  std::vector<Pattern> patterns_;  // patterns_[i] is Routes()[i]'s path
  Metrics metrics_;
  Api api_;
};

}  // namespace biomatch::server
