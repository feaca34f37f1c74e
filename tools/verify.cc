// biomatch_verify: opens a data directory read-only and checks its invariants
// (every record decodes, references resolve, reserved <= units for every slot,
// the event log has no gap). Exit status 0 when sound, 1 when a problem was
// found, 2 when the directory cannot be opened or the usage is wrong.
//
//   biomatch_verify --data ./data
#include <cstdio>
#include <string>
#include <string_view>

#include "biomatch/storage/store.h"

int main(int argc, char** argv) {
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--data" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: biomatch_verify --data DIR\n");
      return 2;
    }
  }
  if (dir.empty()) {
    std::fprintf(stderr, "usage: biomatch_verify --data DIR\n");
    return 2;
  }
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
