#include <gtest/gtest.h>

#include <cmath>

#include "biomatch/engine/engine.h"
#include "testutil.h"

namespace biomatch::engine {
namespace {

using biomatch::testing::DailySlots;
using biomatch::testing::kDay;
using biomatch::testing::MakeCapability;
using biomatch::testing::MakePlatform;
using biomatch::testing::MakeRequest;
using biomatch::testing::Now;
using biomatch::testing::T;

std::uint64_t Rejected(const MatchResult& r, Rejection why) { return r.rejected[static_cast<std::size_t>(why)]; }

std::vector<std::string> Ids(const MatchResult& r) {
  std::vector<std::string> ids;
  for (const auto& m : r.matches) ids.push_back(m.capability_id.empty() ? m.request_id : m.capability_id);
  return ids;
}

class MatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { Put(MakePlatform("p1")); }

  void Put(Platform p) { ASSERT_TRUE(engine_.PutPlatform(std::move(p), Now()).ok()); }
  void Put(Capability c) {
    auto r = engine_.PutCapability(std::move(c), Now());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  MatchResult MatchOf(const Request& r, std::size_t limit = 10) {
    auto result = engine_.Match(r, MatchOptions{Now(), limit, true});
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    auto brute = engine_.BruteForceMatch(r, MatchOptions{Now(), limit, true});
    EXPECT_EQ(Ids(*result), Ids(*brute));
    EXPECT_EQ(result->feasible, brute->feasible);
    EXPECT_EQ(result->rejected, brute->rejected);
    return std::move(result).value();
  }
  // A capability that fits MakeRequest on every count.
  Capability Good(std::string id, std::string platform = "p1") { return MakeCapability(std::move(id), std::move(platform)); }

  Engine engine_;
};

// Matching reads calendars through the posting lists: a new calendar and
// reservations must show there at once.
TEST_F(MatcherTest, SeesReplacedSlotsAndReservations) {
  Put(Good("c1"));
  const std::vector<Slot> later = {{T("2027-01-01T00:00:00Z"), T("2027-02-01T00:00:00Z"), 2, 0}};
  ASSERT_TRUE(engine_.ReplaceSlots("c1", later, Now()).ok());
  MatchResult r = MatchOf(MakeRequest(""));
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].earliest_start, T("2027-01-01T00:00:00Z"));
  EXPECT_EQ(r.matches[0].completion, T("2027-02-01T00:00:00Z"));
  EXPECT_EQ(r.matches[0].explain.utilization, 1.0);

  ASSERT_TRUE(engine_.PutRequest(MakeRequest("r1"), Now()).ok());
  ASSERT_TRUE(engine_.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now()).ok());
  r = MatchOf(MakeRequest(""));
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].explain.utilization, 0.5) << "one of two units is held";

  Request two = MakeRequest("");
  two.quantity = 2;
  two.budget_max = std::nullopt;
  EXPECT_EQ(MatchOf(two).feasible, 0u) << "only one unit is left";
}

TEST_F(MatcherTest, ApiExampleMatchesWithExplanation) {
  Put(Good("c1"));
  const MatchResult r = MatchOf(MakeRequest(""));
  ASSERT_EQ(r.feasible, 1u);
  ASSERT_EQ(r.matches.size(), 1u);
  const Match& m = r.matches[0];
  EXPECT_EQ(m.capability_id, "c1");
  EXPECT_EQ(m.platform_id, "p1");
  EXPECT_EQ(m.total_price, 380000);
  EXPECT_EQ(m.earliest_start, T("2026-12-01T00:00:00Z"));
  EXPECT_EQ(m.completion, T("2027-01-01T00:00:00Z"));
  EXPECT_DOUBLE_EQ(m.explain.category, 2.0 / 3.0);
  ASSERT_TRUE(m.explain.text);
  EXPECT_GT(*m.explain.text, 0.5);
  ASSERT_TRUE(m.explain.distance);
  EXPECT_GT(*m.explain.distance, 0.9);
  EXPECT_NEAR(m.explain.quality, (88 + 81 + 90 + 86) / 400.0, 1e-12);
  EXPECT_EQ(m.explain.utilization, 1.0);
  EXPECT_GT(m.score, 0);
  EXPECT_LE(m.score, 1);
}

// Distances are great-circle distances on a sphere of the mean Earth radius
// (checked against the haversine formula), and max_distance_km keeps a
// platform just inside it and rejects one just beyond it.
TEST_F(MatcherTest, DistancesAreGreatCircleAndTheLimitIsExact) {
  constexpr double kRadiusKm = 6371.0088, kRad = 3.14159265358979323846 / 180;
  auto haversine_km = [&](GeoPoint a, GeoPoint b) {
    const double h = std::pow(std::sin((b.lat - a.lat) * kRad / 2), 2) +
                     std::cos(a.lat * kRad) * std::cos(b.lat * kRad) * std::pow(std::sin((b.lon - a.lon) * kRad / 2), 2);
    return 2 * kRadiusKm * std::asin(std::sqrt(h));
  };
  const GeoPoint shanghai{31.2304, 121.4737}, beijing{39.9042, 116.4074};
  Platform far = MakePlatform("p-beijing");
  far.location = beijing;
  Put(far);
  Put(Good("c-beijing", "p-beijing"));
  Request r = MakeRequest("");
  r.category = "preclinical/safety";
  r.location = shanghai;
  r.max_distance_km = 2000;
  MatchResult m = MatchOf(r);
  bool seen = false;
  for (const Match& x : m.matches) {
    if (x.capability_id != "c-beijing") continue;
    seen = true;
    const double km = haversine_km(shanghai, beijing);
    EXPECT_NEAR(km, 1067.3, 1.0);
    ASSERT_TRUE(x.explain.distance);
    EXPECT_NEAR(*x.explain.distance, 1 - km / 2000, 1e-9);
  }
  EXPECT_TRUE(seen);

  // Along a meridian the distance is the latitude difference: one platform
  // 10 m inside 500 km, one 10 m beyond.
  const GeoPoint origin{20.0, 110.0};
  for (const auto& [id, km] : {std::pair{"p-inside", 499.99}, std::pair{"p-beyond", 500.01}}) {
    Platform p = MakePlatform(id);
    p.location = {origin.lat + km / (kRadiusKm * kRad), origin.lon};
    Put(p);
    Put(Good(std::string("c-") + id, id));
  }
  r.location = origin;
  r.max_distance_km = 500;
  m = MatchOf(r);
  EXPECT_EQ(Ids(m), (std::vector<std::string>{"c-p-inside"}));
  EXPECT_EQ(Rejected(m, Rejection::kDistance), 2u) << "c-p-beyond, and c-beijing far away";
}

TEST_F(MatcherTest, EachHardConstraintRejectsAlone) {
  Capability unit = Good("c-unit");
  unit.unit = Unit::kHour;
  Put(unit);
  Capability stage = Good("c-stage");
  stage.stages = StageBit(Stage::kDiscovery);
  Put(stage);
  Platform closed = MakePlatform("p-closed");
  closed.open = false;
  Put(closed);
  Put(Good("c-closed", "p-closed"));
  Platform noglp = MakePlatform("p-noglp");
  noglp.qualifications = {{"CNAS", std::nullopt}};
  Put(noglp);
  Put(Good("c-qual", "p-noglp"));
  Capability budget = Good("c-budget");
  budget.price_per_unit = 450001;
  Put(budget);
  Platform far = MakePlatform("p-beijing");
  far.location = {39.9, 116.4};
  Put(far);
  Put(Good("c-far", "p-beijing"));
  Capability late = Good("c-late");
  late.slots = {{T("2027-02-15T00:00:00Z"), T("2027-03-15T00:00:00Z"), 3, 0}};
  Put(late);
  Capability other = Good("c-other");
  other.category = "analysis/mass-spectrometry";
  Put(other);
  Put(Good("c-good"));

  const MatchResult r = MatchOf(MakeRequest(""));
  EXPECT_EQ(Ids(r), std::vector<std::string>{"c-good"});
  EXPECT_EQ(r.feasible, 1u);
  EXPECT_EQ(Rejected(r, Rejection::kUnit), 1u);
  EXPECT_EQ(Rejected(r, Rejection::kStage), 1u);
  EXPECT_EQ(Rejected(r, Rejection::kClosed), 1u);
  EXPECT_EQ(Rejected(r, Rejection::kQualification), 1u);
  EXPECT_EQ(Rejected(r, Rejection::kBudget), 1u);
  EXPECT_EQ(Rejected(r, Rejection::kDistance), 1u);
  EXPECT_EQ(Rejected(r, Rejection::kAvailability), 1u) << "the category-incompatible one is not counted";
}

TEST_F(MatcherTest, FirstFailedConstraintIsCounted) {
  Platform p = MakePlatform("p-bad");
  p.open = false;
  p.location = {39.9, 116.4};
  Put(p);
  Capability c = Good("c1", "p-bad");
  c.price_per_unit = 1e9;
  Put(c);
  const MatchResult r = MatchOf(MakeRequest(""));
  EXPECT_EQ(r.feasible, 0u);
  EXPECT_EQ(Rejected(r, Rejection::kClosed), 1u);
  EXPECT_EQ(Rejected(r, Rejection::kBudget), 0u);
  EXPECT_EQ(Rejected(r, Rejection::kDistance), 0u);
}

TEST_F(MatcherTest, QualificationMustBeValidAtCompletion) {
  Platform p = MakePlatform("p-exp");
  p.qualifications = {{"GLP", T("2026-12-20T00:00:00Z")}};
  Put(p);
  Put(Good("c-month", "p-exp"));  // completes 2027-01-01: too late
  Capability week = Good("c-week", "p-exp");
  week.slots = {{T("2026-12-01T00:00:00Z"), T("2026-12-08T00:00:00Z"), 1, 0}};
  Put(week);
  const MatchResult r = MatchOf(MakeRequest(""));
  EXPECT_EQ(Ids(r), std::vector<std::string>{"c-week"});
  EXPECT_EQ(Rejected(r, Rejection::kQualification), 1u);
}

TEST_F(MatcherTest, UnknownQualificationMatchesNothing) {
  Put(Good("c1"));
  Request q = MakeRequest("");
  q.required_qualifications = {"GLP", "NEVER-HEARD-OF"};
  const MatchResult r = MatchOf(q);
  EXPECT_EQ(r.feasible, 0u);
  EXPECT_EQ(Rejected(r, Rejection::kQualification), 1u);
}

TEST_F(MatcherTest, RegionMustContainThePlatform) {
  Put(Good("c1"));
  Request q = MakeRequest("");
  q.region = "CN/SC";
  EXPECT_EQ(MatchOf(q).feasible, 1u);
  q.region = "CN/S";
  EXPECT_EQ(MatchOf(q).feasible, 0u) << "regions compare by whole segments";
  q.region = "CN/BJ";
  const MatchResult r = MatchOf(q);
  EXPECT_EQ(Rejected(r, Rejection::kDistance), 1u);
}

TEST_F(MatcherTest, AvailabilityEdges) {
  Request q = MakeRequest("");
  q.quantity = 4;
  q.budget_max.reset();
  Capability c = Good("c1");
  c.unit = Unit::kDay;
  c.slots = DailySlots(3, 1);  // Dec 1-3, one unit each
  Put(c);
  q.unit = Unit::kDay;
  EXPECT_EQ(MatchOf(q).feasible, 0u) << "3 units cannot serve 4";
  q.quantity = 3;
  MatchResult r = MatchOf(q);
  ASSERT_EQ(r.feasible, 1u);
  EXPECT_EQ(r.matches[0].earliest_start, T("2026-12-01T00:00:00Z"));
  EXPECT_EQ(r.matches[0].completion, T("2026-12-04T00:00:00Z"));
  q.window.deadline = T("2026-12-04T00:00:00Z");
  EXPECT_EQ(MatchOf(q).feasible, 1u) << "a slot ending exactly at the deadline counts";
  q.window.deadline -= 1;
  EXPECT_EQ(MatchOf(q).feasible, 0u);
  q.window = {T("2026-12-01T00:00:01Z"), T("2027-03-01T00:00:00Z")};
  q.quantity = 2;
  r = MatchOf(q);
  ASSERT_EQ(r.feasible, 1u);
  EXPECT_EQ(r.matches[0].earliest_start, T("2026-12-02T00:00:00Z")) << "a slot starting before the window is out";
  // A slot that has already started does not count.
  auto started = engine_.Match(q, MatchOptions{T("2026-12-02T00:00:01Z"), 10, true});
  EXPECT_EQ(started->feasible, 0u);
}

TEST_F(MatcherTest, CategoryCompatibilityIsByWholeSegments) {
  Capability deeper = Good("c-deeper");
  Put(deeper);
  Capability exact = Good("c-exact");
  exact.category = "preclinical/safety";
  Put(exact);
  Capability parent = Good("c-parent");
  parent.category = "preclinical";
  Put(parent);
  Capability sibling = Good("c-sibling");
  sibling.category = "preclinical/safetyx";
  Put(sibling);
  Capability cousin = Good("c-cousin");
  cousin.category = "preclinical/pk/rodent";
  Put(cousin);
  const MatchResult r = MatchOf(MakeRequest(""));
  EXPECT_EQ(r.feasible, 3u);
  EXPECT_EQ(Ids(r)[0], "c-exact") << "the exact category is closest";
  for (const Match& m : r.matches) {
    if (m.capability_id == "c-exact") {
      EXPECT_EQ(m.explain.category, 1.0);
    } else if (m.capability_id == "c-parent") {
      EXPECT_EQ(m.explain.category, 0.5);
    }
  }
  Request unknown = MakeRequest("");
  unknown.category = "preclinical/safety/repeat-dose-toxicity/rat/sd";
  EXPECT_EQ(MatchOf(unknown).feasible, 3u) << "a request below any known node still matches its ancestors";
}

// Two capabilities equal but for one thing: the better one ranks first.
class FactorDirectionTest : public MatcherTest {
 protected:
  void ExpectFirst(Capability better, Capability worse, const Request& q = MakeRequest("")) {
    Put(std::move(worse));
    Put(std::move(better));
    const MatchResult r = MatchOf(q);
    ASSERT_EQ(r.matches.size(), 2u);
    EXPECT_EQ(r.matches[0].capability_id, "c-better");
    EXPECT_GT(r.matches[0].score, r.matches[1].score);
  }
};

TEST_F(FactorDirectionTest, CheaperRanksHigher) {
  Capability cheap = Good("c-better");
  cheap.price_per_unit = 300000;
  ExpectFirst(cheap, Good("c-a-worse"));
}

TEST_F(FactorDirectionTest, CheaperRanksHigherWithoutBudget) {
  Capability cheap = Good("c-better");
  cheap.price_per_unit = 300000;
  Request q = MakeRequest("");
  q.budget_max.reset();
  ExpectFirst(cheap, Good("c-a-worse"), q);
}

TEST_F(FactorDirectionTest, SoonerRanksHigher) {
  Capability soon = Good("c-better");
  soon.slots = {{T("2026-12-01T00:00:00Z"), T("2026-12-15T00:00:00Z"), 1, 0}};
  ExpectFirst(soon, Good("c-a-worse"));
}

TEST_F(FactorDirectionTest, CloserRanksHigher) {
  Platform near = MakePlatform("p-near");
  near.location = {30.6, 104.1};
  Put(near);
  ExpectFirst(Good("c-better", "p-near"), Good("c-a-worse"));
}

TEST_F(FactorDirectionTest, BetterEvaluatedRanksHigher) {
  Platform good = MakePlatform("p-good");
  good.evaluation = Evaluation{99, 99, 99, 99};
  Put(good);
  ExpectFirst(Good("c-better", "p-good"), Good("c-a-worse"));
}

TEST_F(FactorDirectionTest, LessUtilisedRanksHigher) {
  Put(Good("c-a-worse"));
  Request owner = MakeRequest("r-owner");
  ASSERT_TRUE(engine_.PutRequest(owner, Now()).ok());
  ASSERT_TRUE(engine_.Hold({"h1", "r-owner", "c-a-worse", 1, 900}, Now()).ok());
  Put(Good("c-better"));
  const MatchResult r = MatchOf(MakeRequest(""));
  ASSERT_EQ(r.matches.size(), 2u);
  EXPECT_EQ(r.matches[0].capability_id, "c-better");
  EXPECT_LT(r.matches[1].explain.utilization, 1.0);
}

TEST_F(FactorDirectionTest, MoreRelevantTextRanksHigher) {
  Capability other = Good("c-a-worse");
  other.title = "Beagle dog toxicology";
  other.description = "";
  other.keywords = {};
  ExpectFirst(Good("c-better"), other);
}

TEST_F(MatcherTest, WeightOverridesChangeTheRanking) {
  Platform near = MakePlatform("p-near");
  near.location = {30.6, 104.1};
  Put(near);
  Platform far = MakePlatform("p-far");
  far.location = {29.5, 106.5};  // Chongqing, within 800 km
  Put(far);
  Capability near_dear = Good("c-near-dear", "p-near");
  near_dear.price_per_unit = 440000;
  Put(near_dear);
  Capability far_cheap = Good("c-far-cheap", "p-far");
  far_cheap.price_per_unit = 100000;
  Put(far_cheap);
  Request q = MakeRequest("");
  q.weights = WeightOverrides{};
  q.weights->distance = 50;
  EXPECT_EQ(MatchOf(q).matches[0].capability_id, "c-near-dear");
  q.weights = WeightOverrides{};
  q.weights->price = 50;
  EXPECT_EQ(MatchOf(q).matches[0].capability_id, "c-far-cheap");
}

TEST_F(MatcherTest, TiesBreakByIdInByteOrder) {
  for (const char* id : {"c-b", "c-a", "c-C", "c-10", "c-9"}) Put(Good(id));
  const MatchResult r = MatchOf(MakeRequest(""));
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"c-10", "c-9", "c-C", "c-a", "c-b"}));
  EXPECT_EQ(Ids(MatchOf(MakeRequest(""), 2)), (std::vector<std::string>{"c-10", "c-9"}));
}

TEST_F(MatcherTest, LimitZeroStillCountsFeasible) {
  for (const char* id : {"c1", "c2", "c3"}) Put(Good(id));
  const MatchResult r = MatchOf(MakeRequest(""), 0);
  EXPECT_TRUE(r.matches.empty());
  EXPECT_EQ(r.feasible, 3u);
}

TEST_F(MatcherTest, MixedScriptTextRelevance) {
  Capability en = Good("c-en");
  en.title = "LC-MS/MS metabolomics profiling";
  en.description = "Untargeted metabolomics on Orbitrap";
  en.keywords = {"metabolomics"};
  Put(en);
  Capability zh = Good("c-zh");
  zh.title = "代谢组学 LC-MS/MS 分析";
  zh.description = "非靶向代谢组学";
  zh.keywords = {};
  Put(zh);
  Request q = MakeRequest("");
  q.text = "需要代谢组学分析";
  q.keywords = {};
  MatchResult r = MatchOf(q);
  ASSERT_EQ(r.matches.size(), 2u);
  EXPECT_EQ(r.matches[0].capability_id, "c-zh");
  EXPECT_GT(*r.matches[0].explain.text, *r.matches[1].explain.text);
  q.text = "metabolomics LC-MS";
  r = MatchOf(q);
  EXPECT_EQ(r.matches[0].capability_id, "c-en");
  q.text.clear();
  r = MatchOf(q);
  EXPECT_FALSE(r.matches[0].explain.text) << "no query words: the text factor does not apply";
}

TEST_F(MatcherTest, StoredRequestMatchesLikeTheDocument) {
  for (const char* id : {"c1", "c2"}) Put(Good(id));
  ASSERT_TRUE(engine_.PutRequest(MakeRequest("r1"), Now()).ok());
  auto stored = engine_.MatchStored("r1", MatchOptions{Now(), 10, true});
  ASSERT_TRUE(stored.ok());
  const MatchResult adhoc = MatchOf(MakeRequest(""));
  EXPECT_EQ(stored->matches, adhoc.matches);
  EXPECT_EQ(engine_.MatchStored("nope", MatchOptions{Now(), 10, true}).status().code(), StatusCode::kNotFound);
}

TEST_F(MatcherTest, InvalidQueryIsRejected) {
  Request q = MakeRequest("");
  q.window.deadline = q.window.earliest_start;
  auto r = engine_.Match(q, MatchOptions{Now(), 10, true});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "window.deadline");
}

TEST_F(MatcherTest, ReverseMatchFindsOpenRequestsRankedBySameScore) {
  Put(Good("c1"));
  Request near = MakeRequest("r-near");
  Request cheap_budget = MakeRequest("r-tight");
  cheap_budget.budget_max = 100000;  // cannot afford c1
  Request parent = MakeRequest("r-parent");
  parent.category = "preclinical";
  Request other = MakeRequest("r-other");
  other.category = "analysis";
  for (const Request& r : {near, cheap_budget, parent, other}) ASSERT_TRUE(engine_.PutRequest(r, Now()).ok());
  auto rev = engine_.ReverseMatch("c1", MatchOptions{Now(), 10, false});
  ASSERT_TRUE(rev.ok());
  EXPECT_EQ(rev->feasible, 2u);
  ASSERT_EQ(rev->matches.size(), 2u);
  EXPECT_EQ(rev->matches[0].request_id, "r-near") << "the closer category ranks first";
  EXPECT_EQ(rev->matches[1].request_id, "r-parent");
  // The same pair scores the same from both sides.
  auto fwd = engine_.MatchStored("r-near", MatchOptions{Now(), 10, false});
  EXPECT_DOUBLE_EQ(fwd->matches[0].score, rev->matches[0].score);
  // Closed requests drop out.
  ASSERT_TRUE(engine_.CancelRequest("r-near", Now()).ok());
  rev = engine_.ReverseMatch("c1", MatchOptions{Now(), 10, false});
  EXPECT_EQ(rev->feasible, 1u);
  EXPECT_EQ(engine_.ReverseMatch("nope", MatchOptions{}).status().code(), StatusCode::kNotFound);
}

// The name tables of types.h: hard constraints, soft factors and the enums
// of the domain (engine/src/types.cc).

TEST(RejectionTest, EveryNameRoundTrips) {
  ASSERT_EQ(kRejectionNames.size(), static_cast<std::size_t>(kRejectionCount));
  for (int i = 0; i < kRejectionCount; ++i) {
    const auto why = static_cast<Rejection>(i);
    EXPECT_EQ(ToString(why), kRejectionNames[static_cast<std::size_t>(i)]);
    EXPECT_EQ(ParseRejection(ToString(why)), why) << ToString(why);
  }
  EXPECT_EQ(ToString(static_cast<Rejection>(kRejectionCount)), "unknown");
  EXPECT_EQ(ParseRejection("category"), std::nullopt) << "category compatibility is not counted";
  EXPECT_EQ(ParseRejection("Unit"), std::nullopt);
}

TEST(FactorTest, EveryNameRoundTripsAndTheTableHoldsTheDefaults) {
  const Weights defaults = DefaultWeights();
  for (int i = 0; i < kFactorCount; ++i) {
    const auto factor = static_cast<Factor>(i);
    const FactorSpec& spec = kFactors[static_cast<std::size_t>(i)];
    EXPECT_EQ(spec.factor, factor);
    EXPECT_EQ(ToString(factor), spec.name);
    EXPECT_EQ(ParseFactor(spec.name), factor);
    EXPECT_EQ(defaults.*spec.weight, spec.default_weight) << spec.name;
  }
  EXPECT_EQ(ParseFactor("score"), std::nullopt);
}

TEST(FactorTest, AnOverrideChangesOnlyItsOwnWeight) {
  for (const FactorSpec& spec : kFactors) {
    WeightOverrides o;
    o.*spec.override_weight = 7;
    const Weights w = ApplyOverrides(DefaultWeights(), o);
    for (const FactorSpec& other : kFactors) {
      EXPECT_EQ(w.*other.weight, &other == &spec ? 7 : other.default_weight) << spec.name << " " << other.name;
    }
  }
}

TEST(FactorTest, FactorValueReadsEachFactorAndAbsenceWhereItMayNotApply) {
  Factors f;
  f.category = 0.1;
  f.text = 0.2;
  f.price = 0.3;
  f.time = 0.4;
  f.quality = 0.6;
  f.utilization = 0.7;
  const double want[] = {0.1, 0.2, 0.3, 0.4, -1, 0.6, 0.7};
  for (const FactorSpec& spec : kFactors) {
    const std::optional<double> got = FactorValue(f, spec);
    if (spec.factor == Factor::kDistance) {
      EXPECT_EQ(got, std::nullopt);
    } else {
      EXPECT_EQ(got, want[static_cast<std::size_t>(spec.factor)]) << spec.name;
    }
  }
}

// ToString and Parse of one enum against its table: every name round-trips,
// a value past the table is "unknown", a name not in it is refused.
template <typename E, std::size_t N>
void ExpectNamesRoundTrip(const std::array<std::string_view, N>& names, std::optional<E> (*parse)(std::string_view)) {
  for (std::size_t i = 0; i < N; ++i) {
    const auto v = static_cast<E>(i);
    EXPECT_EQ(ToString(v), names[i]);
    EXPECT_EQ(parse(names[i]), v) << names[i];
  }
  EXPECT_EQ(ToString(static_cast<E>(N)), "unknown");
  EXPECT_EQ(parse("unknown"), std::nullopt);
  EXPECT_EQ(parse(""), std::nullopt);
}

TEST(EnumNamesTest, EveryWireNameRoundTrips) {
  ExpectNamesRoundTrip(kPlatformKindNames, &ParsePlatformKind);
  ExpectNamesRoundTrip(kPlatformLevelNames, &ParsePlatformLevel);
  ExpectNamesRoundTrip(kStageNames, &ParseStage);
  ExpectNamesRoundTrip(kUnitNames, &ParseUnit);
  ExpectNamesRoundTrip(kRequesterTypeNames, &ParseRequesterType);
  ExpectNamesRoundTrip(kRequestStatusNames, &ParseRequestStatus);
  ExpectNamesRoundTrip(kReservationStatusNames, &ParseReservationStatus);
  EXPECT_EQ(static_cast<std::size_t>(kStageCount), kStageNames.size());
  EXPECT_EQ(static_cast<std::size_t>(kUnitCount), kUnitNames.size());
}

}  // namespace
}  // namespace biomatch::engine
