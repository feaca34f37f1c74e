// EngineState: the records, tables and indexes behind the Engine, shared by
// its mutations and reads (mutation.h says which file holds which),
// matcher.cc and stats.cc. Private to the engine library.
//
// The engine keeps two copies (replicas.h), each guarded by its own
// readers-writer lock: shared for reads, exclusive for writes. Functions
// that take an EngineState are called with its copy's lock held.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <span>
#include <vector>

#include "biomatch/engine/engine.h"
#include "id_index.h"
#include "match_watch.h"
#include "packed_strings.h"
#include "path_tree.h"
#include "size_class_pool.h"
#include "slot_calendar.h"
#include "text_index.h"
#include "unmet_demand.h"

namespace biomatch::engine {

inline constexpr std::uint32_t kNone = 0xFFFFFFFF;

// A location on the unit sphere. The great-circle distance between two
// comes from their chord, without trigonometry until the arcsine, and a
// pair too far apart is known from the chord alone.
struct SpherePoint {
  double x = 0, y = 0, z = 1;
};
SpherePoint OnSphere(const GeoPoint& p);
inline double ChordSquared(const SpherePoint& a, const SpherePoint& b) {
  const double dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
  return dx * dx + dy * dy + dz * dz;
}
double ChordSquaredOf(double km);    // of a great-circle distance (beyond half the Earth: 4)
double GreatCircleKm(double chord_sq);

struct HeldQualification {
  std::uint32_t id = 0;
  Seconds valid_until = kMaxTime;
};

struct PlatformRec {
  Platform doc;
  std::vector<HeldQualification> quals;  // sorted by id
};

// What JudgePlatform reads of a platform, in one cache line: a query judges
// thousands of platforms, and reads nothing else of them. Kept by platform
// index in EngineState::platform_facts, and set whenever a platform is put.
struct alignas(64) PlatformFacts {
  SpherePoint at;         // the location, for distances
  double quality = 0.5;   // mean evaluation / 100; 0.5 without one
  const HeldQualification* quals = nullptr;  // the record's, sorted by id
  std::uint32_t qual_count = 0;
  std::uint32_t region = kNone;  // node in EngineState::regions
  bool open = true;
  std::uint64_t qual_mask = 0;  // QualMask of the ids in quals
};
static_assert(sizeof(PlatformFacts) == 64);

// A 64-bit summary of qualification ids: a platform whose mask lacks a bit
// of a query's lacks one of its qualifications, known without reading them.
inline std::uint64_t QualMask(std::uint32_t id) { return std::uint64_t{1} << (id % 64); }

// A capability. Its id is the table's; its platform id and category are
// those of `platform` and `node`. A query reads it through its postings'
// CapabilityViews.
struct CapabilityRec {
  SlotCalendar calendar;
  DocTerms terms;
  double price_per_unit = 0;
  std::uint32_t platform = kNone;
  std::uint32_t node = kNone;  // the category
  StageSet stages = 0;
  Unit unit = Unit::kHour;
  std::uint32_t live_reservations = 0;      // held or confirmed
  PackedStrings texts;                      // title, description, then the keywords
  std::vector<std::uint32_t> reservations;  // every reservation of this capability
  EntityMeta meta;
};

// What a match reads of a capability: its price and views of its calendar
// and text terms. Valid until the capability's calendar or terms are
// replaced (then its postings are refreshed).
struct CapabilityView {
  double price_per_unit = 0;
  SlotCalendar::View calendar;
  DocTerms::View terms;

  explicit CapabilityView(const CapabilityRec& c)
      : price_per_unit(c.price_per_unit), calendar(c.calendar.view()), terms(c.terms.view()) {}
};

// A request compiled for matching: interned ids instead of strings.
struct QueryPlan {
  std::uint32_t node = kNone;            // the category's node, if it exists
  std::uint32_t deepest_prefix = kNone;  // else the deepest existing ancestor
  std::uint16_t depth = 0;               // segments in the request category
  Unit unit = Unit::kHour;
  Stage stage = Stage::kDiscovery;
  std::int64_t quantity = 1;
  std::optional<double> budget;
  TimeWindow window;
  std::optional<GeoPoint> location;
  SpherePoint at;      // the location's
  std::optional<double> max_distance_km;
  double max_chord_sq = 4;  // ChordSquaredOf(max_distance_km): farther is rejected
  // With a region: its node in EngineState::regions, kNone when no platform
  // lies in it.
  std::optional<std::uint32_t> region;
  std::vector<std::uint32_t> quals;  // sorted, distinct
  std::uint64_t qual_mask = 0;       // QualMask of quals
  bool unknown_qual = false;         // a required qualification no platform holds
  QueryTerms terms;
  Weights weights;
};

struct RequestRec {
  Request doc;
  QueryPlan plan;
  std::int64_t live_units = 0;       // held + confirmed
  std::int64_t completed_units = 0;
  std::vector<std::uint32_t> reservations;
};

struct ReservationRec {
  Reservation doc;
  std::uint32_t request = kNone;
  std::uint32_t capability = kNone;
};

// Records with stable indices, an id index and a free list.
template <typename Rec>
class Table {
 public:
  std::optional<std::uint32_t> Find(std::string_view id) const { return ids_.Find(id); }
  // The index of record `id` and false; or, when there is none, the index
  // of a new, empty record `id` and true.
  std::pair<std::uint32_t, bool> FindOrInsert(std::string_view id) {
    const std::uint32_t next = free_.empty() ? static_cast<std::uint32_t>(recs_.size()) : free_.back();
    const auto found = ids_.FindOrInsert(id, next);
    if (!found.second) return found;
    if (free_.empty()) {
      recs_.emplace_back();
      live_.push_back(true);
    } else {
      free_.pop_back();
      live_[next] = true;
    }
    return found;
  }
  // REQUIRES: `id` is absent.
  std::uint32_t Insert(std::string_view id, Rec rec) {
    const std::uint32_t idx = FindOrInsert(id).first;  // before the move: `id` may view rec
    recs_[idx] = std::move(rec);
    return idx;
  }
  void Erase(std::uint32_t idx) {
    ids_.Erase(idx);
    recs_[idx] = Rec{};
    live_[idx] = false;
    free_.push_back(idx);
  }
  // Room for `n` more records (ids of `id_bytes` bytes in all) without
  // reallocating. Grows at least geometrically, so that many small calls
  // stay cheap.
  void Reserve(std::size_t n, std::size_t id_bytes) {
    ids_.Reserve(n, id_bytes);
    if (recs_.size() + n <= recs_.capacity()) return;
    recs_.reserve(std::max(recs_.size() + n, 2 * recs_.capacity()));
  }
  Rec& at(std::uint32_t idx) { return recs_[idx]; }
  const Rec& at(std::uint32_t idx) const { return recs_[idx]; }
  // The record's id; valid until the next mutation of the table.
  std::string_view id(std::uint32_t idx) const { return ids_.id(idx); }
  bool live(std::uint32_t idx) const { return live_[idx]; }
  std::uint32_t slots() const { return static_cast<std::uint32_t>(recs_.size()); }
  std::size_t size() const { return ids_.size(); }
  const IdIndex& ids() const { return ids_; }

 private:
  std::vector<Rec> recs_;
  std::vector<bool> live_;
  std::vector<std::uint32_t> free_;
  IdIndex ids_;
};

// A capability in a posting list, with all a query reads of it: posting
// lists are read sequentially, and the blocks the views point to only for
// capabilities that pass the cheap constraints; the record never.
struct CapabilityPosting {
  std::uint32_t idx;
  std::uint32_t platform;
  CapabilityView view;
};

// Posting lists of one category node, keyed by (unit, stage).
struct NodePostings {
  static std::size_t Key(Unit u, Stage s) {
    return static_cast<std::size_t>(u) * kStageCount + static_cast<std::size_t>(s);
  }
  std::array<std::vector<CapabilityPosting>, kUnitCount * kStageCount> capabilities;
  std::array<std::uint32_t, kUnitCount> capabilities_by_unit{};
  std::array<std::vector<std::uint32_t>, kUnitCount * kStageCount> open_requests;
};

struct EngineState {
  ChangeObserver observer;
  bool observer_muted = false;  // on the second copy's run of a mutation (replicas.h)
  std::function<void()> publishing;  // Engine::SetChangeObserver's

  // Blocks of capabilities, outliving every record: texts in `pool`;
  // calendars and text terms, what matching reads, in a pool per category
  // node (CategoryPool), so that the capabilities of one posting list lie
  // together, in the order a bulk load added them, and a query's reads
  // stay within few pages instead of one page each.
  SizeClassPool pool;
  std::vector<std::unique_ptr<SizeClassPool>> category_pools;  // by node; made on first use

  Table<PlatformRec> platforms;
  Table<CapabilityRec> capabilities;
  Table<RequestRec> requests;
  Table<ReservationRec> reservations;

  PathTree categories;
  PathTree regions;  // of platforms and stored requests
  std::vector<PlatformFacts> platform_facts;  // by platform index
  // Live capabilities of each platform, by platform index: small and dense,
  // as every capability put touches one.
  std::vector<std::uint32_t> platform_capabilities;
  std::vector<NodePostings> postings;  // by category node id
  Vocabulary vocabulary;
  std::unordered_map<std::string, std::uint32_t> qualification_ids;

  std::set<std::pair<Seconds, std::uint32_t>> holds_by_expiry;  // held reservations
  std::set<std::pair<Seconds, std::uint32_t>> open_by_deadline;  // open requests

  MatchWatch watch;
  UnmetDemand unmet;

  std::uint64_t open_requests = 0, held = 0, confirmed = 0;
  std::int64_t offered_units = 0, reserved_units = 0;  // over live capabilities

  std::pmr::memory_resource* CategoryPool(std::uint32_t node) {
    static constexpr std::size_t kSlabBytes = 64 << 10;  // a small category wastes little
    if (category_pools.size() <= node) category_pools.resize(node + 1);
    if (!category_pools[node]) category_pools[node] = std::make_unique<SizeClassPool>(kSlabBytes);
    return category_pools[node].get();
  }

  std::uint32_t InternCategory(std::string_view path) {
    const std::uint32_t id = categories.Intern(path);
    if (postings.size() < categories.size()) postings.resize(categories.size());
    return id;
  }
};

// --- Matching internals shared by matcher.cc and the mutations.

// Compiles a request. `intern` (stored requests, under the exclusive lock)
// interns category, qualification and text terms so the plan stays valid as
// the catalogue grows; otherwise unknown names are looked up only.
QueryPlan CompilePlan(EngineState& s, const Request& r);
QueryPlan CompilePlanLookup(const EngineState& s, const Request& r);

// Whether a capability can serve a query at all: its category on the
// request's path (one a whole-segment prefix of the other), then its unit,
// then its stages including the request's. Returns kCompatible or the first
// that fails. An incompatible category is never counted as a rejection; unit
// and stage are the first hard constraints (Rejection::kUnit, kStage). The
// indexed searches get the same answer from the posting lists they read.
enum class Compatibility : std::uint8_t { kCompatible, kCategory, kUnit, kStage };
Compatibility CheckCompatibility(const EngineState& s, std::string_view request_category, const QueryPlan& q,
                                 const CapabilityRec& c);

// What a platform means for a query: the platform-level hard constraints,
// and the factors that depend on the platform alone. The distance factor is
// computed only when the platform is within reach (else 0), and not at all
// for a closed platform or one without the qualifications (their pairs are
// rejected before distance counts).
struct PlatformVerdict {
  bool closed = false;
  bool qualification_ok = true;  // held, and valid at window start
  bool distance_ok = true;       // max_distance_km and region
  Seconds quals_valid_until = kMaxTime;  // earliest expiry of the required ones
  std::optional<double> distance;        // the distance factor; absent without a query location
  double quality = 0;                    // the quality factor
};
PlatformVerdict JudgePlatform(const EngineState& s, const QueryPlan& q, std::uint32_t platform);

// The query's quantity at this price exceeds its budget (the budget
// constraint, which needs no platform verdict).
inline bool OverBudget(const QueryPlan& q, double price_per_unit) {
  return q.budget && static_cast<double>(q.quantity) * price_per_unit > *q.budget;
}

// The constraints a pair fails before availability, in order (closed,
// qualification, budget, distance); nullopt when it passes them.
std::optional<Rejection> CheckBeforeAvailability(const QueryPlan& q, const PlatformVerdict& v, double price_per_unit);

// The category factor of categories `a` and `b` segments deep, one a prefix
// of the other.
inline double CategoryFactor(std::uint16_t a, std::uint16_t b) {
  return static_cast<double>(std::min(a, b)) / std::max(a, b);
}

// A query plan at a time `now`: what every pair of the query shares.
struct PairContext {
  PairContext(const EngineState& s, const QueryPlan& plan, Seconds now);

  // The best score a pair can reach with the weighted sum `weighted` of its
  // other factors and a text factor of at most `text_factor` (never below
  // the score with any lower text factor: the arithmetic is monotonic).
  double BestScore(double weighted, double text_factor = 1) const {
    return weight_sum > 0 ? (weighted + text_weight * text_factor) / weight_sum : 0;
  }

  const QueryPlan& q;
  Seconds not_before;  // slots must start at or after max(earliest_start, now)
  double time_span;    // deadline - not_before, for the time factor
  double text_weight;  // 0 when the text factor does not apply
  double weight_sum;   // of the factors that apply, text included
  Vocabulary::Weighted text;
};

// A feasible pair's score and explanation; ids are attached to winners only.
struct PairScore {
  double score = 0;
  double total_price = 0;
  Seconds earliest_start = 0;
  Seconds completion = 0;
  Factors explain;
};

// Scores a pair known to be category-, unit- and stage-compatible and to pass
// CheckBeforeAvailability, but for its text factor, which costs most and is
// computed last, only for pairs that may still rank. Returns the first failed
// constraint, or nullopt with *out filled but for explain.text and score, and
// *weighted the weighted sum of the other factors. `category` is the
// CategoryFactor of the pair. It is ScoreBeforeCalendar, then
// ScoreAvailability.
std::optional<Rejection> ScoreWithoutText(const PairContext& x, const CapabilityView& c, double category,
                                          const PlatformVerdict& v, PairScore* out, double* weighted);
// The factors that need no calendar search (all but time and text) into
// *out; returns their weighted sum.
double ScoreBeforeCalendar(const PairContext& x, const CapabilityView& c, double category, const PlatformVerdict& v,
                           PairScore* out);
// The availability constraint and the time factor: the earliest slots that
// hold the quantity inside the window. Returns the failed constraint, or
// nullopt with the time factor in *out and *weighted the weighted sum of
// every factor but text.
std::optional<Rejection> ScoreAvailability(const PairContext& x, const CapabilityView& c, const PlatformVerdict& v,
                                           PairScore* out, double* weighted);
// Completes *out with the text factor and the final score.
void AddTextScore(const PairContext& x, const CapabilityView& c, double weighted, PairScore* out);
// All of a compatible pair: CheckBeforeAvailability, ScoreWithoutText and
// AddTextScore.
std::optional<Rejection> EvaluatePair(const PairContext& x, const CapabilityView& c, double category,
                                      const PlatformVerdict& v, PairScore* out);

// A capability as clients see it (without its slots unless `slots`).
Capability CapabilitySnapshot(const EngineState& s, std::uint32_t idx, bool slots = true);

// The indexed forward search (matcher.cc); stats.cc uses it too.
MatchResult RunIndexed(const EngineState& s, const QueryPlan& q, const MatchOptions& o);
// RunIndexed's matches of each of `plans`, in one walk of their posting
// lists: each posting is read once for all of them. REQUIRES: the plans
// share node, deepest_prefix, depth, unit and stage; !o.explain.
std::vector<MatchResult> RunIndexedBatch(const EngineState& s, std::span<const QueryPlan> plans, const MatchOptions& o);
// How many postings RunIndexed walks for `q`: the work of its match.
std::size_t PostingsToVisit(const EngineState& s, const QueryPlan& q);

// Calls visit(request_idx, pair) for every open request the capability can
// serve at `now`.
void ForEachServableRequest(const EngineState& s, std::uint32_t capability_idx, Seconds now,
                            const std::function<void(std::uint32_t, const PairScore&)>& visit);

// Whether a stored request and a capability pass every hard constraint,
// category, unit and stage included; *out is scored when they do. `x` is
// the request's context (PairContext(s, r.plan, now)), made once for all
// the capabilities it is paired with.
bool PairFeasible(const EngineState& s, const PairContext& x, const RequestRec& r, std::uint32_t capability_idx,
                  PairScore* out);

// A scored pair as the API reports it, with the capability's ids.
Match ToMatch(const PairScore& pair, std::string_view capability_id, std::string_view platform_id);

}  // namespace biomatch::engine
