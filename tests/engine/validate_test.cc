#include "biomatch/engine/validate.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "testutil.h"

namespace biomatch::engine {
namespace {

using biomatch::testing::MakeCapability;
using biomatch::testing::MakePlatform;
using biomatch::testing::MakeRequest;
using biomatch::testing::T;

void ExpectInvalid(const Status& s, std::string_view field) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.field(), field) << s.ToString();
  EXPECT_FALSE(s.message().empty());
}

TEST(ValidateTest, AcceptsTheApiExamples) {
  EXPECT_TRUE(ValidatePlatform(MakePlatform("p-wc-glp")).ok());
  EXPECT_TRUE(ValidateCapability(MakeCapability("c1", "p-wc-glp")).ok());
  EXPECT_TRUE(ValidateRequest(MakeRequest("r1")).ok());
}

TEST(ValidateTest, ChecksIds) {
  EXPECT_TRUE(ValidateId("A1.b_c:d-e").ok());
  ExpectInvalid(ValidateId(""), "id");
  ExpectInvalid(ValidateId("-leading"), "id");
  ExpectInvalid(ValidateId("has space"), "id");
  ExpectInvalid(ValidateId("斜"), "id");
  ExpectInvalid(ValidateId(std::string(129, 'a')), "id");
  EXPECT_TRUE(ValidateId(std::string(128, 'a')).ok());
}

TEST(ValidateTest, ChecksPathsByWholeSegments) {
  EXPECT_TRUE(ValidateCategory("a/b-c/d_e.f").ok());
  ExpectInvalid(ValidateCategory("a//b"), "category");
  ExpectInvalid(ValidateCategory("/a"), "category");
  ExpectInvalid(ValidateCategory("a/"), "category");
  ExpectInvalid(ValidateCategory("A/b"), "category");
  ExpectInvalid(ValidateCategory(""), "category");
  EXPECT_TRUE(ValidateRegion("CN/SC/chengdu").ok());
  ExpectInvalid(ValidateRegion("CN SC"), "region");
}

TEST(ValidateTest, PlatformFields) {
  Platform p = MakePlatform("p1");
  p.name.clear();
  ExpectInvalid(ValidatePlatform(p), "name");
  p = MakePlatform("p1");
  p.location.lat = 91;
  ExpectInvalid(ValidatePlatform(p), "location.lat");
  p = MakePlatform("p1");
  p.location.lon = std::numeric_limits<double>::quiet_NaN();
  ExpectInvalid(ValidatePlatform(p), "location.lon");
  p = MakePlatform("p1");
  p.evaluation->output = 101;
  ExpectInvalid(ValidatePlatform(p), "evaluation.output");
  p = MakePlatform("p1");
  p.qualifications.push_back({"GLP", std::nullopt});
  ExpectInvalid(ValidatePlatform(p), "qualifications[2].name");
  p = MakePlatform("p1");
  p.qualifications[0].name.clear();
  ExpectInvalid(ValidatePlatform(p), "qualifications[0].name");
}

TEST(ValidateTest, CapabilityFields) {
  Capability c = MakeCapability("c1", "p1");
  c.stages = 0;
  ExpectInvalid(ValidateCapability(c), "stages");
  c = MakeCapability("c1", "p1");
  c.price_per_unit = -1;
  ExpectInvalid(ValidateCapability(c), "price_per_unit");
  c = MakeCapability("c1", "p1");
  c.price_per_unit = std::numeric_limits<double>::infinity();
  ExpectInvalid(ValidateCapability(c), "price_per_unit");
  c = MakeCapability("c1", "p1");
  c.title.clear();
  ExpectInvalid(ValidateCapability(c), "title");
  c = MakeCapability("c1", "bad id");
  ExpectInvalid(ValidateCapability(c), "platform_id");
  c = MakeCapability("c1", "p1");
  c.keywords.push_back("");
  ExpectInvalid(ValidateCapability(c), "keywords[3]");
}

TEST(ValidateTest, SlotsMustBeOrderedAndDisjoint) {
  std::vector<Slot> slots = {{T("2026-12-02T00:00:00Z"), T("2026-12-03T00:00:00Z"), 1, 0},
                             {T("2026-12-01T00:00:00Z"), T("2026-12-02T00:00:00Z"), 1, 0}};
  EXPECT_TRUE(ValidateSlots(slots).ok()) << "touching slots in any order are fine";
  slots.push_back({T("2026-12-01T12:00:00Z"), T("2026-12-01T13:00:00Z"), 1, 0});
  ExpectInvalid(ValidateSlots(slots), "slots[2]");
  slots = {{T("2026-12-02T00:00:00Z"), T("2026-12-02T00:00:00Z"), 1, 0}};
  ExpectInvalid(ValidateSlots(slots), "slots[0].end");
  slots = {{T("2026-12-01T00:00:00Z"), T("2026-12-02T00:00:00Z"), -1, 0}};
  ExpectInvalid(ValidateSlots(slots), "slots[0].units");
  slots = {{T("2026-12-01T00:00:00Z"), T("2226-12-02T00:00:00Z"), 1, 0}};
  ExpectInvalid(ValidateSlots(slots), "slots[0].end");
}

TEST(ValidateTest, RequestFields) {
  Request r = MakeRequest("r1");
  r.window.deadline = r.window.earliest_start - 1;
  ExpectInvalid(ValidateRequest(r), "window.deadline");
  r = MakeRequest("r1");
  r.quantity = 0;
  ExpectInvalid(ValidateRequest(r), "quantity");
  r = MakeRequest("r1");
  r.budget_max = -5;
  ExpectInvalid(ValidateRequest(r), "budget_max");
  r = MakeRequest("r1");
  r.location.reset();
  ExpectInvalid(ValidateRequest(r), "max_distance_km");
  r = MakeRequest("r1");
  r.max_distance_km = std::numeric_limits<double>::quiet_NaN();
  ExpectInvalid(ValidateRequest(r), "max_distance_km");
  r = MakeRequest("r1");
  r.category = "preclinical//safety";
  ExpectInvalid(ValidateRequest(r), "category");
  r = MakeRequest("r1");
  r.requester.id.clear();
  ExpectInvalid(ValidateRequest(r), "requester.id");
  r = MakeRequest("r1");
  r.region = "CN//SC";
  ExpectInvalid(ValidateRequest(r), "region");
  r = MakeRequest("r1");
  r.required_qualifications = {""};
  ExpectInvalid(ValidateRequest(r), "required_qualifications[0]");
}

TEST(ValidateTest, Weights) {
  WeightOverrides w;
  w.price = 3;
  w.time = 1;
  EXPECT_TRUE(ValidateWeights(w).ok());
  w.price = -1;
  ExpectInvalid(ValidateWeights(w), "weights.price");
  w = WeightOverrides{0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  ExpectInvalid(ValidateWeights(w), "weights");
  w.text = std::numeric_limits<double>::infinity();
  ExpectInvalid(ValidateWeights(w), "weights.text");
}

}  // namespace
}  // namespace biomatch::engine
