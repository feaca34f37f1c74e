// biomatch_replay_load: how long one agency's replay waits while many
// streams that replay from the start are abandoned at once.
//
//   biomatch_replay_load --target 127.0.0.1:8080 --token ADMIN_TOKEN
//                        [--events 100000] [--abandoned 500] [--rounds 3]
//
// Creates agency keys (the abandoned streams spread over keys of 50 streams
// each, within any per-key limit) and writes `events` request events in one
// bulk body, the last one for agency B's subscription. Then, `rounds`
// times: agency B's replay alone (from=1 to the last event, timed from the
// upgrade request to that event's arrival); `abandoned` streams opened with
// from=1 on a subscription nothing passes (every stored event is scanned),
// all closed at once without a closing handshake, and at once agency B's
// replay again; and the time from the close until the server's open streams
// (/metrics biomatch_stream_connections) are down to B's. Reports the
// median of each. Loopback only; every wait is bounded (60 s).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "http_client.h"
#include "load_common.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int kStreamsPerKey = 50;
constexpr std::chrono::seconds kTimeout{60};

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string token;
  int events = 100000;
  int abandoned = 500;
  int rounds = 3;
};

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr,
               "biomatch_replay_load: %s\n"
               "usage: biomatch_replay_load --target HOST:PORT --token ADMIN_TOKEN [--events N] [--abandoned N]\n"
               "                            [--rounds N]\n",
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
        } else if (name == "events") {
          o.events = std::stoi(value);
        } else if (name == "abandoned") {
          o.abandoned = std::stoi(value);
        } else if (name == "rounds") {
          o.rounds = std::stoi(value);
        } else {
          return false;
        }
        return true;
      },
      Usage);
  if (o.token.empty()) Usage("--token is required");
  if (o.events < 1 || o.abandoned < 1 || o.rounds < 1) Usage("counts must be positive");
  return o;
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "biomatch_replay_load: %s\n", what.c_str());
  std::exit(1);
}

std::string TokenOf(const std::string& body) {
  const std::size_t at = body.find("\"token\":\"");
  if (at == std::string::npos) Fail("no token in " + body);
  return body.substr(at + 9, body.find('"', at + 9) - at - 9);
}

// A stream opened with a Beast client (its reads bounded by kTimeout).
class Stream {
 public:
  Stream(const tcp::resolver::results_type& endpoints, const std::string& target, const std::string& token)
      : ws_(ioc_) {
    net::connect(ws_.next_layer(), endpoints);
    ws_.set_option(websocket::stream_base::decorator(
        [&](websocket::request_type& req) { req.set(http::field::authorization, "Bearer " + token); }));
    websocket::response_type res;
    beast::error_code ec;
    ws_.handshake(res, "biomatch", target, ec);
    if (ec) Fail("stream " + target + " refused: " + std::to_string(res.result_int()) + " " + res.body());
  }
  // Reads until a message containing `needle`.
  void ReadUntil(const std::string& needle) {
    beast::flat_buffer buffer;
    for (;;) {
      std::optional<beast::error_code> result;
      buffer.clear();
      ws_.async_read(buffer, [&](beast::error_code ec, std::size_t) { result = ec; });
      ioc_.restart();
      ioc_.run_for(kTimeout);
      if (!result || *result) Fail("the replay did not arrive");
      if (beast::buffers_to_string(buffer.data()).find(needle) != std::string::npos) return;
    }
  }
  // Closes without a closing handshake, as a client that goes away.
  void Drop() {
    beast::error_code ignored;
    ws_.next_layer().close(ignored);
  }

 private:
  net::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  net::io_context ioc;
  const auto endpoints = tcp::resolver(ioc).resolve(o.host, o.port);
  // One call on a connection of its own.
  auto call = [&](const std::string& token, http::verb method, const std::string& target, std::string body = {},
                  std::string_view content_type = "application/json") {
    return biomatch::tools::HttpClient(o.host, o.port, token, kTimeout).Call(method, target, std::move(body), content_type);
  };
  const std::string run = "rl" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000000);

  // Keys and subscriptions: B's passes the last event only; the abandoned
  // streams' passes nothing, so their replays scan every stored event.
  auto new_key = [&](const std::string& name) {
    const auto res = call(o.token, http::verb::post, "/v1/keys", R"({"name":")" + name + R"(","role":"agency"})");
    if (res.status != 201) Fail("POST /v1/keys answered " + std::to_string(res.status) + " " + res.body);
    return TokenOf(res.body);
  };
  const std::string b_token = new_key(run + "-b");
  std::vector<std::string> a_tokens;
  for (int i = 0; i * kStreamsPerKey < o.abandoned; ++i) a_tokens.push_back(new_key(run + "-a" + std::to_string(i)));
  auto subscribe = [&](const std::string& token, const std::string& id, const std::string& requester) {
    const auto res = call(token, http::verb::put, "/v1/subscriptions/" + id,
                          R"({"types":["request.created"],"requester_ids":[")" + requester + "\"]}");
    if (res.status != 201) Fail("PUT subscription answered " + std::to_string(res.status) + " " + res.body);
  };
  subscribe(b_token, run + "-b", run + "-org-b");
  for (std::size_t i = 0; i < a_tokens.size(); ++i) subscribe(a_tokens[i], run + "-a" + std::to_string(i), run + "-nobody");

  std::string bulk;
  auto line = [&](int n, const std::string& requester) {
    bulk += R"({"op":"put","type":"request","id":")" + run + "-r" + std::to_string(n) +
            R"(","doc":{"requester":{"id":")" + requester + R"(","type":"enterprise"},"category":"analysis/mass-spectrometry",)"
            R"("text":"replay load","stage":"discovery","quantity":1,"unit":"sample",)"
            R"("window":{"earliest_start":"2030-01-01T00:00:00Z","deadline":"2030-02-01T00:00:00Z"}}})" "\n";
  };
  for (int n = 0; n + 1 < o.events; ++n) line(n, run + "-org-other");
  line(o.events - 1, run + "-org-b");
  const auto loaded = call(o.token, http::verb::post, "/v1/bulk", std::move(bulk), "application/x-ndjson");
  if (loaded.status != 200) Fail("POST /v1/bulk answered " + std::to_string(loaded.status));
  const std::string last = "\"id\":\"" + run + "-r" + std::to_string(o.events - 1) + "\"";
  const std::string b_target = "/v1/stream?from=1&subscriptions=" + run + "-b";

  auto replay_b = [&] {
    const auto start = Clock::now();
    Stream b(endpoints, b_target, b_token);
    b.ReadUntil(last);
    return Clock::now() - start;
  };
  auto open_streams = [&] {
    const auto res = call("", http::verb::get, "/metrics");
    const std::size_t at = res.body.find("\nbiomatch_stream_connections ");
    if (at == std::string::npos) Fail("no biomatch_stream_connections in /metrics");
    return std::stol(res.body.substr(at + 29));
  };
  // Until the server has let go of every stream but `keep`.
  auto wait_open = [&](long keep) {
    const auto deadline = Clock::now() + kTimeout;
    while (open_streams() > keep) {
      if (Clock::now() > deadline) Fail("streams still open after 60 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  };

  std::vector<double> alone, crowded, freed;
  for (int round = 0; round < o.rounds; ++round) {
    wait_open(0);
    alone.push_back(Ms(replay_b()));
    wait_open(0);
    std::vector<std::unique_ptr<Stream>> abandoned;
    for (int i = 0; i < o.abandoned; ++i) {
      const std::size_t key = static_cast<std::size_t>(i / kStreamsPerKey);
      abandoned.push_back(std::make_unique<Stream>(
          endpoints, "/v1/stream?from=1&subscriptions=" + run + "-a" + std::to_string(key), a_tokens[key]));
    }
    for (auto& s : abandoned) s->Drop();
    const auto dropped = Clock::now();
    std::atomic<double> freed_ms{-1};
    std::thread poller([&] {
      wait_open(1);  // B's own stream may be open meanwhile
      freed_ms = Ms(Clock::now() - dropped);
    });
    crowded.push_back(Ms(replay_b()));
    poller.join();
    freed.push_back(freed_ms);
    std::printf("round %d: B's replay alone %.1f ms; after %d streams abandoned %.1f ms; their slots free after %.1f ms\n",
                round + 1, alone.back(), o.abandoned, crowded.back(), freed.back());
  }
  using biomatch::tools::Percentile;
  std::printf("events %d, abandoned streams %d, rounds %d (medians): replay alone %.1f ms, after abandonment %.1f ms, "
              "slots free after %.1f ms\n",
              o.events, o.abandoned, o.rounds, Percentile(alone, 0.5), Percentile(crowded, 0.5), Percentile(freed, 0.5));
  return 0;
}
