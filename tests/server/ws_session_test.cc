// The WebSocket side of a stream, against a raw client: frames the server
// must refuse (RFC 6455 5.5.1, 7.4, 8.1) and a client that pings and never
// reads. Every read has a deadline, so a missing frame fails, never hangs.
#include "ws_session.h"

#include <array>
#include <functional>
#include <memory>
#include <optional>

#include "fixture.h"

namespace biomatch::testing {
namespace {

// A raw WebSocket client of GET /v1/stream: masks what it sends, reads the
// server's unmasked frames.
class RawStream {
 public:
  struct Frame {
    std::uint8_t opcode = 0;
    std::string payload;
  };

  RawStream(std::uint16_t port, const std::string& subscription, int receive_buffer = 0) : socket_(ioc_) {
    socket_.open(net::ip::tcp::v4());
    if (receive_buffer > 0) socket_.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    socket_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    const std::string upgrade = "GET /v1/stream?subscriptions=" + subscription +
                                " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                                "Authorization: Bearer " + std::string(kAdminToken) + "\r\n\r\n";
    net::write(socket_, net::buffer(upgrade));
    const std::size_t end = net::read_until(socket_, net::dynamic_buffer(buffer_), "\r\n\r\n");
    status_ = buffer_.substr(0, 12);
    buffer_.erase(0, end);
  }
  const std::string& status() const { return status_; }

  void Send(std::uint8_t opcode, std::string_view payload, bool fin = true) { SendRaw(Encode(opcode, payload, fin)); }
  void SendRaw(const std::string& frames) { net::write(socket_, net::buffer(frames)); }
  static std::string Encode(std::uint8_t opcode, std::string_view payload, bool fin = true) {
    static constexpr std::array<std::uint8_t, 4> kMask = {0x12, 0x34, 0x56, 0x78};
    std::string f;
    f += static_cast<char>((fin ? 0x80 : 0) | opcode);
    if (payload.size() < 126) {
      f += static_cast<char>(0x80 | payload.size());
    } else {
      f += static_cast<char>(0x80 | 126);
      f += static_cast<char>(payload.size() >> 8);
      f += static_cast<char>(payload.size() & 0xFF);
    }
    for (const std::uint8_t m : kMask) f += static_cast<char>(m);
    for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ kMask[i % 4]);
    return f;
  }
  static std::string Close(std::uint16_t code, std::string_view reason = "") {
    std::string p{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    p += reason;
    return p;
  }

  // The next frame from the server; none if the connection ended or nothing
  // came within `limit`.
  std::optional<Frame> Next(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    for (;;) {
      if (std::optional<Frame> f = Parse()) return f;
      std::optional<beast::error_code> result;
      char buf[65536];
      std::size_t got = 0;
      socket_.async_read_some(net::buffer(buf), [&](beast::error_code ec, std::size_t n) {
        result = ec;
        got = n;
      });
      ioc_.restart();
      ioc_.run_for(limit);
      if (!result) {
        socket_.cancel();
        ioc_.restart();
        ioc_.run();
        return std::nullopt;
      }
      if (*result) return std::nullopt;
      buffer_.append(buf, got);
    }
  }
  // The close code of the server's next frame, which must be a close.
  int NextCloseCode() {
    for (std::optional<Frame> f = Next(); f; f = Next()) {
      if (f->opcode == 0x9 || f->opcode == 0x1) continue;  // a ping or an event before the close
      if (f->opcode != 0x8) return -1;
      if (f->payload.size() < 2) return 0;
      return static_cast<std::uint8_t>(f->payload[0]) << 8 | static_cast<std::uint8_t>(f->payload[1]);
    }
    return -2;  // no close within the deadline
  }

 private:
  std::optional<Frame> Parse() {
    if (buffer_.size() < 2) return std::nullopt;
    const auto* p = reinterpret_cast<const std::uint8_t*>(buffer_.data());
    std::size_t length = p[1] & 0x7F, header = 2;
    if (length == 126) {
      if (buffer_.size() < 4) return std::nullopt;
      length = static_cast<std::size_t>(p[2]) << 8 | p[3];
      header = 4;
    } else if (length == 127) {
      if (buffer_.size() < 10) return std::nullopt;
      length = 0;
      for (int i = 0; i < 8; ++i) length = length << 8 | p[2 + i];
      header = 10;
    }
    if (buffer_.size() < header + length) return std::nullopt;
    Frame f{static_cast<std::uint8_t>(p[0] & 0x0F), buffer_.substr(header, length)};
    buffer_.erase(0, header + length);
    return f;
  }

  net::io_context ioc_;
  net::ip::tcp::socket socket_;
  std::string buffer_;
  std::string status_;
};

class WsSessionTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    ASSERT_EQ(NewClient().Put("/v1/subscriptions/s1", "{}").status, 201u);
  }
  std::unique_ptr<RawStream> Open(int receive_buffer = 0) {
    auto s = std::make_unique<RawStream>(server_->port(), "s1", receive_buffer);
    EXPECT_EQ(s->status(), "HTTP/1.1 101") << "the upgrade";
    return s;
  }
};

// RFC 6455 7.4: 1005 and 1006 are never sent, codes below 1000 and past
// 4999 do not exist, and a close payload is empty or holds a code.
TEST_F(WsSessionTest, InvalidCloseCodesAreAnswered1002) {
  for (const std::string& payload : {RawStream::Close(1005), RawStream::Close(999), RawStream::Close(65535),
                                     RawStream::Close(1004), RawStream::Close(2000), std::string("\x03")}) {
    auto s = Open();
    s->Send(0x8, payload);
    EXPECT_EQ(s->NextCloseCode(), 1002) << "payload of " << payload.size() << " bytes, code "
                                       << (payload.size() >= 2 ? (static_cast<std::uint8_t>(payload[0]) << 8 |
                                                                  static_cast<std::uint8_t>(payload[1]))
                                                               : -1);
  }
  for (const int code : {1000, 1001, 3000, 4999}) {
    auto s = Open();
    s->Send(0x8, RawStream::Close(static_cast<std::uint16_t>(code), "bye"));
    EXPECT_EQ(s->NextCloseCode(), code) << "a valid code is echoed";
  }
}

// RFC 6455 8.1: text is UTF-8, also across fragments; else 1007.
TEST_F(WsSessionTest, InvalidUtf8Is1007) {
  for (const std::string& text : {std::string("\xff\xfe"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                                  std::string("\xf4\x90\x80\x80"), std::string("ok\xe5\x8d")}) {
    auto s = Open();
    s->Send(0x1, text);
    EXPECT_EQ(s->NextCloseCode(), 1007) << "text of " << text.size() << " bytes";
  }
  {
    auto s = Open();
    s->Send(0x8, RawStream::Close(1000, "\xc0\xaf"));
    EXPECT_EQ(s->NextCloseCode(), 1007) << "a close reason";
  }
  // 华 (E5 8D 8E) split across two fragments is valid: the stream goes on.
  auto s = Open();
  s->Send(0x1, "\xe5\x8d", false);
  s->Send(0x0, "\x8e", true);
  s->Send(0x9, "still here");
  std::optional<RawStream::Frame> pong = s->Next();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, 0xA);
  EXPECT_EQ(pong->payload, "still here");
}

// A client that pings and never reads: only the latest ping waits for its
// pong, so the server's memory does not grow with the pings. Once the client
// reads, it gets what the socket buffers held and the latest pong.
TEST_F(WsSessionTest, PingsOfAClientThatNeverReadsAreNotQueued) {
  auto s = Open(4096);
  constexpr int kPings = 200000;  // 25 MB of pongs if each were queued
  const std::string payload(120, 'p');
  std::string batch;
  for (int i = 0; i < 1000; ++i) batch += RawStream::Encode(0x9, payload);
  for (int i = 0; i < kPings / 1000; ++i) s->SendRaw(batch);
  s->Send(0x9, "last");
  int pongs = 0;
  bool last = false;
  while (!last) {
    const std::optional<RawStream::Frame> f = s->Next();
    if (!f) break;
    if (f->opcode != 0xA) continue;
    ++pongs;
    last = f->payload == "last";
  }
  EXPECT_TRUE(last) << "the latest ping is answered";
  EXPECT_LT(pongs, kPings / 4) << "pongs were queued for every ping";
}

// Stream messages count against the output budget: a stream that stops
// reading while a commit's events pass it is closed with 4008 (its message
// queue alone, 65,536 by default, would have held them all).
class WsBudgetTest : public WsSessionTest {
 protected:
  void Configure(server::ServerOptions* o) override {
    o->output_budget = 256u << 10;
    o->stream_batch = std::chrono::milliseconds(0);
  }
};

TEST_F(WsBudgetTest, StreamPastTheBudgetIsClosed4008) {
  auto s = Open(4096);
  std::string bulk;
  for (int i = 0; i < 2000; ++i) {
    bulk += R"({"op":"put","type":"platform","id":"p)" + std::to_string(i) + R"(","doc":)" + PlatformJson() + "}\n";
  }
  ASSERT_EQ(NewClient().Call(http::verb::post, "/v1/bulk", bulk, "application/x-ndjson").status, 200u);
  EXPECT_EQ(s->NextCloseCode(), 4008);
  EXPECT_NE(NewClient().Get("/metrics").body.find("\nbiomatch_output_buffered_bytes 0\n"), std::string::npos)
      << "a closed stream releases what it held";
}

}  // namespace
}  // namespace biomatch::testing
