#include "api/api.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "responses.h"
#include "routes.h"

namespace biomatch::server {

std::string Call::Query(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

Api::Api(const ServerOptions& options, engine::Engine& engine, storage::Store& store, KeyRing& keys,
         SubscriptionBook& book, StreamHub& hub, OutputBudget& output_budget, Metrics& metrics)
    : options_(options),
      engine_(engine),
      store_(store),
      keys_(keys),
      book_(book),
      hub_(hub),
      output_budget_(output_budget),
      metrics_(metrics),
      blocking_(std::make_unique<net::thread_pool>(1)),
      deferred_(std::make_unique<net::thread_pool>(1)) {
  // Bulk loads and checkpoints yield the CPU to the I/O threads' reads.
  net::post(*blocking_, [] { (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kBackgroundNice); });
  std::map<std::string, IdempotencyRecord> records;
  (void)store_.ScanRecords(storage::Family::kIdempotency, [&](const std::string& key, const std::string& value) {
    const std::size_t nl = value.find('\n');
    if (nl != std::string::npos) records[key] = {value.substr(0, nl), value.substr(nl + 1)};
    return true;
  });
  MutexLock lock(&idempotency_mu_);
  idempotency_ = std::move(records);
}

Api::~Api() { StopBackground(); }

void Api::Reply(Call& call, HttpResponse res) {
  if (call.answered) return;
  if (!call.fenced && call.route != nullptr && call.route->authenticated) {
    // The read fence: an answer waits until every change it may show is
    // durable, as PostgreSQL's synchronous commit lets no reader see a
    // commit before its WAL flush.
    call.fenced = true;
    auto holder = std::make_shared<HttpResponse>(std::move(res));
    store_.WhenAllDurable([this, self = call.shared_from_this(), holder](const engine::Status& st) {
      Reply(*self, st.ok() ? std::move(*holder) : MakeError(st));
    });
    return;
  }
  call.answered = true;
  const double seconds = std::chrono::duration<double>(Call::Clock::now() - call.start).count();
  metrics_.Observe(RouteIndex(call.route), res.result_int(), seconds);
  metrics_.InFlight(-1);
  if (options_.access_log) {
    std::string line;
    AppendAccessLogJson(call.request.method_string(), call.request.target(), res.result_int(), seconds * 1e6, &line);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stderr);  // one write: lines from many threads stay whole
  }
  call.respond(std::move(res));
}

void Api::ReplyWhenDurable(Call& call, HttpResponse res) {
  ReplyWhenDurable(call, storage::Store::TakeThreadTicket(), std::move(res));
}

void Api::ReplyWhenDurable(Call& call, std::uint64_t ticket, HttpResponse res) {
  auto holder = std::make_shared<HttpResponse>(std::move(res));
  store_.WhenDurable(ticket, [this, self = call.shared_from_this(), holder, ticket](const engine::Status& st) {
    self->fenced = ticket != 0;  // every change before this one is durable too
    Reply(*self, st.ok() ? std::move(*holder) : MakeError(st));
  });
}

bool Api::ReadJsonBody(Call& call) {
  const std::string_view type = call.request[http::field::content_type];
  const std::string_view media = type.substr(0, type.find(';'));
  if (media != "application/json") {
    Reply(call, MakeError(ErrorCode::kUnsupportedMediaType,
                          type.empty() ? "Content-Type application/json is required"
                                       : "Content-Type " + std::string(type) + " is not application/json"));
    return false;
  }
  call.body = call.request.body();
  return true;
}

bool Api::Admit(Call& call) {
  if (engine::Status st = store_.Admit(); !st.ok()) {
    Reply(call, MakeError(st));
    return false;
  }
  return true;
}

JsonReader& Api::Reader() {
  thread_local std::unique_ptr<JsonReader> reader;
  thread_local std::size_t capacity = 0;
  if (!reader || capacity != options_.body_limit) {
    reader = std::make_unique<JsonReader>(options_.body_limit);
    capacity = options_.body_limit;
  }
  return *reader;
}

void Api::Run(Call& call, void (*endpoint)(Api&, Call&)) {
  try {
    endpoint(*this, call);
  } catch (const std::exception& e) {  // a bug: answer 500, keep the thread alive
    std::fprintf(stderr, "biomatch: %s failed: %s\n", call.route ? call.route->name().c_str() : "?", e.what());
    if (!call.answered) Reply(call, MakeError(ErrorCode::kInternal, "internal error"));
  }
}

void Api::RunWrite(Call& call, void (*endpoint)(Api&, Call&)) {
  // Once one write waits, the next ones wait behind it: a client's
  // pipelined writes run in the order it sent them.
  if (bulks_.load() == 0 && deferred_writes_.load() == 0) return Run(call, endpoint);
  if (deferred_writes_.fetch_add(1) >= kMaxDeferredWrites) {
    --deferred_writes_;
    HttpResponse res = MakeError(engine::Status::Unavailable(std::to_string(kMaxDeferredWrites) +
                                                             " writes are waiting for a bulk load; retry later"));
    res.set(http::field::retry_after, "1");
    return Reply(call, std::move(res));
  }
  net::post(*deferred_, [this, endpoint, self = call.shared_from_this()] {
    Run(*self, endpoint);
    --deferred_writes_;
  });
}

void Api::RunInBackground(std::function<void()> work) { net::post(*blocking_, std::move(work)); }

void Api::UpdateMatchWatch() {
  const std::optional<double> threshold = book_.MatchFoundThreshold();
  engine_.SetMatchWatch({threshold.has_value(), threshold.value_or(0), options_.match_top_k});
}

bool Api::TryStartBulk() {
  if (bulks_.fetch_add(1) >= kMaxBulks) {
    --bulks_;
    return false;
  }
  return true;
}

}  // namespace biomatch::server
