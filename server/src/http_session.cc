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

bool IsBulk(const http::request_parser<http::string_body>& parser) {
  return parser.get().target() == "/v1/bulk";
}

}  // namespace

void LogUnlessQuiet(const char* operation, beast::error_code ec) {
  if (!IsQuiet(ec)) std::fprintf(stderr, "biomatch: %s: %s\n", operation, ec.message().c_str());
}

HttpSession::HttpSession(tcp::socket&& socket, Handler& handler, const ServerOptions& options)
    : stream_(std::move(socket)), handler_(handler), options_(options) {}

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
  if (reading_ || stop_reading_ || queue_.size() >= options_.max_pipelined) return;
  reading_ = true;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
  parser_->body_limit(options_.bulk_body_limit);
  if (buffer_.size() > 0) return ParseBuffered();
  // Wait for the next request's first bytes under the idle timeout.
  stream_.expires_after(options_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(4096),
                          beast::bind_front_handler(&HttpSession::OnFirstBytes, shared_from_this()));
}

void HttpSession::OnFirstBytes(beast::error_code ec, std::size_t n) {
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
    return Abort(MakeError(431, "invalid_argument",
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
  const std::size_t limit = IsBulk(*parser_) ? options_.bulk_body_limit : options_.body_limit;
  if (parser_->content_length() && *parser_->content_length() > limit) {
    return Abort(MakeError(413, "payload_too_large",
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
    return Abort(MakeError(413, "payload_too_large", "request body exceeds the limit"));
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
  queue_.push_back(pending);
  if (!pending->keep_alive) stop_reading_ = true;
  handler_.Handle(std::move(request), [self = shared_from_this(), pending](HttpResponse res) {
    // Inline when answered on the session's strand (synchronous handlers),
    // queued to the strand when answered from another thread.
    net::dispatch(self->stream_.get_executor(), [self, pending, res = std::move(res)]() mutable {
      pending->response = std::move(res);
      self->MaybeWrite();
    });
  });
  DoRead();  // pipelining: read the next request while this one is handled
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
    pending->response = std::move(*upgrade.error);
    queue_.push_back(std::move(pending));
    return MaybeWrite();
  }
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
  auto pending = std::make_shared<Pending>();
  pending->keep_alive = false;
  pending->response = std::move(res);
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
  queue_.pop_front();
  if (ec) {
    LogUnlessQuiet("write", ec);
    return Shutdown();
  }
  if (close) return Shutdown();
  MaybeWrite();
  MaybeUpgrade();
  DoRead();
}

void HttpSession::Shutdown() {
  if (upgraded_) return;
  stop_reading_ = true;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
}

}  // namespace biomatch::server
