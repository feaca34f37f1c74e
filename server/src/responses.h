// Building HTTP responses, and the one table of the API's error codes: each
// code's HTTP status and name (API.md "Errors"), and which engine status
// code answers as which.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "biomatch/engine/status.h"
#include "net.h"

namespace biomatch::server {

enum class ErrorCode : std::uint8_t {
  kMalformedJson,
  kInvalidArgument,
  kUnauthenticated,
  kPermissionDenied,
  kNotFound,
  kMethodNotAllowed,
  kConflict,
  kPreconditionFailed,
  kPayloadTooLarge,
  kUnsupportedMediaType,
  kHeaderTooLarge,
  kUpgradeRequired,
  kTooManyStreams,
  kInternal,
  kOverloaded,
};

struct ErrorKind {
  ErrorCode code;
  unsigned http_status;
  std::string_view name;  // the API's error code
};

inline constexpr std::array<ErrorKind, 15> kErrorKinds = {{
    {ErrorCode::kMalformedJson, 400, "malformed_json"},
    {ErrorCode::kInvalidArgument, 400, "invalid_argument"},
    {ErrorCode::kUnauthenticated, 401, "unauthenticated"},
    {ErrorCode::kPermissionDenied, 403, "permission_denied"},
    {ErrorCode::kNotFound, 404, "not_found"},
    {ErrorCode::kMethodNotAllowed, 405, "method_not_allowed"},
    {ErrorCode::kConflict, 409, "conflict"},
    {ErrorCode::kPreconditionFailed, 412, "precondition_failed"},
    {ErrorCode::kPayloadTooLarge, 413, "payload_too_large"},
    {ErrorCode::kUnsupportedMediaType, 415, "unsupported_media_type"},
    {ErrorCode::kHeaderTooLarge, 431, "invalid_argument"},
    {ErrorCode::kUpgradeRequired, 426, "upgrade_required"},
    {ErrorCode::kTooManyStreams, 429, "too_many_streams"},
    {ErrorCode::kInternal, 500, "internal"},
    {ErrorCode::kOverloaded, 503, "overloaded"},
}};

constexpr const ErrorKind& KindOf(ErrorCode code) { return kErrorKinds[static_cast<std::size_t>(code)]; }

// The API error an engine or storage status answers as.
ErrorCode ErrorCodeOf(engine::StatusCode code);

HttpResponse MakeError(const engine::Status& status);
HttpResponse MakeError(ErrorCode code, std::string_view message, std::string_view field = {});
HttpResponse MakeJson(unsigned http_status, std::string body);
HttpResponse MakeText(unsigned http_status, std::string body, std::string_view content_type);

}  // namespace biomatch::server
