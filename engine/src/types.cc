#include "biomatch/engine/types.h"

#include <array>

namespace biomatch::engine {
namespace {

// One table per enum: wire names indexed by the enum's value.
constexpr std::array<std::string_view, 3> kPlatformKindNames = {"basic_condition", "technology_service",
                                                                "transformation"};
constexpr std::array<std::string_view, 5> kPlatformLevelNames = {"national", "regional", "provincial",
                                                                 "municipal", "institutional"};
constexpr std::array<std::string_view, 5> kStageNames = {"discovery", "preclinical", "clinical",
                                                         "registration", "production"};
constexpr std::array<std::string_view, 5> kUnitNames = {"hour", "sample", "study", "day", "batch"};
constexpr std::array<std::string_view, 5> kRequesterTypeNames = {"enterprise", "university", "institute",
                                                                 "hospital", "other"};
constexpr std::array<std::string_view, 5> kRequestStatusNames = {"open", "reserved", "fulfilled",
                                                                 "cancelled", "expired"};
constexpr std::array<std::string_view, 5> kReservationStatusNames = {"held", "confirmed", "cancelled",
                                                                     "completed", "expired"};

template <typename E, std::size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names, E v) {
  const auto i = static_cast<std::size_t>(v);
  return i < N ? names[i] : std::string_view("unknown");
}

template <typename E, std::size_t N>
std::optional<E> Lookup(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(PlatformKind v) { return NameOf(kPlatformKindNames, v); }
std::string_view ToString(PlatformLevel v) { return NameOf(kPlatformLevelNames, v); }
std::string_view ToString(Stage v) { return NameOf(kStageNames, v); }
std::string_view ToString(Unit v) { return NameOf(kUnitNames, v); }
std::string_view ToString(RequesterType v) { return NameOf(kRequesterTypeNames, v); }
std::string_view ToString(RequestStatus v) { return NameOf(kRequestStatusNames, v); }
std::string_view ToString(ReservationStatus v) { return NameOf(kReservationStatusNames, v); }

std::optional<PlatformKind> ParsePlatformKind(std::string_view s) { return Lookup<PlatformKind>(kPlatformKindNames, s); }
std::optional<PlatformLevel> ParsePlatformLevel(std::string_view s) { return Lookup<PlatformLevel>(kPlatformLevelNames, s); }
std::optional<Stage> ParseStage(std::string_view s) { return Lookup<Stage>(kStageNames, s); }
std::optional<Unit> ParseUnit(std::string_view s) { return Lookup<Unit>(kUnitNames, s); }
std::optional<RequesterType> ParseRequesterType(std::string_view s) { return Lookup<RequesterType>(kRequesterTypeNames, s); }
std::optional<RequestStatus> ParseRequestStatus(std::string_view s) { return Lookup<RequestStatus>(kRequestStatusNames, s); }
std::optional<ReservationStatus> ParseReservationStatus(std::string_view s) {
  return Lookup<ReservationStatus>(kReservationStatusNames, s);
}

Weights DefaultWeights() {
  // Fit to the request first (category, text), then what the requester pays
  // and waits, then where, how good, and how idle the instrument is.
  Weights w;
  w.category = 2.0;
  w.text = 2.0;
  w.price = 1.5;
  w.time = 1.5;
  w.distance = 1.0;
  w.quality = 1.0;
  w.utilization = 0.5;
  return w;
}

Weights ApplyOverrides(const Weights& base, const WeightOverrides& o) {
  Weights w = base;
  if (o.category) w.category = *o.category;
  if (o.text) w.text = *o.text;
  if (o.price) w.price = *o.price;
  if (o.time) w.time = *o.time;
  if (o.distance) w.distance = *o.distance;
  if (o.quality) w.quality = *o.quality;
  if (o.utilization) w.utilization = *o.utilization;
  return w;
}

bool IsPathPrefix(std::string_view prefix, std::string_view path) {
  if (prefix.size() > path.size()) return false;
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return prefix.size() == path.size() || prefix.empty() || path[prefix.size()] == '/';
}

}  // namespace biomatch::engine
