// Protocol-level behaviour of a connection: pipelining, limits, timeouts,
// garbage. Raw sockets where a real client would refuse to misbehave.
#include <unistd.h>

#include <functional>
#include <memory>
#include <thread>
#include <tuple>
#include <vector>

#include "fixture.h"
#include "http_session.h"
#include "output_budget.h"

namespace biomatch::testing {
namespace {

using namespace std::string_literals;

class HttpSessionTest : public ServerTest {
 protected:
  void Configure(server::ServerOptions* o) override { o->header_timeout = std::chrono::seconds(1); }

  // Writes raw bytes and reads until the server closes the connection.
  std::string RawExchange(const std::string& bytes) {
    net::io_context ioc;
    net::ip::tcp::socket socket(ioc);
    socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
    net::write(socket, net::buffer(bytes));
    std::string out;
    beast::error_code ec;
    char buf[4096];
    for (;;) {
      const std::size_t n = socket.read_some(net::buffer(buf), ec);
      if (ec) break;
      out.append(buf, n);
    }
    return out;
  }

  // Writes `bytes`, then reads until the server closes or `limit` passes.
  struct Exchange {
    std::string reply;
    bool closed = false;  // the server closed within the limit
  };
  Exchange ExchangeWithin(const std::string& bytes, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    net::io_context ioc;
    net::ip::tcp::socket socket(ioc);
    socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
    net::write(socket, net::buffer(bytes));
    Exchange out;
    char buf[4096];
    std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec, std::size_t n) {
      if (ec) {
        out.closed = true;
        return;
      }
      out.reply.append(buf, n);
      socket.async_read_some(net::buffer(buf), on_read);
    };
    socket.async_read_some(net::buffer(buf), on_read);
    ioc.run_for(limit);
    return out;
  }
};

TEST_F(HttpSessionTest, PipelinedRequestsAreAnsweredInOrder) {
  Client c = NewClient();
  ASSERT_EQ(c.Put("/v1/platforms/p1", PlatformJson()).status, 201u);
  std::string batch;
  for (const char* target : {"/v1/platforms/p1", "/v1/platforms/missing", "/healthz", "/v1/platforms/p1"}) {
    batch += std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kAdminToken + "\r\n\r\n";
  }
  net::write(c.stream().socket(), net::buffer(batch));
  EXPECT_EQ(c.Read().status, 200u);
  EXPECT_EQ(c.Read().status, 404u);
  EXPECT_EQ(c.Read().body, R"({"status":"ok"})");
  EXPECT_EQ(c.Read().status, 200u);
}

TEST_F(HttpSessionTest, DurableWritesKeepPipelineOrder) {
  Client c = NewClient();
  std::string batch;
  const std::string body = PlatformJson();
  for (int i = 0; i < 8; ++i) {
    batch += "PUT /v1/platforms/p" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kAdminToken +
             "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    batch += "GET /v1/platforms/p" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
             std::string(kAdminToken) + "\r\n\r\n";
  }
  net::write(c.stream().socket(), net::buffer(batch));
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(c.Read().status, 201u) << i;
    Reply got = c.Read();
    EXPECT_EQ(got.status, 200u) << i;
    EXPECT_NE(got.body.find("\"id\":\"p" + std::to_string(i) + "\""), std::string::npos);
  }
}

// Whatever arrives with a read is parsed at once; what is missing is read
// on: a request cut anywhere, even a byte at a time, is answered.
TEST_F(HttpSessionTest, RequestsArrivingInPiecesAreAssembled) {
  Client c = NewClient();
  const std::string body = PlatformJson();
  const std::string request = "PUT /v1/platforms/p1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                              std::string(kAdminToken) + "\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  const std::size_t header_end = request.find("\r\n\r\n") + 4;
  for (const std::size_t cut : {std::size_t{5}, header_end - 1, header_end, header_end + body.size() / 2}) {
    net::write(c.stream().socket(), net::buffer(request.substr(0, cut)));
    net::write(c.stream().socket(), net::buffer(request.substr(cut)));
    const unsigned status = c.Read().status;
    EXPECT_TRUE(status == 201 || status == 200) << "cut at " << cut << ": " << status;
  }
  for (const char ch : "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"s) net::write(c.stream().socket(), net::buffer(&ch, 1));
  EXPECT_EQ(c.Read().body, R"({"status":"ok"})");
}

TEST_F(HttpSessionTest, OversizedHeaderGets431AndClose) {
  const std::string reply =
      RawExchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0u) << reply.substr(0, 100);
  EXPECT_EQ(NewClient().Get("/healthz").status, 200u);
}

TEST_F(HttpSessionTest, OversizedBodyGets413) {
  const std::string reply = RawExchange("PUT /v1/platforms/p1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                        std::string(kAdminToken) +
                                        "\r\nContent-Type: application/json\r\nContent-Length: 9000000\r\n\r\n{");
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply.substr(0, 100);
  EXPECT_NE(reply.find("payload_too_large"), std::string::npos);
}

TEST_F(HttpSessionTest, GarbageGets400AndTheServerStaysUp) {
  for (const std::string& garbage : {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
                                    std::string("HELLO THERE\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
                                    std::string("GET /healthz HTTP/1.1\r\nContent-Length: -5\r\n\r\n")}) {
    const std::string reply = RawExchange(garbage);
    EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply.substr(0, 60);
  }
  EXPECT_EQ(NewClient().Get("/healthz").status, 200u);
}

TEST_F(HttpSessionTest, SlowHeaderIsCutOff) {
  // Half a header, then nothing: the server closes after header_timeout (1 s
  // here) instead of holding the connection; the read returns at the close.
  const std::string reply = RawExchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  EXPECT_TRUE(reply.empty()) << reply;
  EXPECT_EQ(NewClient().Get("/healthz").status, 200u);
}

TEST_F(HttpSessionTest, Http10ClosesAfterTheResponse) {
  const std::string reply = RawExchange("GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.0 200", 0), 0u) << reply;
  EXPECT_NE(reply.find(R"({"status":"ok"})"), std::string::npos);
}

// RFC 9112 6.3: a Transfer-Encoding that does not end with chunked makes the
// length unknowable, whatever Content-Length says: 400 and close, so the
// request smuggled behind it is never answered.
TEST_F(HttpSessionTest, TransferEncodingNotEndingWithChunkedIs400AndClose) {
  const Exchange x = ExchangeWithin(
      "POST /v1/match HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kAdminToken) +
      "\r\nContent-Type: application/json\r\nTransfer-Encoding: xchunked\r\nContent-Length: 2\r\n\r\n{}"
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(x.reply.rfind("HTTP/1.1 400", 0), 0u) << x.reply;
  EXPECT_EQ(x.reply.find("HTTP/1.1", 1), std::string::npos) << "the request behind it is not answered: " << x.reply;
  EXPECT_TRUE(x.closed);
}

TEST_F(HttpSessionTest, ContentLengthAboveTheBulkLimitIs413) {
  const Exchange x = ExchangeWithin("POST /v1/bulk HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                    std::string(kAdminToken) +
                                    "\r\nContent-Type: application/x-ndjson\r\nContent-Length: 300000000\r\n\r\n{");
  EXPECT_EQ(x.reply.rfind("HTTP/1.1 413", 0), 0u) << x.reply.substr(0, 100);
  EXPECT_NE(x.reply.find("payload_too_large"), std::string::npos);
  EXPECT_TRUE(x.closed);
}

// Route, method, token and role are judged from the header: a refused body
// is never waited for (200 MiB announced, 64 KiB sent, nothing more).
TEST_F(HttpSessionTest, RefusalsAreAnsweredBeforeTheBody) {
  const std::string portal = NewKey("portal-1", "portal");
  const std::string body(64 << 10, 'x');
  auto request = [&](const std::string& line, const std::string& token) {
    return line + " HTTP/1.1\r\nHost: x\r\n" + (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") +
           "Content-Type: application/x-ndjson\r\nContent-Length: 209715200\r\n\r\n" + body;
  };
  for (const auto& [line, token, status] : {std::tuple<std::string, std::string, std::string>{"POST /v1/bulk", "", "401"},
                                            {"POST /v1/bulk", "not-a-token", "401"},
                                            {"POST /v1/keys", portal, "403"},
                                            {"POST /v1/nothing", kAdminToken, "404"},
                                            {"PUT /v1/bulk", kAdminToken, "405"}}) {
    const Exchange x = ExchangeWithin(request(line, token));
    EXPECT_EQ(x.reply.rfind("HTTP/1.1 " + status, 0), 0u) << line << ": " << x.reply.substr(0, 100);
    EXPECT_TRUE(x.closed) << line;
  }
  EXPECT_EQ(NewClient().Get("/healthz").status, 200u);
}

TEST_F(HttpSessionTest, HeadAnswersLikeGetWithoutTheBody) {
  const Exchange x = ExchangeWithin("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                    "HEAD /v1/platforms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                    std::string(kAdminToken) + "\r\nConnection: close\r\n\r\n");
  const std::size_t first_end = x.reply.find("\r\n\r\n");
  ASSERT_NE(first_end, std::string::npos) << x.reply;
  const std::string first = x.reply.substr(0, first_end);
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << x.reply;
  EXPECT_NE(first.find("Content-Length: 15"), std::string::npos) << first;
  // No body: the GET's answer follows the HEAD's header at once.
  EXPECT_EQ(x.reply.substr(first_end + 4, 12), "HTTP/1.1 200") << x.reply;
  const std::size_t third = x.reply.rfind("HTTP/1.1 ");
  EXPECT_EQ(x.reply.substr(third, 12), "HTTP/1.1 200") << x.reply;
  EXPECT_EQ(x.reply.substr(x.reply.size() - 4), "\r\n\r\n") << "HEAD /v1/platforms has no body: " << x.reply;
  EXPECT_TRUE(x.closed);
}

// 8 clients pipeline 16 requests for 4 MB answers each and never read: the
// server stops reading each once its answers pass the connection's share
// (2 MiB), answers those that would pass the server's budget (8 MiB) with a
// small 503 and closes, stays within the budget, and still answers everyone
// else.
class OutputBudgetTest : public HttpSessionTest {
 protected:
  void Configure(server::ServerOptions* o) override {
    o->demo = true;  // 2,000 capabilities: limit=1000 answers some 4 MB
    o->output_budget = 8u << 20;
    o->connection_output = 2u << 20;
  }
  static std::uint64_t Metric(const std::string& metrics, const std::string& line_start) {
    const std::size_t at = metrics.find("\n" + line_start + " ");
    return at == std::string::npos ? 0 : std::stoull(metrics.substr(at + line_start.size() + 2));
  }
};

TEST_F(OutputBudgetTest, PipelinersThatNeverReadStayWithinTheBudget) {
  constexpr int kClients = 8, kPipelined = 16;
  std::string batch;
  for (int i = 0; i < kPipelined; ++i) {
    batch += "GET /v1/capabilities?limit=1000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + std::string(kAdminToken) +
             "\r\n\r\n";
  }
  net::io_context ioc;
  std::vector<std::unique_ptr<net::ip::tcp::socket>> hostile;
  for (int i = 0; i < kClients; ++i) {
    auto socket = std::make_unique<net::ip::tcp::socket>(ioc);
    socket->open(net::ip::tcp::v4());
    socket->set_option(net::socket_base::receive_buffer_size(4096));
    socket->connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
    net::write(*socket, net::buffer(batch));
    hostile.push_back(std::move(socket));
  }
  Client observer = NewClient();
  const std::string handled = "biomatch_http_requests_total{route=\"GET /v1/capabilities\",status=\"200\"}";
  // Every client has its first request handled...
  std::string metrics;
  for (int i = 0; i < 400 && Metric(metrics, handled) < kClients; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    metrics = observer.Get("/metrics").body;
  }
  ASSERT_GE(Metric(metrics, handled), static_cast<std::uint64_t>(kClients)) << metrics;
  // ... and, for a while after, no more (without a bound: all 128 at once).
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    metrics = observer.Get("/metrics").body;
    EXPECT_LE(Metric(metrics, handled), 2u * kClients) << "requests read while their answers wait";
    EXPECT_LE(Metric(metrics, "biomatch_output_buffered_bytes"), 8u << 20) << "past the budget";
  }
  EXPECT_EQ(NewClient().Get("/healthz").status, 200u) << "small answers still go out";
  // A client whose answer did not fit is told to retry.
  bool refused = false;
  for (auto& socket : hostile) {
    net::ip::tcp::socket& s = *socket;
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    beast::error_code ec;
    http::read(s, buffer, parser, ec);
    ASSERT_FALSE(ec) << ec.message();
    refused = refused || parser.get().result_int() == 503;
  }
  EXPECT_TRUE(refused);
}

// The limits' flags: smaller limits than the defaults, and a cap on connections.
class ConfiguredLimitsTest : public HttpSessionTest {
 protected:
  void Configure(server::ServerOptions* o) override {
    o->header_limit = 1024;
    o->body_limit = 1u << 20;
    o->max_connections = 2;
  }
};

TEST_F(ConfiguredLimitsTest, HeaderAndBodyLimitsAreTheConfiguredOnes) {
  const std::string header = RawExchange("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  EXPECT_EQ(header.rfind("HTTP/1.1 431", 0), 0u) << header.substr(0, 100);
  EXPECT_NE(header.find("larger than 1 KiB"), std::string::npos) << header;
  const std::string body = RawExchange("PUT /v1/platforms/p1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                       std::string(kAdminToken) +
                                       "\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n{");
  EXPECT_EQ(body.rfind("HTTP/1.1 413", 0), 0u) << body.substr(0, 100);
  EXPECT_NE(body.find("exceeds the limit of 1048576"), std::string::npos) << body;
}

TEST_F(ConfiguredLimitsTest, ConnectionsBeyondTheCapAreClosed) {
  Client first = NewClient();
  auto second = std::make_unique<Client>(server_->port());
  ASSERT_EQ(first.Get("/healthz").status, 200u);
  ASSERT_EQ(second->Get("/healthz").status, 200u);
  EXPECT_EQ(RawExchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), "") << "a third connection is closed at once";
  EXPECT_NE(first.Get("/metrics").body.find("\nbiomatch_http_connections_refused_total 1\n"), std::string::npos);
  // Once one closes, a new connection is served.
  second.reset();
  std::string reply;
  for (int i = 0; i < 100 && reply.empty(); ++i) {
    reply = RawExchange("GET /healthz HTTP/1.0\r\n\r\n");
    if (reply.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(reply.rfind("HTTP/1.0 200", 0), 0u) << reply;
}

}  // namespace
}  // namespace biomatch::testing

namespace biomatch::testing {
namespace {

// A handler that answers every request `delay` after it arrives, from a
// timer: a request that takes long to handle (a large bulk load).
class SlowHandler final : public server::Handler {
 public:
  SlowHandler(net::io_context& ioc, std::chrono::milliseconds delay) : ioc_(ioc), delay_(delay) {}
  void Handle(server::HttpRequest&&, std::function<void(server::HttpResponse)> respond) override {
    auto timer = std::make_shared<net::steady_timer>(ioc_, delay_);
    timer->async_wait([timer, respond = std::move(respond)](beast::error_code) {
      server::HttpResponse res{http::status::ok, 11};
      res.body() = "done";
      res.prepare_payload();
      respond(std::move(res));
    });
  }
  Upgrade HandleUpgrade(const server::HttpRequest&) override { return {}; }
  Screening Screen(const server::HttpRequest&) override { return {std::nullopt, 1u << 20, true}; }
  bool Draining() const override { return false; }

 private:
  net::io_context& ioc_;
  std::chrono::milliseconds delay_;
};

// The idle timeout is for a connection with nothing in flight: a request
// that takes longer than it to handle still gets its answer.
TEST(HttpSessionIdleTest, AnswerSlowerThanTheIdleTimeoutIsStillWritten) {
  net::io_context ioc;
  server::ServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  server::OutputBudget budget(1 << 20, 1 << 20);
  SlowHandler handler(ioc, std::chrono::milliseconds(2500));
  net::ip::tcp::acceptor acceptor(ioc, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  acceptor.async_accept([&](beast::error_code ec, net::ip::tcp::socket socket) {
    ASSERT_FALSE(ec);
    std::make_shared<server::HttpSession>(std::move(socket), handler, budget, options)->Run();
  });
  std::thread server_thread([&] { ioc.run_for(std::chrono::seconds(10)); });
  Client client(acceptor.local_endpoint().port(), "");
  Reply reply;
  EXPECT_NO_THROW(reply = client.Get("/slow"));
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.body, "done");
  // Idle from here on: the connection closes after the idle timeout.
  bool closed = false;
  char byte = 0;
  net::io_context client_ioc;
  net::ip::tcp::socket idle(client_ioc);
  idle.assign(net::ip::tcp::v4(), ::dup(client.stream().socket().native_handle()));
  idle.async_read_some(net::buffer(&byte, 1), [&](beast::error_code ec, std::size_t) { closed = ec.failed(); });
  client_ioc.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(closed) << "an idle connection outlived the idle timeout";
  ioc.stop();
  server_thread.join();
}

}  // namespace
}  // namespace biomatch::testing
