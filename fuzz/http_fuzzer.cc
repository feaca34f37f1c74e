// Fuzz target: the HTTP path. The input is one connection's raw bytes
// (requests, pipelined or not, well formed or not, upgrades too) sent to a
// real server over a fresh store: Beast's parser, the session's limits and
// pipelining, the router, authentication and every handler. Seeds carry the
// admin token. Findings: crashes, sanitizer reports, a 5xx other than 503,
// a connection the server does not close.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace biomatch::fuzz;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // A checkpoint writes wherever its input says: keep the fuzzer off the disk.
  if (bytes.find("checkpoint") != std::string_view::npos) return 0;
  CheckNoServerError(FuzzServer::Get().Exchange(bytes));
  return 0;
}
