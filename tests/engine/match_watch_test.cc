// The match watch: which (request, capability) pairs a change announces.
#include <algorithm>

#include "biomatch/engine/engine.h"
#include "testutil.h"

namespace biomatch::testing {
namespace {

using engine::ChangeContext;
using engine::ChangeSet;
using engine::Engine;

class MatchWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    e_.SetChangeObserver([this](const ChangeSet& c, const ChangeContext&) {
      for (const auto& m : c.found_matches) found_.push_back(m.request_id + "+" + m.capability_id);
      for (const auto& w : c.watch_states) states_.push_back(w);
    });
    Watch(0, 2);
    ASSERT_TRUE(e_.PutPlatform(MakePlatform("p1"), Now()).ok());
  }
  void Watch(double min_score, std::size_t top_k) { e_.SetMatchWatch({true, min_score, top_k}); }
  // A capability that only price tells apart: cheaper ranks higher.
  void PutCapability(const std::string& id, double price, std::int64_t units = 3) {
    engine::Capability c = MakeCapability(id, "p1");
    c.price_per_unit = price;
    c.slots[0].units = units;
    ASSERT_TRUE(e_.PutCapability(c, Now()).ok());
  }
  void PutRequest(const std::string& id) { ASSERT_TRUE(e_.PutRequest(MakeRequest(id), Now()).ok()); }
  std::vector<std::string> TakeFound() { return std::exchange(found_, {}); }

  Engine e_;
  std::vector<std::string> found_;
  std::vector<engine::WatchedPairs> states_;
};

TEST_F(MatchWatchTest, NewRequestAnnouncesItsTopMatchesOnce) {
  PutCapability("c-cheap", 100000);
  PutCapability("c-mid", 200000);
  PutCapability("c-dear", 300000);
  EXPECT_TRUE(TakeFound().empty()) << "no open request yet";
  PutRequest("r1");
  EXPECT_EQ(TakeFound(), (std::vector<std::string>{"r1+c-cheap", "r1+c-mid"})) << "top 2, best first";
  PutRequest("r1");  // replaced, same matches
  EXPECT_TRUE(TakeFound().empty()) << "pairs that stayed feasible are not announced again";
  ASSERT_FALSE(states_.empty());
  EXPECT_EQ(states_.back().request_id, "r1");
  ASSERT_EQ(states_.back().announced.size(), 2u);
  EXPECT_EQ(states_.back().announced[0].first, "c-cheap");
}

TEST_F(MatchWatchTest, NewCapabilityEntersTopMatchesFromTheSupplySide) {
  PutCapability("c-mid", 200000);
  PutCapability("c-dear", 300000);
  PutRequest("r1");
  EXPECT_EQ(TakeFound(), (std::vector<std::string>{"r1+c-mid", "r1+c-dear"}));
  PutCapability("c-worst", 400000);
  EXPECT_TRUE(TakeFound().empty()) << "ranks below the request's top 2";
  PutCapability("c-best", 50000);
  EXPECT_EQ(TakeFound(), std::vector<std::string>{"r1+c-best"});
  PutCapability("c-best", 50000);  // changed, still the best
  EXPECT_TRUE(TakeFound().empty());
}

TEST_F(MatchWatchTest, PairIsAnnouncedAgainOnlyAfterItWasInfeasible) {
  PutCapability("c1", 100000, 1);
  PutRequest("r1");
  PutRequest("r2");
  EXPECT_EQ(TakeFound(), (std::vector<std::string>{"r1+c1", "r2+c1"}));
  // r2 takes the only unit: c1 can no longer serve r1.
  ASSERT_TRUE(e_.Hold({"h1", "r2", "c1", std::nullopt, 900}, Now()).ok());
  EXPECT_TRUE(TakeFound().empty());
  EXPECT_TRUE(e_.GetRequest("r1").ok());
  // The unit comes back: r1 and c1 match again, r2 is open again.
  ASSERT_TRUE(e_.CancelReservation("h1", Now()).ok());
  std::vector<std::string> again = TakeFound();
  std::sort(again.begin(), again.end());
  EXPECT_EQ(again, (std::vector<std::string>{"r1+c1", "r2+c1"}));
}

TEST_F(MatchWatchTest, CapabilityThatLosesItsSlotsIsForgottenThenAnnouncedAgain) {
  PutCapability("c1", 100000);
  PutRequest("r1");
  EXPECT_EQ(TakeFound(), std::vector<std::string>{"r1+c1"});
  ASSERT_TRUE(e_.ReplaceSlots("c1", {}, Now()).ok());
  EXPECT_TRUE(TakeFound().empty());
  ASSERT_TRUE(e_.ReplaceSlots("c1", DailySlots(10, 1), Now()).ok());
  EXPECT_EQ(TakeFound(), std::vector<std::string>{"r1+c1"});
}

TEST_F(MatchWatchTest, MinScoreHoldsBackWeakPairs) {
  Watch(0.99, 10);
  PutCapability("c1", 100000);
  PutRequest("r1");
  EXPECT_TRUE(TakeFound().empty());
  Watch(0, 10);
  PutRequest("r1");
  EXPECT_EQ(TakeFound(), std::vector<std::string>{"r1+c1"});
}

TEST_F(MatchWatchTest, ClosedRequestsAndDeletedCapabilitiesAreForgotten) {
  PutCapability("c1", 100000);
  PutCapability("c2", 200000);
  PutRequest("r1");
  PutRequest("r2");
  TakeFound();
  states_.clear();
  ASSERT_TRUE(e_.DeleteCapability("c1").ok());
  ASSERT_EQ(states_.size(), 2u) << "both requests had c1";
  for (const auto& w : states_) {
    ASSERT_EQ(w.announced.size(), 1u);
    EXPECT_EQ(w.announced[0].first, "c2");
  }
  states_.clear();
  ASSERT_TRUE(e_.CancelRequest("r1", Now()).ok());
  ASSERT_EQ(states_.size(), 1u);
  EXPECT_EQ(states_[0].request_id, "r1");
  EXPECT_TRUE(states_[0].announced.empty()) << "an empty state deletes the stored one";
}

TEST_F(MatchWatchTest, DisabledWatchAnnouncesNothingButStillForgets) {
  PutCapability("c1", 100000);
  PutRequest("r1");
  EXPECT_EQ(TakeFound(), std::vector<std::string>{"r1+c1"});
  e_.SetMatchWatch({});
  PutRequest("r2");
  EXPECT_TRUE(TakeFound().empty());
  states_.clear();
  ASSERT_TRUE(e_.DeleteRequest("r1").ok());
  ASSERT_EQ(states_.size(), 1u);
  EXPECT_TRUE(states_[0].announced.empty());
}

TEST_F(MatchWatchTest, LoadedStateSuppressesRepeats) {
  Engine fresh;
  std::vector<std::string> found;
  fresh.SetMatchWatch({true, 0, 10});
  ASSERT_TRUE(fresh.LoadPlatform(MakePlatform("p1")).ok());
  engine::Capability c = MakeCapability("c1", "p1");
  ASSERT_TRUE(fresh.LoadCapability(c).ok());
  engine::Request r = MakeRequest("r1");
  r.meta = {1, Now(), Now()};
  ASSERT_TRUE(fresh.LoadRequest(r).ok());
  ASSERT_TRUE(fresh.LoadWatchedPairs({"r1", {{"c1", 0.5}, {"c-gone", 0.9}}}).ok());
  fresh.SetChangeObserver([&](const ChangeSet& changes, const ChangeContext&) {
    for (const auto& m : changes.found_matches) found.push_back(m.capability_id);
  });
  ASSERT_TRUE(fresh.PutRequest(MakeRequest("r1"), Now()).ok());
  EXPECT_TRUE(found.empty()) << "c1 was announced before the restart";
}

TEST_F(MatchWatchTest, FoundMatchCarriesTheScoredPair) {
  std::vector<engine::Match> matches;
  e_.SetChangeObserver([&](const ChangeSet& c, const ChangeContext& context) {
    for (const auto& m : c.found_matches) {
      matches.push_back(m);
      const std::optional<engine::Capability> cap = context.FindCapability(m.capability_id);
      ASSERT_TRUE(cap.has_value());
      EXPECT_TRUE(cap->slots.empty()) << "without its slots";
      EXPECT_NE(context.FindPlatform(cap->platform_id), nullptr);
      EXPECT_NE(context.FindRequest(m.request_id), nullptr);
    }
  });
  PutCapability("c1", 100000);
  PutRequest("r1");
  ASSERT_EQ(matches.size(), 1u);
  auto stored = e_.MatchStored("r1", {Now(), 10, false});
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->matches.size(), 1u);
  engine::Match expected = stored->matches[0];
  expected.request_id = "r1";
  EXPECT_EQ(matches[0], expected);
}

}  // namespace
}  // namespace biomatch::testing
