// What endpoints read from a request beyond its body: If-Match, list
// queries (limit, cursor, filters), match options; and the ETag and cursors
// they write. Each refusal is an InvalidArgument naming the parameter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/api.h"
#include "biomatch/engine/engine.h"
#include "responses.h"

namespace biomatch::server {

inline constexpr std::size_t kDefaultListLimit = 100;
inline constexpr std::size_t kDefaultMatchLimit = 10;
inline constexpr std::size_t kMaxLimit = 1000;  // the largest `limit` a list or match accepts

// A path segment or query component with %XX escapes (and '+' as a space)
// decoded; a malformed escape is kept as it is.
std::string PercentDecode(std::string_view s);

// If-Match: "<version>" (quotes optional), the ETag of the current version.
engine::Result<engine::IfMatch> ParseIfMatch(const HttpRequest& request);
// `limit`: 1..max, `fallback` when absent.
engine::Result<std::size_t> ParseLimit(const std::string& text, std::size_t fallback, std::size_t max);
// The list query of a GET collection: limit, cursor, platform_id, category,
// region, request_id, capability_id, status.
engine::Result<engine::ListQuery> ListQueryOf(const Call& c);
// limit and explain of a match.
engine::Result<engine::MatchOptions> MatchOptionsOf(const Call& c);

// Cursors are opaque to clients: the hex of the last id returned.
std::string EncodeCursor(std::string_view id);
std::optional<std::string> DecodeCursor(std::string_view cursor);

// ETag: "<version>".
void SetEtag(HttpResponse& res, std::uint64_t version);

// Evaluates `expr`, an engine::Result, into `var`; answers its error and
// returns from the endpoint when it failed.
#define BIOMATCH_TRY(api, call, var, expr) \
  auto var = (expr);                        \
  if (!var.ok()) return (api).Reply(call, MakeError(var.status()))

// Answers `status` and returns from the endpoint when it is an error.
#define BIOMATCH_CHECK(api, call, expr)                                     \
  if (const engine::Status check_status_ = (expr); !check_status_.ok()) \
  return (api).Reply(call, MakeError(check_status_))

}  // namespace biomatch::server
