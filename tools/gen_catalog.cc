// gen_catalog: writes a deterministic catalogue (biomatch/catalog/catalog.h) as the
// bulk NDJSON of API.md, one put operation a line: platforms first, then
// capabilities, then requests, ready for POST /v1/bulk.
//
//   gen_catalog --capabilities N [--platforms N] [--requests N] [--seed S]
//               [--start 2026-12-01T00:00:00Z] [--infeasible-share F] [--out FILE|-]
//
// Exit status: 0 on success, 1 when the output cannot be written, 2 on bad flags.

#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "biomatch/catalog/catalog.h"
#include "biomatch/engine/time.h"
#include "biomatch/server/json_codec.h"

namespace {


constexpr std::string_view kUsage =
    "usage: gen_catalog --capabilities N [--platforms N] [--requests N] [--seed S]\n"
    "                   [--start RFC3339] [--infeasible-share F] [--out FILE|-]\n"
    "\n"
    "Writes a deterministic biomatch catalogue as bulk NDJSON (POST /v1/bulk):\n"
    "platforms, then capabilities, then requests, one put operation a line.\n"
    "\n"
    "  --capabilities N      number of capabilities (required, >= 1)\n"
    "  --platforms N         number of platforms (default capabilities/8, at least 1)\n"
    "  --requests N          number of requests (default capabilities/10)\n"
    "  --seed S              random seed, unsigned 64-bit (default 42)\n"
    "  --start T             where calendars and request windows begin\n"
    "                        (default 2026-12-01T00:00:00Z)\n"
    "  --infeasible-share F  share of requests with no feasible match, 0..1 (default 0.15)\n"
    "  --out FILE|-          output file, '-' for stdout (default -)\n";

[[noreturn]] void UsageError(std::string_view message) {
  std::fprintf(stderr, "gen_catalog: %.*s\n\n%.*s", static_cast<int>(message.size()), message.data(),
               static_cast<int>(kUsage.size()), kUsage.data());
  std::exit(2);
}

std::uint64_t ParseUnsigned(std::string_view flag, std::string_view text) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    UsageError(std::string(flag) + " needs a non-negative integer, got '" + std::string(text) + "'");
  }
  return v;
}

double ParseShare(std::string_view flag, std::string_view text) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty() || !(v >= 0 && v <= 1)) {
    UsageError(std::string(flag) + " needs a number from 0 to 1, got '" + std::string(text) + "'");
  }
  return v;
}

// Buffered NDJSON writer: lines go into 8 MiB chunks, and a background
// thread writes full chunks while the next one is filled, so serialising and
// the kernel's copying overlap. At most kMaxPending chunks wait. Used by one
// thread (plus its own writer thread).
class LineWriter {
 public:
  explicit LineWriter(std::FILE* file) : file_(file), thread_([this] { WriteLoop(); }) {
    current_.reserve(kChunk + (1 << 20));
  }
  ~LineWriter() {
    if (thread_.joinable()) static_cast<void>(Finish());
  }
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  // The buffer to append whole lines to; EndLine hands full chunks to the
  // writer thread.
  std::string* buffer() { return &current_; }
  // Returns false once a write has failed.
  bool EndLine() {
    if (current_.size() < kChunk) return true;
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return pending_.size() < kMaxPending || failed_; });
    pending_.push_back(std::move(current_));
    if (!spare_.empty()) {
      current_ = std::move(spare_.back());
      spare_.pop_back();
    } else {
      current_ = std::string();
      current_.reserve(kChunk + (1 << 20));
    }
    cv_.notify_all();
    return !failed_;
  }
  // Writes what is left and stops the writer thread. Returns false if any
  // write failed (error() tells why). Call once.
  bool Finish() {
    {
      std::lock_guard lock(mu_);
      if (!current_.empty()) pending_.push_back(std::move(current_));
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    return !failed_;
  }
  // The errno of the first failed write, 0 if none. REQUIRES: Finish() returned.
  int error() const { return error_; }

 private:
  static constexpr std::size_t kChunk = 8 << 20;
  static constexpr std::size_t kMaxPending = 2;

  void WriteLoop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return !pending_.empty() || done_; });
      if (pending_.empty()) return;  // done_ and drained
      std::string chunk = std::move(pending_.front());
      pending_.pop_front();
      const bool skip = failed_;
      lock.unlock();
      const bool ok = skip || std::fwrite(chunk.data(), 1, chunk.size(), file_) == chunk.size();
      const int error = ok ? 0 : errno;
      chunk.clear();
      lock.lock();
      if (!ok) {
        failed_ = true;
        error_ = error;
      }
      spare_.push_back(std::move(chunk));
      cv_.notify_all();
    }
  }

  std::FILE* const file_;  // written only by the writer thread
  std::string current_;    // filled by the caller's thread
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> pending_;  // GUARDED_BY(mu_)
  std::vector<std::string> spare_;   // GUARDED_BY(mu_) cleared buffers for reuse
  bool done_ = false;                // GUARDED_BY(mu_)
  bool failed_ = false;              // GUARDED_BY(mu_)
  int error_ = 0;                    // GUARDED_BY(mu_)
  std::thread thread_;               // last: starts after the members above exist
};

}  // namespace

int main(int argc, char** argv) {
  biomatch::catalog::CatalogSpec spec;
  std::optional<std::uint64_t> capabilities;
  std::string out_path = "-";

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    }
    if (!arg.starts_with("--")) UsageError("unexpected argument '" + std::string(arg) + "'");
    std::string_view value;
    bool has_value = false;
    if (const std::size_t eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    const bool known = arg == "--capabilities" || arg == "--platforms" || arg == "--requests" || arg == "--seed" ||
                       arg == "--start" || arg == "--infeasible-share" || arg == "--out";
    if (!known) UsageError("unknown flag '" + std::string(arg) + "'");
    if (!has_value) {
      if (i + 1 >= argc) UsageError(std::string(arg) + " needs a value");
      value = argv[++i];
    }
    if (arg == "--capabilities") {
      capabilities = ParseUnsigned(arg, value);
    } else if (arg == "--platforms") {
      spec.platforms = ParseUnsigned(arg, value);
    } else if (arg == "--requests") {
      spec.requests = ParseUnsigned(arg, value);
    } else if (arg == "--seed") {
      spec.seed = ParseUnsigned(arg, value);
    } else if (arg == "--start") {
      const std::optional<biomatch::engine::Seconds> start = biomatch::engine::ParseRfc3339(value);
      if (!start) UsageError("--start needs an RFC 3339 time such as 2026-12-01T00:00:00Z, got '" + std::string(value) + "'");
      spec.start = *start;
    } else if (arg == "--infeasible-share") {
      spec.infeasible_share = ParseShare(arg, value);
    } else {
      if (value.empty()) UsageError("--out needs a file name or '-'");
      out_path = value;
    }
  }
  if (!capabilities || *capabilities == 0) UsageError("--capabilities N (N >= 1) is required");
  spec.capabilities = *capabilities;

  std::FILE* file = stdout;
  if (out_path != "-") {
    file = std::fopen(out_path.c_str(), "wb");
    if (file == nullptr) {
      std::fprintf(stderr, "gen_catalog: cannot open %s: %s\n", out_path.c_str(), std::strerror(errno));
      return 1;
    }
  }

  const biomatch::catalog::Catalog catalog = biomatch::catalog::GenerateCatalog(spec);

  bool ok = true;
  int error = 0;
  {
    LineWriter writer(file);
    for (const auto& p : catalog.platforms) {
      if (!ok) break;
      biomatch::server::AppendBulkPutLine(p, writer.buffer());
      ok = writer.EndLine();
    }
    for (const auto& c : catalog.capabilities) {
      if (!ok) break;
      biomatch::server::AppendBulkPutLine(c, writer.buffer());
      ok = writer.EndLine();
    }
    for (const auto& r : catalog.requests) {
      if (!ok) break;
      biomatch::server::AppendBulkPutLine(r, writer.buffer());
      ok = writer.EndLine();
    }
    ok = writer.Finish() && ok;
    error = writer.error();
  }
  if (std::fflush(file) != 0 && ok) {
    ok = false;
    error = errno;
  }
  if (file != stdout && std::fclose(file) != 0 && ok) {
    ok = false;
    error = errno;
  }
  if (!ok) {
    std::fprintf(stderr, "gen_catalog: writing %s failed: %s\n", out_path == "-" ? "stdout" : out_path.c_str(),
                 std::strerror(error));
    return 1;
  }
  return 0;
}
