// The percolator: every subscription field filters as subscription.h says,
// and the index finds exactly what checking every subscription would.
#include "percolator.h"

#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "biomatch/engine/tokenize.h"

namespace biomatch::server {
namespace {

std::shared_ptr<const Subscription> Sub(std::string id, const std::function<void(Subscription*)>& set = {}) {
  Subscription s;
  s.id = std::move(id);
  if (set) set(&s);
  return std::make_shared<const Subscription>(std::move(s));
}

EventFacets Facets(const std::string& category, const std::string& region, std::string_view text = "") {
  EventFacets f;
  f.category = category;
  f.region = region;
  f.stages = engine::StageBit(engine::Stage::kPreclinical);
  f.platform_id = "p1";
  f.requester_id = "org-42";
  engine::Tokenize(text, &f.tokens);
  std::sort(f.tokens.begin(), f.tokens.end());
  f.tokens.erase(std::unique(f.tokens.begin(), f.tokens.end()), f.tokens.end());
  return f;
}

std::vector<std::string> Ids(const Percolator& p, std::string_view type, const EventFacets& f) {
  std::vector<const CompiledFilter*> found;
  p.Match(type, f, &found);
  std::vector<std::string> ids;
  for (const CompiledFilter* x : found) ids.push_back(x->sub().id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// One subscription per field, each against an event that passes and one that does not.
TEST(PercolatorTest, EveryFieldFilters) {
  const EventFacets base = Facets("preclinical/safety/repeat-dose-toxicity", "CN/SC/chengdu", "大鼠28天重复给药毒性试验 GLP");
  struct Case {
    std::string name;
    std::function<void(Subscription*)> set;
    std::string type;
    std::function<void(EventFacets*)> fail;  // turns `base` into an event the subscription refuses
  };
  const std::vector<Case> cases = {
      {"types", [](Subscription* s) { s->types = {"request.created", "match.found"}; }, "request.created", nullptr},
      {"category", [](Subscription* s) { s->category = "preclinical/safety"; }, "request.created",
       [](EventFacets* f) { f->category = "preclinical/safetyx"; }},
      {"category-missing", [](Subscription* s) { s->category = "preclinical"; }, "platform.updated",
       [](EventFacets* f) { f->category.clear(); }},
      {"region", [](Subscription* s) { s->region = "CN/SC"; }, "capability.created",
       [](EventFacets* f) { f->region = "CN/BJ/haidian"; }},
      {"stages", [](Subscription* s) { s->stages = engine::StageBit(engine::Stage::kPreclinical); }, "request.updated",
       [](EventFacets* f) { f->stages = engine::StageBit(engine::Stage::kClinical); }},
      {"keywords-cjk", [](Subscription* s) { s->keywords = {"毒性试验"}; }, "request.created",
       [](EventFacets* f) { *f = Facets(f->category, f->region, "药代动力学 GLP"); }},
      {"keywords-any", [](Subscription* s) { s->keywords = {"toxicity", "glp"}; }, "request.created",
       [](EventFacets* f) { *f = Facets(f->category, f->region, "rat toxicology"); }},
      {"platform_ids", [](Subscription* s) { s->platform_ids = {"p0", "p1"}; }, "capability.updated",
       [](EventFacets* f) { f->platform_id = "p2"; }},
      {"requester_ids", [](Subscription* s) { s->requester_ids = {"org-42"}; }, "request.closed",
       [](EventFacets* f) { f->requester_id = "org-7"; }},
      {"min_score", [](Subscription* s) { s->min_score = 0.6; }, "match.found",
       [](EventFacets* f) { f->score = 0.59; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Percolator p;
    p.Put(Sub(c.name, c.set));
    EventFacets pass = base;
    pass.score = 0.8;
    EXPECT_EQ(Ids(p, c.type, pass), std::vector<std::string>{c.name});
    if (c.fail) {
      EventFacets fail = pass;
      c.fail(&fail);
      EXPECT_TRUE(Ids(p, c.type, fail).empty());
    }
  }
  Percolator p;
  p.Put(Sub("only-requests", [](Subscription* s) { s->types = {"request.created"}; }));
  EXPECT_TRUE(Ids(p, "capability.created", base).empty()) << "a type it does not take";
  p.Put(Sub("min-score-elsewhere", [](Subscription* s) { s->min_score = 0.9; }));
  EXPECT_EQ(Ids(p, "request.created", base), (std::vector<std::string>{"min-score-elsewhere", "only-requests"}))
      << "min_score filters match.found only";
}

TEST(PercolatorTest, ReplaceAndRemove) {
  Percolator p;
  const EventFacets f = Facets("genomics/sequencing", "CN/GD/guangzhou", "whole genome sequencing");
  p.Put(Sub("s1", [](Subscription* s) { s->category = "genomics"; }));
  EXPECT_EQ(Ids(p, "request.created", f), std::vector<std::string>{"s1"});
  p.Put(Sub("s1", [](Subscription* s) { s->category = "preclinical"; }));
  EXPECT_TRUE(Ids(p, "request.created", f).empty()) << "the replaced filter is gone from its old anchor";
  p.Put(Sub("s1", [](Subscription* s) { s->keywords = {"genome"}; }));
  EXPECT_EQ(Ids(p, "request.created", f), std::vector<std::string>{"s1"});
  p.Remove("s1");
  EXPECT_TRUE(Ids(p, "request.created", f).empty());
  EXPECT_EQ(p.size(), 0u);
}

TEST(PercolatorTest, MatchFoundThresholdIsTheLowestMinScore) {
  Percolator p;
  EXPECT_FALSE(p.MatchFoundThreshold());
  p.Put(Sub("a", [](Subscription* s) { s->types = {"request.created"}; }));
  EXPECT_FALSE(p.MatchFoundThreshold()) << "nobody takes match.found";
  p.Put(Sub("b", [](Subscription* s) {
    s->types = {"match.found"};
    s->min_score = 0.7;
  }));
  p.Put(Sub("c", [](Subscription* s) { s->min_score = 0.4; }));
  EXPECT_EQ(p.MatchFoundThreshold(), 0.4);
  p.Remove("c");
  EXPECT_EQ(p.MatchFoundThreshold(), 0.7);
}

// Random subscriptions and events: the index answers exactly what checking
// every filter answers.
TEST(PercolatorTest, IndexAgreesWithCheckingEverySubscription) {
  std::mt19937 rng(7);
  const std::vector<std::string> categories = {"preclinical", "preclinical/safety", "preclinical/safety/tox",
                                               "preclinical/pk", "genomics", "genomics/sequencing"};
  const std::vector<std::string> regions = {"CN", "CN/SC", "CN/SC/chengdu", "CN/GD", "CN/GD/shenzhen"};
  const std::vector<std::string> words = {"rat", "glp", "toxicity", "毒性", "测序", "sequencing", "mass", "nmr"};
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  Percolator p;
  std::vector<std::shared_ptr<const Subscription>> all;
  for (int i = 0; i < 2000; ++i) {
    auto s = Sub("s" + std::to_string(i), [&](Subscription* x) {
      if (rng() % 3 == 0) x->types = {std::string(kEventTypes[rng() % kEventTypeCount])};
      if (rng() % 2 == 0) x->category = pick(categories);
      if (rng() % 2 == 0) x->region = pick(regions);
      if (rng() % 4 == 0) x->stages = static_cast<engine::StageSet>(1 + rng() % 31);
      if (rng() % 4 == 0) x->keywords = {pick(words), pick(words)};
      if (rng() % 10 == 0) x->platform_ids = {"p" + std::to_string(rng() % 5)};
      if (rng() % 10 == 0) x->requester_ids = {"org-" + std::to_string(rng() % 5)};
      if (rng() % 3 == 0) x->min_score = static_cast<double>(rng() % 100) / 100.0;
    });
    all.push_back(s);
    p.Put(s);
  }
  for (int i = 0; i < 200; ++i) p.Remove("s" + std::to_string(rng() % 2000));
  for (int i = 0; i < 2000; ++i) {
    EventFacets f = Facets(rng() % 5 ? pick(categories) : "", rng() % 5 ? pick(regions) : "",
                           pick(words) + " " + pick(words));
    f.stages = static_cast<engine::StageSet>(rng() % 32);
    f.platform_id = "p" + std::to_string(rng() % 5);
    f.requester_id = rng() % 2 ? "org-" + std::to_string(rng() % 5) : "";
    f.score = static_cast<double>(rng() % 100) / 100.0;
    const std::string type(kEventTypes[rng() % kEventTypeCount]);
    std::vector<std::string> expected;
    for (const auto& s : all) {
      const CompiledFilter* filter = p.Find(s->id);
      if (filter != nullptr && filter->TakesType(EventTypeIndex(type)) && filter->Passes(type, f)) {
        expected.push_back(s->id);
      }
    }
    std::sort(expected.begin(), expected.end());
    ASSERT_EQ(Ids(p, type, f), expected) << "event " << i;
  }
}

}  // namespace
}  // namespace biomatch::server
