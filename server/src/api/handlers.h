// Every endpoint of the API, by resource; each is defined in api/<resource>.cc
// and listed once in the route table (routes.cc). An endpoint answers its
// Call exactly once (see api.h).
#pragma once

#include <string_view>

#include "api/api.h"
#include "http_session.h"

namespace biomatch::server {

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

// api/stats.cc
void StatsOverview(Api& api, Call& c);
void StatsBalance(Api& api, Call& c);
void StatsUtilization(Api& api, Call& c);
void StatsTimeseries(Api& api, Call& c);

}  // namespace biomatch::server
