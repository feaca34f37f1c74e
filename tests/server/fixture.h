// Server test helpers: a real biomatch Server on an ephemeral loopback port
// with a fresh data directory, and a real Beast HTTP/1.1 client.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include "biomatch/server/server.h"
#include "testutil.h"

namespace biomatch::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

inline constexpr const char* kAdminToken = "test-admin-token";

struct Reply {
  unsigned status = 0;
  std::string body;
  http::fields headers;
  std::string header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : std::string(it->value());
  }
};

// One keep-alive connection.
class Client {
 public:
  explicit Client(std::uint16_t port, std::string token = kAdminToken) : stream_(ioc_), token_(std::move(token)) {
    stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }
  Reply Call(http::verb method, const std::string& target, const std::string& body = {},
             std::string content_type = "application/json", std::map<std::string, std::string> headers = {}) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    if (!content_type.empty() && (method == http::verb::put || method == http::verb::post)) {
      req.set(http::field::content_type, content_type);
    }
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(stream_, req);
    return Read();
  }
  Reply Read() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(1u << 30);
    http::read(stream_, buffer_, parser);
    const auto& res = parser.get();
    return Reply{res.result_int(), res.body(), res.base()};
  }
  Reply Get(const std::string& target) { return Call(http::verb::get, target); }
  Reply Put(const std::string& target, const std::string& body) { return Call(http::verb::put, target, body); }
  Reply Post(const std::string& target, const std::string& body = "{}") { return Call(http::verb::post, target, body); }
  Reply Delete(const std::string& target) { return Call(http::verb::delete_, target); }
  beast::tcp_stream& stream() { return stream_; }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string token_;
};

// A WebSocket client of GET /v1/stream. Every read gives up (and fails the
// test) after `timeout`, so a missing message never hangs a test.
class StreamClient {
 public:
  // Connects and asks for the upgrade of `target` ("/v1/stream?subscriptions=s1"),
  // with `token` as a bearer header unless empty and `protocols` as the
  // offered subprotocols. `receive_buffer` > 0 shrinks the socket's buffer.
  StreamClient(std::uint16_t port, const std::string& target, const std::string& token = kAdminToken,
               const std::string& protocols = "", int receive_buffer = 0)
      : ws_(ioc_) {
    auto& socket = ws_.next_layer();
    socket.open(net::ip::tcp::v4());
    if (receive_buffer > 0) socket.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws_.set_option(beast::websocket::stream_base::decorator([&](beast::websocket::request_type& req) {
      if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
      if (!protocols.empty()) req.set(http::field::sec_websocket_protocol, protocols);
    }));
    ws_.handshake(response_, "127.0.0.1", target, error_);
    ws_.control_callback([this](beast::websocket::frame_type kind, beast::string_view) {
      if (kind == beast::websocket::frame_type::ping) ++pings_;
    });
  }
  bool ok() const { return !error_; }
  unsigned status() const { return response_.result_int(); }
  // The body of a refused upgrade.
  const std::string& body() const { return response_.body(); }
  std::string header(http::field f) const { return std::string(response_[f]); }
  beast::error_code error() const { return error_; }
  // The close reason the server sent, once Next returned "" for a close.
  beast::websocket::close_reason reason() const { return ws_.reason(); }
  // Pings received so far (each is answered while Next reads).
  int pings() const { return pings_; }

  // The next text message; "" when the stream ended (error() says why).
  std::string Next(std::chrono::seconds timeout = std::chrono::seconds(20)) {
    std::optional<beast::error_code> result;
    buffer_.clear();
    ws_.async_read(buffer_, [&](beast::error_code ec, std::size_t) { result = ec; });
    ioc_.restart();
    ioc_.run_for(timeout);
    if (!result) {
      ADD_FAILURE() << "no message within " << timeout.count() << " s";
      beast::error_code ignored;
      ws_.next_layer().close(ignored);
      ioc_.restart();
      ioc_.run();
      error_ = net::error::timed_out;
      return "";
    }
    error_ = *result;
    return error_ ? "" : beast::buffers_to_string(buffer_.data());
  }
  void Close() {
    beast::error_code ignored;
    ws_.close(beast::websocket::close_code::normal, ignored);
  }
  // Closes the connection without a closing handshake, as a client that
  // goes away does.
  void Drop() {
    beast::error_code ignored;
    ws_.next_layer().close(ignored);
  }

 private:
  net::io_context ioc_;
  beast::websocket::stream<net::ip::tcp::socket> ws_;
  beast::websocket::response_type response_;
  beast::flat_buffer buffer_;
  beast::error_code error_;
  int pings_ = 0;
};

// Reads a field of a flat JSON message: the number or string after "name":.
inline std::string JsonValue(const std::string& json, const std::string& name) {
  const std::size_t at = json.find("\"" + name + "\":");
  if (at == std::string::npos) return "";
  std::size_t start = at + name.size() + 3;
  if (json[start] == '"') {
    ++start;
    return json.substr(start, json.find('"', start) - start);
  }
  const std::size_t end = json.find_first_of(",}]", start);
  return json.substr(start, end - start);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }
  void TearDown() override { server_.reset(); }

  virtual void Configure(server::ServerOptions*) {}
  void StartServer() {
    server::ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.data_dir = (dir_.path() / "data").string();
    o.threads = 2;
    o.admin_token = kAdminToken;
    Configure(&o);
    auto started = server::Server::Start(o);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
  }
  Client NewClient(std::string token = kAdminToken) { return Client(server_->port(), std::move(token)); }
  // A new key of `role`; returns its token.
  std::string NewKey(const std::string& name, const std::string& role) {
    Client c = NewClient();
    Reply r = c.Post("/v1/keys", R"({"name":")" + name + R"(","role":")" + role + R"("})");
    EXPECT_EQ(r.status, 201u) << r.body;
    const std::size_t at = r.body.find("\"token\":\"");
    return r.body.substr(at + 9, r.body.find('"', at + 9) - at - 9);
  }

  TempDir dir_;
  std::unique_ptr<server::Server> server_;
};

// JSON documents shaped like API.md's examples.
inline std::string PlatformJson(const std::string& name = "华西新药安全性评价中心") {
  return R"({"name":")" + name + R"(","kind":"technology_service","level":"provincial",)"
         R"("region":"CN/SC/chengdu/gaoxin","location":{"lat":30.57,"lon":104.06},)"
         R"("qualifications":[{"name":"GLP","valid_until":"2035-06-30T00:00:00Z"},"AAALAC"],"open":true,)"
         R"("evaluation":{"service_capability":88,"management":81,"output":90,"basic_conditions":86}})";
}

inline std::string CapabilityJson(const std::string& platform = "p1", int units = 3) {
  return R"({"platform_id":")" + platform + R"(","category":"preclinical/safety/repeat-dose-toxicity",)"
         R"x("title":"大鼠28天重复给药毒性试验 (GLP)","description":"SD大鼠","keywords":["rat","28-day","GLP"],)x"
         R"("stages":["preclinical"],"unit":"study","price_per_unit":380000,)"
         R"("slots":[{"start":"2030-12-01T00:00:00Z","end":"2031-01-01T00:00:00Z","units":)" +
         std::to_string(units) + "}]}";
}

inline std::string RequestJson(int quantity = 1) {
  return R"({"requester":{"id":"org-42","type":"enterprise"},"category":"preclinical/safety",)"
         R"("text":"需要GLP大鼠重复给药毒性试验","keywords":["rat","toxicity"],"stage":"preclinical",)"
         R"("quantity":)" + std::to_string(quantity) + R"(,"unit":"study","budget_max":null,)"
         R"("window":{"earliest_start":"2030-12-01T00:00:00Z","deadline":"2031-03-01T00:00:00Z"},)"
         R"("location":{"lat":30.6,"lon":104.1},"max_distance_km":800,"region":null,)"
         R"("required_qualifications":["GLP"],"weights":null})";
}

}  // namespace biomatch::testing
