#include "routes.h"

#include "api/api.h"

namespace biomatch::server {

// The endpoints, by the file under api/ that defines each. An endpoint
// answers its Call exactly once (api/api.h).
// api/ops.cc: health, metrics, the OpenAPI document, checkpoints.
void Healthz(Api& api, Call& c);
void MetricsText(Api& api, Call& c);
void OpenApiDocument(Api& api, Call& c);
void Checkpoint(Api& api, Call& c);

// api/platforms.cc
void PutPlatform(Api& api, Call& c);
void GetPlatform(Api& api, Call& c);
void DeletePlatform(Api& api, Call& c);
void ListPlatforms(Api& api, Call& c);

// api/capabilities.cc
void PutCapability(Api& api, Call& c);
void GetCapability(Api& api, Call& c);
void DeleteCapability(Api& api, Call& c);
void ListCapabilities(Api& api, Call& c);
void PutSlots(Api& api, Call& c);

// api/requests.cc
void PutRequest(Api& api, Call& c);
void GetRequest(Api& api, Call& c);
void DeleteRequest(Api& api, Call& c);
void ListRequests(Api& api, Call& c);
void CancelRequest(Api& api, Call& c);

// api/match.cc: forward, stored and reverse matching.
void Match(Api& api, Call& c);
void RequestMatches(Api& api, Call& c);
void CapabilityMatches(Api& api, Call& c);

// api/bulk.cc
void Bulk(Api& api, Call& c);

// api/reservations.cc (holds take an Idempotency-Key)
void CreateReservation(Api& api, Call& c);
void GetReservation(Api& api, Call& c);
void ListReservations(Api& api, Call& c);
void ConfirmReservation(Api& api, Call& c);
void CancelReservation(Api& api, Call& c);
void CompleteReservation(Api& api, Call& c);

// api/keys.cc
void CreateKey(Api& api, Call& c);
void ListKeys(Api& api, Call& c);
void DeleteKey(Api& api, Call& c);

// api/subscriptions.cc, with the live stream's WebSocket upgrade.
void PutSubscription(Api& api, Call& c);
void GetSubscription(Api& api, Call& c);
void DeleteSubscription(Api& api, Call& c);
void ListSubscriptions(Api& api, Call& c);
void StreamWithoutUpgrade(Api& api, Call& c);  // 426
Handler::Upgrade OpenStream(Api& api, Call& c, std::string_view protocol);

// api/ui.cc: the dashboard's embedded files (/ui and /ui/ both give the page).
void UiFile(Api& api, Call& c);

// api/allocate.cc: global allocation, planned off the I/O threads.
void Allocate(Api& api, Call& c);

// api/stats.cc
void StatsOverview(Api& api, Call& c);
void StatsBalance(Api& api, Call& c);
void StatsUtilization(Api& api, Call& c);
void StatsTimeseries(Api& api, Call& c);

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
      // method, path, permission, authenticated, handler,
      // OpenAPI {summary, body, answers with their documents, parameters, Error statuses (401 and 403 go
      // without saying on routes with a token)},
      // body limit, read[, upgrade]
      {V::get, "/healthz", P::kRead, kPublic, &Healthz,
       {"Liveness: 200 when serving, 503 while starting or stopping", "", {{200, "Health"}, {503, "Health"}}, {}, {}},
       L::kDefault, kRead},
      {V::get, "/metrics", P::kRead, kPublic, &MetricsText,
       {"Prometheus metrics", "", {{200, kTextBody}}, {}, {}},
       L::kDefault, kRead},
      {V::get, "/openapi.json", P::kRead, kPublic, &OpenApiDocument,
       {"This document", "", {{200, kAnyObjectBody}}, {}, {}},
       L::kDefault, kRead},
      {V::get, "/ui", P::kRead, kPublic, &UiFile,
       {"The supervisor dashboard: redirects to /ui/ (no token: the page asks for one)", "", {{308, kNoBody}}, {}, {}},
       L::kDefault, kRead},
      {V::get, "/ui/{file}", P::kRead, kPublic, &UiFile,
       {"A file of the supervisor dashboard (HTML, JS, CSS; empty: the page); ETag, 304 on If-None-Match", "", {{200, kUiFileBody}, {304, kNoBody}}, {"if_none_match"}, {404}},
       L::kDefault, kRead},

      {V::put, "/v1/platforms/{id}", P::kWrite, kAuth, &PutPlatform,
       {"Create or replace a platform", "Platform", {{201, "Platform"}, {200, "Platform"}}, {"if_match"}, {400, 412, 413, 415, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/platforms/{id}", P::kRead, kAuth, &GetPlatform,
       {"Read a platform", "", {{200, "Platform"}}, {}, {404, 503}},
       L::kDefault, kRead},
      {V::delete_, "/v1/platforms/{id}", P::kWrite, kAuth, &DeletePlatform,
       {"Delete a platform without capabilities", "", {{204, kNoBody}}, {"if_match"}, {400, 404, 409, 412, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/platforms", P::kRead, kAuth, &ListPlatforms,
       {"List platforms", "", {{200, "PlatformPage"}}, {"limit", "cursor", "region"}, {400, 503}},
       L::kDefault, kRead},

      {V::put, "/v1/capabilities/{id}", P::kWrite, kAuth, &PutCapability,
       {"Create or replace a capability", "Capability", {{201, "Capability"}, {200, "Capability"}}, {"if_match"}, {400, 409, 412, 413, 415, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/capabilities/{id}", P::kRead, kAuth, &GetCapability,
       {"Read a capability with per-slot reserved and free units", "", {{200, "Capability"}}, {}, {404, 503}},
       L::kDefault, kRead},
      {V::delete_, "/v1/capabilities/{id}", P::kWrite, kAuth, &DeleteCapability,
       {"Delete a capability without live reservations", "", {{204, kNoBody}}, {"if_match"}, {400, 404, 409, 412, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/capabilities", P::kRead, kAuth, &ListCapabilities,
       {"List capabilities", "", {{200, "CapabilityPage"}}, {"limit", "cursor", "platform_id", "category", "region"}, {400, 503}},
       L::kDefault, kRead},
      {V::put, "/v1/capabilities/{id}/slots", P::kWrite, kAuth, &PutSlots,
       {"Replace a capability's calendar", "Slots", {{200, "Capability"}}, {"if_match"}, {400, 404, 409, 412, 413, 415, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/capabilities/{id}/matches", P::kRead, kAuth, &CapabilityMatches,
       {"Reverse matching: open requests this capability can serve", "", {{200, "ReverseMatchResult"}}, {"match_limit", "explain"}, {400, 404, 503}},
       L::kDefault, kRead},

      {V::put, "/v1/requests/{id}", P::kWrite, kAuth, &PutRequest,
       {"Create or replace a request", "Request", {{201, "Request"}, {200, "Request"}}, {"if_match"}, {400, 409, 412, 413, 415, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/requests/{id}", P::kRead, kAuth, &GetRequest,
       {"Read a request", "", {{200, "Request"}}, {}, {404, 503}},
       L::kDefault, kRead},
      {V::delete_, "/v1/requests/{id}", P::kWrite, kAuth, &DeleteRequest,
       {"Delete a request without live reservations", "", {{204, kNoBody}}, {"if_match"}, {400, 404, 409, 412, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/requests", P::kRead, kAuth, &ListRequests,
       {"List requests", "", {{200, "RequestPage"}}, {"limit", "cursor", "category", "region", "request_status"}, {400, 503}},
       L::kDefault, kRead},
      {V::post, "/v1/requests/{id}/cancel", P::kWrite, kAuth, &CancelRequest,
       {"Cancel a request and its live reservations", "", {{200, "Request"}}, {}, {404, 409, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/requests/{id}/matches", P::kRead, kAuth, &RequestMatches,
       {"Ranked matches of a stored request", "", {{200, "MatchResult"}}, {"match_limit", "explain"}, {400, 404, 503}},
       L::kDefault, kRead},

      {V::post, "/v1/match", P::kRead, kAuth, &Match,
       {"Ranked matches of a request document (not stored)", "Request", {{200, "MatchResult"}}, {"match_limit", "explain"}, {400, 413, 415, 503}},
       L::kDefault, kRead},
      {V::post, "/v1/bulk", P::kWrite, kAuth, &Bulk,
       {"All-or-nothing NDJSON batch of puts and deletes", kNdjsonRequest, {{200, "BulkResult"}, {400, "BulkError"}}, {}, {413, 415, 503}},
       L::kBulk, kWrite},

      {V::post, "/v1/reservations", P::kWrite, kAuth, &CreateReservation,
       {"Hold capacity; with an Idempotency-Key, a repeat answers 200 with the original", "Hold", {{201, "Reservation"}, {200, "Reservation"}}, {"idempotency_key"}, {400, 409, 413, 415, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/reservations", P::kRead, kAuth, &ListReservations,
       {"List reservations", "", {{200, "ReservationPage"}}, {"limit", "cursor", "request_id", "capability_id", "reservation_status"}, {400, 503}},
       L::kDefault, kRead},
      {V::get, "/v1/reservations/{id}", P::kRead, kAuth, &GetReservation,
       {"Read a reservation", "", {{200, "Reservation"}}, {}, {404, 503}},
       L::kDefault, kRead},
      {V::post, "/v1/reservations/{id}/confirm", P::kWrite, kAuth, &ConfirmReservation,
       {"Confirm a held reservation", "", {{200, "Reservation"}}, {}, {404, 409, 503}},
       L::kDefault, kWrite},
      {V::post, "/v1/reservations/{id}/cancel", P::kWrite, kAuth, &CancelReservation,
       {"Cancel a held or confirmed reservation", "", {{200, "Reservation"}}, {}, {404, 409, 503}},
       L::kDefault, kWrite},
      {V::post, "/v1/reservations/{id}/complete", P::kWrite, kAuth, &CompleteReservation,
       {"Complete a confirmed reservation", "", {{200, "Reservation"}}, {}, {404, 409, 503}},
       L::kDefault, kWrite},

      {V::post, "/v1/keys", P::kAdmin, kAuth, &CreateKey,
       {"Create an API key; the token is shown once", "KeySpec", {{201, "KeyCreated"}}, {}, {400, 409, 413, 415, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/keys", P::kAdmin, kAuth, &ListKeys,
       {"List API keys (names and roles)", "", {{200, "KeyList"}}, {}, {503}},
       L::kDefault, kRead},
      {V::delete_, "/v1/keys/{name}", P::kAdmin, kAuth, &DeleteKey,
       {"Delete an API key; its token stops working at once, its streams close (4001), its subscriptions are deleted", "", {{204, kNoBody}}, {}, {404, 409, 503}},
       L::kDefault, kWrite},

      {V::put, "/v1/subscriptions/{id}", P::kAgency, kAuth, &PutSubscription,
       {"Create or replace a subscription, owned by the calling key", "Subscription", {{201, "Subscription"}, {200, "Subscription"}}, {"if_match"}, {400, 412, 413, 415, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/subscriptions/{id}", P::kReadSubscriptions, kAuth, &GetSubscription,
       {"Read a subscription (an agency reads its own)", "", {{200, "Subscription"}}, {}, {404, 503}},
       L::kDefault, kRead},
      {V::delete_, "/v1/subscriptions/{id}", P::kAgency, kAuth, &DeleteSubscription,
       {"Delete a subscription (an agency deletes its own)", "", {{204, kNoBody}}, {"if_match"}, {400, 404, 412, 503}},
       L::kDefault, kWrite},
      {V::get, "/v1/subscriptions", P::kReadSubscriptions, kAuth, &ListSubscriptions,
       {"List subscriptions (an agency sees its own)", "", {{200, "SubscriptionPage"}}, {"limit", "cursor"}, {400, 503}},
       L::kDefault, kRead},
      {V::get, "/v1/stream", P::kAgency, kAuth, &StreamWithoutUpgrade,
       {"WebSocket upgrade: live events of subscriptions; 426 without an upgrade", "", {{101, kNoBody}}, {"subscriptions", "from", "access_token"}, {400, 404, 426, 429, 503}},
       L::kDefault, kRead, &OpenStream},

      {V::post, "/v1/allocate", P::kAllocate, kAuth, &Allocate,
       {"Place many open requests at once for the greatest total score; apply places the holds atomically", "Allocate", {{200, "AllocationPlan"}}, {}, {400, 409, 413, 415, 503}},
       L::kDefault, kWrite},

      {V::get, "/v1/stats/overview", P::kStats, kAuth, &StatsOverview,
       {"Counts of platforms, capabilities, requests (open, unmatched), reservations and events", "", {{200, "Overview"}}, {}, {503}},
       L::kDefault, kRead},
      {V::get, "/v1/stats/balance", P::kStats, kAuth, &StatsBalance,
       {"Open demand, unmet demand and free supply per category or region", "", {{200, "Balance"}}, {"balance_by", "depth", "prefix", "stats_from", "stats_to"}, {400, 503}},
       L::kDefault, kRead},
      {V::get, "/v1/stats/utilization", P::kStats, kAuth, &StatsUtilization,
       {"Offered, reserved and completed units per platform, category or region", "", {{200, "Utilization"}}, {"utilization_by", "depth", "prefix", "stats_from", "stats_to"}, {400, 503}},
       L::kDefault, kRead},
      {V::get, "/v1/stats/timeseries", P::kStats, kAuth, &StatsTimeseries,
       {"A metric per day or week from the event log", "", {{200, "Timeseries"}}, {"metric", "step", "series_from", "series_to", "category", "region"}, {400, 503}},
       L::kDefault, kRead},

      {V::post, "/v1/admin/checkpoint", P::kAdmin, kAuth, &Checkpoint,
       {"Write a consistent RocksDB checkpoint", "CheckpointRequest", {{201, "Checkpoint"}}, {}, {400, 409, 413, 415, 500, 503}},
       L::kDefault, kWrite},
  };
  // clang-format on
  return routes;
}

}  // namespace biomatch::server
