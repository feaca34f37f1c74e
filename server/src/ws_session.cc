#include "ws_session.h"

#include <openssl/evp.h>

namespace biomatch::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

// RFC 6455 opcodes.
enum Opcode : std::uint8_t { kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA };

constexpr std::size_t kMaxClientFrame = 4096;     // clients have nothing to say beyond control frames
constexpr std::size_t kMaxFramesPerWrite = 256;   // 4 buffers each: within IOV_MAX
constexpr std::size_t kMaxBytesPerWrite = 1 << 20;
constexpr std::chrono::seconds kCloseTimeout{5};  // for the client's answer to our close
// A stream with no more than this queued keeps up: it is never closed for a
// budget that other connections spent.
constexpr std::size_t kStreamFloor = 64 << 10;
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// The header of an unmasked final frame; returns its size in bytes.
std::size_t FrameHeader(std::uint8_t opcode, std::uint64_t length, std::array<std::uint8_t, 10>* h) {
  (*h)[0] = static_cast<std::uint8_t>(0x80 | opcode);
  if (length < 126) {
    (*h)[1] = static_cast<std::uint8_t>(length);
    return 2;
  }
  if (length <= 0xFFFF) {
    (*h)[1] = 126;
    (*h)[2] = static_cast<std::uint8_t>(length >> 8);
    (*h)[3] = static_cast<std::uint8_t>(length);
    return 4;
  }
  (*h)[1] = 127;
  for (std::size_t i = 0; i < 8; ++i) (*h)[2 + i] = static_cast<std::uint8_t>(length >> (56 - 8 * i));
  return 10;
}

// What a message holds of the budget while it waits: its frame's bytes.
std::size_t MessageBytes(const StreamMessage& m) {
  return 10 + m.frame->head.size() + (m.subscriptions ? m.subscriptions->size() : 0) + m.frame->tail.size();
}

}  // namespace

bool Utf8Validator::Feed(std::string_view bytes) {
  for (const char ch : bytes) {
    const auto c = static_cast<std::uint8_t>(ch);
    if (need_ > 0) {
      if (c < low_ || c > high_) return false;
      --need_;
      low_ = 0x80;
      high_ = 0xBF;
      continue;
    }
    if (c < 0x80) continue;
    if (c >= 0xC2 && c <= 0xDF) {
      need_ = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need_ = 2;
      if (c == 0xE0) low_ = 0xA0;   // overlong
      if (c == 0xED) high_ = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      need_ = 3;
      if (c == 0xF0) low_ = 0x90;   // overlong
      if (c == 0xF4) high_ = 0x8F;  // past U+10FFFF
    } else {
      return false;
    }
  }
  return true;
}

bool IsValidCloseCode(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

std::string WebSocketAccept(std::string_view key) {
  std::string input(key);
  input += kAcceptGuid;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr);
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(encoded, digest, static_cast<int>(size));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

WsSession::WsSession(beast::tcp_stream&& stream, StreamHub& hub, OutputBudget& budget, Params params)
    : stream_(std::move(stream)), hub_(hub), budget_(budget), params_(std::move(params)), timer_(stream_.get_executor()) {}

WsSession::~WsSession() { budget_.Release(queued_bytes_); }

void WsSession::Start(const HttpRequest& request) {
  stream_.expires_never();  // the idle timer and the queue bound take over
  // Registered before the client sees the upgrade answered, so nothing
  // committed after that answer can be missed.
  live_from_ = hub_.Register(shared_from_this(), params_.key_id, params_.subscriptions);
  if (params_.from && *params_.from < live_from_) {
    state_ = State::kReplaying;
    replay_next_ = *params_.from;
    RequestReplay(true);
  }
  std::string answer =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
      WebSocketAccept(request[http::field::sec_websocket_key]) + "\r\n";
  if (!params_.protocol.empty()) answer += "Sec-WebSocket-Protocol: " + params_.protocol + "\r\n";
  answer += "Server: biomatch\r\n\r\n";
  control_.push_back(std::move(answer));
  last_heard_ = SteadyClock::now();
  MaybeWrite();
  DoRead();
  ArmIdleTimer();
}

// --- Reading: the client's frames.

void WsSession::DoRead() {
  stream_.async_read_some(read_buffer_.prepare(kMaxClientFrame + 14),
                          beast::bind_front_handler(&WsSession::OnRead, shared_from_this()));
}

void WsSession::OnRead(beast::error_code ec, std::size_t n) {
  if (ec) {
    LogUnlessQuiet("stream read", ec);
    return Finish();
  }
  read_buffer_.commit(n);
  last_heard_ = SteadyClock::now();
  ping_pending_ = false;
  if (ParseFrames() && state_ != State::kDone) DoRead();
}

bool WsSession::ParseFrames() {
  for (;;) {
    const auto* p = static_cast<const std::uint8_t*>(read_buffer_.data().data());
    const std::size_t size = read_buffer_.size();
    if (size < 2) return true;
    const std::uint8_t opcode = p[0] & 0x0F;
    const bool fin = (p[0] & 0x80) != 0;
    std::uint64_t length = p[1] & 0x7F;
    std::size_t header = 2;
    auto protocol_error = [&](std::uint16_t code, std::string_view why) {
      read_buffer_.consume(size);
      Close(code, why);
      return true;
    };
    if ((p[0] & 0x70) != 0) return protocol_error(1002, "reserved bits set");
    if ((p[1] & 0x80) == 0) return protocol_error(1002, "client frames must be masked");
    if (length == 126) {
      if (size < 4) return true;
      length = static_cast<std::uint64_t>(p[2]) << 8 | p[3];
      header = 4;
    } else if (length == 127) {
      if (size < 10) return true;
      length = 0;
      for (std::size_t i = 0; i < 8; ++i) length = length << 8 | p[2 + i];
      header = 10;
    }
    if ((opcode & 0x8) != 0 && (length > 125 || !fin)) return protocol_error(1002, "malformed control frame");
    if (length > kMaxClientFrame) return protocol_error(1009, "frame too big");
    header += 4;  // the mask
    if (size < header + length) return true;
    std::string payload(reinterpret_cast<const char*>(p + header), static_cast<std::size_t>(length));
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ p[header - 4 + i % 4]);
    read_buffer_.consume(header + static_cast<std::size_t>(length));
    if (!OnFrame(opcode, fin, payload)) return false;
  }
}

bool WsSession::OnFrame(std::uint8_t opcode, bool fin, std::string_view payload) {
  auto fail = [&](std::uint16_t code, std::string_view why) {
    Close(code, why);
    return true;  // read on for the client's answer
  };
  switch (opcode) {
    case kText:
    case kBinary:
      if (message_opcode_ != 0) return fail(1002, "expected a continuation frame");
      message_opcode_ = opcode;
      utf8_.Reset();
      [[fallthrough]];
    case kContinuation:
      if (message_opcode_ == 0) return fail(1002, "continuation of no message");
      if (message_opcode_ == kText && (!utf8_.Feed(payload) || (fin && !utf8_.Complete()))) {
        return fail(1007, "text is not UTF-8");
      }
      if (fin) message_opcode_ = 0;
      return true;  // nothing a client says is needed
    case kPing:
      if (!close_sent_) SendControl(kPong, payload);  // nothing follows our close
      return true;
    case kPong:
      return true;
    case kClose: {
      if (close_sent_) {  // the answer to our close: the closing handshake is done
        Finish();
        return false;
      }
      // RFC 6455 7.4 and 5.5.1: no payload, or a valid code and a UTF-8 reason.
      if (payload.size() == 1) return fail(1002, "close payload of one byte");
      if (payload.size() >= 2) {
        const auto code = static_cast<std::uint16_t>(static_cast<std::uint8_t>(payload[0]) << 8 |
                                                     static_cast<std::uint8_t>(payload[1]));
        if (!IsValidCloseCode(code)) return fail(1002, "invalid close code");
        Utf8Validator reason;
        if (!reason.Feed(payload.substr(2)) || !reason.Complete()) return fail(1007, "close reason is not UTF-8");
      }
      // Answer with its code, then end once the answer is written.
      state_ = State::kClosing;
      hub_.Unregister(this);
      Drop(&held_live_, 0);
      Drop(&queue_, messages_writing_);
      peer_closed_ = true;
      SendControl(kClose, payload.substr(0, 2));
      close_sent_ = true;  // OnWrite ends the connection once the answer is out
      return false;
    }
    default:
      return fail(1002, "unknown opcode");
  }
}

// --- Writing.

void WsSession::Deliver(std::vector<StreamMessage> messages) {
  net::post(stream_.get_executor(), [self = shared_from_this(), messages = std::move(messages)]() mutable {
    for (StreamMessage& m : messages) {
      if (self->state_ != State::kReplaying && self->state_ != State::kLive) return;
      if (self->params_.from && m.seq() < *self->params_.from) continue;
      self->Enqueue(self->state_ == State::kReplaying ? &self->held_live_ : &self->queue_, std::move(m));
    }
    self->MaybeWrite();
  });
}

void WsSession::DeliverReplay(std::vector<StreamMessage> messages, std::uint64_t next, bool done) {
  net::post(stream_.get_executor(), [self = shared_from_this(), messages = std::move(messages), next, done]() mutable {
    if (self->state_ != State::kReplaying) return;
    self->replay_pending_ = false;
    self->replay_next_ = next;
    // A chunk is no larger than the room the queue had when it was asked
    // for: its bytes are charged whatever the budget.
    for (StreamMessage& m : messages) {
      const std::size_t bytes = MessageBytes(m);
      self->budget_.Charge(bytes);
      self->queued_bytes_ += bytes;
      self->queue_.push_back(std::move(m));
    }
    if (done) {
      self->state_ = State::kLive;
      std::deque<StreamMessage> held = self->held_live_;  // Enqueue charges each again
      self->Drop(&self->held_live_, 0);
      for (StreamMessage& m : held) {
        if (self->state_ != State::kLive) break;
        self->Enqueue(&self->queue_, std::move(m));
      }
    } else if (self->queue_.size() <= self->params_.max_queue / 2) {
      self->RequestReplay(false);
    }
    self->MaybeWrite();
  });
}

void WsSession::Lost(std::uint64_t from) {
  net::post(stream_.get_executor(), [self = shared_from_this(), from] {
    if (self->state_ == State::kReplaying || self->state_ == State::kLive) {
      self->hub_.CountLaggingClose();
      self->Close(4008, "lagging; resume from " + std::to_string(self->ResumePoint(from)));
    }
  });
}

void WsSession::Shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(1001, "server shutting down"); });
}

void WsSession::Revoke(std::uint16_t code, std::string reason) {
  net::post(stream_.get_executor(),
            [self = shared_from_this(), code, reason = std::move(reason)] { self->Close(code, reason); });
}

void WsSession::Enqueue(std::deque<StreamMessage>* queue, StreamMessage message) {
  if (queue->size() < params_.max_queue && Charge(MessageBytes(message))) {
    queue->push_back(std::move(message));
    return;
  }
  hub_.CountLaggingClose();
  Close(4008, "lagging; resume from " + std::to_string(ResumePoint(message.seq())));
}

bool WsSession::Charge(std::size_t bytes) {
  if (!budget_.TryCharge(bytes)) {
    if (queued_bytes_ + bytes > kStreamFloor) return false;
    budget_.Charge(bytes);
  }
  queued_bytes_ += bytes;
  return true;
}

void WsSession::Drop(std::deque<StreamMessage>* queue, std::size_t keep) {
  std::size_t bytes = 0;
  for (std::size_t i = keep; i < queue->size(); ++i) bytes += MessageBytes((*queue)[i]);
  budget_.Release(bytes);
  queued_bytes_ -= bytes;
  queue->resize(keep);
}

void WsSession::SendControl(std::uint8_t opcode, std::string_view payload) {
  std::array<std::uint8_t, 10> header;
  const std::size_t n = FrameHeader(opcode, payload.size(), &header);
  std::string frame(reinterpret_cast<const char*>(header.data()), n);
  frame += payload;
  // Only the latest ping needs its answer: it replaces an unsent pong.
  if (opcode == kPong) {
    for (std::size_t i = controls_writing_; i < control_.size(); ++i) {
      if (static_cast<std::uint8_t>(control_[i][0]) == (0x80 | kPong)) {
        control_[i] = std::move(frame);
        return;
      }
    }
  }
  control_.push_back(std::move(frame));
  MaybeWrite();
}

std::uint64_t WsSession::ResumePoint(std::uint64_t fallback) const {
  if (queue_.size() > messages_writing_) return queue_[messages_writing_].seq();
  if (state_ == State::kReplaying) return replay_next_;
  return fallback;
}

void WsSession::RequestReplay(bool first_chunk) {
  replay_pending_ = true;
  hub_.Replay(this, replay_next_, live_from_, first_chunk, params_.max_queue - queue_.size());
}

// Writes every control frame waiting, then as many stream messages as one
// write takes, in one gathered write.
void WsSession::MaybeWrite() {
  if (writing_ || state_ == State::kDone) return;
  const bool messages = state_ == State::kReplaying || state_ == State::kLive;
  if (control_.empty() && (!messages || queue_.empty())) return;
  buffers_.clear();
  headers_.clear();
  for (const std::string& c : control_) buffers_.push_back(net::buffer(c));
  controls_writing_ = control_.size();
  messages_writing_ = 0;
  if (messages) {
    headers_.reserve(kMaxFramesPerWrite);  // buffers_ point into it: never reallocated during the loop
    std::size_t bytes = 0;
    for (const StreamMessage& m : queue_) {
      if (messages_writing_ == kMaxFramesPerWrite || bytes >= kMaxBytesPerWrite) break;
      const std::string_view subscriptions = m.subscriptions ? std::string_view(*m.subscriptions) : std::string_view();
      const std::size_t length = m.frame->head.size() + subscriptions.size() + m.frame->tail.size();
      headers_.emplace_back();
      const std::size_t n = FrameHeader(kText, length, &headers_.back());
      buffers_.push_back(net::buffer(headers_.back().data(), n));
      buffers_.push_back(net::buffer(m.frame->head));
      buffers_.push_back(net::buffer(subscriptions));
      buffers_.push_back(net::buffer(m.frame->tail));
      bytes += n + length;
      ++messages_writing_;
    }
  }
  writing_ = true;
  net::async_write(stream_, buffers_, beast::bind_front_handler(&WsSession::OnWrite, shared_from_this()));
}

void WsSession::OnWrite(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) {
    LogUnlessQuiet("stream write", ec);
    return Finish();
  }
  control_.erase(control_.begin(), control_.begin() + static_cast<std::ptrdiff_t>(controls_writing_));
  // Delivery times, one observation per run of messages published together
  // (a commit's events share their time).
  const auto now = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < messages_writing_;) {
    const auto published = queue_[i].frame->published;
    std::size_t end = i + 1;
    while (end < messages_writing_ && queue_[end].frame->published == published) ++end;
    if (published != std::chrono::steady_clock::time_point{}) {
      hub_.delivery().Observe(std::chrono::duration<double>(now - published).count(), end - i);
    }
    i = end;
  }
  std::size_t written = 0;
  for (std::size_t i = 0; i < messages_writing_; ++i) written += MessageBytes(queue_[i]);
  budget_.Release(written);
  queued_bytes_ -= written;
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(messages_writing_));
  hub_.CountSent(messages_writing_);
  controls_writing_ = messages_writing_ = 0;
  if (peer_closed_ && control_.empty()) return Finish();  // our answer to its close is out
  if (state_ == State::kReplaying && !replay_pending_ && queue_.size() <= params_.max_queue / 2) {
    RequestReplay(false);
  }
  MaybeWrite();
}

// --- Ending.

void WsSession::Close(std::uint16_t code, std::string_view reason) {
  if (state_ == State::kClosing || state_ == State::kDone) return;
  state_ = State::kClosing;
  hub_.Unregister(this);
  Drop(&held_live_, 0);
  Drop(&queue_, messages_writing_);  // what is in flight stays until written
  std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  payload += reason.substr(0, 123);
  close_sent_ = true;
  SendControl(kClose, payload);
  // The client answers, or is dropped.
  timer_.expires_after(kCloseTimeout);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->Finish();
  });
}

void WsSession::ArmIdleTimer() {
  timer_.expires_after(params_.idle_timeout / 2);
  timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->state_ == State::kClosing || self->state_ == State::kDone) return;
    if (self->ping_pending_) return self->Finish();  // nothing heard for a whole idle timeout
    if (SteadyClock::now() - self->last_heard_ >= self->params_.idle_timeout / 2) {
      self->ping_pending_ = true;
      self->SendControl(kPing, "");
    }
    self->ArmIdleTimer();
  });
}

void WsSession::Finish() {
  if (state_ == State::kDone) return;
  state_ = State::kDone;
  hub_.Unregister(this);
  params_.slot.reset();  // the connection is over: its slot is free at once
  timer_.cancel();
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

}  // namespace biomatch::server
