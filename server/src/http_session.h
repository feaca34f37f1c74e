// HttpSession: one HTTP/1.1 connection. Reads requests (pipelined), hands
// each to the Handler, and writes the responses back in request order even
// when they complete out of order (durable writes answer later).
//
// Limits: header size and read time (slowloris), body size (bulk has its
// own), idle time between requests, and at most max_pipelined responses
// outstanding before reading pauses. Lives on its own strand; everything from
// another thread is posted to it.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "biomatch/server/server.h"
#include "net.h"

namespace biomatch::server {

// What a session calls for each request. `respond` must be called exactly
// once, from any thread.
class Handler {
 public:
  // The answer to a WebSocket upgrade request: an error to send over HTTP
  // (the connection then closes), or `accept`, which takes the connection
  // over (called on the connection's strand, with nothing else in flight).
  struct Upgrade {
    std::optional<HttpResponse> error;
    std::function<void(beast::tcp_stream&& stream, HttpRequest&& request)> accept;
  };

  virtual ~Handler() = default;
  virtual void Handle(HttpRequest&& request, std::function<void(HttpResponse)> respond) = 0;
  virtual Upgrade HandleUpgrade(const HttpRequest& request) = 0;
  // True while the server drains: sessions finish what they have and close.
  virtual bool Draining() const = 0;
};

// Logs a failed operation once, unless `ec` is one of a connection's normal
// endings (aborted, end of stream, reset, timeout).
void LogUnlessQuiet(const char* operation, beast::error_code ec);

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, Handler& handler, const ServerOptions& options);
  void Run();
  // Graceful close: in-flight requests are answered, then the connection
  // closes. Safe from any thread.
  void Close();

 private:
  struct Pending {
    unsigned version = 11;
    bool keep_alive = true;
    std::optional<HttpResponse> response;
  };

  void DoRead();
  void OnFirstBytes(beast::error_code ec, std::size_t n);
  // Parses the buffered bytes of a fresh request; reads on only for what is missing.
  void ParseBuffered();
  void DoReadHeader();
  void OnHeader(beast::error_code ec, std::size_t n);
  void OnBody(beast::error_code ec, std::size_t n);
  void Dispatch(HttpRequest request);
  // Hands the connection over for an upgrade once every earlier response is written.
  void MaybeUpgrade();
  // A protocol error: answer (when `res` is set) and close.
  void Abort(std::optional<HttpResponse> res);
  void MaybeWrite();
  void OnWrite(bool close, beast::error_code ec, std::size_t n);
  void Shutdown();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  Handler& handler_;
  const ServerOptions& options_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::shared_ptr<Pending>> queue_;
  bool reading_ = false;
  bool writing_ = false;
  bool stop_reading_ = false;  // the client asked to close, or we are closing
  std::optional<HttpRequest> upgrade_;  // an upgrade request waiting for the queue to drain
  bool upgraded_ = false;               // stream_ was handed over: touch it no more
};

}  // namespace biomatch::server
