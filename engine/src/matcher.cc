// The matcher: hard constraints, soft factors, and the indexed, reverse and
// brute-force searches over them. Every search shares JudgePlatform and
// EvaluatePair, so they differ only in which pairs they visit.
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <queue>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/validate.h"
#include "state.h"

namespace biomatch::engine {
namespace {

constexpr double kEarthRadiusKm = 6371.0088;
constexpr std::size_t kPrefetchAhead = 8;  // candidates between a prefetch and its use
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
  if (r.location) q->cos_lat = CosLatitude(*r.location);
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
    PartialScore partial;
    if (auto why = EvaluatePairWithoutText(q_, c, s_.platforms.at(c.platform), v, o_.now, &m, &partial)) {
      Reject(*why);
      return;
    }
    ++result_.feasible;
    // The text score costs most: skip it when even a perfect one cannot rank.
    if (!top_.WouldKeep(partial.Best(), c.doc.id)) return;
    AddTextScore(q_, text_, c, partial, &m);
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
  for (std::uint32_t idx = 0; idx < s.capabilities.slots(); ++idx) {
    if (!s.capabilities.live(idx)) continue;
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
  thread_local std::vector<std::size_t> survivors;
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
    // Pass 1: the cheap constraints, from the posting and its platform.
    const std::vector<CapabilityPosting>& list = np.capabilities[key];
    survivors.clear();
    for (std::size_t j = 0; j < list.size(); ++j) {
      if (j + 2 * kPrefetchAhead < list.size()) __builtin_prefetch(&s.platforms.at(list[j + 2 * kPrefetchAhead].platform));
      if (j + kPrefetchAhead < list.size()) s.platforms.at(list[j + kPrefetchAhead].platform).Prefetch();
      const CapabilityPosting& posting = list[j];
      const PlatformVerdict& v = memo.Get(s, q, posting.platform);
      if (auto why = CheckBeforeAvailability(q, v, posting.price_per_unit)) {
        out.Reject(*why);
        continue;
      }
      survivors.push_back(j);
    }
    // Pass 2: availability and scores. Records and calendars lie all over
    // memory: fetch a record well ahead, and what it points to (calendar,
    // terms) half as far ahead, when the record has arrived. Platforms alike
    // in pass 1.
    for (std::size_t k = 0; k < survivors.size(); ++k) {
      if (k + 2 * kPrefetchAhead < survivors.size()) {
        __builtin_prefetch(&s.capabilities.at(list[survivors[k + 2 * kPrefetchAhead]].idx));
      }
      if (k + kPrefetchAhead < survivors.size()) {
        s.capabilities.at(list[survivors[k + kPrefetchAhead]].idx).Prefetch();
      }
      const CapabilityPosting& posting = list[survivors[k]];
      out.Visit(posting.idx, memo.Get(s, q, posting.platform));
    }
  }
  return out.Finish();
}

double CosLatitude(const GeoPoint& p) { return std::cos(p.lat * kPi / 180.0); }

double HaversineKm(const GeoPoint& a, double cos_a, const GeoPoint& b, double cos_b) {
  const double to_rad = kPi / 180.0;
  const double sin_dlat = std::sin((b.lat - a.lat) * to_rad / 2);
  const double sin_dlon = std::sin((b.lon - a.lon) * to_rad / 2);
  const double h = sin_dlat * sin_dlat + cos_a * cos_b * sin_dlon * sin_dlon;
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
  if (q.location) {
    // A great-circle distance is at least the latitude difference: far
    // platforms are rejected without trigonometry.
    const double lat_km = std::abs(p.doc.location.lat - q.location->lat) * (kPi / 180.0) * kEarthRadiusKm;
    if (q.max_distance_km && lat_km > *q.max_distance_km) {
      v.distance_ok = false;
      v.distance_km = std::numeric_limits<double>::infinity();
    } else {
      v.distance_km = HaversineKm(*q.location, q.cos_lat, p.doc.location, p.cos_lat);
      if (q.max_distance_km && v.distance_km > *q.max_distance_km) v.distance_ok = false;
    }
  }
  if (q.region && !IsPathPrefix(*q.region, p.doc.region)) v.distance_ok = false;
  return v;
}

std::optional<Rejection> CheckBeforeAvailability(const QueryPlan& q, const PlatformVerdict& v, double price_per_unit) {
  if (v.closed) return Rejection::kClosed;
  if (!v.qualification_ok) return Rejection::kQualification;
  if (q.budget && static_cast<double>(q.quantity) * price_per_unit > *q.budget) return Rejection::kBudget;
  if (!v.distance_ok) return Rejection::kDistance;
  return std::nullopt;
}

std::optional<Rejection> EvaluatePairWithoutText(const QueryPlan& q, const CapabilityRec& c, const PlatformRec& p,
                                                 const PlatformVerdict& v, Seconds now, Match* out,
                                                 PartialScore* partial) {
  if (auto why = CheckBeforeAvailability(q, v, c.doc.price_per_unit)) return why;
  const double total = static_cast<double>(q.quantity) * c.doc.price_per_unit;
  const Seconds not_before = std::max(q.window.earliest_start, now);
  const auto fill = c.calendar.EarliestFill(not_before, q.window.deadline, q.quantity);
  if (!fill) return Rejection::kAvailability;
  const Seconds completion = c.calendar.slot(fill->last).end;
  if (completion > v.quals_valid_until) return Rejection::kQualification;

  Factors& f = out->explain;
  f.category = static_cast<double>(std::min(q.depth, c.depth)) / std::max(q.depth, c.depth);
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
  partial->weighted = w.category * f.category + w.price * f.price + w.time * f.time + w.quality * f.quality +
                      w.utilization * f.utilization;
  partial->weight_sum = w.category + w.price + w.time + w.quality + w.utilization;
  if (f.distance) partial->weighted += w.distance * *f.distance, partial->weight_sum += w.distance;
  partial->text_weight = q.terms.has_words ? w.text : 0;
  partial->weight_sum += partial->text_weight;
  out->total_price = total;
  out->earliest_start = c.calendar.slot(fill->first).start;
  out->completion = completion;
  return std::nullopt;
}

void AddTextScore(const QueryPlan& q, const Vocabulary::Weighted& text, const CapabilityRec& c,
                  const PartialScore& partial, Match* m) {
  double weighted = partial.weighted;
  if (q.terms.has_words) {
    m->explain.text = Vocabulary::Score(text, c.terms);
    weighted += partial.text_weight * *m->explain.text;
  }
  m->score = partial.weight_sum > 0 ? weighted / partial.weight_sum : 0;
}

std::optional<Rejection> EvaluatePair(const QueryPlan& q, const Vocabulary::Weighted& text,
                                      const CapabilityRec& c, const PlatformRec& p,
                                      const PlatformVerdict& v, Seconds now, Match* out) {
  PartialScore partial;
  if (auto why = EvaluatePairWithoutText(q, c, p, v, now, out, &partial)) return why;
  AddTextScore(q, text, c, partial, out);
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
