#include "metrics.h"

#include <algorithm>
#include <cstdio>

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
  add(std::snprintf(line, sizeof line, "# TYPE biomatch_http_in_flight gauge\nbiomatch_http_in_flight %lld\n",
                    static_cast<long long>(in_flight_.load(std::memory_order_relaxed))));
  add(std::snprintf(line, sizeof line,
                    "# TYPE biomatch_http_connections_refused_total counter\nbiomatch_http_connections_refused_total %llu\n",
                    static_cast<unsigned long long>(connections_refused_.load(std::memory_order_relaxed))));
  for (const Sample& s : samples) {
    add(std::snprintf(line, sizeof line, "# TYPE %s %s\n%s %.17g\n", s.name.c_str(), s.counter ? "counter" : "gauge",
                      s.name.c_str(), s.value));
  }
}

}  // namespace biomatch::server
