// Validation of client documents against the rules of API.md.
//
// Each function checks one document on its own (no cross-entity checks such as
// "the platform exists": the Engine does those) and returns the first problem
// found as kInvalidArgument naming the field ("slots[2].end") and what is
// wrong. Pure functions, thread safe.
#pragma once

#include <string_view>

#include "biomatch/engine/status.h"
#include "biomatch/engine/types.h"

namespace biomatch::engine {

// Ids: ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$. `field` names the id in errors.
Status ValidateId(std::string_view id, std::string_view field = "id");
// Category: lowercase segments of [a-z0-9._-] joined by '/'. Region: the same
// with upper case allowed ("CN/SC/chengdu"). No empty segment, at most
// kMaxPathSegments segments and kMaxPathBytes bytes.
Status ValidateCategory(std::string_view path, std::string_view field = "category");
Status ValidateRegion(std::string_view path, std::string_view field = "region");
// Each weight finite and >= 0; with the defaults applied, not all 0.
Status ValidateWeights(const WeightOverrides& weights, std::string_view field = "weights");
// start < end, at most kMaxSlotSeconds long, 0 <= units <= kMaxUnits, no two
// slots overlap (in any order), and all start within kMaxSlotSeconds of each other.
Status ValidateSlots(const std::vector<Slot>& slots, std::string_view field = "slots");

Status ValidatePlatform(const Platform& platform);
Status ValidateCapability(const Capability& capability);
// Ad-hoc match queries and stored requests alike; the id is checked only when
// non-empty.
Status ValidateRequest(const Request& request);

// Limits shared by validation and the server's documentation.
inline constexpr std::size_t kMaxIdBytes = 128;
inline constexpr std::size_t kMaxPathBytes = 256;
inline constexpr std::size_t kMaxPathSegments = 16;
inline constexpr std::size_t kMaxTextBytes = 64 * 1024;
inline constexpr std::size_t kMaxNameBytes = 1024;
inline constexpr std::size_t kMaxListItems = 1024;     // keywords, qualifications
inline constexpr std::size_t kMaxSlots = 100000;
inline constexpr Seconds kMaxSlotSeconds = 100LL * 365 * 86400;
inline constexpr std::int64_t kMaxUnits = 1'000'000'000;
inline constexpr double kMaxMoney = 1e15;            // CNY
inline constexpr double kMaxDistanceKm = 40075.0;    // Earth's circumference

}  // namespace biomatch::engine
