#include "biomatch/engine/engine.h"

#include <future>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "testutil.h"

namespace biomatch::engine {
namespace {

using biomatch::testing::DailySlots;
using biomatch::testing::MakeCapability;
using biomatch::testing::MakePlatform;
using biomatch::testing::MakeRequest;
using biomatch::testing::Now;
using biomatch::testing::T;

TEST(EngineTest, PutCreatesThenReplacesWithVersions) {
  Engine e;
  auto first = e.PutPlatform(MakePlatform("p1"), Now());
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->entity.meta.version, 1u);
  EXPECT_EQ(first->entity.meta.created_at, Now());
  Platform changed = MakePlatform("p1");
  changed.name = "改名";
  auto second = e.PutPlatform(changed, Now() + 5);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->entity.meta.version, 2u);
  EXPECT_EQ(second->entity.meta.created_at, Now());
  EXPECT_EQ(second->entity.meta.updated_at, Now() + 5);
  EXPECT_EQ(e.GetPlatform("p1")->name, "改名");
}

TEST(EngineTest, IfMatchGuardsWrites) {
  Engine e;
  EXPECT_EQ(e.PutPlatform(MakePlatform("p1"), Now(), 1).status().code(), StatusCode::kPreconditionFailed)
      << "If-Match on a missing entity";
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  EXPECT_EQ(e.PutPlatform(MakePlatform("p1"), Now(), 7).status().code(), StatusCode::kPreconditionFailed);
  EXPECT_TRUE(e.PutPlatform(MakePlatform("p1"), Now(), 1).ok());
  EXPECT_EQ(e.DeletePlatform("p1", 1).code(), StatusCode::kPreconditionFailed);
  EXPECT_TRUE(e.DeletePlatform("p1", 2).ok());
}

TEST(EngineTest, RejectedWritesLeaveNothingBehind) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  Capability orphan = MakeCapability("c1", "p-missing");
  auto r = e.PutCapability(orphan, Now());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "platform_id");
  Capability bad = MakeCapability("c1", "p1");
  bad.slots.push_back(bad.slots[0]);
  EXPECT_EQ(e.PutCapability(bad, Now()).status().field(), "slots[1]");
  EXPECT_EQ(e.GetCapability("c1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(e.GetOverview().capabilities, 0u);
  auto m = e.Match(MakeRequest(""), MatchOptions{Now(), 10, true});
  EXPECT_EQ(m->feasible, 0u);
}

TEST(EngineTest, DeleteRulesAndRecreation) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  EXPECT_EQ(e.DeletePlatform("p1").code(), StatusCode::kConflict) << "platform still has capabilities";
  ASSERT_TRUE(e.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  ASSERT_TRUE(e.DeleteCapability("c1").ok());
  EXPECT_EQ(e.DeleteCapability("c1").code(), StatusCode::kNotFound);
  EXPECT_TRUE(e.DeletePlatform("p1").ok());
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  EXPECT_EQ(e.GetPlatform("p1")->meta.version, 1u) << "a re-created entity starts again at 1";
}

TEST(EngineTest, CapabilityReportsReservedAndFreePerSlot) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  ASSERT_TRUE(e.PutRequest(MakeRequest("r1"), Now()).ok());
  ASSERT_TRUE(e.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now()).ok());
  auto c = e.GetCapability("c1");
  ASSERT_EQ(c->slots.size(), 1u);
  EXPECT_EQ(c->slots[0].units, 3);
  EXPECT_EQ(c->slots[0].reserved, 1);
}

TEST(EngineTest, SlotChangesMayNotDropReservedUnits) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  Request r = MakeRequest("r1");
  r.quantity = 2;
  r.budget_max.reset();
  ASSERT_TRUE(e.PutRequest(r, Now()).ok());
  ASSERT_TRUE(e.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now()).ok());
  std::vector<Slot> fewer = {{T("2026-12-01T00:00:00Z"), T("2027-01-01T00:00:00Z"), 1, 0}};
  EXPECT_EQ(e.ReplaceSlots("c1", fewer, Now()).status().code(), StatusCode::kConflict);
  EXPECT_EQ(e.ReplaceSlots("c1", DailySlots(5, 9), Now()).status().code(), StatusCode::kConflict)
      << "the reserved slot would vanish";
  std::vector<Slot> more = {{T("2026-12-01T00:00:00Z"), T("2027-01-01T00:00:00Z"), 2, 0},
                            {T("2027-01-01T00:00:00Z"), T("2027-02-01T00:00:00Z"), 4, 0}};
  auto ok = e.ReplaceSlots("c1", more, Now());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->slots[0].reserved, 2);
  EXPECT_EQ(ok->meta.version, 2u);
  EXPECT_EQ(e.GetCapability("c1")->slots[1].units, 4);
  // Whole-document PUT obeys the same rule.
  Capability doc = MakeCapability("c1", "p1");
  doc.slots = fewer;
  EXPECT_EQ(e.PutCapability(doc, Now()).status().code(), StatusCode::kConflict);
}

TEST(EngineTest, ListsPageThroughEveryItemOnce) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  Platform bj = MakePlatform("p2");
  bj.region = "CN/BJ/beijing";
  ASSERT_TRUE(e.PutPlatform(bj, Now()).ok());
  std::set<std::string> expected;
  for (int i = 0; i < 57; ++i) {
    Capability c = MakeCapability("c" + std::to_string(i), i % 2 ? "p1" : "p2");
    if (i % 3 == 0) c.category = "analysis/nmr";
    ASSERT_TRUE(e.PutCapability(c, Now()).ok());
    if (i % 2 && i % 3) expected.insert(c.id);
  }
  ListQuery q;
  q.limit = 5;
  q.platform_id = "p1";
  q.category_prefix = "preclinical";
  std::set<std::string> seen;
  std::size_t pages = 0;
  for (;;) {
    ListPage<Capability> page = e.ListCapabilities(q);
    ++pages;
    for (const Capability& c : page.items) EXPECT_TRUE(seen.insert(c.id).second) << c.id << " seen twice";
    if (page.next_after.empty()) break;
    q.after = page.next_after;
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(pages, (expected.size() + 4) / 5);
  ListQuery by_region;
  by_region.region_prefix = "CN/BJ";
  EXPECT_EQ(e.ListPlatforms(by_region).items.size(), 1u);
  by_region.limit = 1000;
  EXPECT_EQ(e.ListCapabilities(by_region).items.size(), 29u);
}

TEST(EngineTest, ObserverSeesEveryChangeInOrder) {
  Engine e;
  std::vector<std::string> seen;
  e.SetChangeObserver([&](const ChangeSet& c, const ChangeContext&) {
    for (const auto& p : c.platforms) seen.push_back("platform " + p.id + " v" + std::to_string(p.meta.version));
    for (const auto& x : c.capabilities) seen.push_back("capability " + x.id);
    for (const auto& r : c.requests) seen.push_back("request " + r.id + " " + std::string(ToString(r.status)));
    for (const auto& r : c.reservations) seen.push_back("reservation " + r.id + " " + std::string(ToString(r.status)));
    for (const auto& x : c.deleted_capabilities) seen.push_back("deleted capability " + x.id + " " + x.title);
    for (const auto& id : c.deleted_reservations) seen.push_back("deleted reservation " + id);
  });
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  ASSERT_TRUE(e.PutRequest(MakeRequest("r1"), Now()).ok());
  ASSERT_TRUE(e.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now()).ok());
  ASSERT_TRUE(e.CancelReservation("h1", Now()).ok());
  EXPECT_FALSE(e.DeletePlatform("p1").ok()) << "failed writes are not observed";
  ASSERT_TRUE(e.DeleteCapability("c1").ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"platform p1 v1", "capability c1", "request r1 open",
                                            "request r1 reserved", "reservation h1 held",
                                            "request r1 open", "reservation h1 cancelled",
                                            "deleted capability c1 " + MakeCapability("c1", "p1").title,
                                            "deleted reservation h1"}));
}

TEST(EngineTest, RequestPutKeepsStatusAndGuardsQuantity) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  Request r = MakeRequest("r1");
  r.quantity = 2;
  r.budget_max.reset();
  ASSERT_TRUE(e.PutRequest(r, Now()).ok());
  ASSERT_TRUE(e.Hold({"h1", "r1", "c1", 2, 900}, Now()).ok());
  EXPECT_EQ(e.GetRequest("r1")->status, RequestStatus::kReserved);
  r.quantity = 1;
  EXPECT_EQ(e.PutRequest(r, Now()).status().code(), StatusCode::kConflict);
  r.quantity = 3;
  auto put = e.PutRequest(r, Now());
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->entity.status, RequestStatus::kOpen) << "one unit is unreserved again";
  EXPECT_EQ(e.DeleteRequest("r1").code(), StatusCode::kConflict);
  // A cancelled request re-posted is open again.
  ASSERT_TRUE(e.CancelRequest("r1", Now()).ok());
  EXPECT_EQ(e.GetCapability("c1")->slots[0].reserved, 0) << "cancelling frees the request's units";
  EXPECT_EQ(e.PutRequest(r, Now())->entity.status, RequestStatus::kOpen);
}

TEST(EngineTest, LoadRestoresStateExactly) {
  Engine live;
  ASSERT_TRUE(live.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(live.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  Request r = MakeRequest("r1");
  r.quantity = 3;
  r.budget_max.reset();
  ASSERT_TRUE(live.PutRequest(r, Now()).ok());
  ASSERT_TRUE(live.Hold({"h1", "r1", "c1", 1, 900}, Now()).ok());
  ASSERT_TRUE(live.Hold({"h2", "r1", "c1", 1, 900}, Now()).ok());
  ASSERT_TRUE(live.Confirm("h2", Now()).ok());
  ASSERT_TRUE(live.Complete("h2", Now()).ok());

  Engine loaded;
  ASSERT_TRUE(loaded.LoadPlatform(*live.GetPlatform("p1")).ok());
  ASSERT_TRUE(loaded.LoadCapability(*live.GetCapability("c1")).ok());
  ASSERT_TRUE(loaded.LoadRequest(*live.GetRequest("r1")).ok());
  for (const char* id : {"h1", "h2"}) ASSERT_TRUE(loaded.LoadReservation(*live.GetReservation(id)).ok());
  EXPECT_EQ(*loaded.GetCapability("c1"), *live.GetCapability("c1"));
  EXPECT_EQ(*loaded.GetRequest("r1"), *live.GetRequest("r1"));
  const MatchOptions o{Now(), 10, true};
  EXPECT_EQ(loaded.Match(MakeRequest(""), o)->matches, live.Match(MakeRequest(""), o)->matches);
  EXPECT_EQ(loaded.GetOverview().held_reservations, 1u);
  EXPECT_EQ(loaded.LoadPlatform(*live.GetPlatform("p1")).code(), StatusCode::kCorruption);
  Reservation dangling = *live.GetReservation("h1");
  dangling.id = "h3";
  dangling.capability_id = "c-missing";
  EXPECT_EQ(loaded.LoadReservation(dangling).code(), StatusCode::kCorruption);
}

// Recovery fills both copies of the state (replicas.h); the writes after
// it publish one copy, then the other, so each must hold every load.
TEST(EngineTest, EveryLoadReachesBothCopiesOfTheState) {
  constexpr int kCapabilities = 100;
  Engine live;
  ASSERT_TRUE(live.PutPlatform(MakePlatform("p1"), Now()).ok());
  Engine loaded;
  ASSERT_TRUE(loaded.LoadPlatform(*live.GetPlatform("p1")).ok());
  for (int i = 0; i < kCapabilities; ++i) {
    const std::string id = "c" + std::to_string(i);
    ASSERT_TRUE(live.PutCapability(MakeCapability(id, "p1"), Now()).ok());
    ASSERT_TRUE(loaded.LoadCapability(*live.GetCapability(id)).ok());
  }
  ASSERT_TRUE(live.PutRequest(MakeRequest("r1"), Now()).ok());
  ASSERT_TRUE(loaded.LoadRequest(*live.GetRequest("r1")).ok());
  ASSERT_TRUE(live.Hold({"h1", "r1", "c99", 1, 900}, Now()).ok());
  ASSERT_TRUE(loaded.LoadReservation(*live.GetReservation("h1")).ok());

  const MatchOptions o{Now(), 10, true};
  for (const char* next : {"p2", "p3"}) {  // one write publishes each copy
    SCOPED_TRACE(next);
    ASSERT_TRUE(live.PutPlatform(MakePlatform(next), Now()).ok());
    ASSERT_TRUE(loaded.PutPlatform(MakePlatform(next), Now()).ok());
    EXPECT_EQ(loaded.GetOverview().capabilities, static_cast<std::uint64_t>(kCapabilities));
    EXPECT_EQ(loaded.GetOverview().held_reservations, 1u);
    EXPECT_EQ(*loaded.GetCapability("c99"), *live.GetCapability("c99"));
    EXPECT_EQ(loaded.Match(MakeRequest(""), o)->matches, live.Match(MakeRequest(""), o)->matches);
  }
}

}  // namespace
}  // namespace biomatch::engine

namespace biomatch::engine {
namespace {

using biomatch::testing::MakeCapability;
using biomatch::testing::MakePlatform;
using biomatch::testing::MakeRequest;
using biomatch::testing::Now;

BatchOp Put(Platform p) { return {BatchOp::Kind::kPut, p.id, std::move(p)}; }
BatchOp Put(Capability c) { return {BatchOp::Kind::kPut, c.id, std::move(c)}; }
BatchOp Put(Request r) { return {BatchOp::Kind::kPut, r.id, std::move(r)}; }
BatchOp Delete(BatchOp::Kind kind, std::string id) { return {kind, std::move(id), std::monostate{}}; }

TEST(EngineBatchTest, LaterOperationsSeeEarlierOnes) {
  Engine e;
  int notified = 0;
  ChangeSet seen;
  e.SetChangeObserver([&](const ChangeSet& c, const ChangeContext&) {
    ++notified;
    seen = c;
  });
  std::vector<BatchError> errors;
  auto applied = e.ApplyBatch({Put(MakePlatform("p1")), Put(MakeCapability("c1", "p1")), Put(MakeRequest("r1")),
                               Put(MakeCapability("c2", "p1")), Delete(BatchOp::Kind::kDeleteCapability, "c2")},
                              Now(), &errors);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(*applied, 5u);
  EXPECT_EQ(notified, 1) << "one change set for the whole batch";
  ASSERT_EQ(seen.capabilities.size(), 1u) << "c2 was put, then deleted: only its delete is reported";
  EXPECT_EQ(seen.capabilities[0].id, "c1");
  ASSERT_EQ(seen.deleted_capabilities.size(), 1u);
  EXPECT_EQ(seen.deleted_capabilities[0].id, "c2") << "the deleted capability's last state";
  EXPECT_EQ(seen.deleted_capabilities[0].platform_id, "p1");
  EXPECT_TRUE(e.GetCapability("c1").ok());
  EXPECT_FALSE(e.GetCapability("c2").ok());
}

// A change set holds each id once, in its final state, whatever order the
// batch's puts and deletes came in.
TEST(EngineBatchTest, ChangeSetHoldsTheNetEffect) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(e.PutRequest(MakeRequest("r1"), Now()).ok());
  ChangeSet seen;
  e.SetChangeObserver([&](const ChangeSet& c, const ChangeContext&) { seen = c; });
  std::vector<BatchError> errors;
  auto applied = e.ApplyBatch({Delete(BatchOp::Kind::kDeletePlatform, "p1"), Put(MakePlatform("p1")),
                               Put(MakeRequest("r1")), Delete(BatchOp::Kind::kDeleteRequest, "r1"),
                               Put(MakeRequest("r2")), Delete(BatchOp::Kind::kDeleteRequest, "r2"),
                               Put(MakeRequest("r2"))},
                              Now(), &errors);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_EQ(seen.platforms.size(), 1u);
  EXPECT_EQ(seen.platforms[0].meta.version, 1u) << "re-created";
  EXPECT_TRUE(seen.deleted_platforms.empty());
  ASSERT_EQ(seen.requests.size(), 1u);
  EXPECT_EQ(seen.requests[0].id, "r2");
  ASSERT_EQ(seen.deleted_requests.size(), 1u);
  EXPECT_EQ(seen.deleted_requests[0].id, "r1");
}

// Readers neither wait for a batch nor see any of it before it is
// published: while the batch waits in before_publish (where the server
// makes it durable), reads answer from the state before it; afterwards
// they see all of it. A reader that waited would hang this test.
TEST(EngineBatchTest, ReadersNeitherWaitForABatchNorSeePartOfIt) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p0"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c0", "p0"), Now()).ok());
  std::promise<void> applied, publish;
  std::thread writer([&] {
    std::vector<BatchError> errors;
    auto done = e.ApplyBatch({Put(MakePlatform("p1")), Put(MakeCapability("c1", "p1")),
                              Delete(BatchOp::Kind::kDeleteCapability, "c0")},
                             Now(), &errors, [&] {
                               applied.set_value();
                               publish.get_future().wait();
                             });
    EXPECT_TRUE(done.ok()) << done.status().ToString();
  });
  applied.get_future().wait();
  const Request request = MakeRequest("query");
  EXPECT_EQ(e.GetPlatform("p1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(e.GetCapability("c1").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(e.GetCapability("c0").ok());
  EXPECT_EQ(e.GetOverview().capabilities, 1u);
  auto before = e.Match(request, {Now(), 10, false});
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->matches.size(), 1u);
  EXPECT_EQ(before->matches[0].capability_id, "c0");
  publish.set_value();
  writer.join();
  EXPECT_TRUE(e.GetPlatform("p1").ok());
  EXPECT_EQ(e.GetCapability("c0").status().code(), StatusCode::kNotFound);
  auto after = e.Match(request, {Now(), 10, false});
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->matches.size(), 1u);
  EXPECT_EQ(after->matches[0].capability_id, "c1");
}

// Moving a capability between platforms within a batch counts for later
// platform deletes.
TEST(EngineBatchTest, PlatformDeletesSeeCapabilitiesMovedEarlier) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p0"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c0", "p0"), Now()).ok());
  std::vector<BatchError> errors;
  auto applied = e.ApplyBatch({Put(MakePlatform("p1")), Put(MakeCapability("c0", "p1")),  // c0 moves to p1
                               Delete(BatchOp::Kind::kDeletePlatform, "p0"),             // fine: p0 is empty
                               Put(MakeCapability("c1", "p1")),
                               Delete(BatchOp::Kind::kDeletePlatform, "p1")},            // 4: holds c0 and c1
                              Now(), &errors);
  ASSERT_FALSE(applied.ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].index, 4u);
  EXPECT_EQ(errors[0].status.code(), StatusCode::kConflict);
  EXPECT_NE(errors[0].status.message().find("2 capabilities"), std::string::npos) << errors[0].status.ToString();
}

// Capabilities find their platforms whether stored before the batch, put
// by it, or replaced by it.
TEST(EngineBatchTest, CapabilitiesFindPlatformsStoredPutOrReplaced) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p0"), Now()).ok());
  Platform p0 = MakePlatform("p0");
  p0.name = "replaced";
  std::vector<BatchError> errors;
  auto applied = e.ApplyBatch({Put(MakeCapability("c0", "p0")), Put(MakePlatform("p1")), Put(p0),
                               Put(MakeCapability("c1", "p1")), Put(MakeCapability("c2", "p0"))},
                              Now(), &errors);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  for (const auto& [capability, platform] : {std::pair{"c0", "p0"}, {"c1", "p1"}, {"c2", "p0"}}) {
    auto c = e.GetCapability(capability);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->platform_id, platform) << capability;
  }
  EXPECT_EQ(e.GetPlatform("p0")->name, "replaced");
  EXPECT_EQ(e.DeletePlatform("p1").code(), StatusCode::kConflict) << "p1 holds c1";
}

// A batch of puts alone (a bulk load) may name an id twice: the later put
// replaces the earlier.
TEST(EngineBatchTest, PutsOfOneIdApplyInOrder) {
  Engine e;
  Capability second = MakeCapability("c1", "p1");
  second.title = "second";
  std::vector<BatchError> errors;
  auto applied =
      e.ApplyBatch({Put(MakePlatform("p1")), Put(MakeCapability("c1", "p1")), Put(second)}, Now(), &errors);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  auto c1 = e.GetCapability("c1");
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1->title, "second");
  EXPECT_EQ(c1->meta.version, 2u);
  EXPECT_EQ(e.GetOverview().capabilities, 1u);
}

TEST(EngineBatchTest, AnyBadOperationRejectsTheWholeBatchAndNamesEveryOne) {
  Engine e;
  ASSERT_TRUE(e.PutPlatform(MakePlatform("p0"), Now()).ok());
  ASSERT_TRUE(e.PutCapability(MakeCapability("c0", "p0"), Now()).ok());
  Capability bad = MakeCapability("c-bad", "p1");
  bad.price_per_unit = -1;
  std::vector<BatchError> errors;
  auto applied = e.ApplyBatch({Put(MakePlatform("p1")),                                 // fine
                               Put(MakeCapability("c-orphan", "p-nowhere")),            // 1: no platform
                               Put(bad),                                                // 2: invalid
                               Delete(BatchOp::Kind::kDeletePlatform, "p0"),            // 3: still has c0
                               Delete(BatchOp::Kind::kDeleteRequest, "r-missing"),      // 4: not found
                               Delete(BatchOp::Kind::kDeleteCapability, "c0"),          // fine
                               Delete(BatchOp::Kind::kDeletePlatform, "p0"),            // fine now
                               {BatchOp::Kind::kPut, "x", std::monostate{}}},           // 7: no doc
                              Now(), &errors);
  ASSERT_FALSE(applied.ok());
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_EQ(errors[0].index, 1u);
  EXPECT_EQ(errors[0].status.field(), "platform_id");
  EXPECT_EQ(errors[1].index, 2u);
  EXPECT_EQ(errors[1].status.field(), "price_per_unit");
  EXPECT_EQ(errors[2].index, 3u);
  EXPECT_EQ(errors[2].status.code(), StatusCode::kConflict);
  EXPECT_EQ(errors[3].index, 4u);
  EXPECT_EQ(errors[3].status.code(), StatusCode::kNotFound);
  EXPECT_EQ(errors[4].index, 7u);
  EXPECT_FALSE(e.GetPlatform("p1").ok()) << "nothing was applied";
  EXPECT_TRUE(e.GetCapability("c0").ok());
}

}  // namespace
}  // namespace biomatch::engine
