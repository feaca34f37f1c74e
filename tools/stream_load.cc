// biomatch_stream_load: the fan-out benchmark of the live stream, on Beast.
//
//   biomatch_stream_load --target 127.0.0.1:8080 --token TOKEN
//                        [--connections 1000] [--groups 8] [--rate 2000]
//                        [--duration 10] [--writers 16] [--threads 1]
//                        [--json out.json]
//
// Puts `groups` subscriptions (request.created in one region each), opens
// `connections` WebSocket streams spread evenly over them, then creates
// requests at a steady `rate` for `duration` seconds from `writers` keep-alive
// HTTP connections (durable PUT /v1/requests, regions in turn), so each event
// reaches connections / groups streams. Reports the messages delivered per
// second, the write-to-receive latency (from the PUT leaving the writer to
// the event arriving on a stream: the commit's fsync included) as
// p50/p90/p99/p99.9, and every event lost or delivered twice.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "http_client.h"
#include "load_common.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using biomatch::tools::HttpClient;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string token;
  int connections = 1000;
  int groups = 8;
  double rate = 2000;
  double duration = 10;
  int writers = 16;
  int threads = 1;
  std::string json_out;
};

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr,
               "biomatch_stream_load: %s\n"
               "usage: biomatch_stream_load --target HOST:PORT --token TOKEN [--connections N] [--groups G]\n"
               "                            [--rate EVENTS_PER_S] [--duration S] [--writers W] [--threads T]\n"
               "                            [--json FILE]\n",
               problem.c_str());
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  biomatch::tools::ParseFlags(
      argc, argv,
      [&](const std::string& name, const std::string& value) {
        if (name == "target") {
          if (!biomatch::tools::SplitHostPort(value, &o.host, &o.port)) Usage("--target must be host:port");
        } else if (name == "token") {
          o.token = value;
        } else if (name == "connections") {
          o.connections = std::stoi(value);
        } else if (name == "groups") {
          o.groups = std::stoi(value);
        } else if (name == "rate") {
          o.rate = std::stod(value);
        } else if (name == "duration") {
          o.duration = std::stod(value);
        } else if (name == "writers") {
          o.writers = std::stoi(value);
        } else if (name == "threads") {
          o.threads = std::stoi(value);
        } else if (name == "json") {
          o.json_out = value;
        } else {
          return false;
        }
        return true;
      },
      Usage);
  if (o.token.empty()) Usage("--token is required");
  if (o.connections < 1 || o.groups < 1 || o.rate <= 0 || o.duration <= 0 || o.writers < 1 || o.threads < 1) {
    Usage("counts, rate and duration must be positive");
  }
  return o;
}

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// The events of the run, indexed by number: when each was written.
struct Ledger {
  explicit Ledger(std::size_t n) : sent_ns(n), acked(n) {}
  std::vector<std::atomic<std::int64_t>> sent_ns;  // 0 until written
  std::vector<std::atomic<bool>> acked;            // the server answered 201
  std::atomic<std::size_t> produced{0};            // events acknowledged by the server
  std::atomic<std::uint64_t> write_errors{0};
};

// One WebSocket stream: counts what arrives, per event number. A lean client
// (a raw socket, frames parsed in place, many per read) so that it leaves
// the machine's cores to the server it measures; Beast's client serves the
// tests.
class Receiver : public std::enable_shared_from_this<Receiver> {
 public:
  Receiver(net::io_context& ioc, const Ledger& ledger, const std::string& run)
      : socket_(net::make_strand(ioc)),
        ledger_(ledger),
        needle_("\"data\":{\"id\":\"" + run + "-"),
        seen_(ledger.sent_ns.size(), 0) {}

  void Start(const tcp::resolver::results_type& endpoints, const std::string& host, const std::string& target,
             const std::string& token, std::atomic<int>* ready, std::atomic<int>* failed) {
    request_ = "GET " + target + " HTTP/1.1\r\nHost: " + host +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer " +
               token + "\r\n\r\n";
    net::async_connect(socket_, endpoints, [self = shared_from_this(), ready, failed](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return (void)++*failed;
      self->socket_.set_option(tcp::no_delay(true));
      net::async_write(self->socket_, net::buffer(self->request_), [self, ready, failed](beast::error_code wec, std::size_t) {
        if (wec) return (void)++*failed;
        net::async_read_until(self->socket_, net::dynamic_buffer(self->handshake_), "\r\n\r\n",
                              [self, ready, failed](beast::error_code rec, std::size_t header) {
                                if (rec || self->handshake_.compare(0, 12, "HTTP/1.1 101") != 0) return (void)++*failed;
                                // Frames that came with the answer go first.
                                self->in_size_ = self->handshake_.size() - header;
                                self->in_.resize(std::max<std::size_t>(65536, self->in_size_));
                                std::memcpy(self->in_.data(), self->handshake_.data() + header, self->in_size_);
                                ++*ready;
                                self->Parse();
                                self->DoRead();
                              });
      });
    });
  }
  void Close() {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->socket_.close(ec);
    });
  }

  std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
  std::uint64_t duplicates() const { return duplicates_; }
  // Acknowledged events of its group this stream did not get (call once it is closed).
  std::uint64_t Missing(int group, int groups) const {
    std::uint64_t missing = 0;
    for (std::size_t i = static_cast<std::size_t>(group); i < seen_.size(); i += static_cast<std::size_t>(groups)) {
      missing += ledger_.acked[i].load() && seen_[i] == 0;
    }
    return missing;
  }
  std::vector<float>& latencies_ms() { return latencies_ms_; }

 private:
  // Reads into the free tail of in_ (grown only when a frame outsizes it).
  void DoRead() {
    if (in_size_ == in_.size()) in_.resize(in_.size() * 2);
    socket_.async_read_some(net::buffer(in_.data() + in_size_, in_.size() - in_size_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return;
                              self->in_size_ += n;
                              self->Parse();
                              self->DoRead();
                            });
  }
  // Handles every whole frame in in_ (server frames are unmasked and whole).
  void Parse() {
    std::size_t at = 0;
    for (;;) {
      const std::size_t left = in_size_ - at;
      if (left < 2) break;
      const auto* p = reinterpret_cast<const unsigned char*>(in_.data() + at);
      std::uint64_t length = p[1] & 0x7F;
      std::size_t header = 2;
      if (length == 126) {
        if (left < 4) break;
        length = static_cast<std::uint64_t>(p[2]) << 8 | p[3];
        header = 4;
      } else if (length == 127) {
        if (left < 10) break;
        length = 0;
        for (int i = 0; i < 8; ++i) length = length << 8 | p[2 + i];
        header = 10;
      }
      if (left < header + length) break;
      const std::uint8_t opcode = p[0] & 0x0F;
      if (opcode == 0x1) OnMessage(std::string_view(in_.data() + at + header, length));
      if (opcode == 0x9) Pong(std::string(in_.data() + at + header, length));
      at += header + length;
    }
    std::memmove(in_.data(), in_.data() + at, in_size_ - at);
    in_size_ -= at;
  }
  // Answers a ping (client frames are masked; a zero mask is allowed).
  void Pong(std::string payload) {
    auto frame = std::make_shared<std::string>();
    frame->push_back(static_cast<char>(0x8A));
    frame->push_back(static_cast<char>(0x80 | payload.size()));
    frame->append(4, '\0');
    *frame += payload;
    net::async_write(socket_, net::buffer(*frame), [frame](beast::error_code, std::size_t) {});
  }
  void OnMessage(std::string_view m) {
    const std::int64_t now = NowNs();
    // {"seq":..,"type":"request.created",..,"data":{"id":"<run>-<n>",..
    const std::size_t at = m.find(needle_);
    if (at == std::string_view::npos) return;
    std::size_t n = 0;
    for (std::size_t k = at + needle_.size(); k < m.size() && m[k] >= '0' && m[k] <= '9'; ++k) n = n * 10 + static_cast<std::size_t>(m[k] - '0');
    if (n >= seen_.size()) return;
    if (seen_[n]++ > 0) {
      ++duplicates_;
      return;
    }
    received_.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t sent = ledger_.sent_ns[n].load(std::memory_order_relaxed);
    if (sent > 0) latencies_ms_.push_back(static_cast<float>(static_cast<double>(now - sent) / 1e6));
  }

  tcp::socket socket_;
  std::string request_;
  std::string handshake_;     // the upgrade's answer, as read
  std::vector<char> in_;      // in_[0, in_size_): bytes read and not parsed yet
  std::size_t in_size_ = 0;
  const Ledger& ledger_;
  const std::string needle_;  // what precedes an event's number in a message
  std::vector<std::uint8_t> seen_;  // per event number: times received
  std::atomic<std::uint64_t> received_{0};
  std::uint64_t duplicates_ = 0;
  std::vector<float> latencies_ms_;
};

using biomatch::tools::Percentile;

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(o.host, o.port);
  const std::string run = "sl" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);

  // Subscriptions: one region per group.
  auto region = [&](int group) { return "CN/LD/" + run + "/g" + std::to_string(group); };
  {
    HttpClient setup(o.host, o.port, o.token);
    for (int g = 0; g < o.groups; ++g) {
      const unsigned status = setup.Call(http::verb::put, "/v1/subscriptions/" + run + "-g" + std::to_string(g),
                                         R"({"types":["request.created"],"region":")" + region(g) + "\"}")
                                  .status;
      if (status != 200 && status != 201) {
        std::fprintf(stderr, "biomatch_stream_load: PUT subscription answered %u\n", status);
        return 1;
      }
    }
  }

  const auto planned = static_cast<std::size_t>(o.rate * o.duration);
  Ledger ledger(planned);
  std::vector<std::shared_ptr<Receiver>> receivers;
  std::atomic<int> ready{0}, failed{0};
  for (int i = 0; i < o.connections; ++i) {
    receivers.push_back(std::make_shared<Receiver>(ioc, ledger, run));
    receivers.back()->Start(endpoints, o.host, "/v1/stream?subscriptions=" + run + "-g" + std::to_string(i % o.groups),
                            o.token, &ready, &failed);
  }
  auto guard = net::make_work_guard(ioc);
  std::vector<std::thread> io;
  for (int t = 0; t < o.threads; ++t) io.emplace_back([&] { ioc.run(); });
  while (ready + failed < o.connections) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (failed > 0) std::fprintf(stderr, "biomatch_stream_load: %d streams failed to open\n", failed.load());
  std::fprintf(stderr, "biomatch_stream_load: %d streams open; writing %zu events at %.0f/s\n", ready.load(), planned,
               o.rate);

  // Writers: event i is due at start + i / rate; writer w takes i % writers == w.
  const Clock::time_point start = Clock::now() + std::chrono::milliseconds(100);
  std::vector<std::thread> writers;
  for (int w = 0; w < o.writers; ++w) {
    writers.emplace_back([&, w] {
      HttpClient client(o.host, o.port, o.token);
      for (std::size_t i = static_cast<std::size_t>(w); i < planned; i += static_cast<std::size_t>(o.writers)) {
        std::this_thread::sleep_until(start + std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / o.rate)));
        const std::string body =
            R"({"requester":{"id":"org-load","type":"enterprise"},"category":"analysis/mass-spectrometry",)"
            R"("text":"load","stage":"discovery","quantity":1,"unit":"sample",)"
            R"("window":{"earliest_start":"2030-01-01T00:00:00Z","deadline":"2030-02-01T00:00:00Z"},"region":")" +
            region(static_cast<int>(i % static_cast<std::size_t>(o.groups))) + "\"}";
        ledger.sent_ns[i].store(NowNs(), std::memory_order_relaxed);
        if (client.Call(http::verb::put, "/v1/requests/" + run + "-" + std::to_string(i), body).status == 201) {
          ledger.acked[i].store(true);
          ledger.produced.fetch_add(1, std::memory_order_relaxed);
        } else {
          ledger.write_errors.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  const double written_s = std::chrono::duration<double>(Clock::now() - start).count();

  // Wait (at most 10 s) for every stream to have every event of its group.
  auto delivered = [&] {
    std::uint64_t n = 0;
    for (const auto& r : receivers) n += r->received();
    return n;
  };
  const std::uint64_t expected_per_group = planned / static_cast<std::size_t>(o.groups);
  const std::uint64_t expected = expected_per_group * static_cast<std::uint64_t>(ready.load());
  const Clock::time_point drain_deadline = Clock::now() + std::chrono::seconds(10);
  Clock::time_point last_change = Clock::now();
  for (std::uint64_t before = delivered(); delivered() < expected && Clock::now() < drain_deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::uint64_t now_delivered = delivered();
    if (now_delivered != before) last_change = Clock::now();
    before = now_delivered;
  }
  const double elapsed_s = std::chrono::duration<double>(last_change - start).count();
  for (auto& r : receivers) r->Close();
  guard.reset();
  for (auto& t : io) t.join();

  std::uint64_t duplicates = 0, missing = 0, messages = 0;
  std::vector<float> latencies;
  for (std::size_t i = 0; i < receivers.size(); ++i) {
    duplicates += receivers[i]->duplicates();
    missing += receivers[i]->Missing(static_cast<int>(i % static_cast<std::size_t>(o.groups)), o.groups);
    messages += receivers[i]->received();
    auto& l = receivers[i]->latencies_ms();
    latencies.insert(latencies.end(), l.begin(), l.end());
  }
  const double rate = static_cast<double>(messages) / elapsed_s;
  std::printf("streams %d (%d groups), events written %zu in %.2f s (%.0f/s), write errors %llu\n", ready.load(),
              o.groups, ledger.produced.load(), written_s, static_cast<double>(ledger.produced.load()) / written_s,
              static_cast<unsigned long long>(ledger.write_errors.load()));
  std::printf("messages delivered %llu in %.2f s: %.0f/s; lost %llu, duplicated %llu\n",
              static_cast<unsigned long long>(messages), elapsed_s, rate, static_cast<unsigned long long>(missing),
              static_cast<unsigned long long>(duplicates));
  std::printf("write-to-receive latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
              Percentile(latencies, 0.5), Percentile(latencies, 0.9), Percentile(latencies, 0.99),
              Percentile(latencies, 0.999), Percentile(latencies, 1.0));
  if (!o.json_out.empty()) {
    std::ofstream out(o.json_out);
    out << "{\"streams\":" << ready.load() << ",\"groups\":" << o.groups << ",\"events\":" << ledger.produced.load()
        << ",\"events_per_s\":" << static_cast<double>(ledger.produced.load()) / written_s
        << ",\"messages\":" << messages << ",\"messages_per_s\":" << rate << ",\"lost\":" << missing
        << ",\"duplicated\":" << duplicates << ",\"latency_ms\":{\"p50\":" << Percentile(latencies, 0.5)
        << ",\"p90\":" << Percentile(latencies, 0.9) << ",\"p99\":" << Percentile(latencies, 0.99)
        << ",\"p999\":" << Percentile(latencies, 0.999) << "}}\n";
  }
  return missing == 0 && duplicates == 0 ? 0 : 1;
}
