// Subscriptions and the live stream, end to end: a real server on a loopback
// port, real HTTP and WebSocket clients.
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <memory>
#include <set>
#include <thread>

#include "auth.h"
#include "biomatch/engine/engine.h"
#include "biomatch/engine/time.h"
#include "biomatch/storage/store.h"
#include "fixture.h"

namespace biomatch::testing {
namespace {

using V = http::verb;

std::string RequestFor(const std::string& requester, const std::string& region = "CN/SC/chengdu") {
  std::string doc = RequestJson();
  doc.replace(doc.find("org-42"), 6, requester);
  doc.replace(doc.find("\"region\":null"), 13, "\"region\":\"" + region + "\"");
  return doc;
}

// A bulk body putting `n` capabilities c-<first>.. on platform p1.
std::string CapabilityBulk(int first, int n) {
  std::string body;
  for (int i = first; i < first + n; ++i) {
    body += R"({"op":"put","type":"capability","id":"c-)" + std::to_string(i) + R"(","doc":)" + CapabilityJson() + "}\n";
  }
  return body;
}

class StreamTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    agency_a_ = NewKey("agency-a", "agency");
    agency_b_ = NewKey("agency-b", "agency");
    ASSERT_EQ(NewClient().Put("/v1/platforms/p1", PlatformJson()).status, 201u);
  }
  void Subscribe(const std::string& token, const std::string& id, const std::string& doc) {
    Reply r = NewClient(token).Put("/v1/subscriptions/" + id, doc);
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.body;
  }
  StreamClient Stream(const std::string& query, const std::string& token) {
    return StreamClient(server_->port(), "/v1/stream?" + query, token);
  }
  // Reads messages until one whose data id is `sentinel`; returns those before it.
  static std::vector<std::string> ReadUntil(StreamClient& s, const std::string& sentinel) {
    std::vector<std::string> seen;
    for (;;) {
      const std::string m = s.Next();
      if (m.empty()) {
        ADD_FAILURE() << "the stream ended before " << sentinel << ": " << s.error().message() << " "
                      << s.reason().code << " " << s.reason().reason;
        return seen;
      }
      if (JsonValue(m, "id") == sentinel) return seen;
      seen.push_back(m);
    }
  }

  std::string agency_a_, agency_b_;
};

TEST_F(StreamTest, SubscriptionsAreOwnedByTheirKey) {
  const std::string supervisor = NewKey("gov", "supervisor");
  const std::string portal = NewKey("portal", "portal");
  Client a = NewClient(agency_a_);
  Reply put = a.Put("/v1/subscriptions/s1", R"({"types":["request.created"],"category":"preclinical"})");
  ASSERT_EQ(put.status, 201u) << put.body;
  EXPECT_EQ(put.header("ETag"), "\"1\"");
  EXPECT_EQ(JsonValue(put.body, "owner"), "agency-a");
  put = a.Put("/v1/subscriptions/s1", R"({"types":["request.created"],"category":"preclinical","min_score":null})");
  EXPECT_EQ(put.status, 200u);
  EXPECT_EQ(JsonValue(put.body, "version"), "2");
  EXPECT_EQ(a.Call(V::put, "/v1/subscriptions/s1", "{}", "application/json", {{"If-Match", "\"1\""}}).status, 412u);

  Client b = NewClient(agency_b_);
  EXPECT_EQ(b.Get("/v1/subscriptions/s1").status, 404u) << "another agency does not learn it exists";
  EXPECT_EQ(b.Delete("/v1/subscriptions/s1").status, 404u);
  EXPECT_EQ(b.Put("/v1/subscriptions/s1", "{}").status, 403u);
  EXPECT_EQ(b.Get("/v1/subscriptions").body, R"({"items":[],"next_cursor":null})");
  EXPECT_EQ(NewClient(supervisor).Get("/v1/subscriptions/s1").status, 200u);
  EXPECT_EQ(NewClient(supervisor).Put("/v1/subscriptions/s9", "{}").status, 403u);
  EXPECT_EQ(NewClient(portal).Get("/v1/subscriptions/s1").status, 403u);
  EXPECT_EQ(NewClient(portal).Put("/v1/subscriptions/s9", "{}").status, 403u);
  ASSERT_EQ(NewClient().Put("/v1/subscriptions/s-admin", "{}").status, 201u);
  Reply mine = a.Get("/v1/subscriptions");
  EXPECT_NE(mine.body.find("\"id\":\"s1\""), std::string::npos);
  EXPECT_EQ(mine.body.find("s-admin"), std::string::npos);
  EXPECT_NE(NewClient().Get("/v1/subscriptions").body.find("s-admin"), std::string::npos) << "admin sees all";

  // Bad documents name their field and change nothing.
  struct Bad {
    std::string body;
    std::string field;
  };
  for (const Bad& bad : {Bad{R"({"types":["match.lost"]})", "types[0]"}, Bad{R"({"min_score":2})", "min_score"},
                         Bad{R"({"stages":["preclinical","phase9"]})", "stages[1]"},
                         Bad{R"({"keywords":"toxicity"})", "keywords"}, Bad{R"({"colour":"red"})", "colour"},
                         Bad{R"({"category":"Bad Path"})", "category"}}) {
    Reply r = a.Put("/v1/subscriptions/s1", bad.body);
    EXPECT_EQ(r.status, 400u) << bad.body;
    EXPECT_NE(r.body.find("\"field\":\"" + bad.field + "\""), std::string::npos) << r.body;
  }
  EXPECT_EQ(JsonValue(a.Get("/v1/subscriptions/s1").body, "version"), "2");

  server_->Stop();
  server_.reset();
  StartServer();
  Client again = NewClient(agency_a_);
  Reply kept = again.Get("/v1/subscriptions/s1");
  ASSERT_EQ(kept.status, 200u) << "subscriptions survive a restart";
  EXPECT_EQ(JsonValue(kept.body, "category"), "preclinical");
  EXPECT_EQ(again.Delete("/v1/subscriptions/s1").status, 204u);
  EXPECT_EQ(again.Get("/v1/subscriptions/s1").status, 404u);
}

TEST_F(StreamTest, StreamIsAuthenticatedAndOwned) {
  Subscribe(agency_a_, "s-a", "{}");
  const std::uint16_t port = server_->port();
  EXPECT_EQ(StreamClient(port, "/v1/stream?subscriptions=s-a", "").status(), 401u);
  EXPECT_EQ(StreamClient(port, "/v1/stream?subscriptions=s-a", agency_b_).status(), 404u);
  EXPECT_EQ(StreamClient(port, "/v1/stream?subscriptions=s-a", NewKey("portal", "portal")).status(), 403u);
  EXPECT_EQ(StreamClient(port, "/v1/stream?subscriptions=s-missing", agency_a_).status(), 404u);
  EXPECT_EQ(StreamClient(port, "/v1/stream", agency_a_).status(), 400u);
  EXPECT_EQ(StreamClient(port, "/v1/stream?subscriptions=s-a&from=x", agency_a_).status(), 400u);
  EXPECT_EQ(StreamClient(port, "/v1/streams?subscriptions=s-a", agency_a_).status(), 404u);
  EXPECT_TRUE(StreamClient(port, "/v1/stream?subscriptions=s-a", agency_a_).ok());
  EXPECT_TRUE(StreamClient(port, "/v1/stream?subscriptions=s-a", kAdminToken).ok()) << "admin streams any";
  EXPECT_TRUE(StreamClient(port, "/v1/stream?subscriptions=s-a&access_token=" + agency_a_, "").ok());
  StreamClient by_protocol(port, "/v1/stream?subscriptions=s-a", "", "biomatch.v1, bearer." + agency_a_);
  ASSERT_TRUE(by_protocol.ok());
  EXPECT_EQ(by_protocol.header(http::field::sec_websocket_protocol), "biomatch.v1") << "the token is never echoed";
  Reply plain = NewClient(agency_a_).Get("/v1/stream?subscriptions=s-a");
  EXPECT_EQ(plain.status, 426u);
  EXPECT_NE(plain.body.find("upgrade_required"), std::string::npos);
}

TEST_F(StreamTest, LiveEventsPassTheFilters) {
  Subscribe(agency_a_, "s-sc", R"({"types":["request.created"],"region":"CN/SC"})");
  Subscribe(agency_a_, "s-org", R"({"requester_ids":["org-7"],"types":["request.created"]})");
  StreamClient s = Stream("subscriptions=s-sc,s-org", agency_a_);
  ASSERT_TRUE(s.ok());
  Reply metrics = NewClient("").Get("/metrics");
  EXPECT_NE(metrics.body.find("biomatch_stream_connections 1\n"), std::string::npos);
  Client admin = NewClient();
  ASSERT_EQ(admin.Put("/v1/requests/r-sc", RequestFor("org-1", "CN/SC/chengdu")).status, 201u);
  ASSERT_EQ(admin.Put("/v1/requests/r-bj", RequestFor("org-1", "CN/BJ")).status, 201u);
  ASSERT_EQ(admin.Put("/v1/requests/r-both", RequestFor("org-7", "CN/SC")).status, 201u);
  ASSERT_EQ(admin.Put("/v1/capabilities/c1", CapabilityJson()).status, 201u);
  ASSERT_EQ(admin.Put("/v1/requests/r-end", RequestFor("org-1", "CN/SC")).status, 201u);
  const std::vector<std::string> seen = ReadUntil(s, "r-end");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(JsonValue(seen[0], "id"), "r-sc");
  EXPECT_NE(seen[0].find("\"subscriptions\":[\"s-sc\"]"), std::string::npos) << seen[0];
  EXPECT_EQ(JsonValue(seen[0], "type"), "request.created");
  EXPECT_TRUE(engine::ParseRfc3339(JsonValue(seen[0], "at")).has_value());
  EXPECT_EQ(JsonValue(seen[1], "id"), "r-both");
  EXPECT_NE(seen[1].find("\"subscriptions\":[\"s-org\",\"s-sc\"]"), std::string::npos) << seen[1];
  EXPECT_LT(std::stoull(JsonValue(seen[0], "seq")), std::stoull(JsonValue(seen[1], "seq")));
  EXPECT_NE(seen[0].find("\"data\":{\"id\":\"r-sc\""), std::string::npos) << "the request as GET shows it";
  // Each of the three live messages (r-end too) was timed from its commit to
  // its socket write, once the write completed.
  std::string count;
  for (int i = 0; i < 200 && count != "3"; ++i) {
    const std::string body = NewClient("").Get("/metrics").body;
    const std::size_t at = body.find("\nbiomatch_stream_delivery_seconds_count ");
    count = at == std::string::npos ? "" : body.substr(at + 40, body.find('\n', at + 1) - at - 40);
    if (count != "3") std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(count, "3");
}

TEST_F(StreamTest, MatchFoundFromBothSidesAndNeverTwice) {
  Subscribe(agency_a_, "s-m", R"({"types":["match.found","request.created"],"region":"CN/SC"})");
  StreamClient s = Stream("subscriptions=s-m", agency_a_);
  ASSERT_TRUE(s.ok());
  Client admin = NewClient();
  auto pairs = [](const std::vector<std::string>& messages) {
    std::multiset<std::string> out;
    for (const std::string& m : messages) {
      if (JsonValue(m, "type") == "match.found") out.insert(JsonValue(m, "request_id") + "+" + JsonValue(m, "capability_id"));
    }
    return out;
  };
  // The demand side: a new request finds the capability.
  ASSERT_EQ(admin.Put("/v1/capabilities/c-one", CapabilityJson("p1", 1)).status, 201u);
  ASSERT_EQ(admin.Put("/v1/requests/ra", RequestFor("org-1")).status, 201u);
  ASSERT_EQ(admin.Put("/v1/requests/rb", RequestFor("org-1")).status, 201u);
  ASSERT_EQ(admin.Put("/v1/requests/end-1", RequestFor("org-x", "CN/BJ")).status, 201u);
  admin.Put("/v1/requests/end-1b", RequestFor("org-x", "CN/SC"));
  EXPECT_EQ(pairs(ReadUntil(s, "end-1b")), (std::multiset<std::string>{"ra+c-one", "rb+c-one"}));
  // Capacity taken, then freed: the pairs it broke are announced again.
  Reply hold = admin.Post("/v1/reservations", R"({"request_id":"rb","capability_id":"c-one"})");
  ASSERT_EQ(hold.status, 201u) << hold.body;
  ASSERT_EQ(admin.Post("/v1/reservations/" + JsonValue(hold.body, "id") + "/cancel").status, 200u);
  admin.Put("/v1/requests/end-2", RequestFor("org-x", "CN/SC"));
  // end-1b+c-one twice: announced with end-1b, then again once it was feasible again.
  EXPECT_EQ(pairs(ReadUntil(s, "end-2")),
            (std::multiset<std::string>{"end-1b+c-one", "ra+c-one", "rb+c-one", "end-1b+c-one"}));
  // The supply side: a new capability enters the requests' top matches.
  ASSERT_EQ(admin.Put("/v1/capabilities/c-two", CapabilityJson("p1", 5)).status, 201u);
  // Nothing changed for these pairs: no repeat.
  ASSERT_EQ(admin.Put("/v1/requests/ra", RequestFor("org-1")).status, 200u);
  ASSERT_EQ(admin.Put("/v1/capabilities/c-two", CapabilityJson("p1", 5)).status, 200u);
  admin.Put("/v1/requests/end-3", RequestFor("org-x", "CN/BJ"));
  admin.Put("/v1/requests/end-3b", RequestFor("org-x", "CN/SC"));
  const std::multiset<std::string> supply = pairs(ReadUntil(s, "end-3b"));
  EXPECT_EQ(supply, (std::multiset<std::string>{"ra+c-two", "rb+c-two", "end-1b+c-two", "end-2+c-two", "end-2+c-one"}));
}

// Disconnect, events happen, reconnect with `from` while more happen during
// the replay: every event exactly once, in order.
TEST_F(StreamTest, ResumeHasNoGapAndNoDuplicate) {
  Subscribe(agency_a_, "s-r", R"({"types":["request.created"],"requester_ids":["org-r"]})");
  Client admin = NewClient();
  std::uint64_t last = 0;
  {
    StreamClient s = Stream("subscriptions=s-r", agency_a_);
    ASSERT_TRUE(s.ok());
    for (int i = 0; i < 5; ++i) ASSERT_EQ(admin.Put("/v1/requests/r" + std::to_string(i), RequestFor("org-r")).status, 201u);
    for (int i = 0; i < 5; ++i) {
      const std::string m = s.Next();
      EXPECT_EQ(JsonValue(m, "id"), "r" + std::to_string(i));
      last = std::stoull(JsonValue(m, "seq"));
    }
  }
  for (int i = 5; i < 200; ++i) {
    ASSERT_EQ(admin.Put("/v1/requests/r" + std::to_string(i), RequestFor("org-r")).status, 201u);
    admin.Put("/v1/requests/other" + std::to_string(i), RequestFor("org-other"));  // filtered out
  }
  StreamClient s = Stream("subscriptions=s-r&from=" + std::to_string(last + 1), agency_a_);
  ASSERT_TRUE(s.ok());
  std::thread during([&] {
    Client c = NewClient();
    for (int i = 200; i < 400; ++i) c.Put("/v1/requests/r" + std::to_string(i), RequestFor("org-r"));
    c.Put("/v1/requests/r-end", RequestFor("org-r"));
  });
  const std::vector<std::string> seen = ReadUntil(s, "r-end");
  during.join();
  ASSERT_EQ(seen.size(), 395u);
  std::uint64_t previous = last;
  for (std::size_t k = 0; k < seen.size(); ++k) {
    EXPECT_EQ(JsonValue(seen[k], "id"), "r" + std::to_string(k + 5)) << "in order, none missing, none twice";
    const std::uint64_t seq = std::stoull(JsonValue(seen[k], "seq"));
    EXPECT_GT(seq, previous);
    previous = seq;
  }
}

class LaggingStreamTest : public StreamTest {
  void Configure(server::ServerOptions* o) override {
    o->stream_queue = 64;
    o->stream_batch = std::chrono::milliseconds(0);
  }
};

// A consumer that stops reading is closed with 4008 and resumes from where
// it was told; another consumer gets everything meanwhile.
TEST_F(LaggingStreamTest, SlowConsumerIsClosedWhileOthersGoOn) {
  constexpr int kPerCommit = 20, kCommits = 1000, kEvents = kPerCommit * kCommits;
  Subscribe(agency_a_, "s-c", R"({"types":["capability.created"]})");
  StreamClient slow(server_->port(), "/v1/stream?subscriptions=s-c", agency_a_, "", 4096);
  ASSERT_TRUE(slow.ok());
  StreamClient fast = Stream("subscriptions=s-c", agency_a_);
  ASSERT_TRUE(fast.ok());
  // Commits of kPerCommit events each, the next once the fast consumer has
  // read the last: it never has more queued than the queue holds.
  std::mutex mu;
  std::condition_variable cv;
  std::size_t fast_count = 0;
  std::thread producer([&] {
    Client c = NewClient();
    for (int i = 0; i < kCommits; ++i) {
      const Reply r = c.Call(V::post, "/v1/bulk", CapabilityBulk(i * kPerCommit, kPerCommit), "application/x-ndjson");
      ASSERT_EQ(r.status, 200u) << r.body;
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return fast_count >= static_cast<std::size_t>((i + 1) * kPerCommit); })) {
        ADD_FAILURE() << "the fast consumer stalled";
        return;
      }
    }
  });
  // The slow consumer starts reading once it has been closed (the server
  // waits for its answer to the close a few seconds only).
  std::set<std::string> slow_seen;
  std::uint64_t last_seq = 0;
  std::thread slow_reader([&] {
    for (int tries = 0; tries < 100000; ++tries) {
      const std::string metrics = NewClient("").Get("/metrics").body;
      if (metrics.find("\nbiomatch_stream_lagging_closes_total 0\n") == std::string::npos) break;
    }
    for (std::string m = slow.Next(); !m.empty(); m = slow.Next()) {
      slow_seen.insert(JsonValue(m, "id"));
      last_seq = std::stoull(JsonValue(m, "seq"));
    }
  });
  std::set<std::string> fast_seen;
  while (fast_seen.size() < kEvents) {
    const std::string m = fast.Next();
    if (m.empty()) {
      ADD_FAILURE() << "the fast consumer was closed: " << fast.reason().code << " " << fast.reason().reason;
      break;
    }
    fast_seen.insert(JsonValue(m, "id"));
    std::lock_guard lock(mu);
    fast_count = fast_seen.size();
    cv.notify_one();
  }
  producer.join();
  slow_reader.join();
  EXPECT_EQ(fast_seen.size(), static_cast<std::size_t>(kEvents)) << "the fast consumer got every event";
  ASSERT_EQ(slow.error(), beast::websocket::error::closed) << slow.error().message();
  EXPECT_EQ(slow.reason().code, 4008);
  const std::string reason(slow.reason().reason.data(), slow.reason().reason.size());
  ASSERT_EQ(reason.rfind("lagging; resume from ", 0), 0u) << reason;
  const std::uint64_t resume = std::stoull(reason.substr(21));
  EXPECT_EQ(resume, last_seq + 1) << "the first event it was not sent";
  EXPECT_LT(slow_seen.size(), static_cast<std::size_t>(kEvents));

  // Resumed as a client would: a resumed stream told to resume again (a
  // slow client, as under sanitizers, may lag behind its own replay) goes
  // on from where it is told, until the sentinel.
  NewClient().Put("/v1/capabilities/c-end", CapabilityJson());
  std::uint64_t from = resume;
  bool ended = false;
  for (int resumes = 0; resumes < 20 && !ended; ++resumes) {
    StreamClient again = Stream("subscriptions=s-c&from=" + std::to_string(from), agency_a_);
    ASSERT_TRUE(again.ok());
    for (std::string m = again.Next(); !m.empty(); m = again.Next()) {
      if (JsonValue(m, "id") == "c-end") {
        ended = true;
        break;
      }
      EXPECT_TRUE(slow_seen.insert(JsonValue(m, "id")).second) << "no duplicate after resuming";
      from = std::stoull(JsonValue(m, "seq")) + 1;
    }
    if (!ended) {
      const std::string told(again.reason().reason.data(), again.reason().reason.size());
      ASSERT_EQ(again.reason().code, 4008) << again.error().message() << " " << told;
      ASSERT_EQ(told.rfind("lagging; resume from ", 0), 0u) << told;
      EXPECT_EQ(std::stoull(told.substr(21)), from) << "told to resume from the first event it was not sent";
    }
  }
  EXPECT_TRUE(ended) << "the resumed stream never reached c-end";
  EXPECT_EQ(slow_seen.size(), static_cast<std::size_t>(kEvents)) << "no gap after resuming";
}

// Live events that arrive while a stream replays are held, and follow the
// replay however full its last chunk left the queue: a client that reads
// everything is never told it lags.
TEST_F(LaggingStreamTest, EventsHeldDuringAReplayFollowIt) {
  constexpr int kStored = 20000, kLive = 40;  // kLive within the queue of 64, and more than half of it
  Subscribe(agency_a_, "s-c", R"({"types":["capability.created"]})");
  Client c = NewClient();
  for (int i = 0; i < kStored; i += 1000) {
    ASSERT_EQ(c.Call(V::post, "/v1/bulk", CapabilityBulk(i, 1000), "application/x-ndjson").status, 200u);
  }
  // A replay of them all to a client that does not read yet: it stalls on
  // the full socket, and what is written meanwhile is held.
  StreamClient s(server_->port(), "/v1/stream?subscriptions=s-c&from=1", agency_a_, "", 4096);
  ASSERT_TRUE(s.ok());
  for (int i = 0; i < kLive; ++i) {
    ASSERT_EQ(c.Put("/v1/capabilities/c-live-" + std::to_string(i), CapabilityJson()).status, 201u);
  }
  for (int seen = 0; seen < kStored + kLive; ++seen) {
    const std::string m = s.Next();
    if (m.empty()) {
      const std::string told(s.reason().reason.data(), s.reason().reason.size());
      FAIL() << "closed after " << seen << " messages: " << s.reason().code << " " << told;
    }
    ASSERT_EQ(JsonValue(m, "id"), seen < kStored ? "c-" + std::to_string(seen) : "c-live-" + std::to_string(seen - kStored));
  }
}

TEST_F(StreamTest, ShutdownSays1001AndARestartResumes) {
  // request.created only: each request's unmet-demand event follows it, and
  // the stream must have nothing more to say before the shutdown's close.
  Subscribe(agency_a_, "s-r", R"({"types":["request.created"]})");
  StreamClient s = Stream("subscriptions=s-r", agency_a_);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(NewClient().Put("/v1/requests/r1", RequestFor("org-1")).status, 201u);
  const std::string first = s.Next();
  ASSERT_EQ(JsonValue(first, "id"), "r1");
  std::thread stopper([&] { server_->Stop(); });
  EXPECT_EQ(s.Next(), "");
  stopper.join();
  EXPECT_EQ(s.reason().code, beast::websocket::close_code::going_away);
  server_.reset();
  StartServer();
  ASSERT_EQ(NewClient().Put("/v1/requests/r2", RequestFor("org-1")).status, 201u);
  StreamClient again = Stream("subscriptions=s-r&from=" + std::to_string(std::stoull(JsonValue(first, "seq")) + 1), agency_a_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(JsonValue(again.Next(), "id"), "r2");
}

class IdleStreamTest : public StreamTest {
  void Configure(server::ServerOptions* o) override { o->stream_idle_timeout = std::chrono::seconds(2); }
};

// A peer that answers pings stays; one that does not is dropped.
TEST_F(IdleStreamTest, IdlePeersArePingedAndSilentOnesDropped) {
  Subscribe(agency_a_, "s-r", R"({"types":["request.created"],"requester_ids":["org-end"]})");
  StreamClient awake = Stream("subscriptions=s-r", agency_a_);
  StreamClient silent = Stream("subscriptions=s-r", agency_a_);
  ASSERT_TRUE(awake.ok() && silent.ok());
  std::thread reader([&] { EXPECT_EQ(JsonValue(awake.Next(std::chrono::seconds(30)), "id"), "r-end"); });
  // Wait until the server has dropped the silent one.
  for (int tries = 0; tries < 100000; ++tries) {
    if (NewClient("").Get("/metrics").body.find("\nbiomatch_stream_connections 1\n") != std::string::npos) break;
  }
  ASSERT_EQ(NewClient().Put("/v1/requests/r-end", RequestFor("org-end")).status, 201u);
  reader.join();
  EXPECT_GE(awake.pings(), 1) << "pinged while idle, and kept for answering";
  EXPECT_EQ(silent.Next(), "") << "dropped";
  EXPECT_NE(silent.error(), beast::error_code{});
}

class RetentionStreamTest : public StreamTest {
  void Configure(server::ServerOptions* o) override { o->event_retention = std::chrono::hours(0); }
};

TEST_F(RetentionStreamTest, FromOlderThanRetentionGetsAGapFrame) {
  // Each request's last event is its unmet-demand one (request.unmet here:
  // nothing can serve it).
  Subscribe(agency_a_, "s-r", R"({"types":["request.created","request.unmet","request.matched"]})");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(NewClient().Put("/v1/requests/r" + std::to_string(i), RequestFor("org-1")).status, 201u);
  // Pruning keeps events of the current second: let it pass, then restart
  // (the server prunes as it starts) and wait for the pruning to show.
  const engine::Seconds written = engine::NowSeconds();
  while (engine::NowSeconds() <= written) std::this_thread::yield();
  server_->Stop();
  server_.reset();
  StartServer();
  std::string first_seq;
  for (int tries = 0; tries < 10000 && (first_seq.empty() || first_seq == "1"); ++tries) {
    const std::string metrics = NewClient("").Get("/metrics").body;
    const std::size_t at = metrics.find("\nbiomatch_events_first_seq ");
    first_seq = at == std::string::npos ? "" : metrics.substr(at + 27, metrics.find('\n', at + 1) - at - 27);
  }
  ASSERT_NE(first_seq, "1") << "the server pruned the log as it started";
  StreamClient s = Stream("subscriptions=s-r&from=1", agency_a_);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.Next(), R"({"type":"stream.gap","earliest":)" + first_seq + "}");
  const std::string newest = s.Next();
  EXPECT_EQ(JsonValue(newest, "request_id"), "r2") << "the newest event is never pruned: " << newest;
  ASSERT_EQ(NewClient().Put("/v1/requests/r-live", RequestFor("org-1")).status, 201u);
  EXPECT_EQ(JsonValue(s.Next(), "id"), "r-live");
}

// --- Tenancy: what a stream gets belongs to its key's identity.

// Waits, for `limit` at most, until /metrics shows `n` open streams; whether
// it did.
bool WaitForStreams(std::uint16_t port, int n, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  const std::string line = "\nbiomatch_stream_connections " + std::to_string(n) + "\n";
  do {
    if (Client(port, "").Get("/metrics").body.find(line) != std::string::npos) return true;
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

std::string CloseReason(const StreamClient& s) {
  return std::string(s.reason().reason.data(), s.reason().reason.size());
}

// Deleting a key closes its streams at once (4001), and the streams of
// others that named its subscriptions lose them (4004 when none is left).
TEST_F(StreamTest, DeletingAKeyClosesItsStreamsWith4001) {
  const std::string c = NewKey("agency-c", "agency");
  Subscribe(c, "s-c", R"({"types":["request.created"]})");
  StreamClient own = Stream("subscriptions=s-c", c);
  StreamClient by_admin = Stream("subscriptions=s-c", kAdminToken);
  ASSERT_TRUE(own.ok() && by_admin.ok());
  ASSERT_EQ(NewClient().Delete("/v1/keys/agency-c").status, 204u);
  ASSERT_EQ(NewClient().Put("/v1/requests/r-after", RequestFor("org-1")).status, 201u);
  EXPECT_EQ(own.Next(std::chrono::seconds(5)), "") << "no event after the key is deleted";
  EXPECT_EQ(own.error(), beast::websocket::error::closed) << own.error().message();
  EXPECT_EQ(own.reason().code, 4001);
  EXPECT_EQ(CloseReason(own), "key deleted");
  EXPECT_EQ(by_admin.Next(std::chrono::seconds(5)), "");
  EXPECT_EQ(by_admin.reason().code, 4004);
  EXPECT_EQ(CloseReason(by_admin), "subscriptions deleted");
}

// A key re-created with a deleted key's name owns nothing of the old one:
// the old key's subscriptions were deleted with it, durably.
TEST_F(StreamTest, DeletedKeysSubscriptionsGoWithIt) {
  const std::string old_token = NewKey("agency-c", "agency");
  Subscribe(old_token, "s-c", R"({"types":["request.created"]})");
  Subscribe(agency_a_, "s-a", "{}");
  ASSERT_EQ(NewClient().Delete("/v1/keys/agency-c").status, 204u);
  EXPECT_EQ(NewClient().Get("/v1/subscriptions/s-c").status, 404u) << "deleted with its key";
  const std::string new_token = NewKey("agency-c", "agency");
  Client again = NewClient(new_token);
  EXPECT_EQ(again.Get("/v1/subscriptions").body, R"({"items":[],"next_cursor":null})");
  EXPECT_EQ(again.Get("/v1/subscriptions/s-c").status, 404u);
  EXPECT_EQ(StreamClient(server_->port(), "/v1/stream?subscriptions=s-c", new_token).status(), 404u);
  Subscribe(new_token, "s-c", "{}");  // the id is free for anyone

  server_->Stop();
  server_.reset();
  StartServer();
  Reply listed = NewClient().Get("/v1/subscriptions");
  EXPECT_NE(listed.body.find("\"id\":\"s-a\""), std::string::npos) << listed.body;
  EXPECT_EQ(JsonValue(NewClient().Get("/v1/subscriptions/s-c").body, "version"), "1") << "the new key's, not the old";
  EXPECT_EQ(NewClient(new_token).Get("/v1/subscriptions/s-c").status, 200u);
  ASSERT_EQ(NewClient().Delete("/v1/keys/agency-c").status, 204u);
  server_->Stop();
  server_.reset();
  StartServer();
  EXPECT_EQ(NewClient().Get("/v1/subscriptions/s-c").status, 404u) << "a key's subscriptions are deleted durably";
}

// Records written before keys had identities: a key "role:hash" and an S1
// subscription naming it. The key keeps what it wrote (its identity is its
// name); deleting it deletes that too, and the name re-created owns nothing.
TEST_F(StreamTest, RecordsWithoutIdentitiesKeepTheirOwner) {
  server_->Stop();
  server_.reset();
  {
    engine::Engine engine;
    storage::Options so;
    so.dir = (dir_.path() / "data").string();
    auto store = storage::Store::Open(so, &engine, engine::NowSeconds());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    const std::uint64_t ticket = (*store)->Submit(
        {},
        {{storage::Family::kApiKeys, "agency-old", "agency:" + server::HashToken("old-token")},
         {storage::Family::kSubscriptions, "s-old", "S1\nagency-old\n1\n100\n100\n{\"types\":[\"request.created\"]}"}},
        {}, engine::NowSeconds());
    ASSERT_TRUE((*store)->WaitDurable(ticket).ok());
  }
  StartServer();
  EXPECT_EQ(JsonValue(NewClient("old-token").Get("/v1/subscriptions/s-old").body, "owner"), "agency-old");
  StreamClient old_stream = Stream("subscriptions=s-old", "old-token");
  ASSERT_TRUE(old_stream.ok()) << old_stream.status();
  ASSERT_EQ(NewClient().Put("/v1/requests/r-1", RequestFor("org-1")).status, 201u);
  EXPECT_EQ(JsonValue(old_stream.Next(), "id"), "r-1");
  ASSERT_EQ(NewClient().Delete("/v1/keys/agency-old").status, 204u);
  EXPECT_EQ(old_stream.Next(std::chrono::seconds(5)), "");
  EXPECT_EQ(old_stream.reason().code, 4001);
  EXPECT_EQ(NewClient().Get("/v1/subscriptions/s-old").status, 404u);
  const std::string again = NewKey("agency-old", "agency");
  EXPECT_EQ(NewClient(again).Get("/v1/subscriptions").body, R"({"items":[],"next_cursor":null})");
}

// After agency C deletes s-x and agency B creates s-x, C's open stream gets
// nothing of B's; a stream whose subscriptions are all deleted closes (4004).
TEST_F(StreamTest, ASubscriptionIdNeverRoutesAnotherKeysEvents) {
  Subscribe(agency_a_, "s-x", R"({"types":["request.created"]})");
  Subscribe(agency_a_, "s-end", R"({"types":["request.created"],"requester_ids":["org-end"]})");
  StreamClient a = Stream("subscriptions=s-x,s-end", agency_a_);
  ASSERT_TRUE(a.ok());
  Client admin = NewClient();
  ASSERT_EQ(admin.Put("/v1/requests/r-before", RequestFor("org-1")).status, 201u);
  EXPECT_EQ(JsonValue(a.Next(), "id"), "r-before");
  ASSERT_EQ(NewClient(agency_a_).Delete("/v1/subscriptions/s-x").status, 204u);
  Subscribe(agency_b_, "s-x", R"({"types":["request.created"]})");
  StreamClient b = Stream("subscriptions=s-x", agency_b_);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(admin.Put("/v1/requests/r-b", RequestFor("org-1")).status, 201u);
  ASSERT_EQ(admin.Put("/v1/requests/r-end", RequestFor("org-end")).status, 201u);
  const std::vector<std::string> leaked = ReadUntil(a, "r-end");
  EXPECT_TRUE(leaked.empty()) << "agency A got " << (leaked.empty() ? "" : leaked.front());
  EXPECT_EQ(JsonValue(b.Next(), "id"), "r-b");
  // Replays judge the same way: from the start, A's stream gets s-end's only.
  StreamClient replay = Stream("subscriptions=s-end&from=1", agency_a_);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(JsonValue(replay.Next(), "id"), "r-end");
  ASSERT_EQ(NewClient(agency_a_).Delete("/v1/subscriptions/s-end").status, 204u);
  EXPECT_EQ(a.Next(std::chrono::seconds(5)), "");
  EXPECT_EQ(a.reason().code, 4004);
}

class PerKeyStreamTest : public StreamTest {
  void Configure(server::ServerOptions* o) override { o->max_streams_per_key = 2; }
};

// One key cannot take every stream slot; a closed stream frees its slot.
TEST_F(PerKeyStreamTest, StreamsPerKeyAreLimited) {
  Subscribe(agency_a_, "s-a", "{}");
  Subscribe(agency_b_, "s-b", "{}");
  auto first = std::make_unique<StreamClient>(server_->port(), "/v1/stream?subscriptions=s-a", agency_a_);
  StreamClient second = Stream("subscriptions=s-a", agency_a_);
  ASSERT_TRUE(first->ok() && second.ok());
  StreamClient third = Stream("subscriptions=s-a", agency_a_);
  EXPECT_EQ(third.status(), 429u);
  EXPECT_EQ(JsonValue(third.body(), "code"), "too_many_streams") << third.body();
  EXPECT_NE(third.body().find("--max-streams-per-key"), std::string::npos) << third.body();
  StreamClient other = Stream("subscriptions=s-b", agency_b_);
  EXPECT_TRUE(other.ok()) << "another key is not limited by it";
  first->Drop();
  first.reset();
  ASSERT_TRUE(WaitForStreams(server_->port(), 2, std::chrono::seconds(5)));
  EXPECT_TRUE(Stream("subscriptions=s-a", agency_a_).ok());
}

class AbandonedReplayTest : public StreamTest {
 protected:
  static constexpr int kAbandoned = 200;
  void Configure(server::ServerOptions* o) override {
    o->max_streams = kAbandoned + 1;
    o->max_streams_per_key = kAbandoned;
  }
};

// Streams that replay from the start and are dropped at once free their
// slots at once and leave no replay work behind: another agency's replay
// takes about what it takes alone (today's main: 200 chunks of 16,384 events
// each first, and the slots held until they are read).
TEST_F(AbandonedReplayTest, AbandonedReplaysNeitherHoldSlotsNorDelayOthers) {
  constexpr int kEvents = 40000;
  Client admin = NewClient();
  ASSERT_EQ(admin.Call(V::post, "/v1/bulk", CapabilityBulk(0, kEvents), "application/x-ndjson").status, 200u);
  ASSERT_EQ(admin.Put("/v1/requests/r-last", RequestFor("org-1")).status, 201u);
  Subscribe(agency_a_, "s-none", R"({"types":["request.created"],"requester_ids":["nobody"]})");
  Subscribe(agency_b_, "s-b", R"({"types":["request.created"]})");
  // The time agency B's replay from the start takes to reach r-last.
  auto replay = [&] {
    const auto start = std::chrono::steady_clock::now();
    StreamClient b = Stream("subscriptions=s-b&from=1", agency_b_);
    EXPECT_TRUE(b.ok()) << b.status() << " " << b.body();
    EXPECT_EQ(JsonValue(b.Next(), "id"), "r-last");
    return std::chrono::steady_clock::now() - start;
  };
  const auto alone = replay();
  ASSERT_TRUE(WaitForStreams(server_->port(), 0, std::chrono::seconds(5)));
  // About what it takes alone: a few times that, and a margin for a busy machine.
  const auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(3 * alone) + std::chrono::milliseconds(100);

  std::vector<std::unique_ptr<StreamClient>> abandoned;
  for (int i = 0; i < kAbandoned; ++i) {
    abandoned.push_back(std::make_unique<StreamClient>(server_->port(), "/v1/stream?subscriptions=s-none&from=1", agency_a_));
    ASSERT_TRUE(abandoned.back()->ok()) << i << ": " << abandoned.back()->status();
  }
  for (auto& s : abandoned) s->Drop();
  const auto dropped = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitForStreams(server_->port(), 0, bound)) << "the dropped streams' slots are free at once";
  const auto freed = std::chrono::steady_clock::now() - dropped;
  const auto crowded = replay();
  const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf("replay alone %lld ms; slots freed in %lld ms; replay after %d dropped streams %lld ms\n",
              static_cast<long long>(ms(alone)), static_cast<long long>(ms(freed)), kAbandoned,
              static_cast<long long>(ms(crowded)));
  EXPECT_LT(crowded, bound) << "the dropped streams' replays were dropped";
}

}  // namespace
}  // namespace biomatch::testing
