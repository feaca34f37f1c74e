// Protocol-level behaviour of a connection: pipelining, limits, timeouts,
// garbage. Raw sockets where a real client would refuse to misbehave.
#include <memory>
#include <thread>

#include "fixture.h"

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
