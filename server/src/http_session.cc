#include "http_session.h"

#include <cstdio>

#include <boost/beast/websocket/rfc6455.hpp>

#include "responses.h"

namespace biomatch::server {
namespace {

// The normal endings of a connection: nothing to log.
bool IsQuiet(beast::error_code ec) {
  return !ec || ec == net::error::operation_aborted || ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == beast::error::timeout || ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::bad_descriptor;
}

constexpr std::size_t kSmallAnswer = 4096;  // answers this small are never replaced by a 503
constexpr std::chrono::seconds kLingerTimeout{2};

// What a response holds until written: its body (none for HEAD) and header.
std::size_t BufferedSize(const HttpResponse& res, bool head) {
  std::size_t n = 32 + (head ? 0 : res.body().size());
  for (const auto& field : res) n += field.name_string().size() + field.value().size() + 4;
  return n;
}

}  // namespace

void LogUnlessQuiet(const char* operation, beast::error_code ec) {
  if (!IsQuiet(ec)) std::fprintf(stderr, "biomatch: %s: %s\n", operation, ec.message().c_str());
}

HttpSession::HttpSession(tcp::socket&& socket, Handler& handler, OutputBudget& budget, const ServerOptions& options)
    : stream_(std::move(socket)),
      idle_timer_(stream_.get_executor()),
      handler_(handler),
      budget_(budget),
      options_(options) {}

HttpSession::~HttpSession() { budget_.Release(buffered_); }

void HttpSession::Run() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
}

void HttpSession::Close() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->upgraded_) return;
    self->stop_reading_ = true;
    // Idle (waiting for a request, nothing to answer): close now.
    if (self->queue_.empty() && !self->writing_) self->Shutdown();
  });
}

void HttpSession::DoRead() {
  if (reading_ || stop_reading_ || queue_.size() >= options_.max_pipelined || OverShare()) return;
  reading_ = true;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
  // The body's limit depends on the route: OnHeader sets it.
  parser_->body_limit(boost::none);
  if (buffer_.size() > 0) return ParseBuffered();
  // Wait for the next request's first bytes under the idle timeout.
  stream_.expires_never();
  idle_ = true;
  ArmIdleTimer();
  stream_.async_read_some(buffer_.prepare(4096),
                          beast::bind_front_handler(&HttpSession::OnFirstBytes, shared_from_this()));
}

void HttpSession::OnFirstBytes(beast::error_code ec, std::size_t n) {
  idle_ = false;
  if (ec) {
    reading_ = false;
    LogUnlessQuiet("read", ec);
    if (queue_.empty()) Shutdown();
    stop_reading_ = true;
    return;
  }
  buffer_.commit(n);
  ParseBuffered();
}

void HttpSession::ParseBuffered() {
  // A request whose bytes have all arrived is parsed here, with no further
  // read; the parser stops after the header so its limits apply.
  beast::error_code ec;
  buffer_.consume(parser_->put(buffer_.data(), ec));
  if (ec == http::error::need_more) return DoReadHeader();
  OnHeader(ec, 0);
}

void HttpSession::DoReadHeader() {
  // From the first byte, the whole header must arrive within header_timeout.
  stream_.expires_after(options_.header_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession::OnHeader, shared_from_this()));
}

void HttpSession::OnHeader(beast::error_code ec, std::size_t) {
  if (ec == http::error::header_limit) {
    const std::size_t limit = options_.header_limit;
    return Abort(MakeError(ErrorCode::kHeaderTooLarge,
                           "request header is larger than " +
                               (limit % 1024 == 0 ? std::to_string(limit / 1024) + " KiB" : std::to_string(limit) + " bytes")));
  }
  if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == net::error::eof) {
    return Abort(std::nullopt);
  }
  if (ec) {
    LogUnlessQuiet("read header", ec);
    return Abort(MakeText(400, "malformed HTTP request\n", "text/plain"));
  }
  const HttpRequest& header = parser_->get();
  // RFC 9112 6.3: unless chunked is its final coding, a Transfer-Encoding
  // leaves the body's length unknown (whatever a Content-Length says).
  if (header.find(http::field::transfer_encoding) != header.end() && !parser_->chunked()) {
    return Abort(MakeText(400, "malformed HTTP request: Transfer-Encoding must end with chunked\n", "text/plain"));
  }
  // Route, method, token and role are decided before any body byte is read.
  const bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
  if (has_body && !beast::websocket::is_upgrade(header)) {
    screening_ = handler_.Screen(header);
    if (screening_.refusal) return Abort(std::move(screening_.refusal));
  } else {
    // No body to bound or refuse early: the handler routes it as usual.
    screening_ = {std::nullopt, options_.body_limit,
                  header.method() == http::verb::get || header.method() == http::verb::head};
  }
  const std::size_t limit = screening_.body_limit;
  if (parser_->content_length() && *parser_->content_length() > limit) {
    return Abort(MakeError(ErrorCode::kPayloadTooLarge,
                           "request body of " + std::to_string(*parser_->content_length()) +
                               " bytes exceeds the limit of " + std::to_string(limit)));
  }
  parser_->body_limit(limit);
  // The body, as far as it has arrived.
  while (!parser_->is_done() && buffer_.size() > 0) {
    const std::size_t n = parser_->put(buffer_.data(), ec);
    buffer_.consume(n);
    if (ec == http::error::need_more) {
      ec = {};
      break;
    }
    if (ec) return OnBody(ec, 0);
    if (n == 0) break;
  }
  if (parser_->is_done()) return OnBody({}, 0);
  stream_.expires_after(options_.idle_timeout);
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::OnBody, shared_from_this()));
}

void HttpSession::OnBody(beast::error_code ec, std::size_t) {
  if (ec == http::error::body_limit) {
    return Abort(MakeError(ErrorCode::kPayloadTooLarge, "request body exceeds the limit"));
  }
  if (ec) {
    LogUnlessQuiet("read body", ec);
    return Abort(IsQuiet(ec) ? std::nullopt : std::optional(MakeText(400, "malformed HTTP request\n", "text/plain")));
  }
  reading_ = false;
  Dispatch(parser_->release());
}

void HttpSession::Dispatch(HttpRequest request) {
  if (beast::websocket::is_upgrade(request)) {
    stop_reading_ = true;  // the connection belongs to whatever answers the upgrade
    upgrade_ = std::move(request);
    return MaybeUpgrade();
  }
  auto pending = std::make_shared<Pending>();
  pending->version = request.version();
  pending->keep_alive = request.keep_alive();
  pending->read = screening_.read;
  pending->head = request.method() == http::verb::head;
  queue_.push_back(pending);
  if (!pending->keep_alive) stop_reading_ = true;
  handler_.Handle(std::move(request), [self = shared_from_this(), pending](HttpResponse res) {
    // Inline when answered on the session's strand (synchronous handlers),
    // queued to the strand when answered from another thread.
    net::dispatch(self->stream_.get_executor(), [self, pending, res = std::move(res)]() mutable {
      self->SetResponse(*pending, std::move(res));
      self->MaybeWrite();
    });
  });
  DoRead();  // pipelining: read the next request while this one is handled
}

void HttpSession::SetResponse(Pending& p, HttpResponse res) {
  std::size_t size = BufferedSize(res, p.head);
  if (!budget_.TryCharge(size)) {
    if (p.read && size > kSmallAnswer) {
      res = MakeError(ErrorCode::kOverloaded, "the server's output buffers are full; retry later");
      res.set(http::field::retry_after, "1");
      size = BufferedSize(res, p.head);
      // Reading on would compute answers only to refuse them too: close.
      p.keep_alive = false;
      stop_reading_ = true;
    }
    budget_.Charge(size);
  }
  if (p.head) {  // RFC 9110 9.3.2: the header GET would send, without the body
    const std::size_t length = res.body().size();
    res.body().clear();
    res.content_length(length);
  }
  p.charged = size;
  buffered_ += size;
  p.response = std::move(res);
}

bool HttpSession::OverShare() const {
  return buffered_ >= budget_.share() || (buffered_ > 0 && budget_.Spent());
}

void HttpSession::MaybeUpgrade() {
  if (!upgrade_ || writing_ || !queue_.empty()) return;
  HttpRequest request = std::move(*upgrade_);
  upgrade_.reset();
  Handler::Upgrade upgrade = handler_.HandleUpgrade(request);
  if (upgrade.error) {
    auto pending = std::make_shared<Pending>();
    pending->version = request.version();
    pending->keep_alive = false;
    SetResponse(*pending, std::move(*upgrade.error));
    queue_.push_back(std::move(pending));
    return MaybeWrite();
  }
  idle_timer_.cancel();
  upgraded_ = true;
  upgrade.accept(std::move(stream_), std::move(request));
}

void HttpSession::Abort(std::optional<HttpResponse> res) {
  reading_ = false;
  stop_reading_ = true;
  if (!res) {
    if (queue_.empty() && !writing_) Shutdown();
    return;
  }
  linger_ = true;
  auto pending = std::make_shared<Pending>();
  pending->keep_alive = false;
  SetResponse(*pending, std::move(*res));
  queue_.push_back(std::move(pending));
  MaybeWrite();
}

void HttpSession::MaybeWrite() {
  if (writing_ || queue_.empty() || !queue_.front()->response) return;
  writing_ = true;
  Pending& p = *queue_.front();
  HttpResponse& res = *p.response;
  res.version(p.version);
  const bool close = !p.keep_alive || handler_.Draining() || (stop_reading_ && queue_.size() == 1 && !reading_);
  res.keep_alive(!close);
  stream_.expires_after(options_.idle_timeout);
  http::async_write(stream_, res, beast::bind_front_handler(&HttpSession::OnWrite, shared_from_this(), close));
}

void HttpSession::OnWrite(bool close, beast::error_code ec, std::size_t) {
  writing_ = false;
  budget_.Release(queue_.front()->charged);
  buffered_ -= queue_.front()->charged;
  queue_.pop_front();
  if (ec) {
    LogUnlessQuiet("write", ec);
    return Shutdown();
  }
  if (close) return linger_ ? Linger() : Shutdown();
  MaybeWrite();
  MaybeUpgrade();
  DoRead();
  ArmIdleTimer();
  // Closing (Close() came while this was written) with nothing left to
  // answer: the read still pending would hold the connection till it idles.
  if (stop_reading_ && queue_.empty() && !writing_ && !upgrade_) Shutdown();
}

void HttpSession::Linger() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(kLingerTimeout);  // for every read from here on
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(64 << 10), beast::bind_front_handler(&HttpSession::OnLinger, shared_from_this()));
}

void HttpSession::OnLinger(beast::error_code ec, std::size_t) {
  if (ec) return Shutdown();  // the client closed, or the time is up
  stream_.async_read_some(buffer_.prepare(64 << 10), beast::bind_front_handler(&HttpSession::OnLinger, shared_from_this()));
}

void HttpSession::ArmIdleTimer() {
  if (!idle_ || !queue_.empty() || writing_ || upgraded_) return;
  idle_timer_.expires_after(options_.idle_timeout);  // cancels an earlier wait
  idle_timer_.async_wait(beast::bind_front_handler(&HttpSession::OnIdle, shared_from_this()));
}

void HttpSession::OnIdle(beast::error_code ec) {
  if (ec || !idle_ || !queue_.empty() || writing_ || upgraded_) return;  // re-armed, or busy
  Shutdown();
}

void HttpSession::Shutdown() {
  idle_timer_.cancel();
  if (upgraded_) return;
  stop_reading_ = true;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
}

}  // namespace biomatch::server
