// WsSession: one WebSocket stream of events (GET /v1/stream), after the HTTP
// upgrade was authorised (Router::HandleUpgrade and OpenStream checked the handshake headers).
//
// Life: register with the hub (learning live_from), answer the upgrade (101),
// replay stored events from `from` up to live_from a chunk at a time while
// holding back live messages, then send live messages as they come. Every
// queue is bounded: a client that lets `max_queue` messages pile up is closed
// with 4008 "lagging; resume from N", N being the first event it was not
// sent. Idle peers are pinged after half of `idle_timeout` and dropped after
// all of it. Queued messages are charged to the OutputBudget by their
// frame's bytes (a message that does not fit closes the stream with 4008,
// unless the stream has only a little queued: one that keeps up is never
// closed for what others spent); control frames are
// bounded by construction (the answer to the latest ping replaces an
// unsent earlier one, RFC 6455 5.5.3). Messages from the client are read
// and judged by a WsFrameReader (ws_frame.h: 4 KiB a message at most, else
// 1009; text is UTF-8, else 1007; protocol errors 1002) and ignored; pings
// are answered; a close with an invalid code or a 1-byte payload is
// answered with 1002, one with a reason that is not UTF-8 with 1007.
// Shutdown closes with 1001; a revoked stream (its key or subscriptions
// deleted) with 4001 or 4004. Every code is in close_codes.h. The stream's slot (StreamHub::Slot) is given
// back as soon as its connection ends.
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

#include "close_codes.h"
#include "http_session.h"
#include "net.h"
#include "output_budget.h"
#include "stream_hub.h"
#include "ws_frame.h"

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

  WsSession(beast::tcp_stream&& stream, StreamHub& hub, OutputBudget& budget, Params params);
  ~WsSession() override;
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  // Registers with the hub, answers the upgrade `request` and starts streaming.
  void Start(const HttpRequest& request);

  void Deliver(std::vector<StreamMessage> messages) override;
  void DeliverReplay(std::vector<StreamMessage> messages, std::uint64_t next, bool done) override;
  void Lost(std::uint64_t from) override;
  void Shutdown() override;
  void Revoke(CloseCode code) override;

 private:
  enum class State { kReplaying, kLive, kClosing, kDone };

  void DoRead();
  void OnRead(beast::error_code ec, std::size_t n);
  // Handles the client's complete frames in the read buffer; false when the
  // connection ends.
  bool ParseFrames();
  void Enqueue(std::deque<StreamMessage>* queue, StreamMessage message);
  // Charges a message's bytes: false when they do not fit the budget and
  // the stream has more than a little queued.
  bool Charge(std::size_t bytes);
  // Drops the messages of `queue` from `keep` on, releasing their bytes.
  void Drop(std::deque<StreamMessage>* queue, std::size_t keep);
  void SendControl(std::uint8_t opcode, std::string_view payload);
  void MaybeWrite();
  void OnWrite(beast::error_code ec, std::size_t n);
  void RequestReplay(bool first_chunk);
  // Ends the replay: the held live messages join the queue, once there is
  // room for all of them (the last chunk may have filled it).
  void GoLiveWhenRoom();
  // The first event the client was not sent, `fallback` when none is queued.
  std::uint64_t ResumePoint(std::uint64_t fallback) const;
  // Sends a close frame and waits (bounded) for the client's answer.
  void Close(CloseCode code, std::string_view reason);
  // Closes with 4008, naming the first event the client was not sent.
  void CloseLagging(std::uint64_t resume_from);
  void ArmIdleTimer();
  void Finish();

  beast::tcp_stream stream_;
  StreamHub& hub_;
  OutputBudget& budget_;
  Params params_;
  beast::flat_buffer read_buffer_;
  WsFrameReader reader_;     // judges what read_buffer_ holds
  net::steady_timer timer_;  // idle pings; then the close handshake's deadline
  std::chrono::steady_clock::time_point last_heard_;
  State state_ = State::kLive;
  std::deque<std::string> control_;        // whole frames (and the 101 answer), sent first
  std::deque<StreamMessage> queue_;        // to write
  std::deque<StreamMessage> held_live_;    // live messages that arrive during the replay
  std::size_t queued_bytes_ = 0;           // charged to budget_ by queue_ and held_live_
  // The write in flight: its first entries of control_ and queue_, its
  // buffers and the frame headers they point into.
  bool writing_ = false;
  std::size_t controls_writing_ = 0, messages_writing_ = 0;
  std::vector<net::const_buffer> buffers_;
  std::vector<std::array<std::uint8_t, 10>> headers_;
  std::uint64_t live_from_ = 0;
  std::uint64_t replay_next_ = 0;  // the first seq the replay has not handed over
  bool replay_pending_ = false;
  // The replay has handed over its last chunk; the stream goes live once
  // the live messages held meanwhile fit in the queue (GoLiveWhenRoom).
  bool replay_done_ = false;
  bool close_sent_ = false;    // our close frame is queued
  bool peer_closed_ = false;   // the client closed: end once our answer is out
  bool ping_pending_ = false;  // a ping is out and nothing was heard since
};

}  // namespace biomatch::server
