// GET /v1/stats/{overview,balance,utilization,timeseries} against a real
// server: answers agree with the entities the API lists, survive a restart,
// and only supervisors, admins and agencies may read them.
#include <gtest/gtest.h>

#include "biomatch/engine/time.h"
#include "fixture.h"

namespace biomatch::testing {
namespace {

// The catalogue's slots lie in December 2030 (fixture.h).
constexpr const char* kWindow = "from=2030-11-01T00:00:00Z&to=2031-06-01T00:00:00Z";

// Sums the integer field `name` over every object of `json` that has it.
std::int64_t SumOf(const std::string& json, const std::string& name) {
  std::int64_t sum = 0;
  const std::string key = "\"" + name + "\":";
  for (std::size_t at = json.find(key); at != std::string::npos; at = json.find(key, at + 1)) {
    sum += std::stoll(json.substr(at + key.size()));
  }
  return sum;
}

std::size_t CountOf(const std::string& json, const std::string& text) {
  std::size_t n = 0;
  for (std::size_t at = json.find(text); at != std::string::npos; at = json.find(text, at + 1)) ++n;
  return n;
}

class StatsApiTest : public ServerTest {
 protected:
  // p1 with c1 (`units` units in December 2030); r1 (1 unit) matches, r2
  // (5 units) and r3 (another category) do not.
  void Catalogue(int units = 3) {
    Client c = NewClient();
    ASSERT_EQ(c.Put("/v1/platforms/p1", PlatformJson()).status, 201u);
    ASSERT_EQ(c.Put("/v1/capabilities/c1", CapabilityJson("p1", units)).status, 201u);
    ASSERT_EQ(c.Put("/v1/requests/r1", RequestJson(1)).status, 201u);
    ASSERT_EQ(c.Put("/v1/requests/r2", RequestJson(5)).status, 201u);
    std::string other = RequestJson(2);
    other.replace(other.find("preclinical/safety"), 18, "analysis/nmr");
    ASSERT_EQ(c.Put("/v1/requests/r3", other).status, 201u);
  }
  std::string Today() {
    const engine::Seconds now = engine::NowSeconds();
    return engine::FormatRfc3339(now - now % 86400);
  }
};

TEST_F(StatsApiTest, BalanceSumsAgreeWithTheRequestListing) {
  Catalogue();
  Client c = NewClient();
  const Reply open = c.Get("/v1/requests?status=open&limit=1000");
  ASSERT_EQ(open.status, 200u);
  const Reply balance = c.Get(std::string("/v1/stats/balance?by=category&depth=2&") + kWindow);
  ASSERT_EQ(balance.status, 200u) << balance.body;
  EXPECT_EQ(SumOf(balance.body, "open_requests"), static_cast<std::int64_t>(CountOf(open.body, "\"status\":\"open\"")));
  EXPECT_EQ(SumOf(balance.body, "open_demand_units"), SumOf(open.body, "quantity"));
  EXPECT_EQ(SumOf(balance.body, "unmatched_requests"), 2) << "r2 (more than c1 has) and r3 (no capability)";
  EXPECT_EQ(SumOf(balance.body, "unmatched_demand_units"), 7);
  EXPECT_EQ(SumOf(balance.body, "free_supply_units"), 3);
  EXPECT_NE(balance.body.find(R"("group":"analysis/nmr","open_requests":1,"open_demand_units":2,"unmatched_requests":1,)"
                              R"("unmatched_demand_units":2,"free_supply_units":0,"demand_supply_ratio":null})"),
            std::string::npos)
      << balance.body;
  EXPECT_LT(balance.body.find("analysis/nmr"), balance.body.find("preclinical/safety")) << "sorted by name";
  EXPECT_NE(balance.body.find(R"("from":"2030-11-01T00:00:00Z","to":"2031-06-01T00:00:00Z")"), std::string::npos);

  // Drill-down, and by region (requests without one are "unknown").
  const Reply drill = c.Get(std::string("/v1/stats/balance?by=category&depth=3&prefix=preclinical&") + kWindow);
  ASSERT_EQ(drill.status, 200u);
  EXPECT_EQ(drill.body.find("analysis"), std::string::npos) << drill.body;
  const Reply region = c.Get(std::string("/v1/stats/balance?by=region&") + kWindow);
  ASSERT_EQ(region.status, 200u);
  EXPECT_NE(region.body.find(R"("group":"unknown","open_requests":3)"), std::string::npos) << region.body;

  // Overview counts the same unmet demand.
  const Reply overview = c.Get("/v1/stats/overview");
  ASSERT_EQ(overview.status, 200u);
  EXPECT_EQ(JsonValue(overview.body, "unmatched_requests"), "2") << overview.body;

  // More supply: r2 finds a capability, and leaves unmet demand.
  ASSERT_EQ(c.Put("/v1/capabilities/c1/slots",
                  R"({"slots":[{"start":"2030-12-01T00:00:00Z","end":"2031-01-01T00:00:00Z","units":8}]})")
                .status,
            200u);
  EXPECT_EQ(SumOf(c.Get(std::string("/v1/stats/balance?") + kWindow).body, "unmatched_requests"), 1);
}

TEST_F(StatsApiTest, AReservationOfFourOfTenUnitsIsUtilizationPointFour) {
  Catalogue(10);
  Client c = NewClient();
  const Reply hold = c.Post("/v1/reservations", R"({"request_id":"r2","capability_id":"c1","quantity":4})");
  ASSERT_EQ(hold.status, 201u) << hold.body;
  const Reply u = c.Get("/v1/stats/utilization?by=platform&from=2030-12-01T00:00:00Z&to=2031-01-01T00:00:00Z");
  ASSERT_EQ(u.status, 200u) << u.body;
  EXPECT_NE(u.body.find(R"({"group":"p1","offered_units":10,"reserved_units":4,"completed_units":0,"utilization":0.4})"),
            std::string::npos)
      << u.body;
  const Reply none = c.Get("/v1/stats/utilization?by=category&from=2031-02-01T00:00:00Z&to=2031-03-01T00:00:00Z");
  EXPECT_NE(none.body.find(R"("utilization":null)"), std::string::npos) << "nothing offered then: " << none.body;
}

TEST_F(StatsApiTest, TimeseriesAgreesWithTheEventsAndSurvivesARestart) {
  Catalogue();
  Client c = NewClient();
  ASSERT_EQ(c.Post("/v1/reservations", R"({"request_id":"r1","capability_id":"c1","quantity":1})").status, 201u);
  const std::string range = "&from=" + Today() + "&step=day";
  auto value = [&](const std::string& metric) {
    const Reply r = NewClient().Get("/v1/stats/timeseries?metric=" + metric + range);
    EXPECT_EQ(r.status, 200u) << r.body;
    EXPECT_NE(r.body.find("\"points\":[{\"t\":\"" + Today() + "\""), std::string::npos) << r.body;
    return JsonValue(r.body, "value");
  };
  EXPECT_EQ(value("requests_created"), "3");
  EXPECT_EQ(value("requests_matched"), "1") << "r1 only";
  EXPECT_EQ(value("units_reserved"), "1");
  EXPECT_EQ(value("units_completed"), "0");
  EXPECT_EQ(value("unmatched_requests"), "2");
  const Reply filtered = c.Get("/v1/stats/timeseries?metric=requests_created&category=analysis" + range);
  EXPECT_EQ(JsonValue(filtered.body, "value"), "1") << filtered.body;

  server_.reset();
  StartServer();
  EXPECT_EQ(value("requests_created"), "3") << "from the event log";
  EXPECT_EQ(value("requests_matched"), "1");
  EXPECT_EQ(value("units_reserved"), "1");
  EXPECT_EQ(value("unmatched_requests"), "2");
  // And follows what happens after.
  ASSERT_EQ(NewClient().Post("/v1/requests/r3/cancel").status, 200u);
  EXPECT_EQ(value("unmatched_requests"), "1");
}

TEST_F(StatsApiTest, OnlySupervisorsAdminsAndAgenciesRead) {
  Catalogue();
  const std::string portal = NewKey("portal-1", "portal");
  const std::string agency = NewKey("agency-1", "agency");
  const std::string supervisor = NewKey("supervisor-1", "supervisor");
  for (const std::string target : {"/v1/stats/overview", "/v1/stats/balance", "/v1/stats/utilization",
                                   "/v1/stats/timeseries?metric=requests_created"}) {
    EXPECT_EQ(NewClient(portal).Get(target).status, 403u) << target;
    EXPECT_EQ(NewClient(agency).Get(target).status, 200u) << target;
    EXPECT_EQ(NewClient(supervisor).Get(target).status, 200u) << target;
    EXPECT_EQ(NewClient().Get(target).status, 200u) << target;
  }
}

TEST_F(StatsApiTest, BadParametersAreNamed) {
  Client c = NewClient();
  const std::pair<const char*, const char*> cases[] = {
      {"/v1/stats/balance?by=platform", "by"},
      {"/v1/stats/balance?depth=0", "depth"},
      {"/v1/stats/balance?from=tomorrow", "from"},
      {"/v1/stats/balance?from=2031-01-01T00:00:00Z&to=2030-01-01T00:00:00Z", "to"},
      {"/v1/stats/utilization?by=requester", "by"},
      {"/v1/stats/timeseries", "metric"},
      {"/v1/stats/timeseries?metric=requests_created&step=hour", "step"},
  };
  for (const auto& [target, field] : cases) {
    const Reply r = c.Get(target);
    EXPECT_EQ(r.status, 400u) << target;
    EXPECT_EQ(JsonValue(r.body, "field"), field) << target << ": " << r.body;
  }
}

}  // namespace
}  // namespace biomatch::testing
