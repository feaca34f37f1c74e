// WsSession: one WebSocket stream of events (GET /v1/stream), after the HTTP
// upgrade was authorised.
//
// Life: register with the hub (learning live_from), answer the upgrade,
// replay stored events from `from` up to live_from a chunk at a time while
// holding back live messages, then send live messages as they come. One
// write in flight; everything waiting is in a queue bounded by
// `max_queue` messages: a client that lets it fill is closed with 4008
// "lagging; resume from N", N being the first event it was not sent. Idle
// peers are pinged and dropped when they stop answering; messages from the
// client are read (up to 4 KiB) and ignored. Shutdown closes with 1001.
//
// Lives on its own strand; everything from another thread is posted to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/websocket.hpp>

#include "http_session.h"
#include "net.h"
#include "stream_hub.h"

namespace biomatch::server {

class WsSession : public StreamSink, public std::enable_shared_from_this<WsSession> {
 public:
  struct Params {
    std::vector<std::string> subscriptions;
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
  void Start(HttpRequest request);

  void Deliver(std::vector<StreamMessage> messages) override;
  void DeliverReplay(std::vector<StreamMessage> messages, std::uint64_t next, bool done) override;
  void Lost(std::uint64_t from) override;
  void Shutdown() override;

 private:
  enum class State { kReplaying, kLive, kClosing, kDone };

  void OnAccept(beast::error_code ec);
  void DoRead();
  void OnRead(beast::error_code ec, std::size_t n);
  void Enqueue(std::deque<StreamMessage>* queue, StreamMessage message);
  void MaybeWrite();
  void OnWrite(beast::error_code ec, std::size_t n);
  void RequestReplay(bool first_chunk);
  // The first event the client was not sent, `fallback` when none is queued.
  std::uint64_t ResumePoint(std::uint64_t fallback) const;
  void Close(beast::websocket::close_reason reason);
  void OnClose(beast::error_code ec);
  void Finish();

  beast::websocket::stream<beast::tcp_stream> ws_;
  StreamHub& hub_;
  const Params params_;
  HttpRequest upgrade_;  // the request being answered
  beast::flat_buffer read_buffer_;
  State state_ = State::kLive;
  std::deque<StreamMessage> queue_;      // to write; the front is in flight while writing_
  std::deque<StreamMessage> held_live_;  // live messages that arrive during the replay
  std::optional<beast::websocket::close_reason> close_after_write_;  // a close waiting for the write or handshake
  bool accepted_ = false;  // the handshake is done: messages may be written
  std::uint64_t live_from_ = 0;
  std::uint64_t replay_next_ = 0;  // the first seq the replay has not handed over
  bool writing_ = false;
  bool replay_pending_ = false;
};

}  // namespace biomatch::server
