// The domain of PRODUCT.md as plain value types: platform, capability (with its
// slot calendar), request, reservation, and the scoring weights.
//
// These are the documents clients send and read back. Server-owned fields
// (version, status, timestamps, per-slot reserved units) are filled in by the
// Engine; anything a client sends in them is ignored. Value types, copyable on
// purpose; no internal synchronisation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/time.h"

namespace biomatch::engine {

// Enumerations are persisted by storage as their numeric value: never renumber,
// only append. Each has a wire name (API.md) with To/From helpers below.
enum class PlatformKind : std::uint8_t { kBasicCondition = 0, kTechnologyService = 1, kTransformation = 2 };
enum class PlatformLevel : std::uint8_t {
  kNational = 0, kRegional = 1, kProvincial = 2, kMunicipal = 3, kInstitutional = 4
};
enum class Stage : std::uint8_t { kDiscovery = 0, kPreclinical = 1, kClinical = 2, kRegistration = 3, kProduction = 4 };
inline constexpr int kStageCount = 5;
enum class Unit : std::uint8_t { kHour = 0, kSample = 1, kStudy = 2, kDay = 3, kBatch = 4 };
inline constexpr int kUnitCount = 5;
enum class RequesterType : std::uint8_t { kEnterprise = 0, kUniversity = 1, kInstitute = 2, kHospital = 3, kOther = 4 };
enum class RequestStatus : std::uint8_t { kOpen = 0, kReserved = 1, kFulfilled = 2, kCancelled = 3, kExpired = 4 };
enum class ReservationStatus : std::uint8_t { kHeld = 0, kConfirmed = 1, kCancelled = 2, kCompleted = 3, kExpired = 4 };

// A set of stages as a bitmask (bit i = Stage i).
using StageSet = std::uint8_t;
inline constexpr StageSet StageBit(Stage s) { return static_cast<StageSet>(1u << static_cast<unsigned>(s)); }

std::string_view ToString(PlatformKind v);
std::string_view ToString(PlatformLevel v);
std::string_view ToString(Stage v);
std::string_view ToString(Unit v);
std::string_view ToString(RequesterType v);
std::string_view ToString(RequestStatus v);
std::string_view ToString(ReservationStatus v);
// Each returns nullopt for a name that is not one of the enum's wire names.
std::optional<PlatformKind> ParsePlatformKind(std::string_view s);
std::optional<PlatformLevel> ParsePlatformLevel(std::string_view s);
std::optional<Stage> ParseStage(std::string_view s);
std::optional<Unit> ParseUnit(std::string_view s);
std::optional<RequesterType> ParseRequesterType(std::string_view s);
std::optional<RequestStatus> ParseRequestStatus(std::string_view s);
std::optional<ReservationStatus> ParseReservationStatus(std::string_view s);

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
