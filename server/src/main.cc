// biomatchd: the biomatch service.
//
//   biomatchd --listen 127.0.0.1:8080 --data ./data [--threads N]
//             [--durability fsync|os] [--demo] [--access-log]
//             [--event-retention-hours 168] [--match-top-k 10]
//             [--stream-queue 65536] [--stream-idle-seconds 40] [--max-streams 10000]
//             [--max-streams-per-key 64]
//             [--stream-batch-ms 20] [--body-limit-mib 8] [--bulk-body-limit-mib 256]
//             [--header-limit-kib 16] [--idle-timeout-seconds 60]
//             [--header-timeout-seconds 10] [--max-connections 10000]
//             [--output-budget-mib 256] [--connection-output-mib 16]
// Each flag may also come from the environment: BIOMATCH_ and its name in
// capitals with underscores (BIOMATCH_LISTEN, BIOMATCH_STREAM_BATCH_MS, ...);
// flags win. BIOMATCH_ADMIN_TOKEN sets the admin token. SIGINT/SIGTERM drain
// and exit 0.
//
// Unless GLIBC_TUNABLES already says, biomatchd runs itself once more with
// glibc.malloc.hugetlb=1 (see AskForHugePages); GLIBC_TUNABLES=
// glibc.malloc.hugetlb=0 keeps 4 KiB pages.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "biomatch/server/server.h"

namespace {

using biomatch::server::ServerOptions;

// Page faults are the dearest part of a large bulk: a virtual machine can
// take 10 us to fault in each 4 KiB page, and during a bulk's faults the
// whole machine stalled at times (bench/README.md, "Page faults, and huge
// pages"). glibc's malloc asks for transparent huge pages (2 MiB, where
// the kernel's THP mode is madvise or always) when its tunable
// glibc.malloc.hugetlb is 1. Tunables are read only at start-up, so the
// process runs itself again with it set, unless the operator chose already.
void AskForHugePages(char** argv) {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::string_view(tunables).find("glibc.malloc.hugetlb") != std::string_view::npos) return;
  const std::string value = (tunables != nullptr && *tunables != '\0' ? std::string(tunables) + ":" : std::string()) +
                            "glibc.malloc.hugetlb=1";
  char self[4096];
  const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  if (length <= 0 || setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  self[length] = '\0';
  execv(self, argv);  // returns only when it failed: go on as is
  std::perror("biomatchd: running again with huge pages");
}

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr,
               "biomatchd: %s\n"
               "usage: biomatchd --listen HOST:PORT --data DIR [--threads N] [--durability fsync|os] [--demo]\n"
               "                 [--access-log] [--event-retention-hours H] [--match-top-k K]\n"
               "                 [--stream-queue N] [--stream-idle-seconds S] [--max-streams N]\n"
               "                 [--max-streams-per-key 64]\n"
               "                 [--stream-batch-ms MS] [--body-limit-mib 8] [--bulk-body-limit-mib 256]\n"
               "                 [--header-limit-kib 16] [--idle-timeout-seconds 60] [--header-timeout-seconds 10]\n"
               "                 [--max-connections 10000] [--output-budget-mib 256] [--connection-output-mib 16]\n",
               problem.c_str());
  std::exit(2);
}

int ParseInt(const std::string& name, const std::string& value) {
  try {
    std::size_t used = 0;
    const int v = std::stoi(value, &used);
    if (used != value.size() || v < 0) throw std::invalid_argument(name);
    return v;
  } catch (const std::exception&) {
    Usage(name + " must be a non-negative integer, not '" + value + "'");
  }
}

bool ParseBool(const std::string& name, const std::string& value) {
  if (value == "1" || value == "true") return true;
  if (value == "0" || value == "false" || value.empty()) return false;
  Usage(name + " must be true or false, not '" + value + "'");
}

// Applies one setting by its flag name (without dashes).
void Apply(ServerOptions* o, const std::string& name, const std::string& value) {
  if (name == "listen") {
    o->listen = value;
  } else if (name == "data") {
    o->data_dir = value;
  } else if (name == "threads") {
    o->threads = ParseInt(name, value);
  } else if (name == "durability") {
    if (value != "fsync" && value != "os") Usage("--durability must be fsync or os");
    o->fsync = value == "fsync";
  } else if (name == "demo") {
    o->demo = ParseBool(name, value);
  } else if (name == "access-log") {
    o->access_log = ParseBool(name, value);
  } else if (name == "event-retention-hours") {
    o->event_retention = std::chrono::hours(ParseInt(name, value));
  } else if (name == "match-top-k") {
    o->match_top_k = static_cast<std::size_t>(std::max(1, ParseInt(name, value)));
  } else if (name == "stream-queue") {
    o->stream_queue = static_cast<std::size_t>(std::max(1, ParseInt(name, value)));
  } else if (name == "stream-idle-seconds") {
    o->stream_idle_timeout = std::chrono::seconds(std::max(2, ParseInt(name, value)));
  } else if (name == "max-streams") {
    o->max_streams = static_cast<std::size_t>(ParseInt(name, value));
  } else if (name == "max-streams-per-key") {
    o->max_streams_per_key = static_cast<std::size_t>(ParseInt(name, value));
  } else if (name == "stream-batch-ms") {
    o->stream_batch = std::chrono::milliseconds(ParseInt(name, value));
  } else if (name == "body-limit-mib") {
    o->body_limit = static_cast<std::size_t>(std::max(1, ParseInt(name, value))) << 20;
  } else if (name == "bulk-body-limit-mib") {
    o->bulk_body_limit = static_cast<std::size_t>(std::max(1, ParseInt(name, value))) << 20;
  } else if (name == "header-limit-kib") {
    o->header_limit = static_cast<std::size_t>(std::max(1, ParseInt(name, value))) << 10;
  } else if (name == "idle-timeout-seconds") {
    o->idle_timeout = std::chrono::seconds(std::max(1, ParseInt(name, value)));
  } else if (name == "header-timeout-seconds") {
    o->header_timeout = std::chrono::seconds(std::max(1, ParseInt(name, value)));
  } else if (name == "max-connections") {
    o->max_connections = static_cast<std::size_t>(std::max(1, ParseInt(name, value)));
  } else if (name == "output-budget-mib") {
    o->output_budget = static_cast<std::size_t>(std::max(1, ParseInt(name, value))) << 20;
  } else if (name == "connection-output-mib") {
    o->connection_output = static_cast<std::size_t>(std::max(1, ParseInt(name, value))) << 20;
  } else {
    Usage("unknown flag --" + name);
  }
}

}  // namespace

int main(int argc, char** argv) {
  AskForHugePages(argv);
  ServerOptions options;
  for (const char* name : {"listen", "data", "threads", "durability", "demo", "access-log", "event-retention-hours",
                           "match-top-k", "stream-queue", "stream-idle-seconds", "max-streams", "max-streams-per-key", "stream-batch-ms",
                           "body-limit-mib", "bulk-body-limit-mib", "header-limit-kib", "idle-timeout-seconds",
                           "header-timeout-seconds", "max-connections", "output-budget-mib",
                           "connection-output-mib"}) {
    std::string env = "BIOMATCH_";
    for (const char* c = name; *c; ++c) env += *c == '-' ? '_' : static_cast<char>(std::toupper(*c));
    if (const char* value = std::getenv(env.c_str())) Apply(&options, name, value);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, 2) != "--") Usage("unexpected argument " + std::string(arg));
    const std::string name(arg.substr(2));
    if (name == "demo" || name == "access-log") {
      Apply(&options, name, "true");
    } else {
      if (i + 1 >= argc) Usage("--" + name + " needs a value");
      Apply(&options, name, argv[++i]);
    }
  }
  if (const char* token = std::getenv("BIOMATCH_ADMIN_TOKEN")) options.admin_token = token;

  // Signals are taken by sigwait below; every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = biomatch::server::Server::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "biomatchd: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "biomatchd: listening on %s (port %u), data in %s\n", options.listen.c_str(),
               static_cast<unsigned>((*server)->port()), options.data_dir.c_str());
  int signal = 0;
  sigwait(&signals, &signal);
  std::fprintf(stderr, "biomatchd: %s: draining\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Stop();
  return 0;
}
