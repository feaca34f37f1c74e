// The stream hub's tenancy and slots, without sockets: a sink that records
// what the hub asks of it.
#include "stream_hub.h"

#include <gtest/gtest.h>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/time.h"
#include "testutil.h"

namespace biomatch::server {
namespace {

class RecordingSink : public StreamSink {
 public:
  void Deliver(std::vector<StreamMessage> messages) override { delivered += messages.size(); }
  void DeliverReplay(std::vector<StreamMessage>, std::uint64_t, bool) override {}
  void Lost(std::uint64_t) override {}
  void Shutdown() override {}
  void Revoke(CloseCode code) override {
    revoked_code = CloseNumber(code);
    revoked_reason = CloseReason(code);
  }
  std::size_t delivered = 0;
  std::uint16_t revoked_code = 0;
  std::string revoked_reason;
};

class StreamHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::Options so;
    so.dir = (dir_.path() / "data").string();
    auto store = storage::Store::Open(so, &engine_, engine::NowSeconds());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    StreamHub::Options options;
    options.max_streams = 3;
    options.max_streams_per_key = 2;
    hub_ = std::make_unique<StreamHub>(*store_, book_, 1, options);
  }
  void TearDown() override {
    hub_.reset();
    store_.reset();
  }
  void Subscribe(const std::string& id, const std::string& owner_id) {
    Subscription s;
    s.id = id;
    s.owner_id = owner_id;
    book_.Put(s);
  }

  testing::TempDir dir_;
  engine::Engine engine_;
  std::unique_ptr<storage::Store> store_;
  SubscriptionBook book_;
  std::unique_ptr<StreamHub> hub_;
};

TEST_F(StreamHubTest, SlotsAreBoundedInAllAndPerKey) {
  StreamHub::Admission admission;
  auto a1 = hub_->OpenSlot("k_a", &admission);
  auto a2 = hub_->OpenSlot("k_a", &admission);
  ASSERT_TRUE(a1 && a2);
  EXPECT_EQ(hub_->OpenSlot("k_a", &admission), nullptr);
  EXPECT_EQ(admission, StreamHub::Admission::kKeyFull);
  auto b1 = hub_->OpenSlot("k_b", &admission);
  ASSERT_TRUE(b1);
  EXPECT_EQ(hub_->OpenSlot("k_c", &admission), nullptr);
  EXPECT_EQ(admission, StreamHub::Admission::kServerFull);
  EXPECT_EQ(hub_->connections(), 3u);
  a1.reset();
  EXPECT_EQ(hub_->connections(), 2u);
  EXPECT_NE(hub_->OpenSlot("k_a", &admission), nullptr) << "a slot given back is free at once";
  EXPECT_EQ(admission, StreamHub::Admission::kAdmitted);
}

// A key deleted between its stream's upgrade (the slot taken) and its
// registration: the stream is revoked, never registered.
TEST_F(StreamHubTest, KeyRevokedBeforeItsStreamRegistersRevokesIt) {
  Subscribe("s1", "k_a");
  StreamHub::Admission admission;
  auto slot = hub_->OpenSlot("k_a", &admission);
  ASSERT_TRUE(slot);
  hub_->RevokeKey("k_a");
  auto sink = std::make_shared<RecordingSink>();
  hub_->Register(sink, "k_a", {{"s1", "k_a"}});
  EXPECT_EQ(sink->revoked_code, 4001);
  EXPECT_EQ(hub_->streams(), 0u);
}

// Registration judges each subscription by its owner now: one deleted and
// re-created by another key since the upgrade is left out.
TEST_F(StreamHubTest, RegisterKeepsOnlySubscriptionsStillTheirOwners) {
  Subscribe("s1", "k_b");  // s1 was k_a's when the stream was upgraded
  Subscribe("s2", "k_a");
  auto sink = std::make_shared<RecordingSink>();
  hub_->Register(sink, "k_a", {{"s1", "k_a"}, {"s2", "k_a"}});
  EXPECT_EQ(sink->revoked_code, 0);
  EXPECT_EQ(hub_->streams(), 1u);
  auto alone = std::make_shared<RecordingSink>();
  hub_->Register(alone, "k_a", {{"s1", "k_a"}});
  EXPECT_EQ(alone->revoked_code, 4004);
  book_.Remove("s2");
  hub_->RemoveSubscription("s2");
  EXPECT_EQ(sink->revoked_code, 4004) << "left with none";
  EXPECT_EQ(hub_->streams(), 0u);
}

TEST_F(StreamHubTest, RevokeKeyClosesOnlyThatKeysStreams) {
  Subscribe("s1", "k_a");
  Subscribe("s2", "k_b");
  auto a = std::make_shared<RecordingSink>();
  auto b = std::make_shared<RecordingSink>();
  hub_->Register(a, "k_a", {{"s1", "k_a"}});
  hub_->Register(b, "k_b", {{"s2", "k_b"}});
  hub_->RevokeKey("k_a");
  EXPECT_EQ(a->revoked_code, 4001);
  EXPECT_EQ(a->revoked_reason, "key deleted");
  EXPECT_EQ(b->revoked_code, 0);
  EXPECT_EQ(hub_->streams(), 1u);
}

}  // namespace
}  // namespace biomatch::server
