// The codec's field tables: the members of each JSON object API documents
// hold, in the order their decoders number them. A field's index in its
// table is its bit in the decoder's `seen` mask (json_syntax.h's Bit), so
// the tables hold at most 32 names.
//
// Private to the server layer; constant data, safe to read from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "biomatch/engine/types.h"
#include "json_syntax.h"

namespace biomatch::server::json {

inline constexpr std::string_view kEntityServerFields[] = {"id", "version", "created_at", "updated_at"};
inline constexpr std::string_view kRequestServerFields[] = {"id", "version", "status", "created_at",
                                                            "updated_at"};
inline constexpr std::string_view kSlotServerFields[] = {"reserved", "free"};

enum PlatformField {
  kPfName,
  kPfKind,
  kPfLevel,
  kPfRegion,
  kPfLocation,
  kPfQualifications,
  kPfOpen,
  kPfEvaluation
};
inline constexpr std::string_view kPlatformFields[] = {"name",     "kind",           "level", "region",
                                                       "location", "qualifications", "open",  "evaluation"};
inline constexpr std::uint32_t kPlatformRequired =
    Bit(kPfName) | Bit(kPfKind) | Bit(kPfLevel) | Bit(kPfRegion) | Bit(kPfLocation);

enum CapabilityField {
  kCfPlatformId,
  kCfCategory,
  kCfTitle,
  kCfDescription,
  kCfKeywords,
  kCfStages,
  kCfUnit,
  kCfPricePerUnit,
  kCfSlots
};
inline constexpr std::string_view kCapabilityFields[] = {"platform_id", "category",       "title",
                                                         "description", "keywords",       "stages",
                                                         "unit",        "price_per_unit", "slots"};
inline constexpr std::uint32_t kCapabilityRequired = Bit(kCfPlatformId) | Bit(kCfCategory) | Bit(kCfTitle) |
                                                     Bit(kCfStages) | Bit(kCfUnit) | Bit(kCfPricePerUnit);

enum RequestField {
  kRfRequester,
  kRfCategory,
  kRfText,
  kRfKeywords,
  kRfStage,
  kRfQuantity,
  kRfUnit,
  kRfBudgetMax,
  kRfWindow,
  kRfLocation,
  kRfMaxDistanceKm,
  kRfRegion,
  kRfRequiredQualifications,
  kRfWeights
};
inline constexpr std::string_view kRequestFields[] = {"requester",
                                                      "category",
                                                      "text",
                                                      "keywords",
                                                      "stage",
                                                      "quantity",
                                                      "unit",
                                                      "budget_max",
                                                      "window",
                                                      "location",
                                                      "max_distance_km",
                                                      "region",
                                                      "required_qualifications",
                                                      "weights"};
inline constexpr std::uint32_t kRequestRequired =
    Bit(kRfRequester) | Bit(kRfCategory) | Bit(kRfStage) | Bit(kRfQuantity) | Bit(kRfUnit) | Bit(kRfWindow);

enum SubscriptionField {
  kSfTypes,
  kSfCategory,
  kSfRegion,
  kSfStages,
  kSfKeywords,
  kSfPlatformIds,
  kSfRequesterIds,
  kSfMinScore
};
inline constexpr std::string_view kSubscriptionFields[] = {
    "types", "category", "region", "stages", "keywords", "platform_ids", "requester_ids", "min_score"};
inline constexpr std::string_view kSubscriptionServerFields[] = {"id", "owner", "version", "created_at",
                                                                 "updated_at"};

inline constexpr std::string_view kSlotFields[] = {"start", "end", "units"};
inline constexpr std::uint32_t kSlotRequired = Bit(0) | Bit(1) | Bit(2);
inline constexpr std::string_view kGeoFields[] = {"lat", "lon"};
inline constexpr std::string_view kQualificationFields[] = {"name", "valid_until"};
inline constexpr std::string_view kEvaluationFields[] = {"service_capability", "management", "output",
                                                         "basic_conditions"};
inline constexpr std::string_view kRequesterFields[] = {"id", "type"};
inline constexpr std::string_view kWindowFields[] = {"earliest_start", "deadline"};
// The soft factors' names, indexed by engine::Factor.
inline constexpr auto& kWeightFields = engine::kFactorNames;
inline constexpr std::string_view kSlotsDocFields[] = {"slots"};
inline constexpr std::string_view kHoldFields[] = {"request_id", "capability_id", "quantity", "hold_seconds"};
inline constexpr std::string_view kKeySpecFields[] = {"name", "role"};
inline constexpr std::string_view kCheckpointFields[] = {"dir"};
inline constexpr std::string_view kAllocateFields[] = {"select", "apply", "hold_seconds", "candidates"};
inline constexpr std::string_view kAllocateSelectFields[] = {"category", "region", "request_ids", "limit"};
inline constexpr std::string_view kBulkLineFields[] = {"op", "type", "id", "doc"};

}  // namespace biomatch::server::json
