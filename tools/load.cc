// biomatch_load: an HTTP load client on Beast. N keep-alive connections run a
// weighted mix of operations against biomatchd for a duration and report
// throughput, errors and latency percentiles (p50/p90/p99/p99.9), as text and
// optionally JSON.
//
//   biomatch_load --target 127.0.0.1:8080 --token TOKEN --catalog catalog.ndjson
//                 [--connections 32] [--duration 10] [--threads 1]
//                 [--mix match=70,stored_match=10,put_request=10,reserve_cancel=5,get=5]
//                 [--json out.json]
//
// Bodies come from the generator's NDJSON (gen_catalog): request documents
// for match and put_request, ids for get, stored_match and reserve_cancel.
// reserve_cancel is three calls on one connection: the request's best match
// (GET .../matches?limit=1, counted as "reserve_find"), a hold of one unit on
// it ("reserve") and, when held, its cancel ("cancel"); a request with no
// feasible capability makes only the first.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "load_common.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

enum Op { kMatch, kStoredMatch, kPutRequest, kReserveFind, kReserve, kCancel, kGet, kOpCount };
constexpr const char* kOpNames[] = {"match", "stored_match", "put_request", "reserve_find", "reserve", "cancel", "get"};

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string token;
  std::string catalog;
  int connections = 32;
  int threads = 1;
  double duration = 10;
  std::map<std::string, int> mix = {{"match", 70}, {"stored_match", 10}, {"put_request", 10}, {"reserve_cancel", 5}, {"get", 5}};
  std::string json_out;
};

// What the catalogue offers to draw requests from.
struct Corpus {
  std::vector<std::string> request_docs;  // JSON documents
  std::vector<std::string> request_ids;
  std::vector<std::string> capability_ids;
};

// Pulls `"key":"value"` out of a line; enough for the generator's own output.
std::string StringField(const std::string& line, const std::string& key) {
  const std::string needle = "\"" + key + "\":\"";
  const std::size_t at = line.find(needle);
  if (at == std::string::npos) return {};
  return line.substr(at + needle.size(), line.find('"', at + needle.size()) - at - needle.size());
}

Corpus LoadCorpus(const std::string& path) {
  Corpus c;
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "biomatch_load: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::string line;
  while (std::getline(in, line)) {
    const std::string type = StringField(line, "type");
    const std::string id = StringField(line, "id");
    if (type == "request") {
      c.request_ids.push_back(id);
      const std::size_t doc = line.find("\"doc\":");
      if (doc != std::string::npos) c.request_docs.push_back(line.substr(doc + 6, line.size() - doc - 7));
    } else if (type == "capability") {
      c.capability_ids.push_back(id);
    }
  }
  if (c.request_docs.empty() || c.capability_ids.empty()) {
    std::fprintf(stderr, "biomatch_load: %s holds no requests or capabilities\n", path.c_str());
    std::exit(2);
  }
  return c;
}

struct Stats {
  std::array<std::vector<double>, kOpCount> latency_us;
  std::map<unsigned, std::uint64_t> by_status;
  std::uint64_t transport_errors = 0;
};

// The first string member `name` of a JSON answer (ids hold no escapes), or
// empty.
std::string StringMember(const std::string& json, std::string_view name) {
  const std::string key = "\"" + std::string(name) + "\":\"";
  const std::size_t at = json.find(key);
  if (at == std::string::npos) return {};
  const std::size_t from = at + key.size();
  return json.substr(from, json.find('"', from) - from);
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::io_context& ioc, const Options& o, const Corpus& corpus, const std::vector<int>& weights,
             Clock::time_point deadline, std::uint64_t seed, Stats* stats)
      : stream_(ioc), o_(o), corpus_(corpus), weights_(weights), deadline_(deadline), rng_(seed), stats_(stats) {}

  void Start(const tcp::resolver::results_type& endpoints) {
    stream_.async_connect(endpoints, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
      if (ec) {
        ++self->stats_->transport_errors;
        return;
      }
      self->Next();
    });
  }

 private:
  void Next() {
    if (Clock::now() >= deadline_) return;
    if (!pending_hold_.empty()) {
      Send(kReserve, http::verb::post, "/v1/reservations", std::exchange(pending_hold_, {}));
      return;
    }
    if (!pending_cancel_.empty()) {
      Send(kCancel, http::verb::post, "/v1/reservations/" + std::exchange(pending_cancel_, {}) + "/cancel", "");
      return;
    }
    std::discrete_distribution<int> pick(weights_.begin(), weights_.end());
    const int choice = pick(rng_);
    auto any = [&](const std::vector<std::string>& v) -> const std::string& { return v[rng_() % v.size()]; };
    switch (choice) {
      case 0: return Send(kMatch, http::verb::post, "/v1/match?limit=10", any(corpus_.request_docs));
      case 1: return Send(kStoredMatch, http::verb::get, "/v1/requests/" + any(corpus_.request_ids) + "/matches?limit=10", "");
      case 2:
        return Send(kPutRequest, http::verb::put, "/v1/requests/load-" + std::to_string(rng_() % 1000000),
                    any(corpus_.request_docs));
      case 3:
        reserve_request_ = any(corpus_.request_ids);
        return Send(kReserveFind, http::verb::get, "/v1/requests/" + reserve_request_ + "/matches?limit=1", "");
      default: return Send(kGet, http::verb::get, "/v1/capabilities/" + any(corpus_.capability_ids), "");
    }
  }

  void Send(Op op, http::verb method, std::string target, std::string body) {
    op_ = op;
    req_ = {method, target, 11};
    req_.set(http::field::host, o_.host);
    req_.set(http::field::authorization, "Bearer " + o_.token);
    if (!body.empty() || method == http::verb::post) req_.set(http::field::content_type, "application/json");
    req_.body() = std::move(body);
    req_.prepare_payload();
    start_ = Clock::now();
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        ++self->stats_->transport_errors;
        return;
      }
      self->res_ = {};
      http::async_read(self->stream_, self->buffer_, self->res_, [self](beast::error_code ec2, std::size_t) {
        self->OnResponse(ec2);
      });
    });
  }

  void OnResponse(beast::error_code ec) {
    if (ec) {
      ++stats_->transport_errors;
      return;
    }
    stats_->latency_us[op_].push_back(std::chrono::duration<double, std::micro>(Clock::now() - start_).count());
    ++stats_->by_status[res_.result_int()];
    if (op_ == kReserveFind && res_.result_int() == 200) {
      const std::string capability = StringMember(res_.body(), "capability_id");
      if (!capability.empty()) {
        pending_hold_ = R"({"request_id":")" + reserve_request_ + R"(","capability_id":")" + capability +
                        R"(","quantity":1,"hold_seconds":60})";
      }
    }
    if (op_ == kReserve && res_.result_int() == 201) pending_cancel_ = StringMember(res_.body(), "id");
    Next();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  const Options& o_;
  const Corpus& corpus_;
  const std::vector<int>& weights_;
  Clock::time_point deadline_;
  std::mt19937_64 rng_;
  Stats* stats_;
  Op op_ = kMatch;
  Clock::time_point start_;
  std::string reserve_request_;  // the request of the reserve_cancel under way
  std::string pending_hold_;     // the hold's body, once its match is known
  std::string pending_cancel_;
};

using biomatch::tools::Percentile;

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "biomatch_load: %s\nusage: biomatch_load --target HOST:PORT --token TOKEN --catalog FILE.ndjson "
               "[--connections N] [--duration S] [--threads N] [--mix op=w,...] [--json FILE]\n",
               why.c_str());
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  biomatch::tools::ParseFlags(
      argc, argv,
      [&](const std::string& name, const std::string& value) {
        if (name == "target") {
          if (!biomatch::tools::SplitHostPort(value, &o.host, &o.port)) Usage("--target must be HOST:PORT");
        } else if (name == "token") {
          o.token = value;
        } else if (name == "catalog") {
          o.catalog = value;
        } else if (name == "connections") {
          o.connections = std::stoi(value);
        } else if (name == "threads") {
          o.threads = std::stoi(value);
        } else if (name == "duration") {
          o.duration = std::stod(value);
        } else if (name == "json") {
          o.json_out = value;
        } else if (name == "mix") {
          o.mix.clear();
          for (std::size_t pos = 0; pos < value.size();) {
            const std::size_t comma = std::min(value.find(',', pos), value.size());
            const std::string item = value.substr(pos, comma - pos);
            const std::size_t eq = item.find('=');
            if (eq == std::string::npos) Usage("--mix items look like match=70");
            o.mix[item.substr(0, eq)] = std::stoi(item.substr(eq + 1));
            pos = comma + 1;
          }
        } else {
          return false;
        }
        return true;
      },
      Usage);
  if (o.token.empty() || o.catalog.empty()) Usage("--token and --catalog are required");
  for (const auto& [name, weight] : o.mix) {
    if (name != "match" && name != "stored_match" && name != "put_request" && name != "reserve_cancel" && name != "get") {
      Usage("unknown operation in --mix: " + name);
    }
    if (weight < 0) Usage("weights must be >= 0");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  const Corpus corpus = LoadCorpus(o.catalog);
  auto weight = [&](const char* name) { return o.mix.count(name) ? o.mix.at(name) : 0; };
  const std::vector<int> weights = {weight("match"), weight("stored_match"), weight("put_request"),
                                    weight("reserve_cancel"), weight("get")};

  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<Stats> stats(static_cast<std::size_t>(o.threads));
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
  for (int t = 0; t < o.threads; ++t) {
    contexts.push_back(std::make_unique<net::io_context>());
    tcp::resolver resolver(*contexts.back());
    const auto endpoints = resolver.resolve(o.host, o.port);
    for (int c = t; c < o.connections; c += o.threads) {
      std::make_shared<Connection>(*contexts.back(), o, corpus, weights, deadline, 1000 + static_cast<std::uint64_t>(c),
                                   &stats[static_cast<std::size_t>(t)])
          ->Start(endpoints);
    }
  }
  std::vector<std::thread> threads;
  for (auto& ioc : contexts) threads.emplace_back([&ioc] { ioc->run(); });
  for (auto& th : threads) th.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  Stats all;
  for (Stats& s : stats) {
    for (int op = 0; op < kOpCount; ++op) {
      all.latency_us[op].insert(all.latency_us[op].end(), s.latency_us[op].begin(), s.latency_us[op].end());
    }
    for (const auto& [code, n] : s.by_status) all.by_status[code] += n;
    all.transport_errors += s.transport_errors;
  }
  std::vector<double> every;
  for (const auto& v : all.latency_us) every.insert(every.end(), v.begin(), v.end());
  const double total = static_cast<double>(every.size());

  std::string json = "{\"seconds\":" + std::to_string(seconds) + ",\"connections\":" + std::to_string(o.connections) +
                     ",\"requests\":" + std::to_string(every.size()) + ",\"rps\":" + std::to_string(total / seconds) +
                     ",\"transport_errors\":" + std::to_string(all.transport_errors) + ",\"status\":{";
  bool first = true;
  for (const auto& [code, n] : all.by_status) {
    json += (first ? "\"" : ",\"") + std::to_string(code) + "\":" + std::to_string(n);
    first = false;
  }
  json += "},\"ops\":{";
  std::printf("%-14s %10s %10s %10s %10s %10s %10s\n", "operation", "requests", "req/s", "p50_us", "p90_us", "p99_us",
              "p99.9_us");
  auto row = [&](const char* name, std::vector<double>& v, bool last) {
    const double p50 = Percentile(v, 0.5), p90 = Percentile(v, 0.9), p99 = Percentile(v, 0.99),
                 p999 = Percentile(v, 0.999);
    std::printf("%-14s %10zu %10.0f %10.0f %10.0f %10.0f %10.0f\n", name, v.size(), static_cast<double>(v.size()) / seconds,
                p50, p90, p99, p999);
    char buf[256];
    std::snprintf(buf, sizeof buf, "\"%s\":{\"requests\":%zu,\"rps\":%.1f,\"p50_us\":%.0f,\"p90_us\":%.0f,\"p99_us\":%.0f,\"p999_us\":%.0f}%s",
                  name, v.size(), static_cast<double>(v.size()) / seconds, p50, p90, p99, p999, last ? "" : ",");
    json += buf;
  };
  for (int op = 0; op < kOpCount; ++op) {
    if (!all.latency_us[op].empty()) row(kOpNames[op], all.latency_us[op], false);
  }
  row("all", every, true);
  json += "}}";
  std::printf("status:");
  for (const auto& [code, n] : all.by_status) std::printf(" %u=%llu", code, static_cast<unsigned long long>(n));
  std::printf("  transport errors: %llu\n", static_cast<unsigned long long>(all.transport_errors));
  if (!o.json_out.empty()) std::ofstream(o.json_out) << json << "\n";
  return 0;
}
