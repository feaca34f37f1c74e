#include "ws_session.h"

#include <algorithm>
#include <iterator>

#include <openssl/evp.h>

namespace biomatch::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxClientMessage = 4096;   // clients have nothing to say beyond control frames
constexpr std::size_t kMaxFramesPerWrite = 256;   // 4 buffers each: within IOV_MAX
constexpr std::size_t kMaxBytesPerWrite = 1 << 20;
constexpr std::chrono::seconds kCloseTimeout{5};  // for the client's answer to our close
// A stream with no more than this queued keeps up: it is never closed for a
// budget that other connections spent.
constexpr std::size_t kStreamFloor = 64 << 10;
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// What a message holds of the budget while it waits: its frame's bytes.
std::size_t MessageBytes(const StreamMessage& m) {
  return 10 + m.frame->head.size() + (m.subscriptions ? m.subscriptions->size() : 0) + m.frame->tail.size();
}

}  // namespace

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
    : stream_(std::move(stream)),
      hub_(hub),
      budget_(budget),
      params_(std::move(params)),
      reader_(kMaxClientMessage),
      timer_(stream_.get_executor()) {}

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
  stream_.async_read_some(read_buffer_.prepare(kMaxClientMessage + 14),
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
    const auto* data = static_cast<const char*>(read_buffer_.data().data());
    const WsFrameReader::Result r = reader_.Read(std::string_view(data, read_buffer_.size()));
    read_buffer_.consume(r.consumed);  // r.payload stays valid: it lives in reader_
    switch (r.kind) {
      case WsFrameReader::Kind::kNeedMore:
        return true;
      case WsFrameReader::Kind::kError:
        Close(r.violation->code, r.violation->why);
        break;  // read on for the client's answer
      case WsFrameReader::Kind::kText:
      case WsFrameReader::Kind::kBinary:
      case WsFrameReader::Kind::kPong:
        break;  // nothing a client says is needed
      case WsFrameReader::Kind::kPing:
        if (!close_sent_) SendControl(kPong, r.payload);  // nothing follows our close
        break;
      case WsFrameReader::Kind::kClose:
        if (close_sent_) {  // the answer to our close: the closing handshake is done
          Finish();
          return false;
        }
        if (r.violation) {
          Close(r.violation->code, r.violation->why);
          break;
        }
        // Answer with its code, then end once the answer is written.
        state_ = State::kClosing;
        hub_.Unregister(this);
        Drop(&held_live_, 0);
        Drop(&queue_, messages_writing_);
        peer_closed_ = true;
        SendControl(kClose, r.payload.substr(0, 2));
        close_sent_ = true;  // OnWrite ends the connection once the answer is out
        return false;
    }
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
      self->replay_done_ = true;
      self->GoLiveWhenRoom();
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
      self->CloseLagging(self->ResumePoint(from));
    }
  });
}

void WsSession::Shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->Close(CloseCode::kGoingAway, CloseReason(CloseCode::kGoingAway));
  });
}

void WsSession::Revoke(CloseCode code) {
  net::post(stream_.get_executor(), [self = shared_from_this(), code] { self->Close(code, CloseReason(code)); });
}

void WsSession::Enqueue(std::deque<StreamMessage>* queue, StreamMessage message) {
  if (queue->size() < params_.max_queue && Charge(MessageBytes(message))) {
    queue->push_back(std::move(message));
    return;
  }
  hub_.CountLaggingClose();
  CloseLagging(ResumePoint(message.seq()));
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
  const std::size_t n = WsFrameHeader(opcode, payload.size(), &header);
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

void WsSession::GoLiveWhenRoom() {
  if (state_ != State::kReplaying || queue_.size() + held_live_.size() > params_.max_queue) return;
  state_ = State::kLive;
  // Their bytes were charged when they were held.
  std::move(held_live_.begin(), held_live_.end(), std::back_inserter(queue_));
  held_live_.clear();
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
      const std::size_t n = WsFrameHeader(kText, length, &headers_.back());
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
  if (replay_done_) {
    GoLiveWhenRoom();
  } else if (state_ == State::kReplaying && !replay_pending_ && queue_.size() <= params_.max_queue / 2) {
    RequestReplay(false);
  }
  MaybeWrite();
}

// --- Ending.

void WsSession::CloseLagging(std::uint64_t resume_from) {
  std::string reason(CloseReason(CloseCode::kLagging));
  Close(CloseCode::kLagging, reason + "; resume from " + std::to_string(resume_from));
}

void WsSession::Close(CloseCode code, std::string_view reason) {
  if (state_ == State::kClosing || state_ == State::kDone) return;
  state_ = State::kClosing;
  hub_.Unregister(this);
  Drop(&held_live_, 0);
  Drop(&queue_, messages_writing_);  // what is in flight stays until written
  const std::uint16_t number = CloseNumber(code);
  std::string payload{static_cast<char>(number >> 8), static_cast<char>(number & 0xFF)};
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
