// Fuzz target: the WebSocket frame reader. The input is what a client sends
// after its upgrade to GET /v1/stream was answered 101: frames of any
// opcode, length encoding, mask and fragmentation, whole or cut short, read
// by a real stream session (WsFrameReader, and what WsSession::ParseFrames
// answers: pongs, close handshakes, protocol errors). Findings: crashes,
// sanitizer reports, a refused upgrade, a connection the server does not
// close.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace biomatch::fuzz;
  static const std::string upgrade =
      "GET /v1/stream?subscriptions=fuzz HTTP/1.1\r\nHost: fuzz\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer " +
      std::string(kAdminToken) + "\r\n\r\n";
  FuzzServer& server = FuzzServer::Get();
  static const bool subscribed = [&] {
    const std::string body = R"({"types":["platform.updated"]})";
    const std::string answer = server.Exchange(
        "PUT /v1/subscriptions/fuzz HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer " + std::string(kAdminToken) +
        "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    if (answer.substr(0, 12) != "HTTP/1.1 201") Die("cannot subscribe: " + answer);
    return true;
  }();
  (void)subscribed;
  const std::string answer = server.Exchange(upgrade, std::string_view(reinterpret_cast<const char*>(data), size));
  if (answer.substr(0, 12) != "HTTP/1.1 101") Die("the upgrade was refused: " + answer);
  return 0;
}
