#include "router.h"

#include <cstdio>

#include "api/params.h"
#include "responses.h"

namespace biomatch::server {
namespace {

using Clock = Call::Clock;

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  for (std::size_t pos = 1; pos <= path.size();) {
    const std::size_t slash = path.find('/', pos);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > pos) segments.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return segments;
}

// A request target split into its path segments (still percent-encoded) and
// its decoded query parameters.
struct Target {
  std::vector<std::string_view> segments;
  std::map<std::string, std::string> query;
};

Target ParseTarget(std::string_view target) {
  Target t;
  const std::size_t qmark = target.find('?');
  if (qmark != std::string_view::npos) {
    std::string_view q = target.substr(qmark + 1);
    while (!q.empty()) {
      const std::size_t amp = q.find('&');
      const std::string_view pair = q.substr(0, amp);
      const std::size_t eq = pair.find('=');
      t.query[PercentDecode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
      q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    }
  }
  t.segments = SplitPath(target.substr(0, qmark));
  return t;
}

std::vector<std::string> RouteNames() {
  std::vector<std::string> names;
  for (const Route& r : Routes()) names.push_back(r.name());
  names.emplace_back("unmatched");
  return names;
}

}  // namespace

Router::Router(const ServerOptions& options, engine::Engine& engine, storage::Store& store, KeyRing& keys,
               SubscriptionBook& book, StreamHub& hub, OutputBudget& output_budget)
    : metrics_(RouteNames()), api_(options, engine, store, keys, book, hub, output_budget, metrics_) {
  for (const Route& r : Routes()) {
    Pattern p;
    for (const std::string_view segment : SplitPath(r.path)) {
      p.segments.emplace_back(segment.front() == '{' ? "{}" : segment);
    }
    patterns_.push_back(std::move(p));
  }
}

Router::~Router() = default;

std::optional<HttpResponse> Router::Resolve(Call& call, const std::vector<std::string_view>& segments,
                                            std::string_view token) {
  const std::vector<Route>& routes = Routes();
  bool path_matched = false;
  std::string allowed;
  // HEAD is GET without the body (the session drops it).
  const http::verb method = call.request.method() == http::verb::head ? http::verb::get : call.request.method();
  for (std::size_t i = 0; i < routes.size() && call.route == nullptr; ++i) {
    const std::vector<std::string>& pattern = patterns_[i].segments;
    if (pattern.size() != segments.size()) continue;
    bool match = true;
    for (std::size_t k = 0; k < segments.size() && match; ++k) match = pattern[k] == "{}" || pattern[k] == segments[k];
    if (!match) continue;
    path_matched = true;
    if (routes[i].method != method) {
      if (!allowed.empty()) allowed += ", ";
      allowed += std::string(http::to_string(routes[i].method));
      if (routes[i].method == http::verb::get) allowed += ", HEAD";
      continue;
    }
    call.route = &routes[i];
    for (std::size_t k = 0; k < segments.size(); ++k) {
      if (pattern[k] == "{}") call.params.push_back(PercentDecode(segments[k]));
    }
  }
  if (call.route == nullptr) {
    if (path_matched) {
      HttpResponse res = MakeError(ErrorCode::kMethodNotAllowed, std::string(call.request.method_string()) +
                                                                     " is not allowed here; allowed: " + allowed);
      res.set(http::field::allow, allowed);
      return res;
    }
    const std::string_view target = call.request.target();
    return MakeError(ErrorCode::kNotFound, "no such endpoint: " + std::string(target.substr(0, target.find('?'))));
  }
  if (!call.route->authenticated) return std::nullopt;
  if (!token.empty()) call.caller = api_.keys().Authenticate(token);
  if (!call.caller) {
    HttpResponse res = MakeError(ErrorCode::kUnauthenticated, "a valid bearer token is required");
    res.set(http::field::www_authenticate, "Bearer");
    return res;
  }
  if (!Allows(call.caller->role, call.route->permission)) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "role " + std::string(ToString(call.caller->role)) + " may not call " + call.route->name());
  }
  return std::nullopt;
}

void Router::Handle(HttpRequest&& request, std::function<void(HttpResponse)> respond) {
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  call->respond = std::move(respond);
  call->start = Clock::now();
  metrics_.InFlight(+1);
  Target target = ParseTarget(call->request.target());
  call->query = std::move(target.query);
  if (auto refused = Resolve(*call, target.segments, BearerToken(call->request[http::field::authorization]))) {
    return api_.Reply(*call, std::move(*refused));
  }
  // Asynchronous completions keep the Call alive with shared_from_this().
  if (call->route->read) return api_.Run(*call, call->route->handler);
  api_.RunWrite(*call, call->route->handler);
}

Handler::Screening Router::Screen(const HttpRequest& header) {
  const auto start = Clock::now();
  Call call;
  call.request.base() = header.base();
  const Target target = ParseTarget(header.target());
  Screening screening;
  screening.refusal = Resolve(call, target.segments, BearerToken(header[http::field::authorization]));
  const bool bulk = call.route != nullptr && call.route->body_limit == BodyLimit::kBulk;
  screening.body_limit = bulk ? api_.options().bulk_body_limit : api_.options().body_limit;
  screening.read = call.route != nullptr && call.route->read;
  if (screening.refusal) {
    metrics_.Observe(RouteIndex(call.route), screening.refusal->result_int(),
                     std::chrono::duration<double>(Clock::now() - start).count());
  }
  return screening;
}

Handler::Upgrade Router::HandleUpgrade(const HttpRequest& request) {
  const auto start = Clock::now();
  Call call;
  call.request.base() = request.base();
  Target target = ParseTarget(request.target());
  call.query = std::move(target.query);
  // The token: the Authorization header, the access_token parameter
  // (browsers cannot set headers on a WebSocket), or a "bearer.<token>"
  // subprotocol. The answer names the biomatch.v1 subprotocol when offered.
  std::string_view token = BearerToken(request[http::field::authorization]);
  std::string offered_token;
  std::string_view protocol;
  for (std::string_view list = request[http::field::sec_websocket_protocol]; !list.empty();) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.substr(0, 7) == "bearer.") offered_token = std::string(item.substr(7));
    if (item == kStreamProtocol) protocol = kStreamProtocol;
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  const std::string query_token = call.Query("access_token");
  if (token.empty()) token = !query_token.empty() ? std::string_view(query_token) : std::string_view(offered_token);

  Upgrade upgrade;
  if (auto refused = Resolve(call, target.segments, token)) {
    upgrade.error = std::move(refused);
  } else if (call.route->upgrade == nullptr) {
    upgrade.error = MakeError(ErrorCode::kInvalidArgument, "only GET /v1/stream can be upgraded to a WebSocket");
  } else {
    upgrade = call.route->upgrade(api_, call, protocol);
  }
  metrics_.Observe(RouteIndex(call.route), upgrade.error ? upgrade.error->result_int() : 101,
                   std::chrono::duration<double>(Clock::now() - start).count());
  return upgrade;
}

}  // namespace biomatch::server
