// biomatch_bulk_stall: how long matches wait while a large bulk is applied
// (issue 9, "readers never wait for a bulk"). Matcher threads, each on its
// own keep-alive connection, post request documents drawn from the
// catalogue to /v1/match without pause; after a quiet second, one POST
// /v1/bulk sends the given NDJSON body. Reports the matches' latency
// percentiles before the bulk and while it ran (a match counts as "during"
// when its call overlapped the bulk's), the status counts of both, and the
// bulk's own status, duration and lines per second. A probe thread, at
// real-time priority when the process may have it, sleeps a millisecond at
// a time and counts how late it wakes: the stalls of the machine itself,
// which no server can hide from its clients, shown beside the matches'.
//
//   biomatch_bulk_stall --target 127.0.0.1:8080 --token TOKEN --catalog catalog.ndjson
//                       --bulk body.ndjson [--matchers 2]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sched.h>

#include "http_client.h"
#include "load_common.h"

namespace {

using biomatch::tools::HttpClient;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1", port = "8080", token, catalog, bulk;
  int matchers = 2;
  double rate = 100;  // matches a second, per matcher
};

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr,
               "biomatch_bulk_stall: %s\n"
               "usage: biomatch_bulk_stall --target HOST:PORT --token TOKEN --catalog FILE --bulk FILE "
               "[--matchers N] [--rate PER_SECOND]\n",
               problem.c_str());
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  biomatch::tools::ParseFlags(
      argc, argv,
      [&](const std::string& name, const std::string& value) {
        if (name == "target") {
          if (!biomatch::tools::SplitHostPort(value, &o.host, &o.port)) Usage("--target needs HOST:PORT");
        } else if (name == "token") {
          o.token = value;
        } else if (name == "catalog") {
          o.catalog = value;
        } else if (name == "bulk") {
          o.bulk = value;
        } else if (name == "matchers") {
          o.matchers = std::stoi(value);
        } else if (name == "rate") {
          o.rate = std::stod(value);
        } else {
          return false;
        }
        return true;
      },
      Usage);
  if (o.token.empty() || o.catalog.empty() || o.bulk.empty()) Usage("--token, --catalog and --bulk are required");
  if (o.matchers < 1 || !(o.rate > 0)) Usage("--matchers and --rate must be positive");
  return o;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Usage("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The request documents of a gen_catalog NDJSON file.
std::vector<std::string> RequestDocs(const std::string& path) {
  std::ifstream in(path);
  if (!in) Usage("cannot read " + path);
  std::vector<std::string> docs;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"type\":\"request\"") == std::string::npos) continue;
    const std::size_t doc = line.find("\"doc\":");
    if (doc != std::string::npos) docs.push_back(line.substr(doc + 6, line.size() - doc - 7));
  }
  if (docs.empty()) Usage(path + " holds no requests");
  return docs;
}

struct Sample {
  Clock::time_point start, end;  // start: when it was due
  unsigned status = 0;  // 0: transport error
};

// Wakes every millisecond and keeps the times it woke more than 5 ms late.
class StallProbe {
 public:
  struct Late {
    Clock::time_point at;
    double ms;
  };
  StallProbe() {
    thread_ = std::thread([this] {
      sched_param param{};
      param.sched_priority = 1;
      realtime_ = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) == 0;
      const auto period = std::chrono::milliseconds(1);
      while (!stop_.load()) {
        const Clock::time_point asleep = Clock::now();
        std::this_thread::sleep_for(period);
        const double late = std::chrono::duration<double, std::milli>(Clock::now() - asleep - period).count();
        if (late > 5) late_.push_back({asleep, late});
      }
    });
  }
  // Stops the probe; then the figures may be read.
  void Stop() {
    stop_ = true;
    thread_.join();
  }
  void Report(const char* label, Clock::time_point from, Clock::time_point to) const {
    std::size_t over20 = 0;
    double worst = 0;
    for (const Late& l : late_) {
      if (l.at < from || l.at > to) continue;
      if (l.ms > 20) ++over20;
      worst = std::max(worst, l.ms);
    }
    std::printf("%-14s probe woke > 20 ms late %zu times, worst ", label, over20);
    worst > 0 ? std::printf("%.1f ms late", worst) : std::printf("under 5 ms late");
    std::printf(" (%s priority)\n", realtime_ ? "real-time" : "normal");
  }

 private:
  std::atomic<bool> stop_{false};
  bool realtime_ = false;
  std::vector<Late> late_;
  std::thread thread_;
};

void Report(const char* label, const std::vector<Sample>& samples) {
  std::vector<double> ms;
  std::map<unsigned, std::uint64_t> by_status;
  for (const Sample& s : samples) {
    ms.push_back(std::chrono::duration<double, std::milli>(s.end - s.start).count());
    ++by_status[s.status];
  }
  const double max = ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end());
  const double p50 = biomatch::tools::Percentile(ms, 0.50), p99 = biomatch::tools::Percentile(ms, 0.99);
  std::printf("%-14s matches %6zu  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  status", label, samples.size(), p50, p99,
              max);
  for (const auto& [status, n] : by_status) std::printf(" %u:%llu", status, static_cast<unsigned long long>(n));
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  const std::vector<std::string> docs = RequestDocs(o.catalog);
  std::string bulk = ReadFile(o.bulk);
  const std::size_t lines = static_cast<std::size_t>(std::count(bulk.begin(), bulk.end(), '\n'));

  StallProbe probe;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<Sample> samples;
  std::vector<std::thread> matchers;
  for (int t = 0; t < o.matchers; ++t) {
    matchers.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<unsigned>(t) + 1);
      std::vector<Sample> mine;
      try {
        HttpClient client(o.host, o.port, o.token);
        const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1 / o.rate));
        for (Clock::time_point due = Clock::now(); !stop.load(); due += interval) {
          std::this_thread::sleep_until(due);
          Sample s;
          s.start = due;
          const HttpClient::Reply reply = client.Call(http::verb::post, "/v1/match?limit=10", docs[rng() % docs.size()]);
          s.status = reply.status;
          s.end = Clock::now();
          mine.push_back(s);
          if (reply.status == 0) throw std::runtime_error(reply.body);
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "biomatch_bulk_stall: matcher %d: %s\n", t, e.what());
      }
      std::lock_guard lock(mu);
      samples.insert(samples.end(), mine.begin(), mine.end());
    });
  }
  const Clock::time_point quiet_start = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const Clock::time_point bulk_start = Clock::now();
  unsigned bulk_status = 0;
  std::string bulk_answer;
  try {
    HttpClient client(o.host, o.port, o.token, std::chrono::hours(1));
    const HttpClient::Reply reply = client.Call(http::verb::post, "/v1/bulk", std::move(bulk), "application/x-ndjson");
    bulk_status = reply.status;
    bulk_answer = reply.body.substr(0, 200);
  } catch (const std::exception& e) {
    bulk_answer = e.what();
  }
  const Clock::time_point bulk_end = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  for (auto& t : matchers) t.join();
  probe.Stop();

  std::vector<Sample> before, during;
  for (const Sample& s : samples) {
    if (s.end < bulk_start) before.push_back(s);
    else if (s.start <= bulk_end) during.push_back(s);
  }
  const double seconds = std::chrono::duration<double>(bulk_end - bulk_start).count();
  std::printf("bulk           %zu lines  status %u  %.2f s  %.0f lines/s  %s\n", lines, bulk_status, seconds,
              static_cast<double>(lines) / seconds, bulk_answer.c_str());
  Report("before bulk", before);
  probe.Report("", quiet_start, bulk_start);
  Report("during bulk", during);
  probe.Report("", bulk_start, bulk_end);
  // When the slowest ones were due, to tell the bulk's phases apart.
  std::sort(during.begin(), during.end(), [](const Sample& a, const Sample& b) { return a.end - a.start > b.end - b.start; });
  std::printf("slowest        ");
  for (std::size_t i = 0; i < std::min<std::size_t>(8, during.size()); ++i) {
    std::printf(" %.0f ms at %.1f s", std::chrono::duration<double, std::milli>(during[i].end - during[i].start).count(),
                std::chrono::duration<double>(during[i].start - bulk_start).count());
  }
  std::printf("\n");
  return bulk_status == 200 ? 0 : 1;
}
