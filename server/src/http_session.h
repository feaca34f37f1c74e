// HttpSession: one HTTP/1.1 connection. Reads requests (pipelined), hands
// each to the Handler, and writes the responses back in request order even
// when they complete out of order (durable writes answer later).
//
// Limits: header size and read time (slowloris), body size (the route's:
// the Handler's Screen says), idle time between requests, and at most max_pipelined responses
// outstanding before reading pauses. Answers waiting to be written are
// charged to the OutputBudget: reading pauses while they pass the
// connection's share, or while the budget is spent and any are waiting.
// A request with a body is screened from its header (route, method, token,
// role, body limit) before any body byte is read; a refusal is answered and
// the connection closed. Lives on its own strand; everything from another
// thread is posted to it.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "biomatch/server/options.h"
#include "net.h"
#include "output_budget.h"

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

  // What a request's header alone (its body not read yet) decides.
  struct Screening {
    // 404, 405, 401 or 403; nullopt: go on.
    std::optional<HttpResponse> refusal;
    std::size_t body_limit = 0;  // the largest body its route reads
    // It changes nothing, so its answer may be refused (503) and retried.
    bool read = false;
  };

  virtual ~Handler() = default;
  virtual void Handle(HttpRequest&& request, std::function<void(HttpResponse)> respond) = 0;
  virtual Upgrade HandleUpgrade(const HttpRequest& request) = 0;
  // Screens a request with a body from its header, before any body byte
  // is read: its route, method, token and role, and the largest body it takes.
  virtual Screening Screen(const HttpRequest& header) = 0;
  // True while the server drains: sessions finish what they have and close.
  virtual bool Draining() const = 0;
};

// Logs a failed operation once, unless `ec` is one of a connection's normal
// endings (aborted, end of stream, reset, timeout).
void LogUnlessQuiet(const char* operation, beast::error_code ec);

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, Handler& handler, OutputBudget& budget, const ServerOptions& options);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;
  void Run();
  // Graceful close: in-flight requests are answered, then the connection
  // closes. Safe from any thread.
  void Close();

 private:
  struct Pending {
    unsigned version = 11;
    bool keep_alive = true;
    bool read = false;  // a read (GET, HEAD, POST /v1/match): its answer may become a 503
    bool head = false;  // answered without its body
    std::size_t charged = 0;  // bytes of the budget the response holds
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
  // Charges `res` to the budget and makes it p's response: a read's answer
  // over 4 KiB that does not fit becomes a 503, and the connection closes
  // after it.
  void SetResponse(Pending& p, HttpResponse res);
  // True while reading must wait for answers to be written.
  bool OverShare() const;
  // Hands the connection over for an upgrade once every earlier response is written.
  void MaybeUpgrade();
  // A protocol error: answer (when `res` is set) and close.
  void Abort(std::optional<HttpResponse> res);
  void MaybeWrite();
  void OnWrite(bool close, beast::error_code ec, std::size_t n);
  // Stops sending, then drops what the client still sends for a moment
  // before closing, so that the close does not reset the connection before
  // the client has read the last answer (a refused body is still arriving).
  void Linger();
  void OnLinger(beast::error_code ec, std::size_t n);
  void Shutdown();
  // The idle timeout: runs while the connection waits for a request's
  // first byte with no answer pending or being written; a request that
  // takes longer than it to handle is not idle time.
  void ArmIdleTimer();
  void OnIdle(beast::error_code ec);

  beast::tcp_stream stream_;
  net::steady_timer idle_timer_;
  beast::flat_buffer buffer_;
  Handler& handler_;
  OutputBudget& budget_;
  const ServerOptions& options_;
  std::size_t buffered_ = 0;  // bytes charged by the responses in queue_
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::shared_ptr<Pending>> queue_;
  bool reading_ = false;
  bool idle_ = false;  // reading, and no byte of the next request has come
  bool writing_ = false;
  bool stop_reading_ = false;  // the client asked to close, or we are closing
  bool linger_ = false;        // a protocol error or refusal: unread bytes may follow
  std::optional<HttpRequest> upgrade_;  // an upgrade request waiting for the queue to drain
  bool upgraded_ = false;               // stream_ was handed over: touch it no more
  Handler::Screening screening_;        // of the request being read
};

}  // namespace biomatch::server
