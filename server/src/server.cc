#include "biomatch/server/server.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "router.h"
#include "auth.h"
#include "biomatch/catalog/catalog.h"
#include "biomatch/engine/engine.h"
#include "biomatch/engine/mutex.h"
#include "biomatch/storage/store.h"
#include "events.h"
#include "http_session.h"
#include "net.h"
#include "output_budget.h"
#include "stats_rollup.h"
#include "stream_hub.h"
#include "subscription_book.h"

namespace biomatch::server {
namespace {

using engine::Status;

constexpr std::chrono::seconds kDrainTimeout{5};
constexpr std::chrono::seconds kSweepInterval{1};
constexpr std::chrono::minutes kPruneInterval{10};
constexpr std::size_t kDemoCapabilities = 2000;

// Loads the stored keys and makes sure an admin key exists: the one named by
// BIOMATCH_ADMIN_TOKEN, or on first start a new token in <data>/admin.token.
Status BootstrapKeys(const ServerOptions& options, storage::Store& store, KeyRing& keys) {
  Status decoded;
  Status scanned = store.ScanRecords(storage::Family::kApiKeys, [&](const std::string& name, const std::string& value) {
    ApiKey key;
    decoded = DecodeKey(name, value, &key);
    if (decoded.ok()) keys.Put(std::move(key));
    return decoded.ok();
  });
  if (!scanned.ok()) return scanned;
  if (!decoded.ok()) return decoded;
  std::string token = options.admin_token;
  if (token.empty()) {
    for (const ApiKey& k : keys.List()) {
      if (k.role == Role::kAdmin) return Status::Ok();
    }
    token = NewToken();
    const std::string path = (std::filesystem::path(options.data_dir) / "admin.token").string();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Status::IoError("cannot write " + path);
    const std::string line = token + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) return Status::IoError("cannot write " + path);
    std::fprintf(stderr, "biomatch: admin token written to %s\n", path.c_str());
  }
  const auto existing = keys.Find("admin");
  // A new token for the same key keeps its identity (and what it owns).
  ApiKey admin{"admin", Role::kAdmin, HashToken(token), existing ? existing->id : NewKeyId()};
  if (existing && existing->token_hash == admin.token_hash) return Status::Ok();
  const std::uint64_t ticket =
      store.Submit({}, {{storage::Family::kApiKeys, admin.name, EncodeKey(admin)}}, {}, engine::NowSeconds());
  keys.Put(std::move(admin));
  return store.WaitDurable(ticket);
}

// Loads a small generated catalogue into an empty data directory.
Status LoadDemo(engine::Engine& engine, storage::Store& store) {
  if (engine.GetOverview().platforms > 0) return Status::Ok();
  catalog::CatalogSpec spec;
  spec.capabilities = kDemoCapabilities;
  const engine::Seconds now = engine::NowSeconds();
  spec.start = now - now % 86400 + 86400;  // slots from tomorrow on
  catalog::Catalog catalog = catalog::GenerateCatalog(spec);
  std::vector<engine::BatchOp> ops;
  for (auto& p : catalog.platforms) ops.push_back({engine::BatchOp::Kind::kPut, p.id, std::move(p)});
  for (auto& c : catalog.capabilities) ops.push_back({engine::BatchOp::Kind::kPut, c.id, std::move(c)});
  for (auto& r : catalog.requests) ops.push_back({engine::BatchOp::Kind::kPut, r.id, std::move(r)});
  std::vector<engine::BatchError> errors;
  auto applied = engine.ApplyBatch(std::move(ops), now, &errors);
  if (!applied.ok()) {
    return Status::Internal("the demo catalogue is invalid: " +
                            (errors.empty() ? applied.status().ToString() : errors.front().status.ToString()));
  }
  return store.WaitDurable(storage::Store::TakeThreadTicket());
}

engine::Result<tcp::endpoint> ParseListen(const std::string& listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("listen", "must be host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("listen", "'" + host + "' is not an IP address");
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return Status::InvalidArgument("listen", "port must be a number from 0 to 65535");
  }
  return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  engine::Engine engine;
  std::unique_ptr<storage::Store> store;
  KeyRing keys;
  SubscriptionBook book;
  std::unique_ptr<StreamHub> hub;
  std::unique_ptr<StatsRollup> rollup;  // fed by the store's event listener
  std::unique_ptr<Router> router;
  // Charged by every session: it outlives them (sessions still queued on an
  // io_context die with it, below).
  std::unique_ptr<OutputBudget> output_budget;
  // One io_context per I/O thread, connections dealt to them in turn: a
  // connection's handlers run on one thread and never wake another (each
  // wake-up across threads costs a hypervisor exit on virtual machines).
  std::vector<std::unique_ptr<net::io_context>> iocs;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  std::size_t next_ioc = 0;  // used on the acceptor's strand only
  std::optional<tcp::acceptor> acceptor;
  std::uint16_t port = 0;  // bound
  std::vector<std::thread> threads;

  Mutex sessions_mu;
  std::vector<std::weak_ptr<HttpSession>> sessions GUARDED_BY(sessions_mu);

  Mutex mu;
  CondVar cv;
  bool stopping GUARDED_BY(mu) = false;
  bool stopped GUARDED_BY(mu) = false;
  std::thread maintenance;

  // Accepts on the acceptor's strand (Stop closes it there too), each socket
  // onto a strand of its own.
  void DoAccept() {
    net::io_context& ioc = *iocs[next_ioc];
    next_ioc = (next_ioc + 1) % iocs.size();
    acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor->is_open()) return;  // Stop closed it
      if (ec) {
        LogUnlessQuiet("accept", ec);
      } else {
        // Small writes (stream messages, pipelined answers) go out at once
        // instead of waiting for the peer's delayed acknowledgement.
        socket.set_option(tcp::no_delay(true), ec);
        std::shared_ptr<HttpSession> session;
        {
          MutexLock lock(&sessions_mu);
          std::erase_if(sessions, [](const auto& w) { return w.expired(); });
          if (sessions.size() < options.max_connections) {
            session = std::make_shared<HttpSession>(std::move(socket), *router, *output_budget, options);
            sessions.push_back(session);
          }
        }
        if (session) {
          session->Run();
        } else {
          router->metrics().ConnectionRefused();
          socket.close(ec);
        }
      }
      DoAccept();
    });
  }

  // Expires holds every second and prunes old events every few minutes, off
  // the I/O threads.
  void MaintenanceLoop() {
    auto next_prune = std::chrono::steady_clock::now();
    MutexLock lock(&mu);
    while (!stopping) {
      lock.Unlock();
      (void)engine.Sweep(engine::NowSeconds());
      (void)storage::Store::TakeThreadTicket();
      if (std::chrono::steady_clock::now() >= next_prune) {
        const auto retention = std::chrono::duration_cast<std::chrono::seconds>(options.event_retention).count();
        if (Status st = store->PruneEvents(engine::NowSeconds() - retention); !st.ok()) {
          std::fprintf(stderr, "biomatch: pruning events: %s\n", st.ToString().c_str());
        }
        next_prune += kPruneInterval;
      }
      lock.Lock();
      const auto wake = std::chrono::steady_clock::now() + kSweepInterval;
      while (!stopping && cv.WaitUntil(&mu, wake)) {
      }
    }
  }
};

engine::Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto endpoint = ParseListen(options.listen);
  if (!endpoint.ok()) return endpoint.status();

  storage::Options so;
  so.dir = options.data_dir;
  so.durability = options.fsync ? storage::Durability::kFsync : storage::Durability::kOs;
  so.event_maker = EventsOf;
  storage::OpenStats stats;
  auto store = storage::Store::Open(so, &impl->engine, engine::NowSeconds(), &stats);
  if (!store.ok()) return store.status();
  impl->store = std::move(store).value();
  std::fprintf(stderr, "biomatch: loaded %llu platforms, %llu capabilities, %llu requests, %llu reservations in %.2f s\n",
               static_cast<unsigned long long>(stats.platforms), static_cast<unsigned long long>(stats.capabilities),
               static_cast<unsigned long long>(stats.requests), static_cast<unsigned long long>(stats.reservations),
               stats.seconds);
  if (Status st = BootstrapKeys(impl->options, *impl->store, impl->keys); !st.ok()) return st;
  if (options.demo) {
    if (Status st = LoadDemo(impl->engine, *impl->store); !st.ok()) return st;
  }
  if (Status st = impl->book.Load(*impl->store); !st.ok()) return st;
  // No write is under way yet: every event from here on reaches the hub.
  StreamHub::Options hub_options;
  hub_options.dispatch_interval = options.stream_batch;
  hub_options.max_streams = options.max_streams;
  hub_options.max_streams_per_key = options.max_streams_per_key;
  impl->hub = std::make_unique<StreamHub>(*impl->store, impl->book, impl->store->last_seq() + 1, hub_options);
  auto rollup = StatsRollup::Build(*impl->store, impl->engine);
  if (!rollup.ok()) return rollup.status();
  impl->rollup = std::move(rollup).value();
  impl->store->SetEventListener(
      [hub = impl->hub.get(), rollup = impl->rollup.get()](std::vector<storage::Event> events) {
        rollup->Add(events);
        hub->Publish(std::move(events));
      });
  impl->output_budget = std::make_unique<OutputBudget>(options.output_budget, options.connection_output);
  impl->router = std::make_unique<Router>(impl->options, impl->engine, *impl->store, impl->keys, impl->book, *impl->hub,
                                    *impl->output_budget);
  impl->router->api().UpdateMatchWatch();
  impl->router->api().SetStatsRollup(impl->rollup.get());

  const int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) {
    impl->iocs.push_back(std::make_unique<net::io_context>(1));
    impl->keep_running.push_back(net::make_work_guard(*impl->iocs.back()));
  }
  impl->acceptor.emplace(net::make_strand(*impl->iocs.front()));
  tcp::acceptor& acceptor = *impl->acceptor;
  beast::error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IoError("cannot listen on " + options.listen + ": " + ec.message());
  impl->port = acceptor.local_endpoint().port();
  impl->DoAccept();

  Impl* raw = impl.get();
  for (auto& ioc : raw->iocs) raw->threads.emplace_back([&ioc = *ioc] { ioc.run(); });
  raw->maintenance = std::thread([raw] { raw->MaintenanceLoop(); });
  raw->router->api().SetReady();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

std::uint16_t Server::port() const { return impl_->port; }

void Server::Stop() {
  Impl& s = *impl_;
  {
    MutexLock lock(&s.mu);
    if (s.stopping) return;
    s.stopping = true;
  }
  s.cv.SignalAll();
  s.router->api().SetDraining();
  net::post(s.acceptor->get_executor(), [&s] {
    beast::error_code ec;
    s.acceptor->close(ec);
  });
  std::vector<std::weak_ptr<HttpSession>> sessions;
  {
    MutexLock lock(&s.sessions_mu);
    sessions = s.sessions;
  }
  for (auto& w : sessions) {
    if (auto session = w.lock()) session->Close();
  }
  s.hub->ShutdownAll();  // streams close with 1001
  // Bounded wait for in-flight requests, their durable answers and the streams' close.
  const auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
  while (std::chrono::steady_clock::now() < deadline &&
         (s.hub->connections() > 0 ||
          std::any_of(sessions.begin(), sessions.end(), [](const auto& w) { return !w.expired(); }))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& ioc : s.iocs) ioc->stop();
  for (auto& t : s.threads) t.join();
  if (s.maintenance.joinable()) s.maintenance.join();
  s.router->api().StopBackground();  // a checkpoint in progress finishes
  s.store->SetEventListener({});
  s.store.reset();           // drains the commit queue (its callbacks reply through the router's Api), closes RocksDB
  // Sessions still alive (a peer that never finished closing) die with
  // their io_context: before the hub their stream slots go back to, the
  // router they answer through and the budget they are charged to.
  s.hub->ReleaseStreams();
  s.acceptor.reset();
  s.keep_running.clear();
  s.iocs.clear();
  s.hub.reset();
  s.router.reset();
  {
    MutexLock lock(&s.mu);
    s.stopped = true;
  }
  s.cv.SignalAll();
}

void Server::Wait() {
  MutexLock lock(&impl_->mu);
  while (!impl_->stopped) impl_->cv.Wait(&impl_->mu);
}

}  // namespace biomatch::server
