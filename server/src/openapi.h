// The OpenAPI 3.1 document of the API, built from the route table (each
// route carries its OpenApiMeta) and the codec's field tables
// (biomatch/server/json_schema.h), so it never lists an endpoint the router
// does not serve, nor misses one it does, nor restates a JSON shape.
//
// Plain data and a pure function; thread safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace biomatch::server {

// One answer of an operation. `schema`: a JsonDocument name
// ("Platform"), or one of the k*Body spellings below. An answer whose
// document has a version carries its ETag.
struct OpenApiResponse {
  unsigned status;
  std::string_view schema;
};
inline constexpr std::string_view kNoBody = "";               // 204, ...
inline constexpr std::string_view kTextBody = "text/plain";   // Prometheus text
inline constexpr std::string_view kAnyObjectBody = "object";  // a JSON object (this document)
// A dashboard file: text/html, text/javascript, text/css or text/plain, with its ETag.
inline constexpr std::string_view kUiFileBody = "ui-file";

// What a route says of itself in the document.
struct OpenApiMeta {
  std::string_view summary;
  // The body: a JsonDocument name, kNdjsonRequest, or empty for none.
  std::string_view request;
  // Successes and answers with a schema of their own (POST /v1/bulk's 400).
  std::vector<OpenApiResponse> responses;
  // Query and header parameters, by their key in openapi.cc's parameter
  // table ("limit", "match_limit", "request_status", "if_match", ...): a
  // parameter's meaning can differ between routes while its name does not.
  std::vector<std::string_view> parameters;
  // Statuses answered with the Error document. Routes with a token add 401
  // and 403 by themselves.
  std::vector<unsigned> errors;
};
inline constexpr std::string_view kNdjsonRequest = "ndjson";

struct OpenApiOperation {
  std::string_view method;  // "GET", "PUT", ... (any case)
  std::string_view path;    // "/v1/platforms/{id}"
  bool secured = true;      // needs a bearer token
  const OpenApiMeta* meta = nullptr;  // REQUIRES: not null; outlives the call
};

// REQUIRES: every document, query key and status named is known (a bug
// otherwise: aborts, and the route table's test fails).
std::string BuildOpenApi(const std::vector<OpenApiOperation>& operations);

}  // namespace biomatch::server
