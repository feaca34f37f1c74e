// biomatch_verify: opens a data directory read-only and checks its invariants
// (every record decodes, references resolve, reserved <= units for every slot,
// the event log has no gap). Exit status 0 when sound, 1 when a problem was
// found, 2 when the directory cannot be opened or the usage is wrong.
//
// With --repair it makes a directory that biomatchd refuses openable again:
// the entity records that do not load (and those that name them) are
// written to a file first, then deleted from the database; nothing else
// changes. The file (default <dir>.set-aside-<unix time>.tsv) has one line
// per record: column family, key and value in hex, and the reason, tab
// separated. Stop biomatchd first.
//
//   biomatch_verify --data ./data
//   biomatch_verify --data ./data --repair [--set-aside FILE]
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

#include <unistd.h>

#include "biomatch/storage/store.h"

namespace {

constexpr const char* kUsage = "usage: biomatch_verify --data DIR [--repair [--set-aside FILE]]\n";

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Writes the records to `path` (which must not exist) and syncs it.
biomatch::engine::Status WriteSetAside(const std::string& path, const std::vector<biomatch::storage::SetAside>& records) {
  using biomatch::engine::Status;
  std::FILE* f = std::fopen(path.c_str(), "wx");
  if (f == nullptr) return Status::IoError("cannot create " + path);
  for (const auto& r : records) {
    std::fprintf(f, "%s\t%s\t%s\t%s\n", r.family.c_str(), Hex(r.key).c_str(), Hex(r.value).c_str(), r.reason.c_str());
  }
  const bool written = std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  if (std::fclose(f) != 0 || !written) return Status::IoError("cannot write " + path);
  return Status::Ok();
}

int Repair(const std::string& dir, std::string set_aside_path) {
  if (set_aside_path.empty()) set_aside_path = dir + ".set-aside-" + std::to_string(std::time(nullptr)) + ".tsv";
  auto repaired = biomatch::storage::Store::Repair(
      dir, [&](const auto& records) { return WriteSetAside(set_aside_path, records); });
  if (!repaired.ok()) {
    std::fprintf(stderr, "cannot repair %s: %s\n", dir.c_str(), repaired.status().ToString().c_str());
    return 2;
  }
  for (const auto& r : *repaired) std::printf("set aside: %s %s: %s\n", r.family.c_str(), r.key.c_str(), r.reason.c_str());
  if (repaired->empty()) {
    std::printf("nothing to repair\n");
  } else {
    std::printf("%zu records set aside in %s\n", repaired->size(), set_aside_path.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, set_aside;
  bool repair = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--data" && i + 1 < argc) {
      dir = argv[++i];
    } else if (flag == "--repair") {
      repair = true;
    } else if (flag == "--set-aside" && i + 1 < argc) {
      set_aside = argv[++i];
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (dir.empty() || (!set_aside.empty() && !repair)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (repair) return Repair(dir, set_aside);
  auto report = biomatch::storage::Store::Verify(dir);
  if (!report.ok()) {
    std::fprintf(stderr, "cannot verify %s: %s\n", dir.c_str(), report.status().ToString().c_str());
    return 2;
  }
  std::printf("platforms %llu\ncapabilities %llu\nrequests %llu\nreservations %llu\nevents %llu (seq %llu..%llu)\n",
              static_cast<unsigned long long>(report->platforms), static_cast<unsigned long long>(report->capabilities),
              static_cast<unsigned long long>(report->requests), static_cast<unsigned long long>(report->reservations),
              static_cast<unsigned long long>(report->events), static_cast<unsigned long long>(report->first_seq),
              static_cast<unsigned long long>(report->last_seq));
  for (const std::string& p : report->problems) std::printf("problem: %s\n", p.c_str());
  std::printf("%s\n", report->problems.empty() ? "ok" : "PROBLEMS FOUND");
  return report->problems.empty() ? 0 : 1;
}
