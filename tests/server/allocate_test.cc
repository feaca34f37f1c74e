// POST /v1/allocate against a real server: roles, bad input, apply, and a
// hold racing an apply.
#include <atomic>
#include <thread>

#include "fixture.h"

namespace biomatch::testing {
namespace {

class AllocateTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    Client c = NewClient();
    ASSERT_EQ(c.Put("/v1/platforms/p1", PlatformJson()).status, 201u);
    ASSERT_EQ(c.Put("/v1/capabilities/c1", CapabilityJson("p1", 1)).status, 201u);
    ASSERT_EQ(c.Put("/v1/capabilities/c2", CapabilityJson("p1", 1)).status, 201u);
    for (const char* id : {"r1", "r2", "r3"}) ASSERT_EQ(c.Put(std::string("/v1/requests/") + id, RequestJson()).status, 201u);
  }
  static std::string Body(const std::string& select, const std::string& rest = "") {
    return R"({"select":)" + select + rest + "}";
  }
  // The number of reservations whose status is `status`.
  std::size_t Count(Client& c, const std::string& status) {
    const Reply list = c.Get("/v1/reservations?status=" + status);
    EXPECT_EQ(list.status, 200u) << list.body;
    std::size_t n = 0;
    for (std::size_t at = list.body.find("\"id\":"); at != std::string::npos; at = list.body.find("\"id\":", at + 1)) ++n;
    return n;
  }
};

TEST_F(AllocateTest, PlansWithoutApplying) {
  Client c = NewClient();
  const Reply r = c.Post("/v1/allocate", Body(R"({"category":"preclinical"})"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find(R"("totals":{"requests":3,"placed":2,"units":2,)"), std::string::npos) << r.body;
  // Three equal requests for two units: any one of them is left out.
  const std::size_t unplaced = r.body.find(R"("unplaced":[{"request_id":"r)");
  ASSERT_NE(unplaced, std::string::npos) << r.body;
  EXPECT_EQ(r.body.find(R"(","reason":"capacity_taken"}],"totals")", unplaced), unplaced + 29) << r.body;
  EXPECT_NE(r.body.find(R"("first_come":{"placed":2,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("applied":false)"), std::string::npos);
  EXPECT_EQ(r.body.find("reservation_id"), std::string::npos);
  EXPECT_EQ(Count(c, "held"), 0u);
}

TEST_F(AllocateTest, RolesPortalSupervisorAdmin) {
  const std::string body = Body(R"({"request_ids":["r1"]})");
  EXPECT_EQ(NewClient().Post("/v1/allocate", body).status, 200u);
  EXPECT_EQ(NewClient(NewKey("portal-1", "portal")).Post("/v1/allocate", body).status, 200u);
  EXPECT_EQ(NewClient(NewKey("gov-1", "supervisor")).Post("/v1/allocate", body).status, 200u);
  const Reply agency = NewClient(NewKey("agency-1", "agency")).Post("/v1/allocate", body);
  EXPECT_EQ(agency.status, 403u);
  EXPECT_EQ(NewClient("").Post("/v1/allocate", body).status, 401u);
}

TEST_F(AllocateTest, BadInputNamesTheField) {
  Client c = NewClient();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Body(R"({"category":"preclinical"})", R"(,"bogus":1)"), "bogus"},
      {Body(R"({"category":"preclinical","nope":true})"), "select.nope"},
      {Body("{}"), "select"},
      {Body(R"({"limit":10})"), "select"},
      {Body(R"({"request_ids":[]})"), "select.request_ids"},
      {Body(R"({"request_ids":["r1",7]})"), "select.request_ids[1]"},
      {Body(R"({"request_ids":["nobody"]})"), "select.request_ids[0]"},
      {Body(R"({"category":"preclinical","limit":100001})"), "select.limit"},
      {Body(R"({"category":"preclinical","limit":0})"), "select.limit"},
      {Body(R"({"category":"Not A Path"})"), "select.category"},
      {Body(R"({"category":"preclinical"})", R"(,"apply":"yes")"), "apply"},
      {Body(R"({"category":"preclinical"})", R"(,"hold_seconds":5)"), "hold_seconds"},
      {Body(R"({"category":"preclinical"})", R"(,"candidates":0)"), "candidates"},
      {R"({"apply":true})", "select"},
      {R"([1,2])", ""},
  };
  for (const auto& [body, field] : cases) {
    const Reply r = c.Post("/v1/allocate", body);
    EXPECT_EQ(r.status, 400u) << body << " -> " << r.body;
    EXPECT_EQ(JsonValue(r.body, "code"), "invalid_argument") << body;
    EXPECT_EQ(JsonValue(r.body, "field"), field) << body << " -> " << r.body;
  }
  const Reply malformed = c.Post("/v1/allocate", R"({"select":{"category":"preclinical"},)");
  EXPECT_EQ(malformed.status, 400u);
  EXPECT_EQ(JsonValue(malformed.body, "code"), "malformed_json");
  EXPECT_EQ(Count(c, "held"), 0u);
}

TEST_F(AllocateTest, ApplyPlacesTheHoldsVisibleAsReservations) {
  Client c = NewClient();
  const Reply r = c.Post("/v1/allocate", Body(R"({"category":"preclinical/safety"})", R"(,"apply":true,"hold_seconds":600)"));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find(R"("applied":true)"), std::string::npos);
  std::vector<std::string> ids;
  for (std::size_t at = r.body.find("\"reservation_id\":\""); at != std::string::npos;
       at = r.body.find("\"reservation_id\":\"", at + 1)) {
    ids.push_back(r.body.substr(at + 18, r.body.find('"', at + 18) - at - 18));
  }
  ASSERT_EQ(ids.size(), 2u) << r.body;
  EXPECT_EQ(Count(c, "held"), 2u);
  for (const std::string& id : ids) {
    const Reply hold = c.Get("/v1/reservations/" + id);
    ASSERT_EQ(hold.status, 200u);
    EXPECT_EQ(JsonValue(hold.body, "status"), "held");
    EXPECT_NE(r.body.find("\"request_id\":\"" + JsonValue(hold.body, "request_id") + "\""), std::string::npos);
  }
  for (const char* cap : {"c1", "c2"}) {
    EXPECT_NE(c.Get(std::string("/v1/capabilities/") + cap).body.find(R"("reserved":1,"free":0)"), std::string::npos);
  }
  // Nothing is left: a second apply places nothing and says so.
  const Reply again = c.Post("/v1/allocate", Body(R"({"category":"preclinical"})", R"(,"apply":true)"));
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_NE(again.body.find(R"("placed":0,)"), std::string::npos) << again.body;
  EXPECT_EQ(Count(c, "held"), 2u);
}

// Holds on c1 and c2 taken and released by another client while allocations
// are applied: each apply either places all its holds (200) or none (409),
// never some.
TEST_F(AllocateTest, RacingHoldsGiveConflictOrAll) {
  {
    Client c = NewClient();
    ASSERT_EQ(c.Put("/v1/requests/rx", RequestJson()).status, 201u);
  }
  std::atomic<bool> stop = false;
  std::thread racer([&] {
    Client c = NewClient();
    for (int i = 0; !stop; ++i) {
      const Reply hold = c.Post("/v1/reservations",
                                std::string(R"({"request_id":"rx","capability_id":")") + (i % 2 ? "c1" : "c2") + R"("})");
      if (hold.status == 201u) c.Post("/v1/reservations/" + JsonValue(hold.body, "id") + "/cancel");
    }
  });
  Client c = NewClient();
  int conflicts = 0, applied = 0;
  for (int round = 0; round < 300 && conflicts == 0; ++round) {
    const Reply r = c.Post("/v1/allocate", Body(R"({"request_ids":["r1","r2"]})", R"(,"apply":true)"));
    if (r.status == 409u) {
      ++conflicts;
      EXPECT_EQ(JsonValue(r.body, "code"), "conflict");
      EXPECT_EQ(c.Get("/v1/requests/r1").body.find(R"("status":"open")") != std::string::npos, true);
      EXPECT_EQ(c.Get("/v1/requests/r2").body.find(R"("status":"open")") != std::string::npos, true);
      continue;
    }
    ASSERT_EQ(r.status, 200u) << r.body;
    // Every hold of the plan exists; cancel them for the next round.
    for (std::size_t at = r.body.find("\"reservation_id\":\""); at != std::string::npos;
         at = r.body.find("\"reservation_id\":\"", at + 1)) {
      ++applied;
      const std::string id = r.body.substr(at + 18, r.body.find('"', at + 18) - at - 18);
      EXPECT_EQ(c.Post("/v1/reservations/" + id + "/cancel").status, 200u);
    }
  }
  stop = true;
  racer.join();
  EXPECT_GT(applied + conflicts, 0);
  RecordProperty("conflicts", conflicts);
  // Whatever happened, no request holds more than its quantity and no slot is over.
  for (const char* cap : {"c1", "c2"}) {
    const std::string body = c.Get(std::string("/v1/capabilities/") + cap).body;
    EXPECT_EQ(body.find(R"("free":-)"), std::string::npos) << body;
  }
}

}  // namespace
}  // namespace biomatch::testing
