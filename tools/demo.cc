// biomatch_demo: generates a catalogue, loads it into the engine, and prints
// explained matches for a few generated requests, with timings.
//
//   biomatch_demo [--capabilities N] [--queries K] [--seed S]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "biomatch/catalog/catalog.h"
#include "biomatch/engine/engine.h"
#include "biomatch/server/json_codec.h"

namespace {

using namespace biomatch;

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

[[noreturn]] void Usage() {
  std::cerr << "usage: biomatch_demo [--capabilities N] [--queries K] [--seed S]\n";
  std::exit(2);
}

std::uint64_t NumberFlag(int argc, char** argv, int* i) {
  if (*i + 1 >= argc) Usage();
  char* end = nullptr;
  const unsigned long long v = std::strtoull(argv[++*i], &end, 10);
  if (end == nullptr || *end != '\0') Usage();
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  catalog::CatalogSpec spec;
  spec.capabilities = 10000;
  std::size_t queries = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--capabilities") {
      spec.capabilities = NumberFlag(argc, argv, &i);
    } else if (flag == "--queries") {
      queries = NumberFlag(argc, argv, &i);
    } else if (flag == "--seed") {
      spec.seed = NumberFlag(argc, argv, &i);
    } else {
      Usage();
    }
  }
  const engine::Seconds now = spec.start - 86400;

  auto start = std::chrono::steady_clock::now();
  const catalog::Catalog catalog = catalog::GenerateCatalog(spec);
  std::printf("generated %zu platforms, %zu capabilities, %zu requests in %.0f ms\n", catalog.platforms.size(),
              catalog.capabilities.size(), catalog.requests.size(), Since(start));

  engine::Engine e;
  start = std::chrono::steady_clock::now();
  for (const auto& p : catalog.platforms) (void)e.PutPlatform(p, now);
  for (const auto& c : catalog.capabilities) (void)e.PutCapability(c, now);
  for (const auto& r : catalog.requests) (void)e.PutRequest(r, now);
  std::printf("indexed in %.0f ms\n\n", Since(start));

  for (const engine::Request& q : catalog::GenerateQueries(spec, queries, spec.seed + 1)) {
    std::printf("request: %s [%s] %s, quantity %lld %s\n", q.category.c_str(), std::string(ToString(q.stage)).c_str(),
                q.text.c_str(), static_cast<long long>(q.quantity), std::string(ToString(q.unit)).c_str());
    start = std::chrono::steady_clock::now();
    auto result = e.Match(q, engine::MatchOptions{now, 3, true});
    const double indexed_ms = Since(start);
    start = std::chrono::steady_clock::now();
    (void)e.BruteForceMatch(q, engine::MatchOptions{now, 3, true});
    const double brute_ms = Since(start);
    if (!result.ok()) {
      std::printf("  error: %s\n", result.status().ToString().c_str());
      continue;
    }
    std::string json;
    server::AppendMatchResultJson(*result, /*explain=*/true, /*reverse=*/false, &json);
    std::printf("  indexed %.3f ms, brute force %.3f ms\n  %s\n\n", indexed_ms, brute_ms, json.c_str());
  }
  return 0;
}
