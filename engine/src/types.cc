#include "biomatch/engine/types.h"

#include <array>

namespace biomatch::engine {
namespace {

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

std::string_view ToString(Rejection v) { return NameOf(kRejectionNames, v); }
std::optional<Rejection> ParseRejection(std::string_view s) { return Lookup<Rejection>(kRejectionNames, s); }
std::string_view ToString(Factor v) { return NameOf(kFactorNames, v); }
std::optional<Factor> ParseFactor(std::string_view s) { return Lookup<Factor>(kFactorNames, s); }

Weights DefaultWeights() {
  Weights w;
  for (const FactorSpec& f : kFactors) w.*f.weight = f.default_weight;
  return w;
}

Weights ApplyOverrides(const Weights& base, const WeightOverrides& o) {
  Weights w = base;
  for (const FactorSpec& f : kFactors) {
    if (const std::optional<double>& v = o.*f.override_weight) w.*f.weight = *v;
  }
  return w;
}

bool IsPathPrefix(std::string_view prefix, std::string_view path) {
  if (prefix.size() > path.size()) return false;
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return prefix.size() == path.size() || prefix.empty() || path[prefix.size()] == '/';
}

}  // namespace biomatch::engine
