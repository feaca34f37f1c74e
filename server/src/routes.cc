#include "routes.h"

#include "api/handlers.h"

namespace biomatch::server {

std::string Route::name() const { return std::string(http::to_string(method)) + " " + std::string(path); }

std::size_t RouteIndex(const Route* route) {
  return route == nullptr ? Routes().size() : static_cast<std::size_t>(route - Routes().data());
}

const std::vector<Route>& Routes() {
  using V = http::verb;
  using P = Permission;
  using L = BodyLimit;
  constexpr bool kPublic = false, kAuth = true, kRead = true, kWrite = false;
  // clang-format off
  static const std::vector<Route> routes = {
      // method, path, permission, authenticated, handler, summary, body schema, body limit, read
      {V::get, "/healthz", P::kRead, kPublic, &Healthz, "Liveness: 200 when serving, 503 while starting or stopping", "", L::kDefault, kRead},
      {V::get, "/metrics", P::kRead, kPublic, &MetricsText, "Prometheus metrics", "", L::kDefault, kRead},
      {V::get, "/openapi.json", P::kRead, kPublic, &OpenApiDocument, "This document", "", L::kDefault, kRead},
      {V::get, "/ui", P::kRead, kPublic, &UiFile, "The supervisor dashboard (/ui redirects to /ui/; no token: the page asks for one)", "", L::kDefault, kRead},
      {V::get, "/ui/{file}", P::kRead, kPublic, &UiFile, "A file of the supervisor dashboard (HTML, JS, CSS; ETag, If-None-Match)", "", L::kDefault, kRead},

      {V::put, "/v1/platforms/{id}", P::kWrite, kAuth, &PutPlatform, "Create or replace a platform", "Platform", L::kDefault, kWrite},
      {V::get, "/v1/platforms/{id}", P::kRead, kAuth, &GetPlatform, "Read a platform", "", L::kDefault, kRead},
      {V::delete_, "/v1/platforms/{id}", P::kWrite, kAuth, &DeletePlatform, "Delete a platform without capabilities", "", L::kDefault, kWrite},
      {V::get, "/v1/platforms", P::kRead, kAuth, &ListPlatforms, "List platforms (limit, cursor, region)", "", L::kDefault, kRead},

      {V::put, "/v1/capabilities/{id}", P::kWrite, kAuth, &PutCapability, "Create or replace a capability", "Capability", L::kDefault, kWrite},
      {V::get, "/v1/capabilities/{id}", P::kRead, kAuth, &GetCapability, "Read a capability with per-slot reserved and free units", "", L::kDefault, kRead},
      {V::delete_, "/v1/capabilities/{id}", P::kWrite, kAuth, &DeleteCapability, "Delete a capability without live reservations", "", L::kDefault, kWrite},
      {V::get, "/v1/capabilities", P::kRead, kAuth, &ListCapabilities, "List capabilities (limit, cursor, platform_id, category, region)", "", L::kDefault, kRead},
      {V::put, "/v1/capabilities/{id}/slots", P::kWrite, kAuth, &PutSlots, "Replace a capability's calendar", "Slots", L::kDefault, kWrite},
      {V::get, "/v1/capabilities/{id}/matches", P::kRead, kAuth, &CapabilityMatches, "Reverse matching: open requests this capability can serve (limit, explain)", "", L::kDefault, kRead},

      {V::put, "/v1/requests/{id}", P::kWrite, kAuth, &PutRequest, "Create or replace a request", "Request", L::kDefault, kWrite},
      {V::get, "/v1/requests/{id}", P::kRead, kAuth, &GetRequest, "Read a request", "", L::kDefault, kRead},
      {V::delete_, "/v1/requests/{id}", P::kWrite, kAuth, &DeleteRequest, "Delete a request without live reservations", "", L::kDefault, kWrite},
      {V::get, "/v1/requests", P::kRead, kAuth, &ListRequests, "List requests (limit, cursor, category, region, status)", "", L::kDefault, kRead},
      {V::post, "/v1/requests/{id}/cancel", P::kWrite, kAuth, &CancelRequest, "Cancel a request and its live reservations", "", L::kDefault, kWrite},
      {V::get, "/v1/requests/{id}/matches", P::kRead, kAuth, &RequestMatches, "Ranked matches of a stored request (limit, explain)", "", L::kDefault, kRead},

      {V::post, "/v1/match", P::kRead, kAuth, &Match, "Ranked matches of a request document (limit, explain)", "Request", L::kDefault, kRead},
      {V::post, "/v1/bulk", P::kWrite, kAuth, &Bulk, "All-or-nothing NDJSON batch of puts and deletes", "ndjson", L::kBulk, kWrite},

      {V::post, "/v1/reservations", P::kWrite, kAuth, &CreateReservation, "Hold capacity (Idempotency-Key supported)", "Hold", L::kDefault, kWrite},
      {V::get, "/v1/reservations", P::kRead, kAuth, &ListReservations, "List reservations (limit, cursor, request_id, capability_id, status)", "", L::kDefault, kRead},
      {V::get, "/v1/reservations/{id}", P::kRead, kAuth, &GetReservation, "Read a reservation", "", L::kDefault, kRead},
      {V::post, "/v1/reservations/{id}/confirm", P::kWrite, kAuth, &ConfirmReservation, "Confirm a held reservation", "", L::kDefault, kWrite},
      {V::post, "/v1/reservations/{id}/cancel", P::kWrite, kAuth, &CancelReservation, "Cancel a held or confirmed reservation", "", L::kDefault, kWrite},
      {V::post, "/v1/reservations/{id}/complete", P::kWrite, kAuth, &CompleteReservation, "Complete a confirmed reservation", "", L::kDefault, kWrite},

      {V::post, "/v1/keys", P::kAdmin, kAuth, &CreateKey, "Create an API key; the token is shown once", "KeySpec", L::kDefault, kWrite},
      {V::get, "/v1/keys", P::kAdmin, kAuth, &ListKeys, "List API keys (names and roles)", "", L::kDefault, kRead},
      {V::delete_, "/v1/keys/{name}", P::kAdmin, kAuth, &DeleteKey, "Delete an API key; its token stops working at once, its streams close (4001), its subscriptions are deleted", "", L::kDefault, kWrite},

      {V::put, "/v1/subscriptions/{id}", P::kAgency, kAuth, &PutSubscription, "Create or replace a subscription, owned by the calling key", "Subscription", L::kDefault, kWrite},
      {V::get, "/v1/subscriptions/{id}", P::kReadSubscriptions, kAuth, &GetSubscription, "Read a subscription (an agency reads its own)", "", L::kDefault, kRead},
      {V::delete_, "/v1/subscriptions/{id}", P::kAgency, kAuth, &DeleteSubscription, "Delete a subscription (an agency deletes its own)", "", L::kDefault, kWrite},
      {V::get, "/v1/subscriptions", P::kReadSubscriptions, kAuth, &ListSubscriptions, "List subscriptions (an agency sees its own; limit, cursor)", "", L::kDefault, kRead},
      {V::get, "/v1/stream", P::kAgency, kAuth, &StreamWithoutUpgrade, "WebSocket upgrade: live events of subscriptions (subscriptions, from, access_token); 426 without an upgrade", "", L::kDefault, kRead, &OpenStream},

      {V::get, "/v1/stats/overview", P::kStats, kAuth, &StatsOverview, "Counts of platforms, capabilities, requests (open, unmatched), reservations and events", "", L::kDefault, kRead},
      {V::get, "/v1/stats/balance", P::kStats, kAuth, &StatsBalance, "Open demand, unmet demand and free supply per category or region (by, depth, prefix, from, to)", "", L::kDefault, kRead},
      {V::get, "/v1/stats/utilization", P::kStats, kAuth, &StatsUtilization, "Offered, reserved and completed units per platform, category or region (by, depth, prefix, from, to)", "", L::kDefault, kRead},
      {V::get, "/v1/stats/timeseries", P::kStats, kAuth, &StatsTimeseries, "A metric per day or week from the event log (metric, step, from, to, category, region)", "", L::kDefault, kRead},

      {V::post, "/v1/admin/checkpoint", P::kAdmin, kAuth, &Checkpoint, "Write a consistent RocksDB checkpoint", "Checkpoint", L::kDefault, kWrite},
  };
  // clang-format on
  return routes;
}

}  // namespace biomatch::server
