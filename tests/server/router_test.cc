#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "biomatch/server/json_schema.h"
#include "biomatch/storage/store.h"
#include "routes.h"
#include "fixture.h"
#include "openapi.h"

namespace biomatch::testing {
namespace {

using V = http::verb;

TEST_F(ServerTest, OperationsEndpointsNeedNoToken) {
  Client anon = NewClient("");
  Reply health = anon.Get("/healthz");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  Reply metrics = anon.Get("/metrics");
  EXPECT_EQ(metrics.status, 200u);
  EXPECT_NE(metrics.body.find("biomatch_http_requests_total{route=\"GET /healthz\",status=\"200\"} 1"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("biomatch_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("rocksdb"), std::string::npos);
  EXPECT_EQ(anon.Get("/v1/platforms").status, 401u);
}

TEST_F(ServerTest, OpenApiListsEveryRoute) {
  Reply doc = NewClient("").Get("/openapi.json");
  ASSERT_EQ(doc.status, 200u);
  EXPECT_NE(doc.body.find("\"openapi\":\"3.1.0\""), std::string::npos);
  for (const auto& route : server::Routes()) {
    const std::string path(route.path);
    EXPECT_NE(doc.body.find("\"" + path + "\":{"), std::string::npos) << path;
  }
}

// Each route's OpenAPI metadata names documents of the codec's tables and
// declares a success (a 1xx, 2xx or 3xx); tools/openapi_check.mjs checks the answers themselves.
TEST(RouteTableTest, OpenApiMetadataNamesKnownDocumentsAndASuccess) {
  auto known = [](std::string_view schema) {
    return schema == server::kNoBody || schema == server::kTextBody || schema == server::kAnyObjectBody ||
           schema == server::kUiFileBody || server::FindJsonDocument(schema) != nullptr;
  };
  for (const auto& route : server::Routes()) {
    const server::OpenApiMeta& api = route.api;
    EXPECT_FALSE(api.summary.empty()) << route.name();
    EXPECT_TRUE(api.request.empty() || api.request == server::kNdjsonRequest ||
                server::FindJsonDocument(api.request) != nullptr)
        << route.name() << ": " << api.request;
    bool success = false;
    for (const server::OpenApiResponse& r : api.responses) {
      EXPECT_TRUE(known(r.schema)) << route.name() << " " << r.status << ": " << r.schema;
      success = success || (r.status >= 100 && r.status < 400);  // /ui's success is its redirect
    }
    EXPECT_TRUE(success) << route.name();
  }
}

TEST_F(ServerTest, RoleMatrix) {
  const std::string portal = NewKey("portal-1", "portal");
  const std::string agency = NewKey("agency-1", "agency");
  const std::string supervisor = NewKey("gov-1", "supervisor");
  struct Case {
    V method;
    std::string target;
    std::string body;
    unsigned admin, portal, agency, supervisor;
  };
  ASSERT_EQ(NewClient().Put("/v1/platforms/p0", PlatformJson()).status, 201u);
  const std::vector<Case> cases = {
      {V::put, "/v1/platforms/p1", PlatformJson(), 201, 200, 403, 403},
      {V::get, "/v1/platforms/p0", "", 200, 200, 200, 200},
      {V::get, "/v1/platforms", "", 200, 200, 200, 200},
      {V::post, "/v1/match", RequestJson(), 200, 200, 200, 200},
      {V::get, "/v1/stats/overview", "", 200, 403, 200, 200},
      {V::get, "/v1/stats/balance", "", 200, 403, 200, 200},
      {V::get, "/v1/keys", "", 200, 403, 403, 403},
      {V::post, "/v1/keys", R"({"name":"x","role":"portal"})", 201, 403, 403, 403},
      {V::delete_, "/v1/platforms/p-none", "", 404, 404, 403, 403},
  };
  for (const Case& c : cases) {
    const std::pair<std::string, unsigned> who[] = {
        {kAdminToken, c.admin}, {portal, c.portal}, {agency, c.agency}, {supervisor, c.supervisor}};
    for (const auto& [token, expected] : who) {
      Reply r = NewClient(token).Call(c.method, c.target, c.body);
      EXPECT_EQ(r.status, expected) << http::to_string(c.method) << " " << c.target << " as " << token.substr(0, 8) << ": "
                                    << r.body;
      if (expected == 403) {
        EXPECT_NE(r.body.find("permission_denied"), std::string::npos);
      }
    }
  }
  EXPECT_EQ(NewClient("bm_not-a-real-token").Get("/v1/platforms").status, 401u);
}

TEST_F(ServerTest, DeletedKeyIsRefusedAtOnce) {
  const std::string token = NewKey("temp", "portal");
  Client c = NewClient(token);
  EXPECT_EQ(c.Get("/v1/platforms").status, 200u);
  EXPECT_EQ(NewClient().Delete("/v1/keys/temp").status, 204u);
  EXPECT_EQ(c.Get("/v1/platforms").status, 401u) << "same connection, next request";
  EXPECT_EQ(NewClient().Delete("/v1/keys/temp").status, 404u);
  Reply last = NewClient().Delete("/v1/keys/admin");
  EXPECT_EQ(last.status, 409u) << "the last admin key stays";
  Reply list = NewClient().Get("/v1/keys");
  EXPECT_EQ(list.body, R"({"items":[{"name":"admin","role":"admin"}]})");
}

TEST_F(ServerTest, PlatformLifecycleWithEtags) {
  Client c = NewClient();
  Reply created = c.Put("/v1/platforms/p1", PlatformJson());
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.header("ETag"), "\"1\"");
  EXPECT_NE(created.body.find("\"name\":\"华西新药安全性评价中心\""), std::string::npos) << "Chinese round-trips";
  Reply replaced = c.Put("/v1/platforms/p1", PlatformJson("新名字 🧪"));
  EXPECT_EQ(replaced.status, 200u);
  EXPECT_EQ(replaced.header("ETag"), "\"2\"");
  EXPECT_EQ(c.Call(V::put, "/v1/platforms/p1", PlatformJson(), "application/json", {{"If-Match", "\"1\""}}).status, 412u);
  EXPECT_EQ(c.Call(V::put, "/v1/platforms/p9", PlatformJson(), "application/json", {{"If-Match", "\"1\""}}).status, 412u);
  EXPECT_EQ(c.Call(V::put, "/v1/platforms/p1", PlatformJson(), "application/json", {{"If-Match", "\"2\""}}).status, 200u);
  Reply got = c.Get("/v1/platforms/p1");
  EXPECT_EQ(got.status, 200u);
  EXPECT_EQ(got.header("ETag"), "\"3\"");
  EXPECT_NE(got.body.find("\"version\":3"), std::string::npos);
  EXPECT_EQ(c.Delete("/v1/platforms/p1").status, 204u);
  EXPECT_EQ(c.Get("/v1/platforms/p1").status, 404u);
  EXPECT_EQ(c.Put("/v1/platforms/p1", PlatformJson()).header("ETag"), "\"1\"") << "re-created starts at 1";
}

TEST_F(ServerTest, ChineseTextRoundTripsByteForByte) {
  Client c = NewClient();
  const std::string name = "中国科学院上海药物研究所 \\\"引号\\\" 𠀀 \\u0001";
  ASSERT_EQ(c.Put("/v1/platforms/p1", PlatformJson(name)).status, 201u);
  Reply got = c.Get("/v1/platforms/p1");
  EXPECT_NE(got.body.find("\"name\":\"中国科学院上海药物研究所 \\\"引号\\\" 𠀀 \\u0001\""), std::string::npos) << got.body;
}

TEST_F(ServerTest, CapabilitiesSlotsAndConflicts) {
  Client c = NewClient();
  Reply orphan = c.Put("/v1/capabilities/c1", CapabilityJson("p-missing"));
  EXPECT_EQ(orphan.status, 400u);
  EXPECT_NE(orphan.body.find("\"field\":\"platform_id\""), std::string::npos);
  ASSERT_EQ(c.Put("/v1/platforms/p1", PlatformJson()).status, 201u);
  ASSERT_EQ(c.Put("/v1/capabilities/c1", CapabilityJson()).status, 201u);
  ASSERT_EQ(c.Put("/v1/requests/r1", RequestJson(2)).status, 201u);
  Reply held = c.Post("/v1/reservations", R"({"request_id":"r1","capability_id":"c1"})");
  ASSERT_EQ(held.status, 201u) << held.body;
  Reply cap = c.Get("/v1/capabilities/c1");
  EXPECT_NE(cap.body.find("\"units\":3,\"reserved\":2,\"free\":1"), std::string::npos) << cap.body;
  Reply shrink = c.Put("/v1/capabilities/c1/slots",
                       R"({"slots":[{"start":"2030-12-01T00:00:00Z","end":"2031-01-01T00:00:00Z","units":1}]})");
  EXPECT_EQ(shrink.status, 409u);
  EXPECT_EQ(c.Delete("/v1/capabilities/c1").status, 409u) << "live reservations";
  EXPECT_EQ(c.Delete("/v1/platforms/p1").status, 409u) << "capabilities remain";
  Reply grow = c.Put("/v1/capabilities/c1/slots",
                     R"({"slots":[{"start":"2030-12-01T00:00:00Z","end":"2031-01-01T00:00:00Z","units":5}]})");
  EXPECT_EQ(grow.status, 200u);
  EXPECT_EQ(grow.header("ETag"), "\"2\"");
}

TEST_F(ServerTest, MatchExplainsAndCountsRejections) {
  Client c = NewClient();
  ASSERT_EQ(c.Put("/v1/platforms/p1", PlatformJson()).status, 201u);
  ASSERT_EQ(c.Put("/v1/capabilities/c1", CapabilityJson()).status, 201u);
  std::string hourly = CapabilityJson();
  hourly.replace(hourly.find("\"unit\":\"study\""), 14, "\"unit\":\"hour\"");
  ASSERT_EQ(c.Put("/v1/capabilities/c2", hourly).status, 201u);
  Reply m = c.Post("/v1/match?limit=5&explain=true", RequestJson());
  ASSERT_EQ(m.status, 200u) << m.body;
  EXPECT_NE(m.body.find("\"capability_id\":\"c1\""), std::string::npos);
  EXPECT_NE(m.body.find("\"feasible\":1"), std::string::npos);
  EXPECT_NE(m.body.find("\"rejected\":{\"unit\":1,"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("\"explain\":{\"category\":"), std::string::npos);
  EXPECT_NE(m.body.find("\"took_us\":"), std::string::npos);
  ASSERT_EQ(c.Put("/v1/requests/r1", RequestJson()).status, 201u);
  Reply stored = c.Get("/v1/requests/r1/matches?limit=1");
  EXPECT_NE(stored.body.find("\"capability_id\":\"c1\""), std::string::npos) << stored.body;
  Reply reverse = c.Get("/v1/capabilities/c1/matches");
  EXPECT_NE(reverse.body.find("\"request_id\":\"r1\""), std::string::npos) << reverse.body;
  EXPECT_EQ(c.Get("/v1/requests/nope/matches").status, 404u);
  EXPECT_EQ(c.Post("/v1/match?limit=0", RequestJson()).status, 400u);
  EXPECT_EQ(c.Post("/v1/match?explain=maybe", RequestJson()).status, 400u);
}

TEST_F(ServerTest, ReservationLifecycleAndIdempotency) {
  Client c = NewClient();
  ASSERT_EQ(c.Put("/v1/platforms/p1", PlatformJson()).status, 201u);
  ASSERT_EQ(c.Put("/v1/capabilities/c1", CapabilityJson()).status, 201u);
  ASSERT_EQ(c.Put("/v1/requests/r1", RequestJson()).status, 201u);
  const std::string body = R"({"request_id":"r1","capability_id":"c1","hold_seconds":600})";
  Reply first = c.Call(V::post, "/v1/reservations", body, "application/json", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.status, 201u) << first.body;
  const std::string id = first.body.substr(first.body.find("\"id\":\"") + 6, 20);
  Reply replay = c.Call(V::post, "/v1/reservations", body, "application/json", {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(replay.status, 200u);
  EXPECT_EQ(replay.body.substr(replay.body.find("\"id\":\"") + 6, 20), id);
  Reply other = c.Call(V::post, "/v1/reservations", R"({"request_id":"r1","capability_id":"c1"})", "application/json",
                       {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(other.status, 409u);
  Reply again = c.Post("/v1/reservations", body);
  EXPECT_EQ(again.status, 409u) << "the request is fully reserved";
  Reply res = c.Get("/v1/requests/r1");
  EXPECT_NE(res.body.find("\"status\":\"reserved\""), std::string::npos);
  const std::string rid = first.body.substr(first.body.find("\"id\":\"") + 6, first.body.find('"', first.body.find("\"id\":\"") + 6) - first.body.find("\"id\":\"") - 6);
  EXPECT_EQ(c.Post("/v1/reservations/" + rid + "/complete").status, 409u) << "not confirmed yet";
  EXPECT_EQ(c.Post("/v1/reservations/" + rid + "/confirm").status, 200u);
  Reply done = c.Post("/v1/reservations/" + rid + "/complete");
  EXPECT_EQ(done.status, 200u);
  EXPECT_NE(done.body.find("\"status\":\"completed\""), std::string::npos);
  EXPECT_NE(c.Get("/v1/requests/r1").body.find("\"status\":\"fulfilled\""), std::string::npos);
  Reply listed = c.Get("/v1/reservations?request_id=r1");
  EXPECT_NE(listed.body.find(rid), std::string::npos);
  EXPECT_EQ(c.Get("/v1/reservations/nope").status, 404u);
}

TEST_F(ServerTest, CursorPaginationReturnsEveryItemOnce) {
  Client c = NewClient();
  ASSERT_EQ(c.Put("/v1/platforms/p1", PlatformJson()).status, 201u);
  std::set<std::string> expected;
  for (int i = 0; i < 57; ++i) {
    const std::string id = "c" + std::to_string(i);
    ASSERT_EQ(c.Put("/v1/capabilities/" + id, CapabilityJson()).status, 201u);
    expected.insert(id);
  }
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (;;) {
    Reply page = c.Get("/v1/capabilities?limit=10&category=preclinical%2Fsafety" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200u) << page.body;
    ++pages;
    for (std::size_t at = page.body.find("\"id\":\"c"); at != std::string::npos; at = page.body.find("\"id\":\"c", at + 1)) {
      const std::string id = page.body.substr(at + 6, page.body.find('"', at + 6) - at - 6);
      EXPECT_TRUE(seen.insert(id).second) << id << " twice";
    }
    const std::size_t next = page.body.find("\"next_cursor\":\"");
    if (next == std::string::npos) {
      EXPECT_NE(page.body.find("\"next_cursor\":null"), std::string::npos);
      break;
    }
    cursor = page.body.substr(next + 15, page.body.find('"', next + 15) - next - 15);
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(pages, 6);
  EXPECT_EQ(c.Get("/v1/capabilities?cursor=zz").status, 400u);
  EXPECT_EQ(c.Get("/v1/capabilities?limit=1001").status, 400u);
}

TEST_F(ServerTest, BulkIsAllOrNothing) {
  Client c = NewClient();
  const std::string good = R"({"op":"put","type":"platform","id":"p1","doc":)" + PlatformJson() + "}\n" +
                           R"({"op":"put","type":"capability","id":"c1","doc":)" + CapabilityJson() + "}\n\n" +
                           R"({"op":"put","type":"request","id":"r1","doc":)" + RequestJson() + "}\n";
  const std::string bad = good + R"({"op":"delete","type":"capability","id":"c-missing"})" "\n" +
                          R"({"op":"put","type":"platform","id":"p2","doc":{"name":1}})" "\n" + "{not json\n";
  Reply rejected = c.Call(V::post, "/v1/bulk", bad, "application/x-ndjson");
  EXPECT_EQ(rejected.status, 400u);
  EXPECT_NE(rejected.body.find("\"code\":\"invalid_argument\""), std::string::npos) << rejected.body;
  EXPECT_NE(rejected.body.find("{\"line\":6,"), std::string::npos) << rejected.body;
  EXPECT_NE(rejected.body.find("{\"line\":7,"), std::string::npos) << rejected.body;
  EXPECT_EQ(c.Get("/v1/platforms/p1").status, 404u) << "nothing applied";
  Reply applied = c.Call(V::post, "/v1/bulk", good, "application/x-ndjson");
  EXPECT_EQ(applied.status, 200u) << applied.body;
  EXPECT_EQ(applied.body, R"({"applied":3})");
  EXPECT_EQ(c.Get("/v1/capabilities/c1").status, 200u);
  EXPECT_EQ(c.Call(V::post, "/v1/bulk", good, "application/json").status, 415u);
  Reply overview = c.Get("/v1/stats/overview");
  EXPECT_NE(overview.body.find("\"capabilities\":1"), std::string::npos) << overview.body;
}

// With one I/O thread, a bulk being parsed (a long one, rejected at its last
// line, so the engine is never locked) leaves the thread free for others.
class OneIoThreadTest : public ServerTest {
  void Configure(server::ServerOptions* o) override { o->threads = 1; }
};

TEST_F(OneIoThreadTest, BulkRunsOffTheIoThread) {
  std::string body;
  for (int i = 0; i < 60000; ++i) {
    body += R"({"op":"put","type":"platform","id":"p)" + std::to_string(i) + R"(","doc":)" + PlatformJson() + "}\n";
  }
  body += "{not json\n";
  std::atomic<bool> bulk_answered{false};
  std::thread bulk([&] {
    Client c = NewClient();
    EXPECT_EQ(c.Call(V::post, "/v1/bulk", body, "application/x-ndjson").status, 400u);
    bulk_answered = true;
  });
  // The bulk is being handled once it counts in flight beside this request.
  Client c = NewClient();
  bool seen_in_flight = false;
  while (!bulk_answered && !seen_in_flight) {
    seen_in_flight = c.Get("/metrics").body.find("\nbiomatch_http_in_flight 2\n") != std::string::npos;
  }
  const bool answered_during_bulk = seen_in_flight && c.Get("/healthz").status == 200u && !bulk_answered;
  bulk.join();
  EXPECT_TRUE(seen_in_flight) << "metrics never answered while the bulk was handled";
  EXPECT_TRUE(answered_during_bulk);
  EXPECT_EQ(c.Get("/v1/platforms/p0").status, 404u) << "nothing applied";
}

// Writes that arrive while a bulk is applied wait for it off the I/O thread
// (Api::RunWrite) and then succeed; the one I/O thread keeps answering, and
// readers see none of the bulk until all of it.
TEST_F(OneIoThreadTest, WritesDuringABulkWaitOffTheIoThread) {
  std::string body;
  for (int i = 0; i < 60000; ++i) {
    body += R"({"op":"put","type":"platform","id":"p)" + std::to_string(i) + R"(","doc":)" + PlatformJson() + "}\n";
  }
  std::atomic<bool> bulk_answered{false};
  std::thread bulk([&] {
    Client c = NewClient();
    const Reply r = c.Call(V::post, "/v1/bulk", body, "application/x-ndjson");
    EXPECT_EQ(r.status, 200u) << r.body;
    bulk_answered = true;
  });
  Client c = NewClient();
  bool seen_in_flight = false;
  while (!bulk_answered && !seen_in_flight) {
    seen_in_flight = c.Get("/metrics").body.find("\nbiomatch_http_in_flight 2\n") != std::string::npos;
  }
  std::thread put([&] { EXPECT_EQ(NewClient().Put("/v1/platforms/p-during", PlatformJson()).status, 201u); });
  // The bulk's last line is read first: once it shows, its first must too
  // (the other way round, the bulk may be published between the two reads).
  bool all_or_none = true;
  while (!bulk_answered) {
    EXPECT_EQ(c.Get("/healthz").status, 200u);
    const bool last = c.Get("/v1/platforms/p59999").status == 200u;
    const bool first = c.Get("/v1/platforms/p0").status == 200u;
    all_or_none = all_or_none && (first || !last);
  }
  bulk.join();
  put.join();
  EXPECT_TRUE(seen_in_flight);
  EXPECT_TRUE(all_or_none) << "a reader saw part of the bulk";
  EXPECT_EQ(c.Get("/v1/platforms/p59999").status, 200u);
  EXPECT_EQ(c.Get("/v1/platforms/p-during").status, 200u);
}

TEST_F(ServerTest, CheckpointWritesAnOpenableCopy) {
  Client c = NewClient();
  ASSERT_EQ(c.Put("/v1/platforms/p1", PlatformJson()).status, 201u);
  const std::string dir = (dir_.path() / "backup").string();
  Reply r = c.Post("/v1/admin/checkpoint", R"({"dir":")" + dir + R"("})");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(c.Post("/v1/admin/checkpoint", R"({"dir":")" + dir + R"("})").status, 409u) << "exists already";
  EXPECT_EQ(c.Post("/v1/admin/checkpoint", R"({"dir":"relative"})").status, 400u);
  auto report = storage::Store::Verify(dir);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->platforms, 1u);
}

namespace fs = std::filesystem;

// POST /v1/admin/checkpoint; `dir_json` is the JSON text of the string.
Reply PostCheckpoint(Client& c, const std::string& dir_json) {
  return c.Post("/v1/admin/checkpoint", R"({"dir":")" + dir_json + R"("})");
}

TEST_F(ServerTest, CheckpointRefusesAnExistingStagingDirAndDeletesNothing) {
  Client c = NewClient();
  const fs::path dir = dir_.path() / "backup";
  const fs::path staging = dir_.path() / "backup.tmp";
  fs::create_directory(staging);
  std::ofstream(staging / "keep") << "another program's file";
  for (const std::string& target : {dir.string(), dir.string() + "/"}) {
    Reply r = PostCheckpoint(c, target);
    EXPECT_EQ(r.status, 409u) << target << ": " << r.body;
    EXPECT_EQ(JsonValue(r.body, "code"), "conflict");
  }
  EXPECT_TRUE(fs::exists(staging / "keep"));
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(ServerTest, CheckpointRefusesAnyExistingDirEntry) {
  Client c = NewClient();
  std::ofstream(dir_.path() / "file") << "x";
  fs::create_symlink(dir_.path() / "nowhere", dir_.path() / "dangling");
  for (const char* name : {"file", "dangling"}) {
    Reply r = PostCheckpoint(c, (dir_.path() / name).string());
    EXPECT_EQ(r.status, 409u) << name << ": " << r.body;
    EXPECT_FALSE(fs::exists(dir_.path() / (std::string(name) + ".tmp"))) << name;
  }
  EXPECT_FALSE(fs::exists(dir_.path() / "nowhere"));
}

TEST_F(ServerTest, CheckpointNamesDirForANulByteOrAMissingParent) {
  Client c = NewClient();
  std::ofstream(dir_.path() / "file") << "x";
  for (const std::string& dir_json : {(dir_.path() / "a").string() + "\\u0000b",
                                      (dir_.path() / "missing" / "backup").string(),
                                      (dir_.path() / "file" / "backup").string()}) {
    Reply r = PostCheckpoint(c, dir_json);
    EXPECT_EQ(r.status, 400u) << dir_json << ": " << r.body;
    EXPECT_EQ(JsonValue(r.body, "code"), "invalid_argument") << dir_json;
    EXPECT_EQ(JsonValue(r.body, "field"), "dir") << dir_json;
  }
  EXPECT_FALSE(fs::exists(dir_.path() / "a"));
  EXPECT_FALSE(fs::exists(dir_.path() / "missing"));
}

// A directory that refuses new entries while it lives, for root too: the
// permission bits and the immutable flag.
class LockedDir {
 public:
  explicit LockedDir(fs::path path) : path_(std::move(path)) {
    fs::create_directory(path_);
    fs::permissions(path_, fs::perms::owner_read | fs::perms::owner_exec);
    SetImmutable(true);
  }
  ~LockedDir() {
    SetImmutable(false);
    fs::permissions(path_, fs::perms::owner_all);
  }
  LockedDir(const LockedDir&) = delete;
  LockedDir& operator=(const LockedDir&) = delete;

  const fs::path& path() const { return path_; }
  // False when this file system or user can create entries anyway.
  bool locked() const {
    std::error_code ec;
    const bool created = fs::create_directory(path_ / "probe", ec);
    if (created) fs::remove(path_ / "probe", ec);
    return !created;
  }

 private:
  void SetImmutable(bool on) const {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return;
    int flags = 0;
    if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
      flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
      (void)::ioctl(fd, FS_IOC_SETFLAGS, &flags);
    }
    ::close(fd);
  }

  fs::path path_;
};

TEST_F(ServerTest, CheckpointAnswersInternalWhenTheFileSystemRefuses) {
  Client c = NewClient();
  LockedDir parent(dir_.path() / "locked");
  if (!parent.locked()) GTEST_SKIP() << "cannot make a directory read-only here";
  Reply r = PostCheckpoint(c, (parent.path() / "backup").string());
  EXPECT_EQ(r.status, 500u) << r.body;
  EXPECT_EQ(JsonValue(r.body, "code"), "internal");
}

}  // namespace
}  // namespace biomatch::testing
