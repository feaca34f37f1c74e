#include "metrics.h"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace biomatch::server {
namespace {

// The value of the unlabelled sample `name` in an exposition, or -1.
double Value(const std::string& text, const std::string& name) {
  const std::size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::strtod(text.c_str() + at + name.size() + 2, nullptr);
}

TEST(MetricsTest, EveryMetricHasHelpAndType) {
  Metrics metrics({"GET /healthz"});
  metrics.Observe(0, 200, 0.001);
  std::string text;
  metrics.Render({{"biomatch_platforms", 3, false, "Platforms in the catalogue."},
                  {"biomatch_stream_sent_total", 7, true, "Stream messages written."}},
                 &text);
  std::map<std::string, std::string> help, type;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string hash, kind, name, rest;
    words >> hash >> kind >> name;
    std::getline(words, rest);
    if (hash != "#") continue;
    (kind == "HELP" ? help : type)[name] = rest;
  }
  ASSERT_FALSE(type.empty()) << text;
  for (const auto& [name, t] : type) {
    EXPECT_FALSE(help[name].empty()) << name << " has no HELP";
  }
  EXPECT_EQ(type["biomatch_platforms"], " gauge");
  EXPECT_EQ(type["biomatch_stream_sent_total"], " counter");
  EXPECT_EQ(type["biomatch_http_request_duration_seconds"], " histogram");
  EXPECT_EQ(Value(text, "biomatch_platforms"), 3);
  EXPECT_EQ(Value(text, "biomatch_stream_sent_total"), 7);
  EXPECT_NE(text.find("biomatch_build_info{version=\""), std::string::npos) << text;
}

TEST(MetricsTest, ProcessMetricsDescribeThisProcess) {
  std::string text = "\n";
  AppendProcessMetrics(&text);
  EXPECT_GT(Value(text, "process_resident_memory_bytes"), 1 << 20) << text;
  EXPECT_GE(Value(text, "process_virtual_memory_bytes"), Value(text, "process_resident_memory_bytes"));
  EXPECT_GE(Value(text, "process_cpu_seconds_total"), 0);
  const double start = Value(text, "process_start_time_seconds");
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 24 * 3600) << "a test process started more than a day ago";
  const double fds = Value(text, "process_open_fds");
  EXPECT_GE(fds, 3);  // stdin, stdout, stderr
  const int extra = dup(0);
  ASSERT_GE(extra, 0);
  std::string again = "\n";
  AppendProcessMetrics(&again);
  EXPECT_EQ(Value(again, "process_open_fds"), fds + 1);
  close(extra);
  EXPECT_GE(Value(text, "process_max_fds"), fds);
}

}  // namespace
}  // namespace biomatch::server
