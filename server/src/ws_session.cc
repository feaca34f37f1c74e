#include "ws_session.h"

#include <array>

namespace biomatch::server {
namespace {

namespace websocket = beast::websocket;

constexpr std::size_t kReadMessageMax = 4096;  // clients have nothing to say beyond control frames
constexpr std::chrono::seconds kHandshakeTimeout{10};

websocket::close_reason Lagging(std::uint64_t resume_from) {
  return {websocket::close_code{4008}, "lagging; resume from " + std::to_string(resume_from)};
}

}  // namespace

WsSession::WsSession(beast::tcp_stream&& stream, StreamHub& hub, Params params)
    : ws_(std::move(stream)), hub_(hub), params_(std::move(params)) {
  hub_.CountConnection(+1);
}

WsSession::~WsSession() { hub_.CountConnection(-1); }

void WsSession::Start(HttpRequest request) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts below take over
  ws_.set_option(websocket::stream_base::timeout{kHandshakeTimeout, params_.idle_timeout, true});
  ws_.read_message_max(kReadMessageMax);
  ws_.set_option(websocket::stream_base::decorator([protocol = params_.protocol](websocket::response_type& res) {
    res.set(http::field::server, "biomatch");
    if (!protocol.empty()) res.set(http::field::sec_websocket_protocol, protocol);
  }));
  ws_.text(true);
  // Registered before the client sees the upgrade answered, so nothing
  // committed after that answer can be missed; messages wait for OnAccept.
  live_from_ = hub_.Register(shared_from_this(), params_.subscriptions);
  if (params_.from && *params_.from < live_from_) {
    state_ = State::kReplaying;
    replay_next_ = *params_.from;
    RequestReplay(true);
  } else {
    state_ = State::kLive;
  }
  upgrade_ = std::move(request);
  ws_.async_accept(upgrade_, beast::bind_front_handler(&WsSession::OnAccept, shared_from_this()));
}

void WsSession::OnAccept(beast::error_code ec) {
  if (ec) {
    LogUnlessQuiet("websocket accept", ec);
    return Finish();
  }
  accepted_ = true;
  if (close_after_write_) {  // closed before the handshake was done
    ws_.async_close(*close_after_write_, beast::bind_front_handler(&WsSession::OnClose, shared_from_this()));
    close_after_write_.reset();
    return;
  }
  MaybeWrite();
  DoRead();
}

void WsSession::DoRead() {
  ws_.async_read(read_buffer_, beast::bind_front_handler(&WsSession::OnRead, shared_from_this()));
}

void WsSession::OnRead(beast::error_code ec, std::size_t) {
  if (ec) {
    LogUnlessQuiet("websocket read", ec);
    return Finish();
  }
  read_buffer_.consume(read_buffer_.size());
  DoRead();
}

void WsSession::Deliver(std::vector<StreamMessage> messages) {
  net::post(ws_.get_executor(), [self = shared_from_this(), messages = std::move(messages)]() mutable {
    for (StreamMessage& m : messages) {
      if (self->state_ != State::kReplaying && self->state_ != State::kLive) return;
      if (self->params_.from && m.seq() < *self->params_.from) continue;
      self->Enqueue(self->state_ == State::kReplaying ? &self->held_live_ : &self->queue_, std::move(m));
    }
    self->MaybeWrite();
  });
}

void WsSession::DeliverReplay(std::vector<StreamMessage> messages, std::uint64_t next, bool done) {
  net::post(ws_.get_executor(), [self = shared_from_this(), messages = std::move(messages), next, done]() mutable {
    if (self->state_ != State::kReplaying) return;
    self->replay_pending_ = false;
    self->replay_next_ = next;
    // A chunk is no larger than the room the queue had when it was asked for.
    for (StreamMessage& m : messages) self->queue_.push_back(std::move(m));
    if (done) {
      self->state_ = State::kLive;
      std::deque<StreamMessage> held = std::exchange(self->held_live_, {});
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
  net::post(ws_.get_executor(), [self = shared_from_this(), from] {
    if (self->state_ == State::kReplaying || self->state_ == State::kLive) {
      self->hub_.CountLaggingClose();
      self->Close(Lagging(self->ResumePoint(from)));
    }
  });
}

void WsSession::Shutdown() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    self->Close({websocket::close_code::going_away, "server shutting down"});
  });
}

void WsSession::Enqueue(std::deque<StreamMessage>* queue, StreamMessage message) {
  if (queue->size() >= params_.max_queue) {
    hub_.CountLaggingClose();
    return Close(Lagging(ResumePoint(message.seq())));
  }
  queue->push_back(std::move(message));
}

std::uint64_t WsSession::ResumePoint(std::uint64_t fallback) const {
  const std::size_t unsent = writing_ ? 1 : 0;  // the front is on its way
  if (queue_.size() > unsent) return queue_[unsent].seq();
  if (state_ == State::kReplaying) return replay_next_;
  return fallback;
}

void WsSession::RequestReplay(bool first_chunk) {
  replay_pending_ = true;
  hub_.Replay(shared_from_this(), params_.subscriptions, replay_next_, live_from_, first_chunk,
              params_.max_queue - queue_.size());
}

void WsSession::MaybeWrite() {
  if (!accepted_ || writing_ || queue_.empty() || (state_ != State::kReplaying && state_ != State::kLive)) return;
  writing_ = true;
  const StreamMessage& m = queue_.front();  // stays put until OnWrite: deque growth keeps references
  const std::array<net::const_buffer, 3> buffers = {net::buffer(m.frame->head), net::buffer(m.subscriptions),
                                                    net::buffer(m.frame->tail)};
  ws_.async_write(buffers, beast::bind_front_handler(&WsSession::OnWrite, shared_from_this()));
}

void WsSession::OnWrite(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) {
    LogUnlessQuiet("websocket write", ec);
    return Finish();
  }
  queue_.pop_front();
  hub_.CountSent();
  if (close_after_write_) {
    ws_.async_close(*close_after_write_, beast::bind_front_handler(&WsSession::OnClose, shared_from_this()));
    close_after_write_.reset();
    return;
  }
  if (state_ == State::kReplaying && !replay_pending_ && queue_.size() <= params_.max_queue / 2) {
    RequestReplay(false);
  }
  MaybeWrite();
}

void WsSession::Close(websocket::close_reason reason) {
  if (state_ == State::kClosing || state_ == State::kDone) return;
  state_ = State::kClosing;
  hub_.Unregister(this);
  held_live_.clear();
  if (writing_ || !accepted_) {  // the close follows what is in flight, or the handshake
    queue_.resize(writing_ ? 1 : 0);
    close_after_write_ = std::move(reason);
    return;
  }
  queue_.clear();
  ws_.async_close(reason, beast::bind_front_handler(&WsSession::OnClose, shared_from_this()));
}

void WsSession::OnClose(beast::error_code ec) {
  LogUnlessQuiet("websocket close", ec);
  Finish();
}

void WsSession::Finish() {
  if (state_ == State::kDone) return;
  state_ = State::kDone;
  hub_.Unregister(this);
  beast::error_code ec;
  beast::get_lowest_layer(ws_).socket().close(ec);
}

}  // namespace biomatch::server
