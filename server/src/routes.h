// The route table: the one list of the API's endpoints. Each line names the
// method and path, who may call it, the largest body it takes, its handler,
// and what the OpenAPI document says of it. The router, the HTTP session
// (body limits, which requests are reads), metrics (one series per route)
// and /openapi.json all read this table, so an endpoint exists in all of
// them or in none.
//
// Adding an endpoint: its handler in api/<resource>.cc (declared in
// api/handlers.h), its line here, its test.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "auth.h"
#include "http_session.h"
#include "net.h"

namespace biomatch::server {

class Api;
struct Call;

// The largest body a route reads.
enum class BodyLimit : std::uint8_t {
  kDefault,  // --body-limit-mib, also for routes that read no body
  kBulk,     // --bulk-body-limit-mib
};

struct Route {
  http::verb method;
  std::string_view path;  // "/v1/platforms/{id}": a {name} segment matches any one segment
  Permission permission;
  bool authenticated;
  void (*handler)(Api&, Call&);
  std::string_view summary;          // for OpenAPI
  std::string_view body_schema;      // the body's schema name (OpenAPI), "ndjson", or empty
  BodyLimit body_limit = BodyLimit::kDefault;
  // A read changes nothing, so its answer may be refused (503) and retried
  // when output buffers are full: every GET, and POST /v1/match.
  bool read = false;
  // Set on routes that take a WebSocket upgrade: accepts or refuses it.
  Handler::Upgrade (*upgrade)(Api&, Call&, std::string_view protocol) = nullptr;

  std::string name() const;  // "GET /v1/platforms/{id}": metrics and logs
};

const std::vector<Route>& Routes();
// A route's position in Routes(), which names its metrics series;
// Routes().size() ("unmatched") for none.
std::size_t RouteIndex(const Route* route);

}  // namespace biomatch::server
