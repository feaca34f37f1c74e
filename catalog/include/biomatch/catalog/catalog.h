// Deterministic catalogue generator: believable platforms, capabilities (with
// availability calendars) and requests for benchmarks, tests and the demo.
//
// The output is a pure function of the arguments: the same spec (and seed)
// gives byte-identical documents on every run and platform. Randomness comes
// from a private splitmix64 generator, one stream per entity; no
// std::random_device, no clock, no std::*_distribution and no transcendental
// libm functions (their results may differ between library versions). Every
// document passes engine::Validate*; gen_catalog writes a catalogue as API.md's
// bulk NDJSON.
//
// Thread safety: all functions are pure and may be called concurrently; the
// taxonomy is immutable static data. Large catalogues are generated on up to 8
// internal threads; the output does not depend on how many.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "biomatch/engine/time.h"
#include "biomatch/engine/types.h"

namespace biomatch::catalog {

// 2026-12-01T00:00:00Z, where generated calendars and windows begin by default.
inline constexpr engine::Seconds kDefaultCatalogStart = 1796083200;

struct CatalogSpec {
  // Everything generated is a function of these fields.
  std::uint64_t seed = 42;
  // Number of capabilities; ids "c-0000001".. (7 digits, wider only past 9,999,999).
  std::size_t capabilities = 10000;
  // Number of platforms; 0 means capabilities / 8 (at least 1). Ids "p-000001"..
  std::size_t platforms = 0;
  // Number of stored requests; 0 means capabilities / 10. Ids "r-000001"..
  std::size_t requests = 0;
  // Slots and request windows begin here; calendars reach about 4 months
  // (study calendars up to about 6) past it.
  engine::Seconds start = kDefaultCatalogStart;
  // Share of requests (and queries) built to have no feasible capability at
  // all: a budget below every price, a qualification nobody holds, a location
  // far from every platform, a region without platforms, a window past every
  // calendar, or a stage the category never serves. In [0, 1].
  double infeasible_share = 0.15;
};

struct Catalog {
  std::vector<engine::Platform> platforms;
  std::vector<engine::Capability> capabilities;  // each names an existing platform
  std::vector<engine::Request> requests;         // status open, no weights
};

// Builds the whole catalogue. Platforms are spread over 36 cities in 28
// provinces; each capability belongs to a platform whose field fits its
// category. Cost: about 3.5 s and 2.2 GB per million capabilities on two
// cores; memory is dominated by the slots (about 38 per capability, 32 bytes
// each).
Catalog GenerateCatalog(const CatalogSpec& spec);

// `n` ad-hoc match queries (requests with an empty id) drawn the same way as
// GenerateCatalog's requests: mostly leaf categories, about a quarter of them
// mid-level prefixes, half with a location and max_distance_km, some with a
// region, some with qualifications or budgets, Chinese and English text, and
// spec.infeasible_share of them without any feasible capability. Depends on
// `seed`, spec.start and spec.infeasible_share only, so queries fit any
// catalogue generated with the same start.
std::vector<engine::Request> GenerateQueries(const CatalogSpec& spec, std::size_t n, std::uint64_t seed);

// One leaf of the service taxonomy. The views point into static storage and
// stay valid for the life of the program.
struct TaxonomyLeaf {
  std::string_view path;      // lowercase, '/'-separated, three segments
  std::string_view title_zh;  // title stem: "重复给药毒性试验"
  std::string_view title_en;  // title stem: "repeat-dose toxicity study"
  engine::Unit unit;          // the unit capabilities of this leaf are sold in
  engine::StageSet stages;    // the stages that fit the leaf
  engine::Stage primary_stage;  // always among `stages`; every capability serves it
  double typical_price;       // median price per unit, CNY
  std::uint32_t weight;       // relative frequency within its field
};

// The service taxonomy: 120+ leaves under 12 fields (analysis, sequencing,
// preclinical, animal, cell, testing, manufacturing, chemistry, clinical,
// registration, transformation, data), in a fixed order. No leaf is a prefix
// of another.
std::span<const TaxonomyLeaf> Taxonomy();

}  // namespace biomatch::catalog
