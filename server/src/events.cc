#include "events.h"

#include "biomatch/server/json_codec.h"

namespace biomatch::server {
namespace {

std::string IdBody(const std::string& id) {
  std::string body = "{\"id\":";
  AppendJsonString(id, &body);
  body += '}';
  return body;
}

const char* RequestEventType(const engine::Request& r) {
  switch (r.status) {
    case engine::RequestStatus::kCancelled:
    case engine::RequestStatus::kFulfilled:
    case engine::RequestStatus::kExpired: return "request.closed";
    default: return r.meta.version == 1 ? "request.created" : "request.updated";
  }
}

const char* ReservationEventType(const engine::Reservation& r) {
  switch (r.status) {
    case engine::ReservationStatus::kHeld: return "reservation.created";
    case engine::ReservationStatus::kConfirmed: return "reservation.confirmed";
    case engine::ReservationStatus::kCancelled: return "reservation.cancelled";
    case engine::ReservationStatus::kCompleted: return "reservation.completed";
    case engine::ReservationStatus::kExpired: return "reservation.expired";
  }
  return "reservation.updated";
}

}  // namespace

std::vector<storage::EventDraft> EventsOf(const engine::ChangeSet& c) {
  std::vector<storage::EventDraft> out;
  for (const auto& p : c.platforms) {
    storage::EventDraft e{"platform.updated", {}};
    AppendPlatformJson(p, DocForm::kStored, &e.body);
    out.push_back(std::move(e));
  }
  for (const auto& x : c.capabilities) {
    storage::EventDraft e{x.meta.version == 1 ? "capability.created" : "capability.updated", {}};
    AppendCapabilityJson(x, DocForm::kStored, &e.body);
    out.push_back(std::move(e));
  }
  for (const auto& r : c.requests) {
    storage::EventDraft e{RequestEventType(r), {}};
    AppendRequestJson(r, DocForm::kStored, &e.body);
    out.push_back(std::move(e));
  }
  for (const auto& r : c.reservations) {
    storage::EventDraft e{ReservationEventType(r), {}};
    AppendReservationJson(r, &e.body);
    out.push_back(std::move(e));
  }
  for (const auto& id : c.deleted_platforms) out.push_back({"platform.deleted", IdBody(id)});
  for (const auto& id : c.deleted_capabilities) out.push_back({"capability.deleted", IdBody(id)});
  for (const auto& id : c.deleted_requests) out.push_back({"request.deleted", IdBody(id)});
  return out;
}

}  // namespace biomatch::server
