// FuzzServer: the biomatch server a fuzz target talks to, one per process: a
// real Server (parser, session, router, handlers, engine, store) on an
// ephemeral loopback port over a fresh data directory, and a client that
// sends one connection's worth of raw bytes and returns all the server
// answered. Durability is `os`: fuzzing measures code, not fsyncs.
//
// Thread safety: call Exchange from one thread at a time (libFuzzer does).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "biomatch/server/server.h"

namespace biomatch::fuzz {

inline constexpr std::string_view kAdminToken = "fuzz-admin-token";

class FuzzServer {
 public:
  // The process's server, started on first use; aborts when it cannot start.
  static FuzzServer& Get();
  ~FuzzServer();
  FuzzServer(const FuzzServer&) = delete;
  FuzzServer& operator=(const FuzzServer&) = delete;

  // Connects and writes `bytes`; when `then` is not empty, waits for the end
  // of the first response header (a WebSocket client waits for its 101) and
  // writes `then`. Then closes its sending side and reads until the server
  // closes the connection. Aborts when the server keeps it open for 20 s.
  std::string Exchange(std::string_view bytes, std::string_view then = {});

 private:
  FuzzServer();

  std::filesystem::path dir_;
  std::unique_ptr<server::Server> server_;
};

// Aborts, printing the response, when `answers` (HTTP responses back to
// back) hold a 5xx other than 503: the disk is not full and no checkpoint is
// written, so any other 5xx is a bug. Judges nothing after a 101 (a
// WebSocket follows) or from the first bytes that are not a whole response.
void CheckNoServerError(std::string_view answers);

// Prints `what` and aborts: a finding.
[[noreturn]] void Die(const std::string& what);

}  // namespace biomatch::fuzz
