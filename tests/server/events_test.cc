// Events derived from change sets: their types, facets and data.
#include "events.h"

#include <gtest/gtest.h>

#include "testutil.h"

namespace biomatch::testing {
namespace {

using server::EventFacets;

struct Derived {
  std::string type;
  EventFacets facets;
  std::string data;
};

class EventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    e_.SetChangeObserver([this](const engine::ChangeSet& c, const engine::ChangeContext& context) {
      for (const auto& draft : server::EventsOf(c, context)) {
        Derived d{draft.type, {}, {}};
        std::string_view data;
        ASSERT_TRUE(server::DecodeEventBody(draft.body, &d.facets, &data).ok());
        d.data = std::string(data);
        events_.push_back(std::move(d));
      }
    });
  }
  std::vector<Derived> Take() { return std::exchange(events_, {}); }
  static bool HasToken(const EventFacets& f, const std::string& t) {
    return std::binary_search(f.tokens.begin(), f.tokens.end(), t);
  }

  engine::Engine e_;
  std::vector<Derived> events_;
};

TEST_F(EventsTest, EachEntityGivesItsFacets) {
  ASSERT_TRUE(e_.PutPlatform(MakePlatform("p1"), Now()).ok());
  auto events = Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "platform.updated");
  EXPECT_EQ(events[0].facets.region, "CN/SC/chengdu/gaoxin");
  EXPECT_EQ(events[0].facets.platform_id, "p1");
  EXPECT_TRUE(events[0].facets.category.empty());
  EXPECT_NE(events[0].data.find("\"id\":\"p1\""), std::string::npos);

  ASSERT_TRUE(e_.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  events = Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "capability.created");
  EXPECT_EQ(events[0].facets.category, "preclinical/safety/repeat-dose-toxicity");
  EXPECT_EQ(events[0].facets.region, "CN/SC/chengdu/gaoxin") << "the platform's region";
  EXPECT_EQ(events[0].facets.stages, engine::StageBit(engine::Stage::kPreclinical));
  EXPECT_TRUE(HasToken(events[0].facets, "glp"));
  EXPECT_TRUE(HasToken(events[0].facets, "大鼠"));
  EXPECT_TRUE(std::is_sorted(events[0].facets.tokens.begin(), events[0].facets.tokens.end()));

  engine::Request r = MakeRequest("r1");
  r.region = "CN/SC";
  ASSERT_TRUE(e_.PutRequest(r, Now()).ok());
  events = Take();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "request.created");
  EXPECT_EQ(events[0].facets.region, "CN/SC") << "the request's own region";
  EXPECT_EQ(events[0].facets.requester_id, "org-42");
  EXPECT_TRUE(HasToken(events[0].facets, "toxicity"));
  EXPECT_EQ(events[1].type, "request.matched") << "c1 serves it: its first feasible capability";
  EXPECT_EQ(events[1].facets, events[0].facets) << "the request's facets";
  EXPECT_EQ(events[1].data, R"({"request_id":"r1"})");

  ASSERT_TRUE(e_.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now()).ok());
  events = Take();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "request.updated");  // reserved
  EXPECT_EQ(events[1].type, "reservation.created");
  EXPECT_EQ(events[1].facets.category, "preclinical/safety") << "the request's category";
  EXPECT_EQ(events[1].facets.platform_id, "p1") << "the capability's platform";
  EXPECT_EQ(events[1].facets.requester_id, "org-42");

  ASSERT_TRUE(e_.CancelRequest("r1", Now()).ok());
  events = Take();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "request.closed");
  EXPECT_EQ(events[1].type, "reservation.cancelled");

  ASSERT_TRUE(e_.DeleteCapability("c1").ok());
  events = Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "capability.deleted");
  EXPECT_EQ(events[0].facets.category, "preclinical/safety/repeat-dose-toxicity") << "as it was";
  EXPECT_NE(events[0].data.find("\"title\":"), std::string::npos);
}

TEST_F(EventsTest, UnmetDemandEntersAndLeaves) {
  ASSERT_TRUE(e_.PutPlatform(MakePlatform("p1"), Now()).ok());
  Take();
  engine::Request r = MakeRequest("r1");
  r.region = "CN/SC";
  ASSERT_TRUE(e_.PutRequest(r, Now()).ok());
  auto events = Take();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, "request.unmet") << "no capability serves it";
  EXPECT_EQ(events[1].facets.category, "preclinical/safety");
  EXPECT_EQ(events[1].facets.region, "CN/SC");
  EXPECT_EQ(events[1].data, R"({"request_id":"r1","unmet":true})");

  ASSERT_TRUE(e_.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  events = Take();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, "capability.created");
  EXPECT_EQ(events[1].type, "request.unmet");
  EXPECT_EQ(events[1].data, R"({"request_id":"r1","unmet":false})");
  EXPECT_EQ(events[2].type, "request.matched");

  ASSERT_TRUE(e_.DeleteCapability("c1").ok());
  events = Take();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].data, R"({"request_id":"r1","unmet":true})");
  ASSERT_TRUE(e_.DeleteRequest("r1").ok());
  events = Take();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "request.deleted");
  EXPECT_EQ(events[1].data, R"({"request_id":"r1","unmet":false})") << "deleted while unmet: it leaves";
  EXPECT_EQ(events[1].facets.region, "CN/SC") << "the facets of the request as it was";
}

TEST_F(EventsTest, MatchFoundCarriesBothSides) {
  e_.SetMatchWatch({true, 0, 10});
  ASSERT_TRUE(e_.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e_.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  Take();
  ASSERT_TRUE(e_.PutRequest(MakeRequest("r1"), Now()).ok());
  const auto events = Take();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, "request.created");
  EXPECT_EQ(events[2].type, "request.matched");
  const Derived& m = events[1];
  EXPECT_EQ(m.type, "match.found");
  EXPECT_EQ(m.facets.category, "preclinical/safety") << "the request's category";
  EXPECT_EQ(m.facets.region, "CN/SC/chengdu/gaoxin") << "the platform's region";
  EXPECT_EQ(m.facets.platform_id, "p1");
  EXPECT_EQ(m.facets.requester_id, "org-42");
  ASSERT_TRUE(m.facets.score.has_value());
  EXPECT_GT(*m.facets.score, 0);
  EXPECT_TRUE(HasToken(m.facets, "toxicity")) << "request keywords";
  EXPECT_TRUE(HasToken(m.facets, "28")) << "capability title";
  EXPECT_EQ(m.data.rfind(R"({"request_id":"r1","capability_id":"c1","platform_id":"p1","score":)", 0), 0u) << m.data;
  EXPECT_NE(m.data.find("\"explain\":{"), std::string::npos);
}

TEST(EventBodyTest, RoundTripsAndRefusesWhatItCannotRead) {
  EventFacets f;
  f.category = "a/b";
  f.region = "CN/SC";
  f.stages = 5;
  f.platform_id = "p1";
  f.requester_id = "org";
  f.score = 0.8731234567891;
  f.tokens = {"glp", "大鼠"};
  const std::string body = server::EncodeEventBody(f, R"({"id":"x"})");
  EventFacets back;
  std::string_view data;
  ASSERT_TRUE(server::DecodeEventBody(body, &back, &data).ok());
  EXPECT_EQ(back, f);
  EXPECT_EQ(data, R"({"id":"x"})");
  EXPECT_FALSE(server::DecodeEventBody(R"({"id":"x"})", &back, &data).ok()) << "no tag";
  EXPECT_FALSE(server::DecodeEventBody(body.substr(0, 12), &back, &data).ok()) << "truncated";
}

}  // namespace
}  // namespace biomatch::testing
