// Metrics: request counts by route and status, latency histograms by route,
// in-flight requests, the process's own figures (memory, CPU, descriptors, as
// every Prometheus client library exports them) and the build, rendered in the
// Prometheus text format (each metric with its HELP and TYPE).
//
// Thread safety: Observe/InFlight may be called concurrently (atomics only).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace biomatch::server {

// Durations in fixed buckets (seconds), observed from any thread (atomics).
class LatencyHistogram {
 public:
  static constexpr std::array<double, 14> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};
  void Observe(double seconds, std::uint64_t count = 1);  // `count` observations of `seconds`
  // Appends `name`_bucket/_sum/_count lines with `labels` (`route="x"` or
  // empty); nothing while it is empty.
  void Render(const char* name, const std::string& labels, std::string* out) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> buckets_{};  // last: +Inf
  std::atomic<std::uint64_t> sum_us_{0};
};

class Metrics {
 public:
  // Routes are named once; Observe takes the route's index in this list.
  explicit Metrics(std::vector<std::string> routes);

  void Observe(std::size_t route, unsigned status, double seconds);
  void InFlight(int delta) { in_flight_.fetch_add(delta, std::memory_order_relaxed); }
  // A connection closed on arrival: --max-connections were open.
  void ConnectionRefused() { connections_refused_.fetch_add(1, std::memory_order_relaxed); }

  // A figure of another part (storage, engine, stream).
  struct Sample {
    std::string name;
    double value = 0;
    bool counter = false;  // else a gauge
    std::string help;      // the HELP text: one line, no backslash
  };
  // Appends the exposition text: the HTTP figures, `samples`, the process
  // metrics and biomatch_build_info.
  void Render(const std::vector<Sample>& samples, std::string* out) const;

  static constexpr std::array<unsigned, 19> kStatuses = {101, 200, 201, 204, 400, 401, 403, 404, 405, 409,
                                                         412, 413, 414, 415, 426, 431, 500, 503, 0};

 private:
  struct Route {
    std::string name;
    std::array<std::atomic<std::uint64_t>, kStatuses.size()> by_status{};
    LatencyHistogram latency;
  };
  std::vector<std::unique_ptr<Route>> routes_;
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::uint64_t> connections_refused_{0};
};

// Appends one gauge or counter (`type`) with its HELP and TYPE lines.
void AppendSample(const std::string& name, const std::string& help, const char* type, double value,
                  std::string* out);

// Appends the standard process metrics of the calling process, read from
// /proc/self (process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds,
// process_max_fds), each with HELP and TYPE. A figure /proc does not give is
// left out.
void AppendProcessMetrics(std::string* out);

// Appends biomatch_build_info{version="..",compiler=".."} 1.
void AppendBuildInfo(std::string* out);

}  // namespace biomatch::server
