// The domain of PRODUCT.md as plain value types: platform, capability (with its
// slot calendar), request, reservation, and the scoring weights.
//
// These are the documents clients send and read back. Server-owned fields
// (version, status, timestamps, per-slot reserved units) are filled in by the
// Engine; anything a client sends in them is ignored. Value types, copyable on
// purpose; no internal synchronisation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/time.h"

namespace biomatch::engine {

// Enumerations are persisted by storage as their numeric value: never renumber,
// only append. Each has wire names (API.md): the k...Names array after it,
// indexed by value, is the one list of them. The codec reads and writes
// through it and the OpenAPI document lists it (each converts to a
// std::span<const std::string_view>); ToString and Parse... below look it up.
// Appending a value means appending its name, or NamesEveryValue fails.

// True when `names` holds one distinct, non-empty name per value from 0 to
// `last`.
template <typename E, std::size_t N>
constexpr bool NamesEveryValue(const std::array<std::string_view, N>& names, E last) {
  if (N != static_cast<std::size_t>(last) + 1) return false;
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i].empty()) return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (names[i] == names[j]) return false;
    }
  }
  return true;
}

enum class PlatformKind : std::uint8_t { kBasicCondition = 0, kTechnologyService = 1, kTransformation = 2 };
inline constexpr std::array<std::string_view, 3> kPlatformKindNames = {"basic_condition", "technology_service",
                                                                       "transformation"};
static_assert(NamesEveryValue(kPlatformKindNames, PlatformKind::kTransformation));

enum class PlatformLevel : std::uint8_t {
  kNational = 0, kRegional = 1, kProvincial = 2, kMunicipal = 3, kInstitutional = 4
};
inline constexpr std::array<std::string_view, 5> kPlatformLevelNames = {"national", "regional", "provincial",
                                                                        "municipal", "institutional"};
static_assert(NamesEveryValue(kPlatformLevelNames, PlatformLevel::kInstitutional));

enum class Stage : std::uint8_t { kDiscovery = 0, kPreclinical = 1, kClinical = 2, kRegistration = 3, kProduction = 4 };
inline constexpr std::array<std::string_view, 5> kStageNames = {"discovery", "preclinical", "clinical",
                                                                "registration", "production"};
static_assert(NamesEveryValue(kStageNames, Stage::kProduction));
inline constexpr int kStageCount = static_cast<int>(kStageNames.size());

enum class Unit : std::uint8_t { kHour = 0, kSample = 1, kStudy = 2, kDay = 3, kBatch = 4 };
inline constexpr std::array<std::string_view, 5> kUnitNames = {"hour", "sample", "study", "day", "batch"};
static_assert(NamesEveryValue(kUnitNames, Unit::kBatch));
inline constexpr int kUnitCount = static_cast<int>(kUnitNames.size());

enum class RequesterType : std::uint8_t { kEnterprise = 0, kUniversity = 1, kInstitute = 2, kHospital = 3, kOther = 4 };
inline constexpr std::array<std::string_view, 5> kRequesterTypeNames = {"enterprise", "university", "institute",
                                                                        "hospital", "other"};
static_assert(NamesEveryValue(kRequesterTypeNames, RequesterType::kOther));

enum class RequestStatus : std::uint8_t { kOpen = 0, kReserved = 1, kFulfilled = 2, kCancelled = 3, kExpired = 4 };
inline constexpr std::array<std::string_view, 5> kRequestStatusNames = {"open", "reserved", "fulfilled",
                                                                        "cancelled", "expired"};
static_assert(NamesEveryValue(kRequestStatusNames, RequestStatus::kExpired));

enum class ReservationStatus : std::uint8_t { kHeld = 0, kConfirmed = 1, kCancelled = 2, kCompleted = 3, kExpired = 4 };
inline constexpr std::array<std::string_view, 5> kReservationStatusNames = {"held", "confirmed", "cancelled",
                                                                            "completed", "expired"};
static_assert(NamesEveryValue(kReservationStatusNames, ReservationStatus::kExpired));

// Hard constraints in the order they are checked; a rejected capability is
// counted under the first one it fails (MatchResult::rejected, the API's
// "rejected" object, in this order). Category compatibility comes first and
// is not counted. A new constraint: its value and name here, its check in
// the matcher, its request field's validation and codec field.
enum class Rejection : std::uint8_t {
  kUnit = 0, kStage, kClosed, kQualification, kBudget, kDistance, kAvailability
};
inline constexpr std::array<std::string_view, 7> kRejectionNames = {
    "unit", "stage", "closed", "qualification", "budget", "distance", "availability"};
static_assert(NamesEveryValue(kRejectionNames, Rejection::kAvailability));
inline constexpr int kRejectionCount = static_cast<int>(kRejectionNames.size());

// A set of stages as a bitmask (bit i = Stage i).
using StageSet = std::uint8_t;
static_assert(kStageCount <= 8, "a StageSet holds a bit per stage");
inline constexpr StageSet StageBit(Stage s) { return static_cast<StageSet>(1u << static_cast<unsigned>(s)); }

// The wire name of a value; "unknown" for a value outside the enum.
std::string_view ToString(PlatformKind v);
std::string_view ToString(PlatformLevel v);
std::string_view ToString(Stage v);
std::string_view ToString(Unit v);
std::string_view ToString(RequesterType v);
std::string_view ToString(RequestStatus v);
std::string_view ToString(ReservationStatus v);
std::string_view ToString(Rejection v);
// Each returns nullopt for a name that is not one of the enum's wire names.
std::optional<PlatformKind> ParsePlatformKind(std::string_view s);
std::optional<PlatformLevel> ParsePlatformLevel(std::string_view s);
std::optional<Stage> ParseStage(std::string_view s);
std::optional<Unit> ParseUnit(std::string_view s);
std::optional<RequesterType> ParseRequesterType(std::string_view s);
std::optional<RequestStatus> ParseRequestStatus(std::string_view s);
std::optional<ReservationStatus> ParseReservationStatus(std::string_view s);
std::optional<Rejection> ParseRejection(std::string_view s);

struct GeoPoint {
  double lat = 0;  // degrees, [-90, 90]
  double lon = 0;  // degrees, [-180, 180]
  bool operator==(const GeoPoint&) const = default;
};

// Fields a server owns on every stored entity.
struct EntityMeta {
  std::uint64_t version = 0;  // 1 on create, +1 per accepted change
  Seconds created_at = 0;
  Seconds updated_at = 0;
  bool operator==(const EntityMeta&) const = default;
};

struct Qualification {
  std::string name;                  // "GLP", "CNAS", ...
  std::optional<Seconds> valid_until;  // absent: no expiry
  bool operator==(const Qualification&) const = default;
};

// Evaluation on the four dimensions of the Guangzhou study, each 0-100.
struct Evaluation {
  double service_capability = 0;
  double management = 0;
  double output = 0;
  double basic_conditions = 0;
  bool operator==(const Evaluation&) const = default;
};

struct Platform {
  std::string id;
  std::string name;
  PlatformKind kind = PlatformKind::kBasicCondition;
  PlatformLevel level = PlatformLevel::kInstitutional;
  std::string region;  // "CN/SC/chengdu/gaoxin"
  GeoPoint location;
  std::vector<Qualification> qualifications;
  bool open = true;
  std::optional<Evaluation> evaluation;
  EntityMeta meta;
  bool operator==(const Platform&) const = default;
};

// One availability slot: [start, end) offering `units` units. `reserved` is
// server-owned: units held or confirmed by reservations.
struct Slot {
  Seconds start = 0;
  Seconds end = 0;
  std::int64_t units = 0;
  std::int64_t reserved = 0;
  bool operator==(const Slot&) const = default;
};

struct Capability {
  std::string id;
  std::string platform_id;
  std::string category;  // "preclinical/safety/repeat-dose-toxicity"
  std::string title;
  std::string description;
  std::vector<std::string> keywords;
  StageSet stages = 0;
  Unit unit = Unit::kHour;
  double price_per_unit = 0;  // CNY
  std::vector<Slot> slots;    // sorted by start, non-overlapping
  EntityMeta meta;
  bool operator==(const Capability&) const = default;
};

// Per-query factor weights. Every weight is >= 0 and not all are 0. A request's
// `weights` overrides a subset of the defaults (see DefaultWeights()).
struct Weights {
  double category = 0, text = 0, price = 0, time = 0, distance = 0, quality = 0, utilization = 0;
  bool operator==(const Weights&) const = default;
};
// Partial override: fields the client named.
struct WeightOverrides {
  std::optional<double> category, text, price, time, distance, quality, utilization;
  bool operator==(const WeightOverrides&) const = default;
};

// The soft factors of a match, each in [0,1]. A factor that does not apply to
// the query (text without query words, distance without a query location) is
// nullopt and left out of the weighted mean.
struct Factors {
  double category = 0, price = 0, time = 0, quality = 0, utilization = 0;
  std::optional<double> text, distance;
  bool operator==(const Factors&) const = default;
};

// The soft factors, in the order the API writes them (explain, weights).
// Never renumber.
enum class Factor : std::uint8_t { kCategory = 0, kText, kPrice, kTime, kDistance, kQuality, kUtilization };

// One soft factor: its wire name (a member of `weights` and of `explain`),
// its default weight, and where each struct above holds it. A factor that
// always applies sets `value`, one that may not apply `optional_value`; the
// other is null.
struct FactorSpec {
  Factor factor;
  std::string_view name;
  double default_weight;
  double Weights::*weight;
  std::optional<double> WeightOverrides::*override_weight;
  double Factors::*value;
  std::optional<double> Factors::*optional_value;
};

// The one list of soft factors, indexed by Factor. Default weights: fit to
// the request first (category, text), then what the requester pays and
// waits, then where, how good, and how idle the instrument is.
inline constexpr std::array<FactorSpec, 7> kFactors = {{
    {Factor::kCategory, "category", 2.0, &Weights::category, &WeightOverrides::category, &Factors::category, nullptr},
    {Factor::kText, "text", 2.0, &Weights::text, &WeightOverrides::text, nullptr, &Factors::text},
    {Factor::kPrice, "price", 1.5, &Weights::price, &WeightOverrides::price, &Factors::price, nullptr},
    {Factor::kTime, "time", 1.5, &Weights::time, &WeightOverrides::time, &Factors::time, nullptr},
    {Factor::kDistance, "distance", 1.0, &Weights::distance, &WeightOverrides::distance, nullptr,
     &Factors::distance},
    {Factor::kQuality, "quality", 1.0, &Weights::quality, &WeightOverrides::quality, &Factors::quality, nullptr},
    {Factor::kUtilization, "utilization", 0.5, &Weights::utilization, &WeightOverrides::utilization,
     &Factors::utilization, nullptr},
}};
inline constexpr int kFactorCount = static_cast<int>(kFactors.size());

// True when kFactors lists each Factor once, in order, up to `last`, with a
// distinct name and exactly one of value / optional_value.
constexpr bool FactorsListedInOrder(Factor last) {
  if (kFactors.size() != static_cast<std::size_t>(last) + 1) return false;
  for (std::size_t i = 0; i < kFactors.size(); ++i) {
    const FactorSpec& f = kFactors[i];
    if (static_cast<std::size_t>(f.factor) != i || f.name.empty()) return false;
    if ((f.value == nullptr) == (f.optional_value == nullptr)) return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (kFactors[j].name == f.name) return false;
    }
  }
  return true;
}
static_assert(FactorsListedInOrder(Factor::kUtilization));

// The wire names of the factors, indexed by Factor.
inline constexpr std::array<std::string_view, kFactors.size()> kFactorNames = [] {
  std::array<std::string_view, kFactors.size()> names{};
  for (std::size_t i = 0; i < kFactors.size(); ++i) names[i] = kFactors[i].name;
  return names;
}();

std::string_view ToString(Factor v);
std::optional<Factor> ParseFactor(std::string_view s);

// The value of one factor of `f`; nullopt when it does not apply.
inline std::optional<double> FactorValue(const Factors& f, const FactorSpec& spec) {
  if (spec.value != nullptr) return f.*spec.value;
  return f.*spec.optional_value;
}

// The weights of kFactors' default_weight.
Weights DefaultWeights();
Weights ApplyOverrides(const Weights& base, const WeightOverrides& overrides);

struct Requester {
  std::string id;
  RequesterType type = RequesterType::kEnterprise;
  bool operator==(const Requester&) const = default;
};

struct TimeWindow {
  Seconds earliest_start = 0;
  Seconds deadline = 0;
  bool operator==(const TimeWindow&) const = default;
};

struct Request {
  std::string id;  // empty for an ad-hoc match query
  Requester requester;
  std::string category;
  std::string text;
  std::vector<std::string> keywords;
  Stage stage = Stage::kDiscovery;
  std::int64_t quantity = 1;
  Unit unit = Unit::kHour;
  std::optional<double> budget_max;  // absent: no budget limit
  TimeWindow window;
  std::optional<GeoPoint> location;
  std::optional<double> max_distance_km;  // REQUIRES location
  std::optional<std::string> region;      // platform region must lie within it
  std::vector<std::string> required_qualifications;
  std::optional<WeightOverrides> weights;
  RequestStatus status = RequestStatus::kOpen;  // server-owned
  EntityMeta meta;
  bool operator==(const Request&) const = default;
};

struct Allocation {
  Seconds start = 0;  // the slot's start and end identify it
  Seconds end = 0;
  std::int64_t units = 0;
  bool operator==(const Allocation&) const = default;
};

struct Reservation {
  std::string id;
  std::string request_id;
  std::string capability_id;
  std::int64_t quantity = 0;
  ReservationStatus status = ReservationStatus::kHeld;
  std::vector<Allocation> allocations;
  Seconds expires_at = 0;  // meaningful while held
  EntityMeta meta;
  bool operator==(const Reservation&) const = default;
};

// True when `prefix` equals `path` or is a whole-segment prefix of it:
// "a/b" is a prefix of "a/b/c" but not of "a/bc".
bool IsPathPrefix(std::string_view prefix, std::string_view path);

}  // namespace biomatch::engine
