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
#include "replicas.h"
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
  if (r.location) q->at = OnSphere(*r.location);
  q->max_distance_km = r.max_distance_km;
  if (r.max_distance_km) q->max_chord_sq = ChordSquaredOf(*r.max_distance_km);
  q->weights = r.weights ? ApplyOverrides(DefaultWeights(), *r.weights) : DefaultWeights();
}

void SortUnique(std::vector<std::uint32_t>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

// Sorts the plan's qualifications and sums up their mask.
void FinishQuals(QueryPlan* q) {
  SortUnique(&q->quals);
  for (const std::uint32_t id : q->quals) q->qual_mask |= QualMask(id);
}

// Every category node compatible with the query: its subtree and ancestors.
std::vector<std::uint32_t> CompatibleNodes(const EngineState& s, const QueryPlan& q) {
  std::vector<std::uint32_t> nodes;
  if (q.node != kNone) {
    s.categories.AppendRelated(q.node, &nodes);
    return nodes;
  }
  for (std::uint32_t up = q.deepest_prefix; up != kNone; up = s.categories.node(up).parent) nodes.push_back(up);
  return nodes;
}

// A scored candidate kept by TopK: a record index and its PairScore.
struct Candidate {
  std::uint32_t idx;
  PairScore pair;
};

// The best `limit` candidates by score, ties by id in byte order. `id_of`
// maps a record index to its id.
template <typename IdOf>
class TopK {
 public:
  TopK(std::size_t limit, IdOf id_of) : limit_(limit), id_of_(id_of) {}

  // Cheap test before building a Candidate.
  bool WouldKeep(double score, std::uint32_t idx) const {
    if (limit_ == 0) return false;
    if (heap_.size() < limit_) return true;
    return Better(score, idx, heap_.front().pair.score, heap_.front().idx);
  }
  void Push(const Candidate& c) {
    if (!WouldKeep(c.pair.score, c.idx)) return;
    const auto worst_first = [this](const Candidate& a, const Candidate& b) { return Better(a, b); };
    if (heap_.size() == limit_) {
      std::pop_heap(heap_.begin(), heap_.end(), worst_first);
      heap_.pop_back();
    }
    heap_.push_back(c);
    std::push_heap(heap_.begin(), heap_.end(), worst_first);
  }
  // Best first.
  std::vector<Candidate> Take() {
    std::sort(heap_.begin(), heap_.end(), [this](const Candidate& a, const Candidate& b) { return Better(a, b); });
    return std::move(heap_);
  }

 private:
  bool Better(double sa, std::uint32_t ia, double sb, std::uint32_t ib) const {
    return sa > sb || (sa == sb && id_of_(ia) < id_of_(ib));
  }
  bool Better(const Candidate& a, const Candidate& b) const { return Better(a.pair.score, a.idx, b.pair.score, b.idx); }

  std::size_t limit_;
  IdOf id_of_;
  std::vector<Candidate> heap_;  // a heap with the worst candidate at the front
};

// Per-thread memo of platform verdicts for one forward query, stamped with an
// epoch so it never needs clearing; a stamp shares its verdict's cache line.
class PlatformMemo {
 public:
  void Begin(std::uint32_t platforms) {
    if (entries_.size() < platforms) entries_.resize(platforms);
    if (++epoch_ == 0) {  // wrapped: forget everything
      for (Entry& e : entries_) e.stamp = 0;
      epoch_ = 1;
    }
  }
  const PlatformVerdict& Get(const EngineState& s, const QueryPlan& q, std::uint32_t p) {
    Entry& e = entries_[p];
    if (e.stamp != epoch_) {
      e.stamp = epoch_;
      e.verdict = JudgePlatform(s, q, p);
    }
    return e.verdict;
  }
  void Prefetch(std::uint32_t p) const { __builtin_prefetch(&entries_[p]); }

 private:
  struct Entry {
    std::uint32_t stamp = 0;
    PlatformVerdict verdict;
  };
  std::vector<Entry> entries_;
  std::uint32_t epoch_ = 0;
};

// Counts rejections and keeps the best candidates of one forward search.
class ForwardCollector {
 public:
  ForwardCollector(const EngineState& s, const QueryPlan& q, const MatchOptions& o)
      : s_(s), o_(o), x_(s, q, o.now), top_(o.limit, CapabilityId{&s}) {}

  // Evaluates capability `idx`, seen through `c`, known to be category-,
  // unit- and stage-compatible and to pass CheckBeforeAvailability.
  // `category` is the pair's CategoryFactor.
  void Visit(std::uint32_t idx, const CapabilityView& c, const PlatformVerdict& v, double category) {
    PairScore pair;
    double weighted = ScoreBeforeCalendar(x_, c, category, v, &pair);
    // Without a feasible count to keep, a pair that cannot rank even with
    // the best time factor is left before its calendar is searched.
    // (The margin covers rounding: the bound is summed in another order.)
    if (!o_.count_feasible && !CouldRank(weighted + x_.q.weights.time + 1e-9, c, idx)) return;
    if (const std::optional<Rejection> why = ScoreAvailability(x_, c, v, &pair, &weighted)) {
      Reject(*why);
      return;
    }
    ++result_.feasible;
    if (!CouldRank(weighted, c, idx)) return;
    AddTextScore(x_, c, weighted, &pair);
    top_.Push({idx, pair});
  }
  void Reject(Rejection why, std::uint64_t n = 1) {
    if (o_.explain) result_.rejected[static_cast<std::size_t>(why)] += n;
  }

  MatchResult Finish() {
    for (const Candidate& c : top_.Take()) {
      result_.matches.push_back(
          ToMatch(c.pair, s_.capabilities.id(c.idx), s_.platforms.id(s_.capabilities.at(c.idx).platform)));
    }
    return std::move(result_);
  }

 private:
  // Whether a pair with the weighted sum `weighted` of its factors but text
  // may still rank: the text score costs most, so it is bounded first by a
  // perfect text factor, then by the best the document's signature allows.
  bool CouldRank(double weighted, const CapabilityView& c, std::uint32_t idx) const {
    if (!top_.WouldKeep(x_.BestScore(weighted), idx)) return false;
    return x_.text_weight == 0 || top_.WouldKeep(x_.BestScore(weighted, Vocabulary::ScoreBound(x_.text, c.terms)), idx);
  }

  struct CapabilityId {
    const EngineState* s;
    std::string_view operator()(std::uint32_t idx) const { return s->capabilities.id(idx); }
  };

  const EngineState& s_;
  const MatchOptions& o_;
  PairContext x_;
  TopK<CapabilityId> top_;
  MatchResult result_;
};

MatchResult RunBruteForce(const EngineState& s, const QueryPlan& q, const Request& r, const MatchOptions& o) {
  ForwardCollector out(s, q, o);
  for (std::uint32_t idx = 0; idx < s.capabilities.slots(); ++idx) {
    if (!s.capabilities.live(idx)) continue;
    const CapabilityRec& c = s.capabilities.at(idx);
    switch (CheckCompatibility(s, r.category, q, c)) {
      case Compatibility::kCompatible:
        break;
      case Compatibility::kCategory:
        continue;
      case Compatibility::kUnit:
        out.Reject(Rejection::kUnit);
        continue;
      case Compatibility::kStage:
        out.Reject(Rejection::kStage);
        continue;
    }
    const PlatformVerdict v = JudgePlatform(s, q, c.platform);
    if (auto why = CheckBeforeAvailability(q, v, c.price_per_unit)) {
      out.Reject(*why);
      continue;
    }
    out.Visit(idx, CapabilityView(c), v, CategoryFactor(q.depth, s.categories.node(c.node).depth));
  }
  return out.Finish();
}

}  // namespace

engine::Match ToMatch(const PairScore& pair, std::string_view capability_id, std::string_view platform_id) {
  engine::Match m;
  m.capability_id = capability_id;
  m.platform_id = platform_id;
  m.score = pair.score;
  m.total_price = pair.total_price;
  m.earliest_start = pair.earliest_start;
  m.completion = pair.completion;
  m.explain = pair.explain;
  return m;
}

MatchResult RunIndexed(const EngineState& s, const QueryPlan& q, const MatchOptions& o) {
  struct Survivor {
    const CapabilityPosting* posting;
    const PlatformVerdict* verdict;
  };
  thread_local PlatformMemo memo;
  thread_local std::vector<Survivor> survivors;
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
    // Pass 1: the cheap constraints, from the posting and its platform,
    // whose facts and verdict are fetched well ahead (this loop is quick),
    // and its qualifications, when the query asks for some, half as far
    // ahead, once the facts that point to them have arrived.
    const std::vector<CapabilityPosting>& list = np.capabilities[key];
    survivors.clear();
    for (std::size_t j = 0; j < list.size(); ++j) {
      if (j + 2 * kPrefetchAhead < list.size()) {
        const std::uint32_t ahead = list[j + 2 * kPrefetchAhead].platform;
        __builtin_prefetch(&s.platform_facts[ahead]);
        memo.Prefetch(ahead);
      }
      if (!q.quals.empty() && j + kPrefetchAhead < list.size()) {
        __builtin_prefetch(s.platform_facts[list[j + kPrefetchAhead].platform].quals);
      }
      const CapabilityPosting& posting = list[j];
      const PlatformVerdict& v = memo.Get(s, q, posting.platform);
      if (auto why = CheckBeforeAvailability(q, v, posting.view.price_per_unit)) {
        out.Reject(*why);
        continue;
      }
      survivors.push_back({&posting, &v});
    }
    // Pass 2: availability and scores, from calendars and terms fetched
    // ahead.
    const double category = CategoryFactor(q.depth, s.categories.node(node).depth);
    for (std::size_t k = 0; k < survivors.size(); ++k) {
      if (k + kPrefetchAhead < survivors.size()) {
        const CapabilityView& ahead = survivors[k + kPrefetchAhead].posting->view;
        ahead.calendar.Prefetch();
        ahead.terms.Prefetch();
      }
      const CapabilityPosting& posting = *survivors[k].posting;
      out.Visit(posting.idx, posting.view, *survivors[k].verdict, category);
    }
  }
  return out.Finish();
}

std::size_t PostingsToVisit(const EngineState& s, const QueryPlan& q) {
  const std::size_t key = NodePostings::Key(q.unit, q.stage);
  std::size_t postings = 0;
  for (const std::uint32_t node : CompatibleNodes(s, q)) postings += s.postings[node].capabilities[key].size();
  return postings;
}

std::vector<MatchResult> RunIndexedBatch(const EngineState& s, std::span<const QueryPlan> plans, const MatchOptions& o) {
  std::vector<ForwardCollector> outs;
  outs.reserve(plans.size());
  for (const QueryPlan& q : plans) outs.emplace_back(s, q, o);
  if (!plans.empty()) {
    const QueryPlan& shared = plans.front();
    const std::size_t key = NodePostings::Key(shared.unit, shared.stage);
    for (const std::uint32_t node : CompatibleNodes(s, shared)) {
      const double category = CategoryFactor(shared.depth, s.categories.node(node).depth);
      const std::vector<CapabilityPosting>& list = s.postings[node].capabilities[key];
      for (std::size_t j = 0; j < list.size(); ++j) {
        // A posting's platform facts fetched well ahead, then what they
        // point to (qualifications), its calendar and terms.
        if (j + 2 * kPrefetchAhead < list.size()) __builtin_prefetch(&s.platform_facts[list[j + 2 * kPrefetchAhead].platform]);
        if (j + kPrefetchAhead < list.size()) {
          const CapabilityPosting& ahead = list[j + kPrefetchAhead];
          __builtin_prefetch(s.platform_facts[ahead.platform].quals);
          ahead.view.calendar.Prefetch();
          ahead.view.terms.Prefetch();
        }
        const CapabilityPosting& posting = list[j];
        for (std::size_t i = 0; i < plans.size(); ++i) {
          if (OverBudget(plans[i], posting.view.price_per_unit)) continue;  // needs no verdict: checked first
          const PlatformVerdict v = JudgePlatform(s, plans[i], posting.platform);
          if (CheckBeforeAvailability(plans[i], v, posting.view.price_per_unit)) continue;
          outs[i].Visit(posting.idx, posting.view, v, category);
        }
      }
    }
  }
  std::vector<MatchResult> results;
  results.reserve(outs.size());
  for (ForwardCollector& out : outs) results.push_back(out.Finish());
  return results;
}

SpherePoint OnSphere(const GeoPoint& p) {
  const double lat = p.lat * kPi / 180.0, lon = p.lon * kPi / 180.0;
  return {std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat)};
}

double ChordSquaredOf(double km) {
  const double chord = 2 * std::sin(std::min(km / (2 * kEarthRadiusKm), kPi / 2));
  return chord * chord;
}

double GreatCircleKm(double chord_sq) { return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(chord_sq) / 2)); }

QueryPlan CompilePlan(EngineState& s, const Request& r) {
  QueryPlan q;
  FillPlanScalars(r, &q);
  q.node = s.InternCategory(r.category);
  if (r.region) q.region = s.regions.Intern(*r.region);
  for (const std::string& name : r.required_qualifications) {
    auto [it, inserted] = s.qualification_ids.try_emplace(name, static_cast<std::uint32_t>(s.qualification_ids.size()));
    q.quals.push_back(it->second);
  }
  FinishQuals(&q);
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
  if (r.region) q.region = s.regions.Find(*r.region).value_or(kNone);
  for (const std::string& name : r.required_qualifications) {
    if (auto it = s.qualification_ids.find(name); it != s.qualification_ids.end()) {
      q.quals.push_back(it->second);
    } else {
      q.unknown_qual = true;
    }
  }
  FinishQuals(&q);
  q.terms = s.vocabulary.LookupQuery(RequestTexts(r));
  return q;
}

Compatibility CheckCompatibility(const EngineState& s, std::string_view request_category, const QueryPlan& q,
                                 const CapabilityRec& c) {
  const std::string_view category = s.categories.node(c.node).path;
  if (!IsPathPrefix(request_category, category) && !IsPathPrefix(category, request_category)) {
    return Compatibility::kCategory;
  }
  if (c.unit != q.unit) return Compatibility::kUnit;
  if ((c.stages & StageBit(q.stage)) == 0) return Compatibility::kStage;
  return Compatibility::kCompatible;
}

PlatformVerdict JudgePlatform(const EngineState& s, const QueryPlan& q, std::uint32_t platform) {
  const PlatformFacts& p = s.platform_facts[platform];
  PlatformVerdict v;
  v.quality = p.quality;
  v.closed = !p.open;
  if (q.unknown_qual || (q.qual_mask & ~p.qual_mask) != 0) {
    v.qualification_ok = false;
  } else {
    // Both lists are sorted by id: a merge finds every required one.
    std::size_t j = 0;
    for (const std::uint32_t need : q.quals) {
      while (j < p.qual_count && p.quals[j].id < need) ++j;
      if (j == p.qual_count || p.quals[j].id != need || p.quals[j].valid_until < q.window.earliest_start) {
        v.qualification_ok = false;
        break;
      }
      v.quals_valid_until = std::min(v.quals_valid_until, p.quals[j].valid_until);
    }
  }
  // A closed platform, or one without the qualifications, rejects every pair
  // before distance counts: its distance is left out.
  if (v.closed || !v.qualification_ok) return v;
  if (q.location) {
    // Far platforms are rejected by their chord, without the arcsine; the
    // margin leaves the distance to decide at the limit itself.
    const double chord_sq = ChordSquared(q.at, p.at);
    double distance_km = std::numeric_limits<double>::infinity();
    if (q.max_distance_km && chord_sq > q.max_chord_sq * (1 + 1e-9)) {
      v.distance_ok = false;
    } else {
      distance_km = GreatCircleKm(chord_sq);
      if (q.max_distance_km && distance_km > *q.max_distance_km) v.distance_ok = false;
    }
    v.distance = q.max_distance_km ? Clamp01(1 - distance_km / *q.max_distance_km) : 1 / (1 + distance_km / 100);
  }
  if (q.region && !s.regions.Contains(*q.region, p.region)) v.distance_ok = false;
  return v;
}

std::optional<Rejection> CheckBeforeAvailability(const QueryPlan& q, const PlatformVerdict& v, double price_per_unit) {
  if (v.closed) return Rejection::kClosed;
  if (!v.qualification_ok) return Rejection::kQualification;
  if (OverBudget(q, price_per_unit)) return Rejection::kBudget;
  if (!v.distance_ok) return Rejection::kDistance;
  return std::nullopt;
}

PairContext::PairContext(const EngineState& s, const QueryPlan& plan, Seconds now)
    : q(plan),
      not_before(std::max(plan.window.earliest_start, now)),
      time_span(static_cast<double>(plan.window.deadline - not_before)),
      text_weight(plan.terms.has_words ? plan.weights.text : 0),
      text(s.vocabulary.Weigh(plan.terms)) {
  const Weights& w = plan.weights;
  weight_sum = w.category + w.price + w.time + w.quality + w.utilization;
  if (plan.location) weight_sum += w.distance;
  weight_sum += text_weight;
}

double ScoreBeforeCalendar(const PairContext& x, const CapabilityView& c, double category, const PlatformVerdict& v,
                           PairScore* out) {
  const QueryPlan& q = x.q;
  const double total = static_cast<double>(q.quantity) * c.price_per_unit;
  Factors& f = out->explain;
  f.category = category;
  if (q.budget) {
    f.price = *q.budget > 0 ? Clamp01(1 - total / *q.budget) : 1.0;
  } else {
    f.price = Clamp01(1 - std::log10(1 + total) / 8);  // a log scale up to 100 M CNY
  }
  f.distance = v.distance;
  f.quality = v.quality;
  const std::int64_t units = c.calendar.total_units();
  f.utilization = units > 0 ? Clamp01(1 - static_cast<double>(c.calendar.total_reserved()) / static_cast<double>(units)) : 1.0;
  out->total_price = total;

  const Weights& w = q.weights;
  double weighted = w.category * f.category + w.price * f.price + w.quality * f.quality + w.utilization * f.utilization;
  if (f.distance) weighted += w.distance * *f.distance;
  return weighted;
}

std::optional<Rejection> ScoreAvailability(const PairContext& x, const CapabilityView& c, const PlatformVerdict& v,
                                           PairScore* out, double* weighted) {
  const QueryPlan& q = x.q;
  const auto fill = c.calendar.EarliestFill(x.not_before, q.window.deadline, q.quantity);
  if (!fill) return Rejection::kAvailability;
  const Seconds completion = c.calendar.end(fill->last);
  if (completion > v.quals_valid_until) return Rejection::kQualification;
  Factors& f = out->explain;
  f.time = x.time_span > 0 ? Clamp01(static_cast<double>(q.window.deadline - completion) / x.time_span) : 1.0;
  // Summed afresh, in one order, so that a pair's score never depends on
  // which path computed it.
  const Weights& w = q.weights;
  *weighted = w.category * f.category + w.price * f.price + w.time * f.time + w.quality * f.quality +
              w.utilization * f.utilization;
  if (f.distance) *weighted += w.distance * *f.distance;
  out->earliest_start = c.calendar.start(fill->first);
  out->completion = completion;
  return std::nullopt;
}

std::optional<Rejection> ScoreWithoutText(const PairContext& x, const CapabilityView& c, double category,
                                          const PlatformVerdict& v, PairScore* out, double* weighted) {
  *weighted = ScoreBeforeCalendar(x, c, category, v, out);
  return ScoreAvailability(x, c, v, out, weighted);
}

void AddTextScore(const PairContext& x, const CapabilityView& c, double weighted, PairScore* out) {
  if (x.q.terms.has_words) {
    out->explain.text = Vocabulary::Score(x.text, c.terms);
    weighted += x.text_weight * *out->explain.text;
  }
  out->score = x.weight_sum > 0 ? weighted / x.weight_sum : 0;
}

std::optional<Rejection> EvaluatePair(const PairContext& x, const CapabilityView& c, double category,
                                      const PlatformVerdict& v, PairScore* out) {
  if (auto why = CheckBeforeAvailability(x.q, v, c.price_per_unit)) return why;
  double weighted;
  if (auto why = ScoreWithoutText(x, c, category, v, out, &weighted)) return why;
  AddTextScore(x, c, weighted, out);
  return std::nullopt;
}

Result<MatchResult> Engine::Match(const Request& request, const MatchOptions& options) const {
  if (Status st = ValidateRequest(request); !st.ok()) return st;
  const Replicas::Read s(*replicas_);
  return RunIndexed(*s, CompilePlanLookup(*s, request), options);
}

Result<MatchResult> Engine::MatchStored(std::string_view request_id, const MatchOptions& options) const {
  const Replicas::Read s(*replicas_);
  const auto idx = s->requests.Find(request_id);
  if (!idx) return Status::NotFound("request " + std::string(request_id) + " does not exist");
  return RunIndexed(*s, s->requests.at(*idx).plan, options);
}

Result<MatchResult> Engine::BruteForceMatch(const Request& request, const MatchOptions& options) const {
  if (Status st = ValidateRequest(request); !st.ok()) return st;
  const Replicas::Read s(*replicas_);
  return RunBruteForce(*s, CompilePlanLookup(*s, request), request, options);
}

void ForEachServableRequest(const EngineState& s, std::uint32_t capability_idx, Seconds now,
                            const std::function<void(std::uint32_t, const PairScore&)>& visit) {
  const CapabilityRec& c = s.capabilities.at(capability_idx);
  const CapabilityView view(c);
  const std::uint16_t depth = s.categories.node(c.node).depth;
  // Requests under the capability's category, and requests for its ancestors.
  std::vector<std::uint32_t> nodes;
  s.categories.AppendRelated(c.node, &nodes);
  for (const std::uint32_t node : nodes) {
    for (int st = 0; st < kStageCount; ++st) {
      if ((c.stages & (1u << st)) == 0) continue;
      for (const std::uint32_t ridx : s.postings[node].open_requests[NodePostings::Key(c.unit, static_cast<Stage>(st))]) {
        const RequestRec& r = s.requests.at(ridx);
        PairScore pair;
        if (EvaluatePair(PairContext(s, r.plan, now), view, CategoryFactor(r.plan.depth, depth),
                         JudgePlatform(s, r.plan, c.platform), &pair)) {
          continue;
        }
        visit(ridx, pair);
      }
    }
  }
}

bool PairFeasible(const EngineState& s, const PairContext& x, const RequestRec& r, std::uint32_t capability_idx,
                  PairScore* out) {
  const CapabilityRec& c = s.capabilities.at(capability_idx);
  if (CheckCompatibility(s, r.doc.category, r.plan, c) != Compatibility::kCompatible) return false;
  return !EvaluatePair(x, CapabilityView(c), CategoryFactor(r.plan.depth, s.categories.node(c.node).depth),
                       JudgePlatform(s, r.plan, c.platform), out);
}

Result<MatchResult> Engine::ReverseMatch(std::string_view capability_id, const MatchOptions& options) const {
  const Replicas::Read read(*replicas_);
  const EngineState& s = *read;
  const auto cap_idx = s.capabilities.Find(capability_id);
  if (!cap_idx) return Status::NotFound("capability " + std::string(capability_id) + " does not exist");
  MatchResult result;
  auto request_id = [&s](std::uint32_t idx) { return std::string_view(s.requests.at(idx).doc.id); };
  TopK<decltype(request_id)> top(options.limit, request_id);
  ForEachServableRequest(s, *cap_idx, options.now, [&](std::uint32_t ridx, const PairScore& pair) {
    ++result.feasible;
    top.Push({ridx, pair});
  });
  const std::string cap_id(capability_id);
  const std::string platform_id(s.platforms.id(s.capabilities.at(*cap_idx).platform));
  for (const Candidate& cand : top.Take()) {
    result.matches.push_back(ToMatch(cand.pair, cap_id, platform_id));
    result.matches.back().request_id = s.requests.at(cand.idx).doc.id;
  }
  return result;
}

}  // namespace biomatch::engine
