#include "server_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

namespace biomatch::fuzz {
namespace {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kCloseTimeout{20};

// Milliseconds left until `deadline`, at least 0.
int MillisecondsLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Reads what `fd` has within the deadline into *answers; false at the end of
// the stream (closed or reset).
bool ReadSome(int fd, Clock::time_point deadline, std::string* answers) {
  pollfd p{fd, POLLIN, 0};
  const int ready = ::poll(&p, 1, MillisecondsLeft(deadline));
  if (ready < 0) return errno == EINTR;  // a signal: poll again
  if (ready == 0) {
    Die("the server kept a connection open " + std::to_string(kCloseTimeout.count()) +
        " s after the client's last byte; it answered:\n" + *answers);
  }
  char buffer[65536];
  const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
  if (n > 0) answers->append(buffer, static_cast<std::size_t>(n));
  return n > 0 || (n < 0 && errno == EINTR);
}

// Writes as much of `bytes` as the server takes: one that answered and
// closed early refuses the rest, which is its right.
void WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Connects `fd`, waiting for the connection when a signal (libFuzzer's
// timer) interrupts connect(); on failure errno says why.
bool Connect(int fd, const sockaddr_in& address) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) return true;
  if (errno != EINTR) return false;
  pollfd p{fd, POLLOUT, 0};
  while (::poll(&p, 1, -1) < 0) {
    if (errno != EINTR) return false;
  }
  int error = 0;
  socklen_t size = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) return false;
  errno = error;
  return error == 0;
}

}  // namespace

void Die(const std::string& what) {
  std::fprintf(stderr, "FINDING: %s\n", what.c_str());
  std::abort();
}

FuzzServer& FuzzServer::Get() {
  static FuzzServer server;
  return server;
}

FuzzServer::FuzzServer() {
  std::string pattern = (std::filesystem::temp_directory_path() / "biomatch-fuzz-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) Die("cannot make a temporary directory");
  dir_ = pattern;
  server::ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.data_dir = (dir_ / "data").string();
  o.threads = 2;
  o.fsync = false;
  o.admin_token = std::string(kAdminToken);
  o.max_streams = 1 << 20;  // the stream limit is not under test: every upgrade gets a session
  auto started = server::Server::Start(o);
  if (!started.ok()) Die("cannot start the server: " + started.status().ToString());
  server_ = std::move(started).value();
}

FuzzServer::~FuzzServer() {
  server_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string FuzzServer::Exchange(std::string_view bytes, std::string_view then) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  // We close first, so each connection leaves a TIME_WAIT of a minute on our
  // side: at hundreds of connections a second one source address runs out
  // of ports. Each connection comes from the next of 65,536 loopback
  // addresses instead.
  static std::uint32_t connections = 0;
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr = htonl(0x7F010000 | (connections++ & 0xFFFF));  // 127.1.x.y
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(server_->port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&source), sizeof source) != 0 ||
      !Connect(fd, address)) {
    Die(std::string("cannot connect to the server: ") + std::strerror(errno));
  }
  std::string answers;
  WriteAll(fd, bytes);
  const auto deadline = Clock::now() + kCloseTimeout;
  if (!then.empty()) {
    bool open = true;
    while (open && answers.find("\r\n\r\n") == std::string::npos) open = ReadSome(fd, deadline, &answers);
    if (open) WriteAll(fd, then);
  }
  ::shutdown(fd, SHUT_WR);
  while (ReadSome(fd, deadline, &answers)) {
  }
  ::close(fd);
  return answers;
}

void CheckNoServerError(std::string_view answers) {
  while (!answers.empty()) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(boost::none);
    boost::beast::error_code ec;
    std::size_t used = 0;
    while (!parser.is_done()) {
      const std::size_t n = parser.put(boost::asio::buffer(answers.data() + used, answers.size() - used), ec);
      if (ec || n == 0) return;
      used += n;
    }
    const unsigned status = parser.get().result_int();
    if (status == 101) return;
    if (status >= 500 && status != 503) Die("the server answered " + std::string(answers.substr(0, used)));
    answers.remove_prefix(used);
  }
}

}  // namespace biomatch::fuzz
