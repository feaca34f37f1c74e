// The OpenAPI 3 document of the API, built from the route table so it never
// lists an endpoint the router does not serve, nor misses one it does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace biomatch::server {

struct OpenApiOperation {
  std::string_view method;   // "get", "put", ...
  std::string_view path;     // "/v1/platforms/{id}"
  std::string_view summary;
  std::string_view body;     // a components/schemas name, "ndjson", or empty
  bool secured = true;       // needs a bearer token
};

std::string BuildOpenApi(const std::vector<OpenApiOperation>& operations);

}  // namespace biomatch::server
