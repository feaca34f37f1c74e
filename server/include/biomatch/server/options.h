// ServerOptions: what biomatchd is told at start (main.cc's flags), the HTTP
// limits among them. Its own header so that the parts that only read options
// (the HTTP session, the handlers) do not depend on Server.
//
// A plain copyable value; the server keeps one copy for its whole life and
// hands out const references, which may be read from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

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

}  // namespace biomatch::server
