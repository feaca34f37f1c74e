#include <atomic>
#include <thread>

#include "fixture.h"

namespace biomatch::testing {
namespace {

TEST_F(ServerTest, RestartKeepsEverything) {
  const std::string portal = NewKey("portal-1", "portal");
  {
    Client c = NewClient(portal);
    ASSERT_EQ(c.Put("/v1/platforms/p1", PlatformJson()).status, 201u);
    ASSERT_EQ(c.Put("/v1/capabilities/c1", CapabilityJson()).status, 201u);
    ASSERT_EQ(c.Put("/v1/requests/r1", RequestJson()).status, 201u);
    ASSERT_EQ(c.Post("/v1/reservations", R"({"request_id":"r1","capability_id":"c1"})").status, 201u);
  }
  server_->Stop();
  server_.reset();
  StartServer();
  Client c = NewClient(portal);
  EXPECT_EQ(c.Get("/v1/platforms/p1").status, 200u) << "the portal key survived too";
  Reply cap = c.Get("/v1/capabilities/c1");
  EXPECT_NE(cap.body.find("\"reserved\":1"), std::string::npos) << cap.body;
  EXPECT_NE(c.Get("/v1/requests/r1").body.find("\"status\":\"reserved\""), std::string::npos);
  Reply overview = NewClient().Get("/v1/stats/overview");  // statistics are not the portal's
  EXPECT_NE(overview.body.find("\"held_reservations\":1"), std::string::npos) << overview.body;
}

TEST_F(ServerTest, StopAnswersInFlightThenRefusesConnections) {
  Client c = NewClient();
  ASSERT_EQ(c.Put("/v1/platforms/p1", PlatformJson()).status, 201u);
  const std::uint16_t port = server_->port();
  server_->Stop();
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_TRUE(ec) << "the listener is closed";
}

// Many clients race for the last units over HTTP: exactly as many holds
// succeed as there are units.
TEST_F(ServerTest, ConcurrentReservationsNeverOversell) {
  Client setup = NewClient();
  ASSERT_EQ(setup.Put("/v1/platforms/p1", PlatformJson()).status, 201u);
  ASSERT_EQ(setup.Put("/v1/capabilities/c1", CapabilityJson("p1", 5)).status, 201u);
  constexpr int kThreads = 8, kPerThread = 5;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    ASSERT_EQ(setup.Put("/v1/requests/r" + std::to_string(i), RequestJson()).status, 201u);
  }
  std::atomic<int> created{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client c = NewClient();
      for (int i = 0; i < kPerThread; ++i) {
        const std::string r = "r" + std::to_string(t * kPerThread + i);
        const unsigned status = c.Post("/v1/reservations", R"({"request_id":")" + r + R"(","capability_id":"c1"})").status;
        (status == 201 ? created : status == 409 ? conflicts : other)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), 5);
  EXPECT_EQ(conflicts.load(), kThreads * kPerThread - 5);
  EXPECT_EQ(other.load(), 0);
  EXPECT_NE(setup.Get("/v1/capabilities/c1").body.find("\"units\":5,\"reserved\":5,\"free\":0"), std::string::npos);
}

class DemoServerTest : public ServerTest {
  void Configure(server::ServerOptions* o) override { o->demo = true; }
};

TEST_F(DemoServerTest, DemoLoadsARealisticCatalogue) {
  Reply overview = NewClient().Get("/v1/stats/overview");
  EXPECT_EQ(overview.body.find("\"capabilities\":0"), std::string::npos) << overview.body;
  Reply page = NewClient().Get("/v1/requests?limit=1&status=open");
  ASSERT_EQ(page.status, 200u);
  const std::size_t at = page.body.find("\"id\":\"");
  ASSERT_NE(at, std::string::npos) << page.body;
  const std::string id = page.body.substr(at + 6, page.body.find('"', at + 6) - at - 6);
  EXPECT_EQ(NewClient().Get("/v1/requests/" + id + "/matches").status, 200u);
}

}  // namespace
}  // namespace biomatch::testing
