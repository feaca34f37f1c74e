// Server: biomatchd as a library. Opens the data directory (storage),
// serves the v1 REST API over HTTP/1.1 on Boost.Beast, runs the expiry
// sweeper and event pruning, and shuts down gracefully.
//
// Tests start a Server on port 0 in-process; main.cc wraps it with flags and
// signals. Thread safety: Stop() may be called from any thread, once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "biomatch/engine/status.h"

namespace biomatch::server {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  std::string data_dir = "./data";
  int threads = 0;                         // I/O threads; 0: the core count
  bool fsync = true;                       // --durability fsync (true) or os (false)
  bool demo = false;                       // load a demo catalogue into an empty directory
  // Limits of API.md, each a flag: --body-limit-mib, --bulk-body-limit-mib,
  // --header-limit-kib, --idle-timeout-seconds, --header-timeout-seconds.
  std::size_t body_limit = 8u << 20;       // bytes of a request body
  std::size_t bulk_body_limit = 256u << 20;
  std::size_t header_limit = 16u << 10;
  std::chrono::seconds idle_timeout{60};   // a connection with no request in flight
  std::chrono::seconds header_timeout{10}; // from a request's first byte to its last header byte
  std::size_t max_pipelined = 16;          // responses queued per connection before reading pauses
  // Bytes buffered for output, server-wide (--output-budget-mib, 256 MiB),
  // and one connection's share of them (--connection-output-mib, 16 MiB):
  // HTTP answers not yet written, stream messages and WebSocket frames not
  // yet written. A connection over its share is not read until its client
  // reads (HTTP) or is closed with 4008 (a stream). While the budget is
  // spent, no connection with output waiting reads another request, an
  // answer to a GET or HEAD that would pass it is replaced by 503
  // `overloaded`, and a stream message that would pass it closes its stream
  // with 4008 (unless the stream has at most 64 KiB queued). Larger: deeper pipelines and stream queues; smaller: less
  // memory at a hostile or slow client's mercy.
  std::size_t output_budget = 256u << 20;
  std::size_t connection_output = 16u << 20;
  // HTTP connections open at once (--max-connections); one more is closed
  // as soon as it is accepted. WebSocket streams count under max_streams.
  std::size_t max_connections = 10000;
  std::chrono::hours event_retention{24 * 7};
  // match.found: a pair is announced when the capability enters the
  // request's top `match_top_k` matches (--match-top-k).
  std::size_t match_top_k = 10;
  // The live stream: messages queued per connection before a slow consumer
  // is closed with 4008 (--stream-queue; messages share their text, so one
  // costs some 64 bytes of its own; a single commit with more matching
  // events than this, such as a large bulk load, closes every stream that
  // takes them all, and its clients catch up from storage); idle time
  // before a peer that answers no ping is dropped (pinged at half of it);
  // open streams at most.
  std::size_t stream_queue = 65536;
  std::chrono::seconds stream_idle_timeout{40};
  std::size_t max_streams = 10000;
  // Open streams per API key (--max-streams-per-key): one more is answered
  // 429 too_many_streams, so one key cannot take every --max-streams slot.
  // Each stream costs a connection and its queue; an agency needs a few.
  std::size_t max_streams_per_key = 64;
  // Streams get new events in rounds at most this far apart
  // (--stream-batch-ms): more messages per socket write under load, at most
  // this much added latency; 0 sends every commit's events at once.
  std::chrono::milliseconds stream_batch{20};
  bool access_log = false;                 // one line per request to stderr
  // The admin token (BIOMATCH_ADMIN_TOKEN); empty: generate one on first start
  // and write it to <data>/admin.token (mode 0600).
  std::string admin_token;
};

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
