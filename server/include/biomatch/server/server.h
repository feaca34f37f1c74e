// Server: biomatchd as a library. Opens the data directory (storage),
// serves the v1 REST API over HTTP/1.1 on Boost.Beast, runs the expiry
// sweeper and event pruning, and shuts down gracefully.
//
// Tests start a Server on port 0 in-process; main.cc wraps it with flags and
// signals. Thread safety: Stop() may be called from any thread, once.
#pragma once

#include <cstdint>
#include <memory>

#include "biomatch/engine/status.h"
#include "biomatch/server/options.h"

namespace biomatch::server {

class Server {
 public:
  // Opens storage, binds the listener and starts the I/O threads.
  static engine::Result<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();  // Stop() and wait
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  // Graceful shutdown: /healthz turns 503, the listener closes, in-flight
  // requests finish (bounded wait), then the I/O threads stop and storage
  // closes. Returns once done.
  void Stop();
  // Blocks until Stop() has finished (from another thread or a signal).
  void Wait();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace biomatch::server
