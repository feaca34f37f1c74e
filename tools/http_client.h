// The load tools' synchronous HTTP client: one keep-alive HTTP/1.1
// connection, used by one thread at a time (biomatch_bulk_stall's matchers,
// biomatch_stream_load's writers, and the tools' setup calls). Header only.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace biomatch::tools {

class HttpClient {
 public:
  struct Reply {
    unsigned status = 0;  // 0: the call failed on the connection; body says why
    std::string body;
  };

  // Connects to host:port (throws boost::system::system_error when it
  // cannot). Every call sends `token` as its bearer, when there is one, and
  // fails when it takes longer than `timeout`.
  HttpClient(const std::string& host, const std::string& port, std::string token = {},
             std::chrono::seconds timeout = std::chrono::seconds(60))
      : stream_(ioc_), token_(std::move(token)), timeout_(timeout) {
    stream_.expires_after(timeout_);
    stream_.connect(boost::asio::ip::tcp::resolver(ioc_).resolve(host, port));
    stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true));
  }

  // After a failed call (status 0) the connection is closed, and so every
  // later call fails too.
  Reply Call(boost::beast::http::verb method, const std::string& target, std::string body = {},
             std::string_view content_type = "application/json") {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "biomatch");
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    if (!body.empty()) req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
    boost::beast::error_code ec;
    stream_.expires_after(timeout_);
    http::write(stream_, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(1u << 30);
    if (!ec) http::read(stream_, buffer_, parser, ec);
    if (ec) {
      stream_.close();
      return {0, ec.message()};
    }
    return {parser.get().result_int(), std::move(parser.get().body())};
  }

 private:
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::string token_;
  std::chrono::seconds timeout_;
};

}  // namespace biomatch::tools
