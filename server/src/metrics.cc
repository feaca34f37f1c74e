#include "metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string_view>
#include <system_error>

namespace biomatch::server {

void LatencyHistogram::Observe(double seconds, std::uint64_t count) {
  const auto b = std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin();
  buckets_[static_cast<std::size_t>(b)].fetch_add(count, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6) * count, std::memory_order_relaxed);
}

void LatencyHistogram::Render(const char* name, const std::string& labels, std::string* out) const {
  std::uint64_t total = 0;
  for (const auto& b : buckets_) total += b.load(std::memory_order_relaxed);
  if (total == 0) return;
  const std::string sep = labels.empty() ? "" : ",";
  char line[512];
  auto add = [&](int n) { out->append(line, static_cast<std::size_t>(std::min<int>(n, sizeof line - 1))); };
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
    cumulative += buckets_[b].load(std::memory_order_relaxed);
    char le[32];
    if (b < kBuckets.size()) {
      std::snprintf(le, sizeof le, "%g", kBuckets[b]);
    } else {
      std::snprintf(le, sizeof le, "+Inf");
    }
    add(std::snprintf(line, sizeof line, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels.c_str(), sep.c_str(), le,
                      static_cast<unsigned long long>(cumulative)));
  }
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  add(std::snprintf(line, sizeof line, "%s_sum%s %.6f\n", name, braces.c_str(),
                    static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6));
  add(std::snprintf(line, sizeof line, "%s_count%s %llu\n", name, braces.c_str(),
                    static_cast<unsigned long long>(cumulative)));
}

Metrics::Metrics(std::vector<std::string> routes) {
  for (std::string& name : routes) {
    routes_.push_back(std::make_unique<Route>());
    routes_.back()->name = std::move(name);
  }
}

void Metrics::Observe(std::size_t route, unsigned status, double seconds) {
  Route& r = *routes_[route];
  const auto s = std::find(kStatuses.begin(), kStatuses.end() - 1, status) - kStatuses.begin();
  r.by_status[static_cast<std::size_t>(s)].fetch_add(1, std::memory_order_relaxed);
  r.latency.Observe(seconds);
}

void Metrics::Render(const std::vector<Sample>& samples, std::string* out) const {
  char line[512];
  auto add = [&](int n) { out->append(line, static_cast<std::size_t>(std::min<int>(n, sizeof line - 1))); };
  out->append("# HELP biomatch_http_requests_total HTTP requests by route and status.\n"
              "# TYPE biomatch_http_requests_total counter\n");
  for (const auto& r : routes_) {
    for (std::size_t i = 0; i < kStatuses.size(); ++i) {
      const std::uint64_t n = r->by_status[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      if (kStatuses[i] == 0) {
        add(std::snprintf(line, sizeof line, "biomatch_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                          r->name.c_str(), static_cast<unsigned long long>(n)));
      } else {
        add(std::snprintf(line, sizeof line, "biomatch_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
                          r->name.c_str(), kStatuses[i], static_cast<unsigned long long>(n)));
      }
    }
  }
  out->append("# HELP biomatch_http_request_duration_seconds Time from a request's last byte to its response.\n"
              "# TYPE biomatch_http_request_duration_seconds histogram\n");
  for (const auto& r : routes_) r->latency.Render("biomatch_http_request_duration_seconds", "route=\"" + r->name + "\"", out);
  add(std::snprintf(line, sizeof line,
                    "# HELP biomatch_http_in_flight HTTP requests being handled now.\n"
                    "# TYPE biomatch_http_in_flight gauge\nbiomatch_http_in_flight %lld\n",
                    static_cast<long long>(in_flight_.load(std::memory_order_relaxed))));
  add(std::snprintf(line, sizeof line,
                    "# HELP biomatch_http_connections_refused_total Connections closed on arrival because "
                    "--max-connections were open.\n"
                    "# TYPE biomatch_http_connections_refused_total counter\nbiomatch_http_connections_refused_total %llu\n",
                    static_cast<unsigned long long>(connections_refused_.load(std::memory_order_relaxed))));
  for (const Sample& s : samples) {
    AppendSample(s.name, s.help, s.counter ? "counter" : "gauge", s.value, out);
  }
  AppendProcessMetrics(out);
  AppendBuildInfo(out);
}

namespace {

// The fields of /proc/self/stat after the command name (whose parentheses may
// hold spaces): [0] is field 3 of proc(5), state.
std::vector<std::string> ProcSelfStatFields() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> fields;
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(text.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(std::move(f));
  return fields;
}

// Seconds since the epoch at which the system booted (`btime` of /proc/stat); 0 if absent.
double BootTime() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double t = 0;
      in >> t;
      return t;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

// A decimal field of /proc (strtod: never throws; 0 if not a number).
double Number(const std::string& field) { return std::strtod(field.c_str(), nullptr); }

// A label value as the exposition format quotes it.
std::string EscapeLabel(std::string_view value) {
  std::string out;
  for (char ch : value) {
    if (ch == '\\' || ch == '"') out.push_back('\\');
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(ch);
  }
  return out;
}

}  // namespace

void AppendSample(const std::string& name, const std::string& help, const char* type, double value,
                  std::string* out) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
  char number[64];
  const int n = std::snprintf(number, sizeof number, " %.17g\n", value);
  out->append(name).append(number, static_cast<std::size_t>(n));
}

void AppendProcessMetrics(std::string* out) {
  const std::vector<std::string> stat = ProcSelfStatFields();
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // proc(5) field numbers minus 3: utime 14, stime 15, starttime 22, vsize 23, rss 24.
  if (stat.size() > 21 && ticks > 0) {
    const double cpu = (Number(stat[11]) + Number(stat[12])) / ticks;
    AppendSample("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter", cpu, out);
    AppendSample("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", Number(stat[20]), out);
    AppendSample("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
                 Number(stat[21]) * page, out);
    if (const double boot = BootTime(); boot > 0) {
      AppendSample("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge",
                   boot + Number(stat[19]) / ticks, out);
    }
  }
  std::error_code ec;
  double open_fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) {
    ++open_fds;
  }
  if (!ec) AppendSample("process_open_fds", "Number of open file descriptors.", "gauge", open_fds, out);
  if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    AppendSample("process_max_fds", "Maximum number of open file descriptors.", "gauge",
                 static_cast<double>(limit.rlim_cur), out);
  }
}

void AppendBuildInfo(std::string* out) {
#if defined(__clang__)
  const std::string compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  const std::string compiler = std::string("gcc ") + __VERSION__;
#else
  const std::string compiler = "unknown";
#endif
  out->append("# HELP biomatch_build_info The version and compiler biomatchd was built with; always 1.\n"
              "# TYPE biomatch_build_info gauge\n");
  out->append("biomatch_build_info{version=\"").append(EscapeLabel(BIOMATCH_VERSION));
  out->append("\",compiler=\"").append(EscapeLabel(compiler)).append("\"} 1\n");
}

}  // namespace biomatch::server
