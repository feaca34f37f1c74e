#include "app.h"

#include <charconv>
#include <cstdio>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "biomatch/engine/validate.h"
#include "biomatch/server/json_codec.h"
#include "openapi.h"
#include "responses.h"

namespace biomatch::server {
namespace {

using engine::Status;
using Clock = std::chrono::steady_clock;
using engine::Result;

constexpr std::size_t kDefaultListLimit = 100;
constexpr std::size_t kDefaultMatchLimit = 10;
constexpr std::size_t kMaxLimit = 1000;  // the largest `limit` a list or match accepts

std::string RandomHex(std::size_t bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1) std::abort();
  std::string out;
  for (const unsigned char b : raw) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

// Cursors are opaque to clients: the hex of the last id returned.
std::string EncodeCursor(std::string_view id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : id) {
    out.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kDigits[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

std::optional<std::string> DecodeCursor(std::string_view cursor) {
  if (cursor.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < cursor.size(); i += 2) {
    const int hi = HexValue(cursor[i]), lo = HexValue(cursor[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_sha256(), nullptr);
  return EncodeCursor(std::string_view(reinterpret_cast<const char*>(digest), n));
}

JsonReader& ThreadReader(std::size_t max_bytes) {
  thread_local std::unique_ptr<JsonReader> reader;
  thread_local std::size_t capacity = 0;
  if (!reader || capacity != max_bytes) {
    reader = std::make_unique<JsonReader>(max_bytes);
    capacity = max_bytes;
  }
  return *reader;
}

void SetEtag(HttpResponse& res, std::uint64_t version) {
  res.set(http::field::etag, "\"" + std::to_string(version) + "\"");
}

}  // namespace

struct App::Call : std::enable_shared_from_this<App::Call> {
  HttpRequest request;
  std::function<void(HttpResponse)> respond;
  Clock::time_point start;
  std::size_t route = 0;
  std::vector<std::string> params;            // the path's {} segments, in order
  std::map<std::string, std::string> query;   // decoded
  std::optional<ApiKey> caller;
  std::string_view body;
  bool answered = false;
  bool fenced = false;  // what the answer shows is durable (see Reply)

  const std::string& param(std::size_t i = 0) const { return params[i]; }
  std::string Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

const std::vector<App::Route>& App::Routes() {
  using V = http::verb;
  using P = Permission;
  static const std::vector<Route> routes = {
      {V::get, {"healthz"}, P::kRead, false, &App::Healthz, "GET /healthz", "Liveness: 200 when serving, 503 while starting or stopping", ""},
      {V::get, {"metrics"}, P::kRead, false, &App::MetricsText, "GET /metrics", "Prometheus metrics", ""},
      {V::get, {"openapi.json"}, P::kRead, false, &App::OpenApi, "GET /openapi.json", "This document", ""},
      {V::put, {"v1", "platforms", "{}"}, P::kWrite, true, &App::PutPlatform, "PUT /v1/platforms/{id}", "Create or replace a platform", "Platform"},
      {V::get, {"v1", "platforms", "{}"}, P::kRead, true, &App::GetPlatform, "GET /v1/platforms/{id}", "Read a platform", ""},
      {V::delete_, {"v1", "platforms", "{}"}, P::kWrite, true, &App::DeletePlatform, "DELETE /v1/platforms/{id}", "Delete a platform without capabilities", ""},
      {V::get, {"v1", "platforms"}, P::kRead, true, &App::ListPlatforms, "GET /v1/platforms", "List platforms (limit, cursor, region)", ""},
      {V::put, {"v1", "capabilities", "{}"}, P::kWrite, true, &App::PutCapability, "PUT /v1/capabilities/{id}", "Create or replace a capability", "Capability"},
      {V::get, {"v1", "capabilities", "{}"}, P::kRead, true, &App::GetCapability, "GET /v1/capabilities/{id}", "Read a capability with per-slot reserved and free units", ""},
      {V::delete_, {"v1", "capabilities", "{}"}, P::kWrite, true, &App::DeleteCapability, "DELETE /v1/capabilities/{id}", "Delete a capability without live reservations", ""},
      {V::get, {"v1", "capabilities"}, P::kRead, true, &App::ListCapabilities, "GET /v1/capabilities", "List capabilities (limit, cursor, platform_id, category, region)", ""},
      {V::put, {"v1", "capabilities", "{}", "slots"}, P::kWrite, true, &App::PutSlots, "PUT /v1/capabilities/{id}/slots", "Replace a capability's calendar", "Slots"},
      {V::get, {"v1", "capabilities", "{}", "matches"}, P::kRead, true, &App::CapabilityMatches, "GET /v1/capabilities/{id}/matches", "Reverse matching: open requests this capability can serve (limit, explain)", ""},
      {V::put, {"v1", "requests", "{}"}, P::kWrite, true, &App::PutRequest, "PUT /v1/requests/{id}", "Create or replace a request", "Request"},
      {V::get, {"v1", "requests", "{}"}, P::kRead, true, &App::GetRequest, "GET /v1/requests/{id}", "Read a request", ""},
      {V::delete_, {"v1", "requests", "{}"}, P::kWrite, true, &App::DeleteRequest, "DELETE /v1/requests/{id}", "Delete a request without live reservations", ""},
      {V::get, {"v1", "requests"}, P::kRead, true, &App::ListRequests, "GET /v1/requests", "List requests (limit, cursor, category, region, status)", ""},
      {V::post, {"v1", "requests", "{}", "cancel"}, P::kWrite, true, &App::CancelRequest, "POST /v1/requests/{id}/cancel", "Cancel a request and its live reservations", ""},
      {V::get, {"v1", "requests", "{}", "matches"}, P::kRead, true, &App::RequestMatches, "GET /v1/requests/{id}/matches", "Ranked matches of a stored request (limit, explain)", ""},
      {V::post, {"v1", "match"}, P::kRead, true, &App::Match, "POST /v1/match", "Ranked matches of a request document (limit, explain)", "Request"},
      {V::post, {"v1", "bulk"}, P::kWrite, true, &App::Bulk, "POST /v1/bulk", "All-or-nothing NDJSON batch of puts and deletes", "ndjson"},
      {V::post, {"v1", "reservations"}, P::kWrite, true, &App::CreateReservation, "POST /v1/reservations", "Hold capacity (Idempotency-Key supported)", "Hold"},
      {V::get, {"v1", "reservations"}, P::kRead, true, &App::ListReservations, "GET /v1/reservations", "List reservations (limit, cursor, request_id, capability_id, status)", ""},
      {V::get, {"v1", "reservations", "{}"}, P::kRead, true, &App::GetReservation, "GET /v1/reservations/{id}", "Read a reservation", ""},
      {V::post, {"v1", "reservations", "{}", "confirm"}, P::kWrite, true, &App::ConfirmReservation, "POST /v1/reservations/{id}/confirm", "Confirm a held reservation", ""},
      {V::post, {"v1", "reservations", "{}", "cancel"}, P::kWrite, true, &App::CancelReservation, "POST /v1/reservations/{id}/cancel", "Cancel a held or confirmed reservation", ""},
      {V::post, {"v1", "reservations", "{}", "complete"}, P::kWrite, true, &App::CompleteReservation, "POST /v1/reservations/{id}/complete", "Complete a confirmed reservation", ""},
      {V::post, {"v1", "keys"}, P::kAdmin, true, &App::CreateKey, "POST /v1/keys", "Create an API key; the token is shown once", "KeySpec"},
      {V::get, {"v1", "keys"}, P::kAdmin, true, &App::ListKeys, "GET /v1/keys", "List API keys (names and roles)", ""},
      {V::delete_, {"v1", "keys", "{}"}, P::kAdmin, true, &App::DeleteKey, "DELETE /v1/keys/{name}", "Delete an API key; its token stops working at once, its streams close (4001), its subscriptions are deleted", ""},
      {V::put, {"v1", "subscriptions", "{}"}, P::kAgency, true, &App::PutSubscription, "PUT /v1/subscriptions/{id}", "Create or replace a subscription, owned by the calling key", "Subscription"},
      {V::get, {"v1", "subscriptions", "{}"}, P::kReadSubscriptions, true, &App::GetSubscription, "GET /v1/subscriptions/{id}", "Read a subscription (an agency reads its own)", ""},
      {V::delete_, {"v1", "subscriptions", "{}"}, P::kAgency, true, &App::DeleteSubscription, "DELETE /v1/subscriptions/{id}", "Delete a subscription (an agency deletes its own)", ""},
      {V::get, {"v1", "subscriptions"}, P::kReadSubscriptions, true, &App::ListSubscriptions, "GET /v1/subscriptions", "List subscriptions (an agency sees its own; limit, cursor)", ""},
      {V::get, {"v1", "stream"}, P::kAgency, true, &App::StreamWithoutUpgrade, "GET /v1/stream", "WebSocket upgrade: live events of subscriptions (subscriptions, from, access_token); 426 without an upgrade", ""},
      {V::get, {"v1", "stats", "overview"}, P::kRead, true, &App::StatsOverview, "GET /v1/stats/overview", "Counts of platforms, capabilities, requests, reservations and events", ""},
      {V::post, {"v1", "admin", "checkpoint"}, P::kAdmin, true, &App::Checkpoint, "POST /v1/admin/checkpoint", "Write a consistent RocksDB checkpoint", "Checkpoint"},
  };
  return routes;
}

namespace {

std::vector<std::string> RouteNames() {
  std::vector<std::string> names;
  for (const auto& r : App::Routes()) names.push_back(r.name);
  names.emplace_back("unmatched");
  return names;
}

}  // namespace

App::App(const ServerOptions& options, engine::Engine& engine, storage::Store& store, KeyRing& keys,
         SubscriptionBook& book, StreamHub& hub, OutputBudget& output_budget)
    : options_(options),
      engine_(engine),
      store_(store),
      keys_(keys),
      book_(book),
      hub_(hub),
      output_budget_(output_budget),
      metrics_(RouteNames()),
      blocking_(std::make_unique<net::thread_pool>(1)) {
  (void)store_.ScanRecords(storage::Family::kIdempotency, [&](const std::string& key, const std::string& value) {
    const std::size_t nl = value.find('\n');
    if (nl != std::string::npos) idempotency_[key] = {value.substr(0, nl), value.substr(nl + 1)};
    return true;
  });
}

App::~App() { blocking_->join(); }

namespace {

// A request target split into its path segments (still percent-encoded) and
// its decoded query parameters.
struct Target {
  std::string_view path;
  std::vector<std::string_view> segments;
  std::map<std::string, std::string> query;
};

Target ParseTarget(std::string_view target) {
  Target t;
  const std::size_t qmark = target.find('?');
  t.path = target.substr(0, qmark);
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
  for (std::size_t pos = 1; pos <= t.path.size();) {
    const std::size_t slash = t.path.find('/', pos);
    const std::size_t end = slash == std::string_view::npos ? t.path.size() : slash;
    if (end > pos) t.segments.push_back(t.path.substr(pos, end - pos));
    pos = end + 1;
  }
  return t;
}

}  // namespace

std::optional<HttpResponse> App::Resolve(Call& call, const std::vector<std::string_view>& segments,
                                       std::string_view token) {
  const auto& routes = Routes();
  call.route = routes.size();  // "unmatched" until a route is found
  bool path_matched = false;
  std::string allowed;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const App::Route& r = routes[i];
    if (r.pattern.size() != segments.size()) continue;
    bool match = true;
    for (std::size_t k = 0; k < segments.size() && match; ++k) match = r.pattern[k] == "{}" || r.pattern[k] == segments[k];
    if (!match) continue;
    path_matched = true;
    // HEAD is GET without the body (the session drops it).
    const http::verb method = call.request.method() == http::verb::head ? http::verb::get : call.request.method();
    if (r.method != method) {
      if (!allowed.empty()) allowed += ", ";
      allowed += std::string(http::to_string(r.method));
      if (r.method == http::verb::get) allowed += ", HEAD";
      continue;
    }
    call.route = i;
    for (std::size_t k = 0; k < segments.size(); ++k) {
      if (r.pattern[k] == "{}") call.params.push_back(PercentDecode(segments[k]));
    }
    break;
  }
  if (call.route == routes.size()) {
    if (path_matched) {
      HttpResponse res = MakeError(405, "method_not_allowed",
                                   std::string(call.request.method_string()) + " is not allowed here; allowed: " + allowed);
      res.set(http::field::allow, allowed);
      return res;
    }
    return MakeError(404, "not_found", "no such endpoint: " + std::string(call.request.target().substr(0, call.request.target().find('?'))));
  }
  const App::Route& route = routes[call.route];
  if (!route.authenticated) return std::nullopt;
  if (!token.empty()) call.caller = keys_.Authenticate(token);
  if (!call.caller) {
    HttpResponse res = MakeError(401, "unauthenticated", "a valid bearer token is required");
    res.set(http::field::www_authenticate, "Bearer");
    return res;
  }
  if (!Allows(call.caller->role, route.permission)) {
    return MakeError(403, "permission_denied",
                     "role " + std::string(ToString(call.caller->role)) + " may not call " + route.name);
  }
  return std::nullopt;
}

void App::Handle(HttpRequest&& request, std::function<void(HttpResponse)> respond) {
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  call->respond = std::move(respond);
  call->start = Clock::now();
  metrics_.InFlight(+1);
  Target target = ParseTarget(call->request.target());
  call->query = std::move(target.query);
  if (auto refused = Resolve(*call, target.segments, BearerToken(call->request[http::field::authorization]))) {
    return Reply(*call, std::move(*refused));
  }
  // Asynchronous completions keep the Call alive with shared_from_this().
  Run(*call, Routes()[call->route].endpoint);
}

std::optional<HttpResponse> App::Screen(const HttpRequest& header) {
  const auto start = Clock::now();
  Call call;
  call.request.base() = header.base();
  const Target target = ParseTarget(header.target());
  std::optional<HttpResponse> refused = Resolve(call, target.segments, BearerToken(header[http::field::authorization]));
  if (refused) {
    metrics_.Observe(call.route, refused->result_int(), std::chrono::duration<double>(Clock::now() - start).count());
  }
  return refused;
}

void App::Run(Call& c, Endpoint endpoint) {
  try {
    (this->*endpoint)(c);
  } catch (const std::exception& e) {  // a bug: answer 500, keep the thread alive
    std::fprintf(stderr, "biomatch: %s failed: %s\n", Routes()[c.route].name.c_str(), e.what());
    if (!c.answered) Reply(c, MakeError(500, "internal", "internal error"));
  }
}

void App::Reply(Call& call, HttpResponse res) {
  if (call.answered) return;
  if (!call.fenced && call.route < Routes().size() && Routes()[call.route].authenticated) {
    // The read fence: an answer waits until every change it may show is
    // durable, as PostgreSQL's synchronous commit lets no reader see a
    // commit before its WAL flush.
    call.fenced = true;
    auto holder = std::make_shared<HttpResponse>(std::move(res));
    store_.WhenAllDurable([this, self = call.shared_from_this(), holder](const Status& st) {
      Reply(*self, st.ok() ? std::move(*holder) : MakeError(st));
    });
    return;
  }
  call.answered = true;
  const double seconds = std::chrono::duration<double>(Clock::now() - call.start).count();
  metrics_.Observe(call.route, res.result_int(), seconds);
  metrics_.InFlight(-1);
  if (options_.access_log) {
    std::fprintf(stderr, "{\"method\":\"%s\",\"target\":\"%.*s\",\"status\":%u,\"us\":%.0f}\n",
                 std::string(call.request.method_string()).c_str(), static_cast<int>(call.request.target().size()),
                 call.request.target().data(), res.result_int(), seconds * 1e6);
  }
  call.respond(std::move(res));
}

void App::ReplyWhenDurable(Call& call, HttpResponse res) {
  ReplyWhenDurable(call, storage::Store::TakeThreadTicket(), std::move(res));
}

void App::ReplyWhenDurable(Call& call, std::uint64_t ticket, HttpResponse res) {
  auto holder = std::make_shared<HttpResponse>(std::move(res));
  store_.WhenDurable(ticket, [this, self = call.shared_from_this(), holder, ticket](const Status& st) {
    self->fenced = ticket != 0;  // every change before this one is durable too
    Reply(*self, st.ok() ? std::move(*holder) : MakeError(st));
  });
}

bool App::ReadJsonBody(Call& call) {
  const std::string_view type = call.request[http::field::content_type];
  const std::string_view media = type.substr(0, type.find(';'));
  if (media != "application/json") {
    Reply(call, MakeError(415, "unsupported_media_type",
                          type.empty() ? "Content-Type application/json is required"
                                       : "Content-Type " + std::string(type) + " is not application/json"));
    return false;
  }
  call.body = call.request.body();
  return true;
}

bool App::Admit(Call& call) {
  if (Status st = store_.Admit(); !st.ok()) {
    Reply(call, MakeError(st));
    return false;
  }
  return true;
}

namespace {

// If-Match: "<version>" (quotes optional), the ETag of the current version.
Result<engine::IfMatch> ParseIfMatch(const HttpRequest& req) {
  const auto h = req[http::field::if_match];
  if (h.empty()) return engine::IfMatch{};
  std::string_view v = h;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::uint64_t version = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (ec != std::errc() || end != v.data() + v.size()) {
    return Status::InvalidArgument("If-Match", "must be an entity tag like \"3\"");
  }
  return engine::IfMatch{version};
}

Result<std::size_t> ParseLimit(const std::string& text, std::size_t fallback, std::size_t max) {
  if (text.empty()) return fallback;
  std::size_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1 || v > max) {
    return Status::InvalidArgument("limit", "must be an integer from 1 to " + std::to_string(max));
  }
  return v;
}

template <typename T, typename Append>
std::string PageJson(const engine::ListPage<T>& page, Append append) {
  std::string out = R"({"items":[)";
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    if (i) out += ',';
    append(page.items[i], &out);
  }
  out += "],\"next_cursor\":";
  if (page.next_after.empty()) {
    out += "null";
  } else {
    AppendJsonString(EncodeCursor(page.next_after), &out);
  }
  out += '}';
  return out;
}

}  // namespace

// --- Operations.

void App::Healthz(Call& c) {
  if (!ready_ || draining_) {
    return Reply(c, MakeJson(503, draining_ ? R"({"status":"stopping"})" : R"({"status":"starting"})"));
  }
  Reply(c, MakeJson(200, R"({"status":"ok"})"));
}

void App::MetricsText(Call& c) {
  std::vector<Metrics::Sample> samples;
  const engine::Overview o = engine_.GetOverview();
  samples.push_back({"biomatch_platforms", static_cast<double>(o.platforms), false, "Platforms in the catalogue."});
  samples.push_back({"biomatch_capabilities", static_cast<double>(o.capabilities), false, "Capabilities in the catalogue."});
  samples.push_back({"biomatch_open_requests", static_cast<double>(o.open_requests), false, "Requests with status open."});
  samples.push_back({"biomatch_held_reservations", static_cast<double>(o.held_reservations), false, "Reservations held, not yet confirmed."});
  samples.push_back({"biomatch_confirmed_reservations", static_cast<double>(o.confirmed_reservations), false, "Reservations confirmed, not yet completed."});
  samples.push_back({"biomatch_events_first_seq", static_cast<double>(store_.first_seq()), false, "Sequence number of the oldest retained event (0 when none)."});
  samples.push_back({"biomatch_events_last_seq", static_cast<double>(store_.last_seq()), false, "Sequence number of the newest durable event (0 when none)."});
  samples.push_back({"biomatch_subscriptions", static_cast<double>(book_.size()), false, "Stored subscriptions."});
  samples.push_back({"biomatch_stream_connections", static_cast<double>(hub_.connections()), false, "WebSocket stream slots held (open streams)."});
  samples.push_back({"biomatch_output_buffered_bytes", static_cast<double>(output_budget_.used()), false, "Bytes of answers and stream messages waiting to be written."});
  const StreamHub::Counters stream = hub_.counters();
  samples.push_back({"biomatch_stream_events_total", static_cast<double>(stream.events), true, "Events percolated to the streams."});
  samples.push_back({"biomatch_stream_messages_total", static_cast<double>(stream.messages), true, "Live messages handed to streams."});
  samples.push_back({"biomatch_stream_sent_total", static_cast<double>(stream.sent), true, "Stream messages written to clients, replayed ones included."});
  samples.push_back({"biomatch_stream_lagging_closes_total", static_cast<double>(stream.lagging), true, "Streams closed with 4008 lagging."});
  samples.push_back({"biomatch_stream_overruns_total", static_cast<double>(stream.overruns), true, "Times a stream's pending queue overflowed."});
  samples.push_back({"biomatch_stream_replay_chunks_total", static_cast<double>(stream.replay_chunks), true, "Replay chunks read from the store."});
  for (const auto& [name, value] : store_.DbStats()) {
    std::string metric = "biomatch_" + name;
    for (char& ch : metric) {
      if (ch == '.' || ch == '-') ch = '_';
    }
    samples.push_back({std::move(metric), static_cast<double>(value), false, "RocksDB property " + name + ", summed over column families."});
  }
  std::string body;
  metrics_.Render(samples, &body);
  body += "# HELP biomatch_stream_delivery_seconds From a live event's commit to a stream's socket write of it.\n"
          "# TYPE biomatch_stream_delivery_seconds histogram\n";
  hub_.delivery().Render("biomatch_stream_delivery_seconds", "", &body);
  Reply(c, MakeText(200, std::move(body), "text/plain; version=0.0.4"));
}

void App::OpenApi(Call& c) {
  static const std::string document = [] {
    std::vector<OpenApiOperation> ops;
    for (const Route& r : Routes()) {
      const std::string_view name = r.name;
      ops.push_back({http::to_string(r.method), name.substr(name.find(' ') + 1), r.summary, r.body, r.authenticated});
    }
    return BuildOpenApi(ops);
  }();
  Reply(c, MakeJson(200, document));
}

void App::StatsOverview(Call& c) {
  const engine::Overview o = engine_.GetOverview();
  char buf[512];
  const int n = std::snprintf(
      buf, sizeof buf,
      R"({"platforms":%llu,"capabilities":%llu,"requests":%llu,"open_requests":%llu,"held_reservations":%llu,)"
      R"("confirmed_reservations":%llu,"offered_units":%lld,"reserved_units":%lld,"events":%llu})",
      static_cast<unsigned long long>(o.platforms), static_cast<unsigned long long>(o.capabilities),
      static_cast<unsigned long long>(o.requests), static_cast<unsigned long long>(o.open_requests),
      static_cast<unsigned long long>(o.held_reservations), static_cast<unsigned long long>(o.confirmed_reservations),
      static_cast<long long>(o.offered_units), static_cast<long long>(o.reserved_units),
      static_cast<unsigned long long>(store_.last_seq()));
  Reply(c, MakeJson(200, std::string(buf, static_cast<std::size_t>(n))));
}

// --- Entities. Each PUT: decode, write, answer 201/200 with the stored
// document and its ETag once durable.

#define BIOMATCH_TRY_RESULT(call, var, expr) \
  auto var = (expr);                         \
  if (!var.ok()) return Reply(call, MakeError(var.status()))

void App::PutPlatform(Call& c) {
  if (!ReadJsonBody(c)) return;
  engine::Platform p;
  if (Status st = ThreadReader(options_.body_limit).ReadPlatform(c.body, &p); !st.ok()) return Reply(c, MakeError(st));
  p.id = c.param();
  BIOMATCH_TRY_RESULT(c, if_match, ParseIfMatch(c.request));
  if (!Admit(c)) return;
  BIOMATCH_TRY_RESULT(c, put, engine_.PutPlatform(std::move(p), engine::NowSeconds(), *if_match));
  std::string body;
  AppendPlatformJson(put->entity, DocForm::kStored, &body);
  HttpResponse res = MakeJson(put->created ? 201 : 200, std::move(body));
  SetEtag(res, put->entity.meta.version);
  ReplyWhenDurable(c, std::move(res));
}

void App::GetPlatform(Call& c) {
  BIOMATCH_TRY_RESULT(c, p, engine_.GetPlatform(c.param()));
  std::string body;
  AppendPlatformJson(*p, DocForm::kStored, &body);
  HttpResponse res = MakeJson(200, std::move(body));
  SetEtag(res, p->meta.version);
  Reply(c, std::move(res));
}

void App::DeletePlatform(Call& c) {
  BIOMATCH_TRY_RESULT(c, if_match, ParseIfMatch(c.request));
  if (!Admit(c)) return;
  if (Status st = engine_.DeletePlatform(c.param(), *if_match); !st.ok()) return Reply(c, MakeError(st));
  ReplyWhenDurable(c, MakeText(204, "", "application/json"));
}

namespace {


// The list query of a GET collection; a bad limit, cursor or status is 400.
Result<engine::ListQuery> ListQueryOf(const App::Call& c) {
  engine::ListQuery q;
  auto limit = ParseLimit(c.Query("limit"), kDefaultListLimit, kMaxLimit);
  if (!limit.ok()) return limit.status();
  q.limit = *limit;
  if (const std::string cursor = c.Query("cursor"); !cursor.empty()) {
    auto after = DecodeCursor(cursor);
    if (!after) return Status::InvalidArgument("cursor", "is not a cursor this server issued");
    q.after = *after;
  }
  q.platform_id = c.Query("platform_id");
  q.category_prefix = c.Query("category");
  q.region_prefix = c.Query("region");
  q.request_id = c.Query("request_id");
  q.capability_id = c.Query("capability_id");
  if (const std::string status = c.Query("status"); !status.empty()) {
    q.request_status = engine::ParseRequestStatus(status);
    q.reservation_status = engine::ParseReservationStatus(status);
    if (!q.request_status && !q.reservation_status) return Status::InvalidArgument("status", "is not a known status");
  }
  return q;
}

}  // namespace

void App::ListPlatforms(Call& c) {
  BIOMATCH_TRY_RESULT(c, q, ListQueryOf(c));
  const auto page = engine_.ListPlatforms(*q);
  Reply(c, MakeJson(200, PageJson(page, [](const engine::Platform& p, std::string* out) {
          AppendPlatformJson(p, DocForm::kStored, out);
        })));
}

void App::PutCapability(Call& c) {
  if (!ReadJsonBody(c)) return;
  engine::Capability cap;
  if (Status st = ThreadReader(options_.body_limit).ReadCapability(c.body, &cap); !st.ok()) {
    return Reply(c, MakeError(st));
  }
  cap.id = c.param();
  BIOMATCH_TRY_RESULT(c, if_match, ParseIfMatch(c.request));
  if (!Admit(c)) return;
  BIOMATCH_TRY_RESULT(c, put, engine_.PutCapability(std::move(cap), engine::NowSeconds(), *if_match));
  std::string body;
  AppendCapabilityJson(put->entity, DocForm::kStored, &body);
  HttpResponse res = MakeJson(put->created ? 201 : 200, std::move(body));
  SetEtag(res, put->entity.meta.version);
  ReplyWhenDurable(c, std::move(res));
}

void App::GetCapability(Call& c) {
  BIOMATCH_TRY_RESULT(c, cap, engine_.GetCapability(c.param()));
  std::string body;
  AppendCapabilityJson(*cap, DocForm::kStored, &body);
  HttpResponse res = MakeJson(200, std::move(body));
  SetEtag(res, cap->meta.version);
  Reply(c, std::move(res));
}

void App::DeleteCapability(Call& c) {
  BIOMATCH_TRY_RESULT(c, if_match, ParseIfMatch(c.request));
  if (!Admit(c)) return;
  if (Status st = engine_.DeleteCapability(c.param(), *if_match); !st.ok()) return Reply(c, MakeError(st));
  ReplyWhenDurable(c, MakeText(204, "", "application/json"));
}

void App::ListCapabilities(Call& c) {
  BIOMATCH_TRY_RESULT(c, q, ListQueryOf(c));
  const auto page = engine_.ListCapabilities(*q);
  Reply(c, MakeJson(200, PageJson(page, [](const engine::Capability& x, std::string* out) {
          AppendCapabilityJson(x, DocForm::kStored, out);
        })));
}

void App::PutSlots(Call& c) {
  if (!ReadJsonBody(c)) return;
  std::vector<engine::Slot> slots;
  if (Status st = ThreadReader(options_.body_limit).ReadSlots(c.body, &slots); !st.ok()) return Reply(c, MakeError(st));
  BIOMATCH_TRY_RESULT(c, if_match, ParseIfMatch(c.request));
  if (!Admit(c)) return;
  BIOMATCH_TRY_RESULT(c, cap, engine_.ReplaceSlots(c.param(), std::move(slots), engine::NowSeconds(), *if_match));
  std::string body;
  AppendCapabilityJson(*cap, DocForm::kStored, &body);
  HttpResponse res = MakeJson(200, std::move(body));
  SetEtag(res, cap->meta.version);
  ReplyWhenDurable(c, std::move(res));
}

namespace {

Result<engine::MatchOptions> MatchOptionsOf(const App::Call& c) {
  engine::MatchOptions o;
  o.now = engine::NowSeconds();
  auto limit = ParseLimit(c.Query("limit"), kDefaultMatchLimit, kMaxLimit);
  if (!limit.ok()) return limit.status();
  o.limit = *limit;
  const std::string explain = c.Query("explain");
  if (!explain.empty() && explain != "true" && explain != "false") {
    return Status::InvalidArgument("explain", "must be true or false");
  }
  o.explain = explain == "true";
  return o;
}

HttpResponse MatchResponse(const engine::MatchResult& r, bool explain, bool reverse, Clock::time_point start) {
  std::string body;
  AppendMatchResultJson(r, explain, reverse, &body);
  body.pop_back();  // the closing brace: took_us goes last
  body += ",\"took_us\":";
  body += std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
  body += '}';
  return MakeJson(200, std::move(body));
}

}  // namespace

void App::CapabilityMatches(Call& c) {
  BIOMATCH_TRY_RESULT(c, o, MatchOptionsOf(c));
  BIOMATCH_TRY_RESULT(c, r, engine_.ReverseMatch(c.param(), *o));
  Reply(c, MatchResponse(*r, o->explain, true, c.start));
}

void App::PutRequest(Call& c) {
  if (!ReadJsonBody(c)) return;
  engine::Request r;
  if (Status st = ThreadReader(options_.body_limit).ReadRequest(c.body, &r); !st.ok()) return Reply(c, MakeError(st));
  r.id = c.param();
  BIOMATCH_TRY_RESULT(c, if_match, ParseIfMatch(c.request));
  if (!Admit(c)) return;
  BIOMATCH_TRY_RESULT(c, put, engine_.PutRequest(std::move(r), engine::NowSeconds(), *if_match));
  std::string body;
  AppendRequestJson(put->entity, DocForm::kStored, &body);
  HttpResponse res = MakeJson(put->created ? 201 : 200, std::move(body));
  SetEtag(res, put->entity.meta.version);
  ReplyWhenDurable(c, std::move(res));
}

void App::GetRequest(Call& c) {
  BIOMATCH_TRY_RESULT(c, r, engine_.GetRequest(c.param()));
  std::string body;
  AppendRequestJson(*r, DocForm::kStored, &body);
  HttpResponse res = MakeJson(200, std::move(body));
  SetEtag(res, r->meta.version);
  Reply(c, std::move(res));
}

void App::DeleteRequest(Call& c) {
  BIOMATCH_TRY_RESULT(c, if_match, ParseIfMatch(c.request));
  if (!Admit(c)) return;
  if (Status st = engine_.DeleteRequest(c.param(), *if_match); !st.ok()) return Reply(c, MakeError(st));
  ReplyWhenDurable(c, MakeText(204, "", "application/json"));
}

void App::ListRequests(Call& c) {
  BIOMATCH_TRY_RESULT(c, q, ListQueryOf(c));
  if (q->reservation_status && !q->request_status) {
    return Reply(c, MakeError(Status::InvalidArgument("status", "is not a request status")));
  }
  const auto page = engine_.ListRequests(*q);
  Reply(c, MakeJson(200, PageJson(page, [](const engine::Request& x, std::string* out) {
          AppendRequestJson(x, DocForm::kStored, out);
        })));
}

void App::CancelRequest(Call& c) {
  if (!Admit(c)) return;
  BIOMATCH_TRY_RESULT(c, r, engine_.CancelRequest(c.param(), engine::NowSeconds()));
  std::string body;
  AppendRequestJson(*r, DocForm::kStored, &body);
  HttpResponse res = MakeJson(200, std::move(body));
  SetEtag(res, r->meta.version);
  ReplyWhenDurable(c, std::move(res));
}

void App::RequestMatches(Call& c) {
  BIOMATCH_TRY_RESULT(c, o, MatchOptionsOf(c));
  BIOMATCH_TRY_RESULT(c, r, engine_.MatchStored(c.param(), *o));
  Reply(c, MatchResponse(*r, o->explain, false, c.start));
}

void App::Match(Call& c) {
  if (!ReadJsonBody(c)) return;
  engine::Request r;
  if (Status st = ThreadReader(options_.body_limit).ReadRequest(c.body, &r); !st.ok()) return Reply(c, MakeError(st));
  BIOMATCH_TRY_RESULT(c, o, MatchOptionsOf(c));
  BIOMATCH_TRY_RESULT(c, result, engine_.Match(r, *o));
  Reply(c, MatchResponse(*result, o->explain, false, c.start));
}

void App::Bulk(Call& c) {
  const std::string_view type = c.request[http::field::content_type];
  if (type.substr(0, type.find(';')) != "application/x-ndjson") {
    return Reply(c, MakeError(415, "unsupported_media_type", "Content-Type application/x-ndjson is required"));
  }
  // Parsing and applying up to a bulk body's worth of lines takes a while:
  // off the I/O threads, one bulk after another, a few waiting at most.
  if (bulks_.fetch_add(1) >= kMaxBulks) {
    --bulks_;
    return Reply(c, MakeError(Status::Unavailable(std::to_string(kMaxBulks) + " bulk loads are under way; retry later")));
  }
  net::post(*blocking_, [this, self = c.shared_from_this()] {
    Run(*self, &App::ApplyBulk);
    --bulks_;
  });
}

void App::ApplyBulk(Call& c) {
  const std::string_view body = c.request.body();
  std::vector<engine::BatchOp> ops;
  std::vector<std::size_t> line_of;  // ops[i] came from line line_of[i]
  std::string lines;                 // the JSON array of bad lines
  std::size_t bad = 0;
  auto add_bad = [&](std::size_t line, const Status& st) {
    if (bad++) lines += ',';
    lines += "{\"line\":" + std::to_string(line) + ",\"code\":";
    AppendJsonString(ApiErrorOf(st.code()).code, &lines);
    lines += ",\"message\":";
    AppendJsonString(st.message(), &lines);
    if (!st.field().empty()) {
      lines += ",\"field\":";
      AppendJsonString(st.field(), &lines);
    }
    lines += '}';
  };
  JsonReader& reader = ThreadReader(options_.body_limit);
  std::size_t line = 0;
  for (std::size_t pos = 0; pos < body.size();) {
    const std::size_t nl = body.find('\n', pos);
    std::string_view text = body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? body.size() : nl + 1;
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank lines are ignored
    engine::BatchOp op;
    if (Status st = reader.ReadBulkLine(text, &op); !st.ok()) {
      add_bad(line, st);
      continue;
    }
    ops.push_back(std::move(op));
    line_of.push_back(line);
  }
  if (bad == 0) {
    if (!Admit(c)) return;
    std::vector<engine::BatchError> errors;
    const std::size_t n = ops.size();
    auto applied = engine_.ApplyBatch(std::move(ops), engine::NowSeconds(), &errors);
    if (applied.ok()) return ReplyWhenDurable(c, MakeJson(200, "{\"applied\":" + std::to_string(n) + "}"));
    for (const auto& e : errors) add_bad(line_of[e.index], e.status);
  }
  std::string out;
  AppendErrorJson("invalid_argument", std::to_string(bad) + (bad == 1 ? " line is" : " lines are") +
                                          " invalid; nothing was applied", "", &out);
  out.pop_back();  // reopen the top-level object for "lines"
  out += ",\"lines\":[" + lines + "]}";
  Reply(c, MakeJson(400, std::move(out)));
}

// --- Reservations.

void App::CreateReservation(Call& c) {
  if (!ReadJsonBody(c)) return;
  engine::HoldSpec spec;
  if (Status st = ThreadReader(options_.body_limit).ReadHold(c.body, &spec); !st.ok()) return Reply(c, MakeError(st));
  const std::string key = std::string(c.request["Idempotency-Key"]);
  if (key.size() > 256) return Reply(c, MakeError(Status::InvalidArgument("Idempotency-Key", "is longer than 256 bytes")));
  if (!Admit(c)) return;
  spec.reservation_id = "rsv-" + RandomHex(8);
  if (key.empty()) {
    BIOMATCH_TRY_RESULT(c, r, engine_.Hold(spec, engine::NowSeconds()));
    std::string body;
    AppendReservationJson(*r, &body);
    HttpResponse res = MakeJson(201, std::move(body));
    SetEtag(res, r->meta.version);
    return ReplyWhenDurable(c, std::move(res));
  }
  // Same key and body: the original reservation; same key, other body: 409.
  // The key is recorded in the same commit as the hold.
  const std::string scoped = c.caller->name + ":" + key;
  const std::string digest = Sha256Hex(c.body);
  std::unique_lock lock(idempotency_mu_);
  if (auto it = idempotency_.find(scoped); it != idempotency_.end()) {
    lock.unlock();
    if (it->second.first != digest) {
      return Reply(c, MakeError(409, "conflict", "Idempotency-Key was used with a different body"));
    }
    BIOMATCH_TRY_RESULT(c, r, engine_.GetReservation(it->second.second));
    std::string body;
    AppendReservationJson(*r, &body);
    HttpResponse res = MakeJson(200, std::move(body));
    SetEtag(res, r->meta.version);
    return Reply(c, std::move(res));
  }
  storage::Store::StageRecords({{storage::Family::kIdempotency, scoped, digest + "\n" + spec.reservation_id}});
  auto r = engine_.Hold(spec, engine::NowSeconds());
  if (!r.ok()) {
    (void)storage::Store::TakeThreadTicket();  // drops the staged record
    return Reply(c, MakeError(r.status()));
  }
  idempotency_[scoped] = {digest, r->id};
  lock.unlock();
  std::string body;
  AppendReservationJson(*r, &body);
  HttpResponse res = MakeJson(201, std::move(body));
  SetEtag(res, r->meta.version);
  ReplyWhenDurable(c, std::move(res));
}

void App::GetReservation(Call& c) {
  BIOMATCH_TRY_RESULT(c, r, engine_.GetReservation(c.param()));
  std::string body;
  AppendReservationJson(*r, &body);
  HttpResponse res = MakeJson(200, std::move(body));
  SetEtag(res, r->meta.version);
  Reply(c, std::move(res));
}

void App::ListReservations(Call& c) {
  BIOMATCH_TRY_RESULT(c, q, ListQueryOf(c));
  if (q->request_status && !q->reservation_status) {
    return Reply(c, MakeError(Status::InvalidArgument("status", "is not a reservation status")));
  }
  const auto page = engine_.ListReservations(*q);
  Reply(c, MakeJson(200, PageJson(page, [](const engine::Reservation& x, std::string* out) {
          AppendReservationJson(x, out);
        })));
}

#define BIOMATCH_TRANSITION(Name, method)                                          \
  void App::Name(Call& c) {                                                        \
    if (!Admit(c)) return;                                                         \
    BIOMATCH_TRY_RESULT(c, r, engine_.method(c.param(), engine::NowSeconds()));    \
    std::string body;                                                              \
    AppendReservationJson(*r, &body);                                              \
    HttpResponse res = MakeJson(200, std::move(body));                             \
    SetEtag(res, r->meta.version);                                                 \
    ReplyWhenDurable(c, std::move(res));                                           \
  }
BIOMATCH_TRANSITION(ConfirmReservation, Confirm)
BIOMATCH_TRANSITION(CancelReservation, CancelReservation)
BIOMATCH_TRANSITION(CompleteReservation, Complete)
#undef BIOMATCH_TRANSITION

// --- Keys.

void App::CreateKey(Call& c) {
  if (!ReadJsonBody(c)) return;
  std::string name, role_name;
  if (Status st = ThreadReader(options_.body_limit).ReadKeySpec(c.body, &name, &role_name); !st.ok()) {
    return Reply(c, MakeError(st));
  }
  if (Status st = engine::ValidateId(name, "name"); !st.ok()) return Reply(c, MakeError(st));
  const auto role = ParseRole(role_name);
  if (!role) return Reply(c, MakeError(Status::InvalidArgument("role", "must be admin, portal, agency or supervisor")));
  if (keys_.Find(name)) return Reply(c, MakeError(Status::Conflict("key " + name + " already exists")));
  if (!Admit(c)) return;
  const std::string token = NewToken();
  ApiKey key{name, *role, HashToken(token), NewKeyId()};
  const std::uint64_t ticket = store_.Submit({}, {{storage::Family::kApiKeys, name, EncodeKey(key)}}, {}, engine::NowSeconds());
  (void)storage::Store::TakeThreadTicket();
  keys_.Put(key);
  std::string body = "{\"name\":";
  AppendJsonString(name, &body);
  body += ",\"role\":";
  AppendJsonString(ToString(*role), &body);
  body += ",\"token\":";
  AppendJsonString(token, &body);
  body += '}';
  ReplyWhenDurable(c, ticket, MakeJson(201, std::move(body)));
}

void App::ListKeys(Call& c) {
  std::string body = R"({"items":[)";
  bool first = true;
  for (const ApiKey& k : keys_.List()) {
    if (!first) body += ',';
    first = false;
    body += "{\"name\":";
    AppendJsonString(k.name, &body);
    body += ",\"role\":";
    AppendJsonString(ToString(k.role), &body);
    body += '}';
  }
  body += "]}";
  Reply(c, MakeJson(200, std::move(body)));
}

void App::DeleteKey(Call& c) {
  const std::string& name = c.param();
  const auto key = keys_.Find(name);
  if (!key) return Reply(c, MakeError(Status::NotFound("key " + name + " does not exist")));
  if (key->role == Role::kAdmin) {
    std::size_t admins = 0;
    for (const ApiKey& k : keys_.List()) admins += k.role == Role::kAdmin;
    if (admins == 1) return Reply(c, MakeError(Status::Conflict("key " + name + " is the last admin key")));
  }
  if (!Admit(c)) return;
  // The key, then its streams, then its subscriptions: once the key is
  // refused no new stream or subscription of it can begin (HandleUpgrade
  // and PutSubscription check again after taking their slot or lock).
  std::lock_guard lock(subscriptions_mu_);
  if (!keys_.Exists(*key)) return Reply(c, MakeError(Status::NotFound("key " + name + " does not exist")));
  keys_.Remove(name);  // refused from this moment on
  hub_.RevokeKey(key->id);
  std::vector<storage::RecordWrite> records = {{storage::Family::kApiKeys, name, std::nullopt}};
  const std::vector<std::string> owned = book_.OwnedBy(key->id);
  for (const std::string& id : owned) records.push_back({storage::Family::kSubscriptions, id, std::nullopt});
  const std::uint64_t ticket = store_.Submit({}, std::move(records), {}, engine::NowSeconds());
  (void)storage::Store::TakeThreadTicket();
  for (const std::string& id : owned) {
    book_.Remove(id);
    hub_.RemoveSubscription(id);
  }
  if (!owned.empty()) UpdateMatchWatch();
  ReplyWhenDurable(c, ticket, MakeText(204, "", "application/json"));
}

// --- Admin.

void App::Checkpoint(Call& c) {
  if (!ReadJsonBody(c)) return;
  std::string dir;
  if (Status st = ThreadReader(options_.body_limit).ReadCheckpoint(c.body, &dir); !st.ok()) return Reply(c, MakeError(st));
  if (dir.empty() || dir.front() != '/') {
    return Reply(c, MakeError(Status::InvalidArgument("dir", "must be an absolute path")));
  }
  // RocksDB flushes and links files: run it off the I/O threads.
  net::post(*blocking_, [this, self = c.shared_from_this(), dir] {
    if (const Status st = store_.Checkpoint(dir); !st.ok()) return Reply(*self, MakeError(st));
    std::string body = "{\"dir\":";
    AppendJsonString(dir, &body);
    body += ",\"last_seq\":" + std::to_string(store_.last_seq()) + "}";
    Reply(*self, MakeJson(201, std::move(body)));
  });
}

// --- Subscriptions and the stream.

namespace {

// Who may see a subscription: its owner, admins and supervisors. Anyone else
// learns nothing of it, not even that it exists.
bool MaySee(const ApiKey& caller, const Subscription& s) {
  return caller.role != Role::kAgency || s.owner_id == caller.id;
}

Status NoSuchSubscription(std::string_view id) {
  return Status::NotFound("subscription " + std::string(id) + " does not exist");
}

}  // namespace

void App::UpdateMatchWatch() {
  const std::optional<double> threshold = book_.MatchFoundThreshold();
  engine_.SetMatchWatch({threshold.has_value(), threshold.value_or(0), options_.match_top_k});
}

void App::PutSubscription(Call& c) {
  if (!ReadJsonBody(c)) return;
  Subscription sub;
  if (Status st = ThreadReader(options_.body_limit).ReadSubscription(c.body, &sub); !st.ok()) {
    return Reply(c, MakeError(st));
  }
  if (Status st = engine::ValidateId(c.param()); !st.ok()) return Reply(c, MakeError(st));
  if (Status st = ValidateSubscription(sub); !st.ok()) return Reply(c, MakeError(st));
  BIOMATCH_TRY_RESULT(c, if_match, ParseIfMatch(c.request));
  if (!Admit(c)) return;
  // Read, check and write under one lock, so the book and the store see
  // subscription changes in the same order.
  std::lock_guard lock(subscriptions_mu_);
  // A key deleted since it was authenticated owns nothing any more.
  if (!keys_.Exists(*c.caller)) return Reply(c, MakeError(401, "unauthenticated", "the key was deleted"));
  const std::shared_ptr<const Subscription> previous = book_.Get(c.param());
  if (previous && previous->owner_id != c.caller->id && c.caller->role != Role::kAdmin) {
    return Reply(c, MakeError(403, "permission_denied", "subscription " + c.param() + " belongs to another key"));
  }
  if (*if_match && (!previous || previous->meta.version != **if_match)) {
    return Reply(c, MakeError(Status::PreconditionFailed(
                        previous ? "If-Match version " + std::to_string(**if_match) + " does not match current version " +
                                       std::to_string(previous->meta.version)
                                 : "If-Match given but the subscription does not exist")));
  }
  const engine::Seconds now = engine::NowSeconds();
  sub.id = c.param();
  sub.owner = previous ? previous->owner : c.caller->name;
  sub.owner_id = previous ? previous->owner_id : c.caller->id;
  sub.meta = {previous ? previous->meta.version + 1 : 1, previous ? previous->meta.created_at : now, now};
  const std::uint64_t ticket =
      store_.Submit({}, {{storage::Family::kSubscriptions, sub.id, EncodeSubscriptionRecord(sub)}}, {}, now);
  std::string body;
  AppendSubscriptionJson(sub, DocForm::kStored, &body);
  HttpResponse res = MakeJson(previous ? 200 : 201, std::move(body));
  SetEtag(res, sub.meta.version);
  book_.Put(std::move(sub));
  UpdateMatchWatch();
  ReplyWhenDurable(c, ticket, std::move(res));
}

void App::GetSubscription(Call& c) {
  const std::shared_ptr<const Subscription> sub = book_.Get(c.param());
  if (!sub || !MaySee(*c.caller, *sub)) return Reply(c, MakeError(NoSuchSubscription(c.param())));
  std::string body;
  AppendSubscriptionJson(*sub, DocForm::kStored, &body);
  HttpResponse res = MakeJson(200, std::move(body));
  SetEtag(res, sub->meta.version);
  Reply(c, std::move(res));
}

void App::DeleteSubscription(Call& c) {
  BIOMATCH_TRY_RESULT(c, if_match, ParseIfMatch(c.request));
  if (!Admit(c)) return;
  std::lock_guard lock(subscriptions_mu_);
  const std::shared_ptr<const Subscription> sub = book_.Get(c.param());
  if (!sub || !MaySee(*c.caller, *sub)) return Reply(c, MakeError(NoSuchSubscription(c.param())));
  if (*if_match && sub->meta.version != **if_match) {
    return Reply(c, MakeError(Status::PreconditionFailed("If-Match version " + std::to_string(**if_match) +
                                                         " does not match current version " +
                                                         std::to_string(sub->meta.version))));
  }
  const std::uint64_t ticket =
      store_.Submit({}, {{storage::Family::kSubscriptions, sub->id, std::nullopt}}, {}, engine::NowSeconds());
  book_.Remove(sub->id);
  hub_.RemoveSubscription(sub->id);
  UpdateMatchWatch();
  ReplyWhenDurable(c, ticket, MakeText(204, "", "application/json"));
}

void App::ListSubscriptions(Call& c) {
  BIOMATCH_TRY_RESULT(c, q, ListQueryOf(c));
  bool more = false;
  engine::ListPage<std::shared_ptr<const Subscription>> page;
  page.items = book_.List(c.caller->role == Role::kAgency ? c.caller->id : "", q->after, q->limit, &more);
  if (more) page.next_after = page.items.back()->id;
  Reply(c, MakeJson(200, PageJson(page, [](const std::shared_ptr<const Subscription>& x, std::string* out) {
          AppendSubscriptionJson(*x, DocForm::kStored, out);
        })));
}

void App::StreamWithoutUpgrade(Call& c) {
  HttpResponse res = MakeError(426, "upgrade_required", "GET /v1/stream needs a WebSocket upgrade");
  res.set(http::field::upgrade, "websocket");
  res.set(http::field::connection, "Upgrade");
  Reply(c, std::move(res));
}

Handler::Upgrade App::HandleUpgrade(const HttpRequest& request) {
  const auto start = Clock::now();
  Call call;
  call.request.base() = request.base();
  Target target = ParseTarget(request.target());
  call.query = std::move(target.query);
  // The token: the Authorization header, the access_token parameter
  // (browsers cannot set headers on a WebSocket), or a "bearer.<token>"
  // subprotocol. The answer names the biomatch.v1 subprotocol when offered.
  std::string_view token = BearerToken(request[http::field::authorization]);
  std::string offered_token, protocol;
  for (std::string_view list = request[http::field::sec_websocket_protocol]; !list.empty();) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.substr(0, 7) == "bearer.") offered_token = std::string(item.substr(7));
    if (item == kStreamProtocol) protocol = std::string(kStreamProtocol);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  const std::string query_token = call.Query("access_token");
  if (token.empty()) token = !query_token.empty() ? std::string_view(query_token) : std::string_view(offered_token);

  auto refuse = [&](HttpResponse res) {
    metrics_.Observe(call.route, res.result_int(), std::chrono::duration<double>(Clock::now() - start).count());
    return Handler::Upgrade{std::move(res), {}};
  };
  if (auto refused = Resolve(call, target.segments, token)) return refuse(std::move(*refused));
  if (Routes()[call.route].endpoint != &App::StreamWithoutUpgrade) {
    return refuse(MakeError(400, "invalid_argument", "only GET /v1/stream can be upgraded to a WebSocket"));
  }
  if (draining_) return refuse(MakeError(Status::Unavailable("the server is shutting down")));
  if (request[http::field::sec_websocket_version] != "13") {
    HttpResponse res = MakeError(426, "upgrade_required", "Sec-WebSocket-Version 13 is required");
    res.set(http::field::sec_websocket_version, "13");
    return refuse(std::move(res));
  }
  if (request[http::field::sec_websocket_key].size() != 24) {
    return refuse(MakeError(Status::InvalidArgument("Sec-WebSocket-Key", "must be 16 bytes in base64")));
  }

  WsSession::Params params;
  std::vector<std::string> ids;
  const std::string subscriptions = call.Query("subscriptions");
  for (std::string_view list = subscriptions; !list.empty();) {
    const std::size_t comma = list.find(',');
    ids.emplace_back(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  if (ids.empty()) {
    return refuse(MakeError(Status::InvalidArgument("subscriptions", "is required: a comma-separated list of subscription ids")));
  }
  if (ids.size() > kMaxStreamSubscriptions) {
    return refuse(MakeError(Status::InvalidArgument(
        "subscriptions", "names more than " + std::to_string(kMaxStreamSubscriptions) + " subscriptions")));
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (std::string& id : ids) {
    const std::shared_ptr<const Subscription> sub = book_.Get(id);
    // Streaming is for the owner (or an admin): a supervisor reads, never streams.
    if (!sub || (call.caller->role != Role::kAdmin && sub->owner_id != call.caller->id)) return refuse(MakeError(NoSuchSubscription(id)));
    params.subscriptions.push_back({std::move(id), sub->owner_id});
  }
  if (const std::string from = call.Query("from"); !from.empty()) {
    std::uint64_t seq = 0;
    const auto [end, ec] = std::from_chars(from.data(), from.data() + from.size(), seq);
    if (ec != std::errc() || end != from.data() + from.size()) {
      return refuse(MakeError(Status::InvalidArgument("from", "must be an event sequence number")));
    }
    params.from = seq;
  }
  StreamHub::Admission admission;
  params.slot = hub_.OpenSlot(call.caller->id, &admission);
  if (admission == StreamHub::Admission::kServerFull) {
    return refuse(MakeError(Status::Unavailable("too many streams are open")));
  }
  if (admission == StreamHub::Admission::kKeyFull) {
    return refuse(MakeError(429, "too_many_streams",
                            "key " + call.caller->name + " has " + std::to_string(options_.max_streams_per_key) +
                                " streams open, the most --max-streams-per-key allows"));
  }
  // A key deleted since it was authenticated gets no stream (once its slot
  // is held, RevokeKey reaches the stream however late it registers).
  if (!keys_.Exists(*call.caller)) return refuse(MakeError(401, "unauthenticated", "the key was deleted"));
  params.key_id = call.caller->id;
  params.protocol = protocol;
  params.max_queue = options_.stream_queue;
  params.idle_timeout = options_.stream_idle_timeout;
  metrics_.Observe(call.route, 101, std::chrono::duration<double>(Clock::now() - start).count());
  return {std::nullopt, [this, params = std::move(params)](beast::tcp_stream&& stream, HttpRequest&& req) mutable {
            std::make_shared<WsSession>(std::move(stream), hub_, output_budget_, std::move(params))->Start(req);
          }};
}

#undef BIOMATCH_TRY_RESULT

}  // namespace biomatch::server
