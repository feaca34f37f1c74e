#include "biomatch/server/json_schema.h"

#include <cstddef>
#include <string>
#include <vector>

#include "biomatch/engine/allocation.h"
#include "biomatch/engine/engine.h"
#include "biomatch/engine/types.h"
#include "biomatch/server/json_stats.h"
#include "biomatch/server/subscription.h"

namespace biomatch::server {
namespace {

using T = JsonType;
using Names = std::span<const std::string_view>;

Names StageNames() { return engine::kStageNames; }
Names UnitNames() { return engine::kUnitNames; }
Names RejectionNames() { return engine::kRejectionNames; }
Names PlatformKindNames() { return engine::kPlatformKindNames; }
Names PlatformLevelNames() { return engine::kPlatformLevelNames; }
Names RequesterTypeNames() { return engine::kRequesterTypeNames; }
Names RequestStatusNames() { return engine::kRequestStatusNames; }
Names ReservationStatusNames() { return engine::kReservationStatusNames; }

constexpr std::string_view kRoles[] = {"admin", "portal", "agency", "supervisor"};
constexpr std::string_view kErrorCodes[] = {
    "malformed_json", "invalid_argument",       "unauthenticated", "permission_denied", "not_found",
    "method_not_allowed", "conflict",           "precondition_failed", "payload_too_large",
    "unsupported_media_type", "upgrade_required", "too_many_streams", "overloaded", "internal"};
constexpr std::string_view kHealthStatuses[] = {"ok", "starting", "stopping"};
constexpr std::string_view kBulkOps[] = {"put", "delete"};
constexpr std::string_view kBulkTypes[] = {"platform", "capability", "request"};
constexpr std::string_view kSeriesSteps[] = {"day", "week"};

// Fields every stored entity carries (read_only).
JsonField Id() { return {.name = "id", .read_only = true, .description = "the id of the URL path"}; }
JsonField Version() {
  return {.name = "version", .type = T::kInteger, .read_only = true,
          .description = "1 on create, +1 per change; the ETag"};
}
JsonField CreatedAt() { return {.name = "created_at", .type = T::kTime, .read_only = true}; }
JsonField UpdatedAt() { return {.name = "updated_at", .type = T::kTime, .read_only = true}; }

JsonField Page(std::string_view item) {
  return {.name = "items", .type = T::kArray, .required = true, .items = T::kObject, .ref = item};
}
JsonField NextCursor() {
  return {.name = "next_cursor", .required = true, .nullable = true,
          .description = "pass as `cursor` for the next page; null on the last page"};
}

// Built once, in place: documents point into rejected.
struct Tables {
  Tables();
  Tables(const Tables&) = delete;
  Tables& operator=(const Tables&) = delete;

  std::vector<JsonDocument> documents;
  std::vector<JsonField> rejected;  // the one field list whose size comes from the engine
  std::vector<std::string_view> series_metrics;  // json_stats.h's ToString(SeriesMetric)
  std::vector<JsonField> timeseries;             // names the metrics
  std::vector<std::string_view> unplaced_reasons;  // engine::ToString(UnplacedReason)
  std::vector<JsonField> unplaced;                 // names the reasons
};

Tables::Tables() {
  static const JsonField kGeoPoint[] = {
      {.name = "lat", .type = T::kNumber, .required = true, .description = "degrees, -90 to 90"},
      {.name = "lon", .type = T::kNumber, .required = true, .description = "degrees, -180 to 180"},
  };
  static const JsonField kQualification[] = {
      {.name = "name", .required = true},
      {.name = "valid_until", .type = T::kTime, .nullable = true, .description = "absent or null: no expiry"},
  };
  static const JsonField kEvaluation[] = {
      {.name = "service_capability", .type = T::kNumber, .required = true, .description = "0 to 100"},
      {.name = "management", .type = T::kNumber, .required = true, .description = "0 to 100"},
      {.name = "output", .type = T::kNumber, .required = true, .description = "0 to 100"},
      {.name = "basic_conditions", .type = T::kNumber, .required = true, .description = "0 to 100"},
  };
  static const JsonField kPlatform[] = {
      Id(),
      {.name = "name", .required = true},
      {.name = "kind", .required = true, .enum_values = PlatformKindNames()},
      {.name = "level", .required = true, .enum_values = PlatformLevelNames()},
      {.name = "region", .required = true, .description = "a /-separated path such as CN/SC/chengdu/gaoxin"},
      {.name = "location", .type = T::kObject, .required = true, .ref = "GeoPoint"},
      {.name = "qualifications", .type = T::kArray, .items = T::kObject, .ref = "Qualification",
       .string_shorthand = true, .description = "a bare string is a qualification with no expiry"},
      {.name = "open", .type = T::kBoolean, .description = "default true"},
      {.name = "evaluation", .type = T::kObject, .nullable = true, .ref = "Evaluation"},
      Version(), CreatedAt(), UpdatedAt(),
  };
  static const JsonField kSlot[] = {
      {.name = "start", .type = T::kTime, .required = true},
      {.name = "end", .type = T::kTime, .required = true},
      {.name = "units", .type = T::kInteger, .required = true, .description = "offered units, at least 0"},
      {.name = "reserved", .type = T::kInteger, .read_only = true, .description = "units held or confirmed"},
      {.name = "free", .type = T::kInteger, .read_only = true, .description = "units - reserved"},
  };
  static const JsonField kSlots[] = {
      {.name = "slots", .type = T::kArray, .required = true, .items = T::kObject, .ref = "Slot"},
  };
  static const JsonField kCapability[] = {
      Id(),
      {.name = "platform_id", .required = true, .description = "an existing platform"},
      {.name = "category", .required = true, .description = "a lowercase /-separated path"},
      {.name = "title", .required = true},
      {.name = "description"},
      {.name = "keywords", .type = T::kArray},
      {.name = "stages", .type = T::kArray, .required = true, .enum_values = StageNames(),
       .description = "at least one"},
      {.name = "unit", .required = true, .enum_values = UnitNames()},
      {.name = "price_per_unit", .type = T::kNumber, .required = true, .description = "CNY, at least 0"},
      {.name = "slots", .type = T::kArray, .items = T::kObject, .ref = "Slot",
       .description = "the calendar; slots do not overlap"},
      Version(), CreatedAt(), UpdatedAt(),
  };
  static const JsonField kRequester[] = {
      {.name = "id", .required = true},
      {.name = "type", .required = true, .enum_values = RequesterTypeNames()},
  };
  static const JsonField kWindow[] = {
      {.name = "earliest_start", .type = T::kTime, .required = true},
      {.name = "deadline", .type = T::kTime, .required = true},
  };
  static const JsonField kWeights[] = {
      {.name = "category", .type = T::kNumber, .nullable = true, .description = "default 2"},
      {.name = "text", .type = T::kNumber, .nullable = true, .description = "default 2"},
      {.name = "price", .type = T::kNumber, .nullable = true, .description = "default 1.5"},
      {.name = "time", .type = T::kNumber, .nullable = true, .description = "default 1.5"},
      {.name = "distance", .type = T::kNumber, .nullable = true, .description = "default 1"},
      {.name = "quality", .type = T::kNumber, .nullable = true, .description = "default 1"},
      {.name = "utilization", .type = T::kNumber, .nullable = true, .description = "default 0.5"},
  };
  static const JsonField kRequest[] = {
      Id(),
      {.name = "requester", .type = T::kObject, .required = true, .ref = "Requester"},
      {.name = "category", .required = true},
      {.name = "text"},
      {.name = "keywords", .type = T::kArray},
      {.name = "stage", .required = true, .enum_values = StageNames()},
      {.name = "quantity", .type = T::kInteger, .required = true, .description = "at least 1"},
      {.name = "unit", .required = true, .enum_values = UnitNames()},
      {.name = "budget_max", .type = T::kNumber, .nullable = true, .description = "absent or null: no limit"},
      {.name = "window", .type = T::kObject, .required = true, .ref = "Window"},
      {.name = "location", .type = T::kObject, .nullable = true, .ref = "GeoPoint"},
      {.name = "max_distance_km", .type = T::kNumber, .nullable = true, .description = "needs location"},
      {.name = "region", .nullable = true, .description = "the platform's region must lie within it"},
      {.name = "required_qualifications", .type = T::kArray},
      {.name = "weights", .type = T::kObject, .nullable = true, .ref = "Weights"},
      {.name = "status", .read_only = true, .enum_values = RequestStatusNames()},
      Version(), CreatedAt(), UpdatedAt(),
  };
  static const JsonField kAllocation[] = {
      {.name = "start", .type = T::kTime, .required = true},
      {.name = "end", .type = T::kTime, .required = true},
      {.name = "units", .type = T::kInteger, .required = true},
  };
  static const JsonField kReservation[] = {
      {.name = "id", .required = true, .description = "rsv- and 16 hex digits"},
      {.name = "request_id", .required = true},
      {.name = "capability_id", .required = true},
      {.name = "quantity", .type = T::kInteger, .required = true},
      {.name = "status", .required = true, .enum_values = ReservationStatusNames()},
      {.name = "allocations", .type = T::kArray, .required = true, .items = T::kObject, .ref = "Allocation"},
      {.name = "expires_at", .type = T::kTime, .required = true, .description = "when a held reservation expires"},
      {.name = "version", .type = T::kInteger, .required = true},
      {.name = "created_at", .type = T::kTime, .required = true},
      {.name = "updated_at", .type = T::kTime, .required = true},
  };
  static const JsonField kHold[] = {
      {.name = "request_id", .required = true},
      {.name = "capability_id", .required = true},
      {.name = "quantity", .type = T::kInteger, .nullable = true,
       .description = "absent or null: the request's quantity"},
      {.name = "hold_seconds", .type = T::kInteger, .description = "10 to 86400, default 900"},
  };
  static const JsonField kKeySpec[] = {
      {.name = "name", .required = true, .description = "follows the id rule"},
      {.name = "role", .required = true, .enum_values = kRoles},
  };
  static const JsonField kKeyCreated[] = {
      {.name = "name", .required = true},
      {.name = "role", .required = true, .enum_values = kRoles},
      {.name = "token", .required = true, .description = "shown once; only its hash is kept"},
  };
  static const JsonField kKey[] = {
      {.name = "name", .required = true},
      {.name = "role", .required = true, .enum_values = kRoles},
  };
  static const JsonField kKeyList[] = {Page("Key")};
  static const JsonField kCheckpointRequest[] = {
      {.name = "dir", .required = true, .description = "an absolute path that does not exist; its parent does"},
  };
  static const JsonField kCheckpoint[] = {
      {.name = "dir", .required = true},
      {.name = "last_seq", .type = T::kInteger, .required = true, .description = "the last event in the checkpoint"},
  };
  static const JsonField kErrorDetail[] = {
      {.name = "code", .required = true, .enum_values = kErrorCodes},
      {.name = "message", .required = true},
      {.name = "field", .description = "the offending field, header or parameter"},
  };
  static const JsonField kError[] = {
      {.name = "error", .type = T::kObject, .required = true, .ref = "ErrorDetail"},
  };
  static const JsonField kBulkLine[] = {
      {.name = "op", .required = true, .enum_values = kBulkOps},
      {.name = "type", .required = true, .enum_values = kBulkTypes},
      {.name = "id", .required = true},
      {.name = "doc", .type = T::kObject, .nullable = true,
       .description = "with op put only: the Platform, Capability or Request document"},
  };
  static const JsonField kBulkResult[] = {
      {.name = "applied", .type = T::kInteger, .required = true, .description = "lines applied"},
  };
  static const JsonField kBulkLineError[] = {
      {.name = "line", .type = T::kInteger, .required = true, .description = "1-based"},
      {.name = "code", .required = true, .enum_values = kErrorCodes},
      {.name = "message", .required = true},
      {.name = "field"},
  };
  static const JsonField kBulkError[] = {
      {.name = "error", .type = T::kObject, .required = true, .ref = "ErrorDetail"},
      {.name = "lines", .type = T::kArray, .required = true, .items = T::kObject, .ref = "BulkLineError"},
  };
  static const JsonField kFactors[] = {
      {.name = "category", .type = T::kNumber, .required = true},
      {.name = "text", .type = T::kNumber, .required = true, .nullable = true,
       .description = "null: the request has no words"},
      {.name = "price", .type = T::kNumber, .required = true},
      {.name = "time", .type = T::kNumber, .required = true},
      {.name = "distance", .type = T::kNumber, .required = true, .nullable = true,
       .description = "null: the request has no location"},
      {.name = "quality", .type = T::kNumber, .required = true},
      {.name = "utilization", .type = T::kNumber, .required = true},
  };
  static const JsonField kMatch[] = {
      {.name = "capability_id", .required = true},
      {.name = "platform_id", .required = true},
      {.name = "score", .type = T::kNumber, .required = true},
      {.name = "total_price", .type = T::kNumber, .required = true},
      {.name = "earliest_start", .type = T::kTime, .required = true},
      {.name = "completion", .type = T::kTime, .required = true},
      {.name = "explain", .type = T::kObject, .ref = "Factors", .description = "with explain=true"},
  };
  static const JsonField kMatchResult[] = {
      {.name = "matches", .type = T::kArray, .required = true, .items = T::kObject, .ref = "Match"},
      {.name = "feasible", .type = T::kInteger, .required = true,
       .description = "capabilities passing every hard constraint"},
      {.name = "rejected", .type = T::kObject, .ref = "Rejected", .description = "with explain=true"},
      {.name = "took_us", .type = T::kInteger, .required = true},
  };
  static const JsonField kReverseMatch[] = {
      {.name = "request_id", .required = true},
      {.name = "score", .type = T::kNumber, .required = true},
      {.name = "total_price", .type = T::kNumber, .required = true},
      {.name = "earliest_start", .type = T::kTime, .required = true},
      {.name = "completion", .type = T::kTime, .required = true},
      {.name = "explain", .type = T::kObject, .ref = "Factors", .description = "with explain=true"},
  };
  static const JsonField kReverseMatchResult[] = {
      {.name = "matches", .type = T::kArray, .required = true, .items = T::kObject, .ref = "ReverseMatch"},
      {.name = "feasible", .type = T::kInteger, .required = true, .description = "open requests it can serve"},
      {.name = "took_us", .type = T::kInteger, .required = true},
  };
  static const JsonField kSubscription[] = {
      Id(),
      {.name = "owner", .read_only = true, .description = "the name of the key that created it"},
      {.name = "types", .type = T::kArray, .nullable = true, .enum_values = kEventTypes},
      {.name = "category", .nullable = true},
      {.name = "region", .nullable = true},
      {.name = "stages", .type = T::kArray, .nullable = true, .enum_values = StageNames()},
      {.name = "keywords", .type = T::kArray, .nullable = true, .description = "at most 64"},
      {.name = "platform_ids", .type = T::kArray, .nullable = true, .description = "at most 256"},
      {.name = "requester_ids", .type = T::kArray, .nullable = true, .description = "at most 256"},
      {.name = "min_score", .type = T::kNumber, .nullable = true, .description = "0 to 1; match.found only"},
      Version(), CreatedAt(), UpdatedAt(),
  };
  static const JsonField kPlatformPage[] = {Page("Platform"), NextCursor()};
  static const JsonField kCapabilityPage[] = {Page("Capability"), NextCursor()};
  static const JsonField kRequestPage[] = {Page("Request"), NextCursor()};
  static const JsonField kReservationPage[] = {Page("Reservation"), NextCursor()};
  static const JsonField kSubscriptionPage[] = {Page("Subscription"), NextCursor()};
  static const JsonField kOverview[] = {
      {.name = "platforms", .type = T::kInteger, .required = true},
      {.name = "capabilities", .type = T::kInteger, .required = true},
      {.name = "requests", .type = T::kInteger, .required = true},
      {.name = "open_requests", .type = T::kInteger, .required = true},
      {.name = "unmatched_requests", .type = T::kInteger, .required = true,
       .description = "open requests no capability can serve now"},
      {.name = "held_reservations", .type = T::kInteger, .required = true},
      {.name = "confirmed_reservations", .type = T::kInteger, .required = true},
      {.name = "offered_units", .type = T::kInteger, .required = true},
      {.name = "reserved_units", .type = T::kInteger, .required = true},
      {.name = "events", .type = T::kInteger, .required = true, .description = "the last event's seq"},
  };
  static const JsonField kBalanceGroup[] = {
      {.name = "group", .required = true, .description = "a category or region path, cut to `depth` segments"},
      {.name = "open_requests", .type = T::kInteger, .required = true},
      {.name = "open_demand_units", .type = T::kInteger, .required = true},
      {.name = "unmatched_requests", .type = T::kInteger, .required = true},
      {.name = "unmatched_demand_units", .type = T::kInteger, .required = true},
      {.name = "free_supply_units", .type = T::kInteger, .required = true, .description = "free units between from and to"},
      {.name = "demand_supply_ratio", .type = T::kNumber, .required = true, .nullable = true,
       .description = "open_demand_units / free_supply_units; null without free supply"},
  };
  static const JsonField kBalance[] = {
      {.name = "as_of", .type = T::kTime, .required = true},
      {.name = "from", .type = T::kTime, .required = true},
      {.name = "to", .type = T::kTime, .required = true},
      {.name = "groups", .type = T::kArray, .required = true, .items = T::kObject, .ref = "BalanceGroup"},
  };
  static const JsonField kUtilizationGroup[] = {
      {.name = "group", .required = true, .description = "a platform id, or a category or region path cut to `depth`"},
      {.name = "offered_units", .type = T::kInteger, .required = true},
      {.name = "reserved_units", .type = T::kInteger, .required = true},
      {.name = "completed_units", .type = T::kInteger, .required = true},
      {.name = "utilization", .type = T::kNumber, .required = true, .nullable = true,
       .description = "reserved_units / offered_units; null when nothing is offered"},
  };
  static const JsonField kUtilization[] = {
      {.name = "as_of", .type = T::kTime, .required = true},
      {.name = "from", .type = T::kTime, .required = true},
      {.name = "to", .type = T::kTime, .required = true},
      {.name = "groups", .type = T::kArray, .required = true, .items = T::kObject, .ref = "UtilizationGroup"},
  };
  static const JsonField kSeriesPoint[] = {
      {.name = "t", .type = T::kTime, .required = true, .description = "the step's start, a UTC midnight"},
      {.name = "value", .type = T::kInteger, .required = true},
  };
  static const JsonField kAllocateSelect[] = {
      {.name = "category", .description = "a whole-segment category prefix"},
      {.name = "region", .description = "a whole-segment region prefix"},
      {.name = "request_ids", .type = T::kArray, .description = "1 to 100000 ids"},
      {.name = "limit", .type = T::kInteger, .description = "1 to 100000, default 10000"},
  };
  static const JsonField kAllocate[] = {
      {.name = "select", .type = T::kObject, .required = true, .ref = "AllocateSelect",
       .description = "names at least one of category, region, request_ids"},
      {.name = "apply", .type = T::kBoolean, .description = "default false: plan only; true: hold the plan"},
      {.name = "hold_seconds", .type = T::kInteger, .description = "10 to 86400, default 900"},
      {.name = "candidates", .type = T::kInteger, .description = "capabilities considered per request, 1 to 1000, default 16"},
  };
  static const JsonField kPlacedRequest[] = {
      {.name = "request_id", .required = true},
      {.name = "capability_id", .required = true},
      {.name = "score", .type = T::kNumber, .required = true},
      {.name = "quantity", .type = T::kInteger, .required = true},
      {.name = "allocations", .type = T::kArray, .required = true, .items = T::kObject, .ref = "Allocation"},
      {.name = "reservation_id", .description = "with apply true: the held reservation"},
  };
  static const JsonField kAllocationTotals[] = {
      {.name = "placed", .type = T::kInteger, .required = true},
      {.name = "units", .type = T::kInteger, .required = true},
      {.name = "score", .type = T::kNumber, .required = true},
  };
  static const JsonField kPlanTotals[] = {
      {.name = "requests", .type = T::kInteger, .required = true, .description = "open requests selected"},
      {.name = "placed", .type = T::kInteger, .required = true},
      {.name = "units", .type = T::kInteger, .required = true},
      {.name = "score", .type = T::kNumber, .required = true},
  };
  static const JsonField kBaselines[] = {
      {.name = "first_come", .type = T::kObject, .required = true, .ref = "AllocationTotals"},
      {.name = "best_first", .type = T::kObject, .required = true, .ref = "AllocationTotals"},
  };
  static const JsonField kAllocationPlan[] = {
      {.name = "plan", .type = T::kArray, .required = true, .items = T::kObject, .ref = "PlacedRequest"},
      {.name = "unplaced", .type = T::kArray, .required = true, .items = T::kObject, .ref = "UnplacedRequest"},
      {.name = "totals", .type = T::kObject, .required = true, .ref = "PlanTotals"},
      {.name = "baselines", .type = T::kObject, .required = true, .ref = "Baselines"},
      {.name = "upper_bound", .type = T::kNumber, .required = true, .description = "no placement scores more"},
      {.name = "exact", .type = T::kBoolean, .required = true, .description = "the plan is optimal"},
      {.name = "candidate_pairs", .type = T::kInteger, .required = true},
      {.name = "took_ms", .type = T::kInteger, .required = true},
      {.name = "applied", .type = T::kBoolean, .required = true},
  };
  static const JsonField kHealth[] = {
      {.name = "status", .required = true, .enum_values = kHealthStatuses},
  };

  for (const std::string_view name : RejectionNames()) {
    rejected.push_back({.name = name, .type = T::kInteger, .required = true});
  }
  for (int m = 0; m < kSeriesMetricCount; ++m) series_metrics.push_back(ToString(static_cast<SeriesMetric>(m)));
  for (const auto reason : {engine::UnplacedReason::kNoFeasibleCapability, engine::UnplacedReason::kCapacityTaken}) {
    unplaced_reasons.push_back(engine::ToString(reason));
  }
  unplaced = {
      {.name = "request_id", .required = true},
      {.name = "reason", .required = true, .enum_values = unplaced_reasons},
  };
  timeseries = {
      {.name = "metric", .required = true, .enum_values = series_metrics},
      {.name = "step", .required = true, .enum_values = kSeriesSteps},
      {.name = "from", .type = T::kTime, .required = true, .description = "the UTC midnight of the asked from's day"},
      {.name = "to", .type = T::kTime, .required = true},
      {.name = "history_from", .type = T::kTime, .required = true, .nullable = true,
       .description = "where history starts (the oldest event read at start); null: not known"},
      {.name = "points", .type = T::kArray, .required = true, .items = T::kObject, .ref = "SeriesPoint"},
  };
  documents = {
      {"Platform", "A service platform; GET adds id, version and timestamps.", kPlatform},
      {"GeoPoint", "", kGeoPoint},
      {"Qualification", "", kQualification},
      {"Evaluation", "Scores on four dimensions.", kEvaluation},
      {"Capability", "A service a platform offers, with its calendar.", kCapability},
      {"Slot", "A period of offered units; GET adds reserved and free.", kSlot},
      {"Slots", "The body of PUT /v1/capabilities/{id}/slots.", kSlots},
      {"Request", "A service request; GET adds id, status, version and timestamps.", kRequest},
      {"Requester", "", kRequester},
      {"Window", "", kWindow},
      {"Weights", "Overrides of the default scoring weights; each at least 0, not all 0.", kWeights},
      {"Hold", "The body of POST /v1/reservations.", kHold},
      {"Reservation", "Capacity held for a request.", kReservation},
      {"Allocation", "Units taken from one slot.", kAllocation},
      {"Subscription", "A standing filter over the event stream; an omitted or null field does not filter.",
       kSubscription},
      {"KeySpec", "The body of POST /v1/keys.", kKeySpec},
      {"KeyCreated", "A new API key with its token.", kKeyCreated},
      {"Key", "An API key (without its token).", kKey},
      {"KeyList", "Every API key, by name.", kKeyList},
      {"CheckpointRequest", "The body of POST /v1/admin/checkpoint.", kCheckpointRequest},
      {"Checkpoint", "A written checkpoint.", kCheckpoint},
      {"Error", "A refusal.", kError},
      {"ErrorDetail", "", kErrorDetail},
      {"BulkLine", "One line of a POST /v1/bulk body (NDJSON).", kBulkLine},
      {"BulkResult", "An applied bulk body.", kBulkResult},
      {"BulkError", "A refused bulk body: nothing was applied.", kBulkError},
      {"BulkLineError", "", kBulkLineError},
      {"MatchResult", "Ranked capabilities for a request.", kMatchResult},
      {"Match", "", kMatch},
      {"Factors", "Per-factor scores, each 0 to 1.", kFactors},
      {"Rejected", "Category-compatible capabilities by the first hard constraint they failed.", rejected},
      {"ReverseMatchResult", "Ranked open requests for a capability.", kReverseMatchResult},
      {"ReverseMatch", "", kReverseMatch},
      {"PlatformPage", "", kPlatformPage},
      {"CapabilityPage", "", kCapabilityPage},
      {"RequestPage", "", kRequestPage},
      {"ReservationPage", "", kReservationPage},
      {"SubscriptionPage", "", kSubscriptionPage},
      {"Overview", "Catalogue counts.", kOverview},
      {"Balance", "Demand and supply per group.", kBalance},
      {"BalanceGroup", "", kBalanceGroup},
      {"Utilization", "Capacity use per group.", kUtilization},
      {"UtilizationGroup", "", kUtilizationGroup},
      {"Timeseries", "A metric per step from the event log.", timeseries},
      {"SeriesPoint", "", kSeriesPoint},
      {"Allocate", "The body of POST /v1/allocate.", kAllocate},
      {"AllocateSelect", "The open requests to place.", kAllocateSelect},
      {"AllocationPlan", "A placement of the selected requests, applied or not.", kAllocationPlan},
      {"PlacedRequest", "", kPlacedRequest},
      {"UnplacedRequest", "", unplaced},
      {"PlanTotals", "", kPlanTotals},
      {"AllocationTotals", "", kAllocationTotals},
      {"Baselines", "What simpler placements achieve on the same selection.", kBaselines},
      {"Health", "", kHealth},
  };
}

const Tables& AllTables() {
  static const Tables tables;
  return tables;
}

}  // namespace

std::span<const JsonDocument> JsonDocuments() { return AllTables().documents; }

const JsonDocument* FindJsonDocument(std::string_view name) {
  for (const JsonDocument& d : JsonDocuments()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::span<const std::string_view> JsonRoleNames() { return kRoles; }
std::span<const std::string_view> JsonErrorCodes() { return kErrorCodes; }

}  // namespace biomatch::server
