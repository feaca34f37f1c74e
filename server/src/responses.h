// Building HTTP responses, and the one table that maps engine status codes to
// HTTP statuses and API error codes.
#pragma once

#include <string>
#include <string_view>

#include "biomatch/engine/status.h"
#include "net.h"

namespace biomatch::server {

struct ApiError {
  unsigned http_status;
  std::string_view code;  // the API's error code
};
ApiError ApiErrorOf(engine::StatusCode code);

// {"error":{"code":..,"message":..[,"field":..]}}
void AppendErrorJson(std::string_view code, std::string_view message, std::string_view field, std::string* out);
HttpResponse MakeError(const engine::Status& status);
HttpResponse MakeError(unsigned http_status, std::string_view code, std::string_view message,
                       std::string_view field = {});
HttpResponse MakeJson(unsigned http_status, std::string body);
HttpResponse MakeText(unsigned http_status, std::string body, std::string_view content_type);

}  // namespace biomatch::server
