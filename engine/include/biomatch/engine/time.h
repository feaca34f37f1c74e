// Time in biomatch: whole seconds since the Unix epoch, UTC, as int64.
//
// The API speaks RFC 3339 UTC ("2026-12-01T09:00:00Z"); these helpers are the
// only place that converts. Pure functions, thread safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace biomatch::engine {

using Seconds = std::int64_t;

// Earliest and latest instants the API accepts (years 1970 and 9999).
inline constexpr Seconds kMinTime = 0;
inline constexpr Seconds kMaxTime = 253402300799;  // 9999-12-31T23:59:59Z

// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" or with a "+HH:MM"/"-HH:MM" offset
// (normalised to UTC; fractions are truncated). Returns nullopt when the text
// is not such a time or lies outside [kMinTime, kMaxTime].
std::optional<Seconds> ParseRfc3339(std::string_view text);

// Formats as "YYYY-MM-DDTHH:MM:SSZ". REQUIRES: kMinTime <= t <= kMaxTime.
std::string FormatRfc3339(Seconds t);
void AppendRfc3339(Seconds t, std::string* out);

// Wall clock now, in Seconds.
Seconds NowSeconds();

}  // namespace biomatch::engine
