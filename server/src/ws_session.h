// WsSession: one WebSocket stream of events (GET /v1/stream), after the HTTP
// upgrade was authorised (App::HandleUpgrade checked the handshake headers).
//
// Life: register with the hub (learning live_from), answer the upgrade (101),
// replay stored events from `from` up to live_from a chunk at a time while
// holding back live messages, then send live messages as they come. Every
// queue is bounded: a client that lets `max_queue` messages pile up is closed
// with 4008 "lagging; resume from N", N being the first event it was not
// sent. Idle peers are pinged after half of `idle_timeout` and dropped after
// all of it. Messages from the client are read (a frame of 4 KiB at most)
// and ignored; pings are answered. Shutdown closes with 1001; a revoked
// stream (its key or subscriptions deleted) with 4001 or 4004. The stream's
// slot (StreamHub::Slot) is given back as soon as its connection ends.
//
// The server side of RFC 6455 (no extensions; our frames unfragmented) is
// written here rather than with Beast's websocket::stream, because Beast
// writes one message per socket write: a stream here writes every queued
// frame in one gathered write, which is what lets one event reach a
// thousand clients at a few hundred thousand messages a second. Each
// message goes out as its three shared parts; nothing is copied.
//
// Lives on its socket's strand; everything from another thread is posted to it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http_session.h"
#include "net.h"
#include "stream_hub.h"

namespace biomatch::server {

// The Sec-WebSocket-Accept answer to a Sec-WebSocket-Key (RFC 6455 4.2.2).
std::string WebSocketAccept(std::string_view key);

class WsSession : public StreamSink, public std::enable_shared_from_this<WsSession> {
 public:
  struct Params {
    std::string key_id;                       // the identity of the key that opened it
    std::vector<SubscriptionRef> subscriptions;
    std::shared_ptr<StreamHub::Slot> slot;    // held until the connection ends
    std::optional<std::uint64_t> from;  // replay from this seq; none: live only
    std::string protocol;               // the subprotocol to answer with, if any
    std::size_t max_queue = 65536;      // messages waiting to be written
    std::chrono::seconds idle_timeout{40};  // ping after half of it, drop after all of it
  };

  WsSession(beast::tcp_stream&& stream, StreamHub& hub, Params params);
  ~WsSession() override;
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  // Registers with the hub, answers the upgrade `request` and starts streaming.
  void Start(const HttpRequest& request);

  void Deliver(std::vector<StreamMessage> messages) override;
  void DeliverReplay(std::vector<StreamMessage> messages, std::uint64_t next, bool done) override;
  void Lost(std::uint64_t from) override;
  void Shutdown() override;
  void Revoke(std::uint16_t code, std::string reason) override;

 private:
  enum class State { kReplaying, kLive, kClosing, kDone };

  void DoRead();
  void OnRead(beast::error_code ec, std::size_t n);
  // Handles the client's complete frames in the read buffer; false when the
  // connection ends.
  bool ParseFrames();
  void Enqueue(std::deque<StreamMessage>* queue, StreamMessage message);
  void SendControl(std::uint8_t opcode, std::string_view payload);
  void MaybeWrite();
  void OnWrite(beast::error_code ec, std::size_t n);
  void RequestReplay(bool first_chunk);
  // The first event the client was not sent, `fallback` when none is queued.
  std::uint64_t ResumePoint(std::uint64_t fallback) const;
  // Sends a close frame and waits (bounded) for the client's answer.
  void Close(std::uint16_t code, std::string_view reason);
  void ArmIdleTimer();
  void Finish();

  beast::tcp_stream stream_;
  StreamHub& hub_;
  Params params_;
  beast::flat_buffer read_buffer_;
  net::steady_timer timer_;  // idle pings; then the close handshake's deadline
  std::chrono::steady_clock::time_point last_heard_;
  State state_ = State::kLive;
  std::deque<std::string> control_;        // whole frames (and the 101 answer), sent first
  std::deque<StreamMessage> queue_;        // to write
  std::deque<StreamMessage> held_live_;    // live messages that arrive during the replay
  // The write in flight: its first entries of control_ and queue_, its
  // buffers and the frame headers they point into.
  bool writing_ = false;
  std::size_t controls_writing_ = 0, messages_writing_ = 0;
  std::vector<net::const_buffer> buffers_;
  std::vector<std::array<std::uint8_t, 10>> headers_;
  std::uint64_t live_from_ = 0;
  std::uint64_t replay_next_ = 0;  // the first seq the replay has not handed over
  bool replay_pending_ = false;
  bool close_sent_ = false;    // our close frame is queued
  bool peer_closed_ = false;   // the client closed: end once our answer is out
  bool ping_pending_ = false;  // a ping is out and nothing was heard since
};

}  // namespace biomatch::server
