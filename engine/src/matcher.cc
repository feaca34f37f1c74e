// The matcher: hard constraints, soft factors, and the indexed, reverse and
// brute-force searches over them. Every search shares JudgePlatform and
// EvaluatePair, so they differ only in which pairs they visit.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <queue>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/validate.h"
#include "state.h"

namespace biomatch::engine {
namespace {

constexpr double kEarthRadiusKm = 6371.0088;
constexpr double kPi = 3.14159265358979323846;

double Clamp01(double v) { return v < 0 ? 0 : (v > 1 ? 1 : v); }

std::vector<std::string_view> RequestTexts(const Request& r) {
  std::vector<std::string_view> texts{r.text};
  for (const std::string& k : r.keywords) texts.push_back(k);
  return texts;
}

void FillPlanScalars(const Request& r, QueryPlan* q) {
  q->depth = PathDepth(r.category);
  q->unit = r.unit;
  q->stage = r.stage;
  q->quantity = r.quantity;
  q->budget = r.budget_max;
  q->window = r.window;
  q->location = r.location;
  q->max_distance_km = r.max_distance_km;
  q->region = r.region;
  q->weights = r.weights ? ApplyOverrides(DefaultWeights(), *r.weights) : DefaultWeights();
}

void SortUnique(std::vector<std::uint32_t>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

// Every category node compatible with the query: its subtree and ancestors.
std::vector<std::uint32_t> CompatibleNodes(const EngineState& s, const QueryPlan& q) {
  std::vector<std::uint32_t> nodes;
  std::uint32_t up = q.deepest_prefix;
  if (q.node != kNone) {
    s.categories.AppendSubtree(q.node, &nodes);
    up = s.categories.node(q.node).parent;
  }
  for (; up != kNone; up = s.categories.node(up).parent) nodes.push_back(up);
  return nodes;
}

// A scored candidate kept by TopK; strings are attached only to the winners.
struct Candidate {
  double score;
  std::uint32_t idx;
  const std::string* id;
  Match match;
};

// The best `limit` candidates by score, ties by id in byte order.
class TopK {
 public:
  explicit TopK(std::size_t limit) : limit_(limit) {}

  // Cheap test before building a Candidate.
  bool WouldKeep(double score, const std::string& id) const {
    if (limit_ == 0) return false;
    if (heap_.size() < limit_) return true;
    return Better(score, id, heap_.front().score, *heap_.front().id);
  }
  void Push(Candidate c) {
    if (!WouldKeep(c.score, *c.id)) return;
    if (heap_.size() == limit_) {
      std::pop_heap(heap_.begin(), heap_.end(), WorstFirst);
      heap_.pop_back();
    }
    heap_.push_back(std::move(c));
    std::push_heap(heap_.begin(), heap_.end(), WorstFirst);
  }
  std::vector<Candidate> Take() {
    std::sort(heap_.begin(), heap_.end(), [](const Candidate& a, const Candidate& b) {
      return Better(a.score, *a.id, b.score, *b.id);
    });
    return std::move(heap_);
  }

 private:
  static bool Better(double sa, const std::string& ia, double sb, const std::string& ib) {
    return sa > sb || (sa == sb && ia < ib);
  }
  // Heap order: the worst candidate at the front.
  static bool WorstFirst(const Candidate& a, const Candidate& b) { return Better(a.score, *a.id, b.score, *b.id); }

  std::size_t limit_;
  std::vector<Candidate> heap_;
};

// Per-thread memo of platform verdicts for one forward query, stamped with an
// epoch so it never needs clearing.
struct PlatformMemo {
  std::vector<std::uint32_t> stamp;
  std::vector<PlatformVerdict> verdict;
  std::uint32_t epoch = 0;

  void Begin(std::uint32_t platforms) {
    if (stamp.size() < platforms) {
      stamp.resize(platforms, 0);
      verdict.resize(platforms);
    }
    if (++epoch == 0) {  // wrapped: forget everything
      std::fill(stamp.begin(), stamp.end(), 0);
      epoch = 1;
    }
  }
  const PlatformVerdict& Get(const EngineState& s, const QueryPlan& q, std::uint32_t p) {
    if (stamp[p] != epoch) {
      stamp[p] = epoch;
      verdict[p] = JudgePlatform(q, s.platforms.at(p));
    }
    return verdict[p];
  }
};

// Counts rejections and keeps the best candidates of one forward search.
class ForwardCollector {
 public:
  ForwardCollector(const EngineState& s, const QueryPlan& q, const MatchOptions& o)
      : s_(s), q_(q), o_(o), text_(s.vocabulary.Weigh(q.terms)), top_(o.limit) {}

  // Evaluates a capability known to be category-, unit- and stage-compatible.
  void Visit(std::uint32_t idx, const PlatformVerdict& v) {
    const CapabilityRec& c = s_.capabilities.at(idx);
    Match m;
    if (auto why = EvaluatePair(q_, text_, c, s_.platforms.at(c.platform), v, o_.now, &m)) {
      if (o_.explain) ++result_.rejected[static_cast<std::size_t>(*why)];
      return;
    }
    ++result_.feasible;
    if (top_.WouldKeep(m.score, c.doc.id)) top_.Push(Candidate{m.score, idx, &c.doc.id, std::move(m)});
  }
  void Reject(Rejection why, std::uint64_t n = 1) {
    if (o_.explain) result_.rejected[static_cast<std::size_t>(why)] += n;
  }

  MatchResult Finish() {
    for (Candidate& c : top_.Take()) {
      const CapabilityRec& rec = s_.capabilities.at(c.idx);
      c.match.capability_id = rec.doc.id;
      c.match.platform_id = rec.doc.platform_id;
      result_.matches.push_back(std::move(c.match));
    }
    return std::move(result_);
  }

 private:
  const EngineState& s_;
  const QueryPlan& q_;
  const MatchOptions& o_;
  Vocabulary::Weighted text_;
  TopK top_;
  MatchResult result_;
};

MatchResult RunBruteForce(const EngineState& s, const QueryPlan& q, const Request& r, const MatchOptions& o) {
  ForwardCollector out(s, q, o);
  for (const auto& [id, idx] : s.capabilities.by_id()) {
    const CapabilityRec& c = s.capabilities.at(idx);
    if (!IsPathPrefix(r.category, c.doc.category) && !IsPathPrefix(c.doc.category, r.category)) continue;
    if (c.doc.unit != q.unit) {
      out.Reject(Rejection::kUnit);
      continue;
    }
    if ((c.doc.stages & StageBit(q.stage)) == 0) {
      out.Reject(Rejection::kStage);
      continue;
    }
    out.Visit(idx, JudgePlatform(q, s.platforms.at(c.platform)));
  }
  return out.Finish();
}

}  // namespace

MatchResult RunIndexed(const EngineState& s, const QueryPlan& q, const MatchOptions& o) {
  thread_local PlatformMemo memo;
  memo.Begin(s.platforms.slots());
  ForwardCollector out(s, q, o);
  const std::size_t key = NodePostings::Key(q.unit, q.stage);
  for (const std::uint32_t node : CompatibleNodes(s, q)) {
    const NodePostings& np = s.postings[node];
    if (o.explain) {
      std::uint64_t other_units = 0;
      for (int u = 0; u < kUnitCount; ++u) {
        if (u != static_cast<int>(q.unit)) other_units += np.capabilities_by_unit[static_cast<std::size_t>(u)];
      }
      out.Reject(Rejection::kUnit, other_units);
      out.Reject(Rejection::kStage, np.capabilities_by_unit[static_cast<std::size_t>(q.unit)] -
                                        np.capabilities[key].size());
    }
    for (const std::uint32_t idx : np.capabilities[key]) {
      out.Visit(idx, memo.Get(s, q, s.capabilities.at(idx).platform));
    }
  }
  return out.Finish();
}

double HaversineKm(const GeoPoint& a, const GeoPoint& b) {
  const double to_rad = kPi / 180.0;
  const double dlat = (b.lat - a.lat) * to_rad;
  const double dlon = (b.lon - a.lon) * to_rad;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.lat * to_rad) * std::cos(b.lat * to_rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

QueryPlan CompilePlan(EngineState& s, const Request& r) {
  QueryPlan q;
  FillPlanScalars(r, &q);
  q.node = s.InternCategory(r.category);
  for (const std::string& name : r.required_qualifications) {
    auto [it, inserted] = s.qualification_ids.try_emplace(name, static_cast<std::uint32_t>(s.qualification_ids.size()));
    q.quals.push_back(it->second);
  }
  SortUnique(&q.quals);
  q.terms = s.vocabulary.BuildQuery(RequestTexts(r), /*intern=*/true);
  return q;
}

QueryPlan CompilePlanLookup(const EngineState& s, const Request& r) {
  QueryPlan q;
  FillPlanScalars(r, &q);
  if (auto node = s.categories.Find(r.category)) {
    q.node = *node;
  } else if (auto prefix = s.categories.FindDeepestPrefix(r.category)) {
    q.deepest_prefix = *prefix;
  }
  for (const std::string& name : r.required_qualifications) {
    if (auto it = s.qualification_ids.find(name); it != s.qualification_ids.end()) {
      q.quals.push_back(it->second);
    } else {
      q.unknown_qual = true;
    }
  }
  SortUnique(&q.quals);
  q.terms = s.vocabulary.LookupQuery(RequestTexts(r));
  return q;
}

PlatformVerdict JudgePlatform(const QueryPlan& q, const PlatformRec& p) {
  PlatformVerdict v;
  v.closed = !p.doc.open;
  if (q.unknown_qual) {
    v.qualification_ok = false;
  } else {
    // Both lists are sorted by id: a merge finds every required one.
    std::size_t j = 0;
    for (const std::uint32_t need : q.quals) {
      while (j < p.quals.size() && p.quals[j].id < need) ++j;
      if (j == p.quals.size() || p.quals[j].id != need || p.quals[j].valid_until < q.window.earliest_start) {
        v.qualification_ok = false;
        break;
      }
      v.quals_valid_until = std::min(v.quals_valid_until, p.quals[j].valid_until);
    }
  }
  if (q.location) v.distance_km = HaversineKm(*q.location, p.doc.location);
  if (q.max_distance_km && v.distance_km > *q.max_distance_km) v.distance_ok = false;
  if (q.region && !IsPathPrefix(*q.region, p.doc.region)) v.distance_ok = false;
  return v;
}

std::optional<Rejection> EvaluatePair(const QueryPlan& q, const Vocabulary::Weighted& text,
                                      const CapabilityRec& c, const PlatformRec& p,
                                      const PlatformVerdict& v, Seconds now, Match* out) {
  if (v.closed) return Rejection::kClosed;
  if (!v.qualification_ok) return Rejection::kQualification;
  const double total = static_cast<double>(q.quantity) * c.doc.price_per_unit;
  if (q.budget && total > *q.budget) return Rejection::kBudget;
  if (!v.distance_ok) return Rejection::kDistance;
  const Seconds not_before = std::max(q.window.earliest_start, now);
  const auto [lo, hi] = c.calendar.Inside(not_before, q.window.deadline);
  const auto fill = c.calendar.EarliestFill(lo, hi, q.quantity);
  if (!fill) return Rejection::kAvailability;
  const Seconds completion = c.calendar.slot(fill->last).end;
  if (completion > v.quals_valid_until) return Rejection::kQualification;

  Factors& f = out->explain;
  const std::uint16_t cap_depth = PathDepth(c.doc.category);
  f.category = static_cast<double>(std::min(q.depth, cap_depth)) / std::max(q.depth, cap_depth);
  if (text.has_words) f.text = Vocabulary::Score(text, c.terms);
  if (q.budget) {
    f.price = *q.budget > 0 ? Clamp01(1 - total / *q.budget) : 1.0;
  } else {
    f.price = Clamp01(1 - std::log10(1 + total) / 8);  // a log scale up to 100 M CNY
  }
  const double span = static_cast<double>(q.window.deadline - not_before);
  f.time = span > 0 ? Clamp01(static_cast<double>(q.window.deadline - completion) / span) : 1.0;
  if (q.location) {
    f.distance = q.max_distance_km ? Clamp01(1 - v.distance_km / *q.max_distance_km)
                                   : 1 / (1 + v.distance_km / 100);
  }
  f.quality = p.quality;
  const std::int64_t units = c.calendar.total_units();
  f.utilization = units > 0 ? Clamp01(1 - static_cast<double>(c.calendar.total_reserved()) / static_cast<double>(units)) : 1.0;

  const Weights& w = q.weights;
  double weighted = w.category * f.category + w.price * f.price + w.time * f.time + w.quality * f.quality +
                    w.utilization * f.utilization;
  double weight_sum = w.category + w.price + w.time + w.quality + w.utilization;
  if (f.text) weighted += w.text * *f.text, weight_sum += w.text;
  if (f.distance) weighted += w.distance * *f.distance, weight_sum += w.distance;
  out->score = weight_sum > 0 ? weighted / weight_sum : 0;
  out->total_price = total;
  out->earliest_start = c.calendar.slot(fill->first).start;
  out->completion = completion;
  return std::nullopt;
}

std::string_view ToString(Rejection r) {
  static constexpr std::string_view kNames[] = {"unit",          "stage",  "closed",      "qualification",
                                                "budget",        "distance", "availability"};
  return kNames[static_cast<std::size_t>(r)];
}

Result<MatchResult> Engine::Match(const Request& request, const MatchOptions& options) const {
  if (Status st = ValidateRequest(request); !st.ok()) return st;
  std::shared_lock lock(state_->mu);
  return RunIndexed(*state_, CompilePlanLookup(*state_, request), options);
}

Result<MatchResult> Engine::MatchStored(std::string_view request_id, const MatchOptions& options) const {
  std::shared_lock lock(state_->mu);
  const auto idx = state_->requests.Find(request_id);
  if (!idx) return Status::NotFound("request " + std::string(request_id) + " does not exist");
  return RunIndexed(*state_, state_->requests.at(*idx).plan, options);
}

Result<MatchResult> Engine::BruteForceMatch(const Request& request, const MatchOptions& options) const {
  if (Status st = ValidateRequest(request); !st.ok()) return st;
  std::shared_lock lock(state_->mu);
  return RunBruteForce(*state_, CompilePlanLookup(*state_, request), request, options);
}

Result<MatchResult> Engine::ReverseMatch(std::string_view capability_id, const MatchOptions& options) const {
  std::shared_lock lock(state_->mu);
  const EngineState& s = *state_;
  const auto cap_idx = s.capabilities.Find(capability_id);
  if (!cap_idx) return Status::NotFound("capability " + std::string(capability_id) + " does not exist");
  const CapabilityRec& c = s.capabilities.at(*cap_idx);
  const PlatformRec& p = s.platforms.at(c.platform);

  // Requests under the capability's category, and requests for its ancestors.
  std::vector<std::uint32_t> nodes;
  s.categories.AppendSubtree(c.node, &nodes);
  for (std::uint32_t up = s.categories.node(c.node).parent; up != kNone; up = s.categories.node(up).parent) {
    nodes.push_back(up);
  }
  MatchResult result;
  TopK top(options.limit);
  for (const std::uint32_t node : nodes) {
    for (int st = 0; st < kStageCount; ++st) {
      if ((c.doc.stages & (1u << st)) == 0) continue;
      for (const std::uint32_t ridx : s.postings[node].open_requests[NodePostings::Key(c.doc.unit, static_cast<Stage>(st))]) {
        const RequestRec& r = s.requests.at(ridx);
        engine::Match m;
        if (EvaluatePair(r.plan, s.vocabulary.Weigh(r.plan.terms), c, p, JudgePlatform(r.plan, p), options.now, &m)) {
          continue;
        }
        ++result.feasible;
        if (top.WouldKeep(m.score, r.doc.id)) top.Push(Candidate{m.score, ridx, &r.doc.id, std::move(m)});
      }
    }
  }
  for (Candidate& cand : top.Take()) {
    cand.match.request_id = s.requests.at(cand.idx).doc.id;
    cand.match.capability_id = c.doc.id;
    cand.match.platform_id = c.doc.platform_id;
    result.matches.push_back(std::move(cand.match));
  }
  return result;
}

}  // namespace biomatch::engine
