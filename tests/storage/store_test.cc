#include "biomatch/storage/store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <thread>
#include <variant>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "codec.h"
#include "testutil.h"

namespace biomatch::storage {
namespace {

using biomatch::testing::MakeCapability;
using biomatch::testing::MakePlatform;
using biomatch::testing::MakeRequest;
using biomatch::testing::Now;
using biomatch::testing::T;
using biomatch::testing::TempDir;
using engine::Engine;
using engine::StatusCode;

// One event per changed entity: type "<kind>.changed", body the id.
std::vector<EventDraft> OneEventPerEntity(const engine::ChangeSet& c, const engine::ChangeContext&) {
  std::vector<EventDraft> out;
  for (const auto& x : c.platforms) out.push_back({"platform.updated", x.id});
  for (const auto& x : c.capabilities) out.push_back({"capability.updated", x.id});
  for (const auto& x : c.requests) out.push_back({"request.updated", x.id});
  for (const auto& x : c.reservations) out.push_back({"reservation.updated", x.id});
  return out;
}

Options OptionsFor(const std::filesystem::path& dir, Durability durability = Durability::kFsync) {
  Options o;
  o.dir = dir.string();
  o.durability = durability;
  o.event_maker = OneEventPerEntity;
  return o;
}

// An engine with a store attached: writes through it wait until durable.
struct Node {
  Engine engine;
  std::unique_ptr<Store> store;

  explicit Node(const Options& options, engine::Seconds now = Now(), OpenStats* stats = nullptr) {
    auto opened = Store::Open(options, &engine, now, stats);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    if (opened.ok()) store = std::move(opened).value();
  }
  // Waits for the commit the last engine call on this thread submitted.
  void Durable() { ASSERT_TRUE(store->WaitDurable(Store::TakeThreadTicket()).ok()); }
};

// Opens a data directory with RocksDB alone, every family it has, and calls
// edit(db, family name -> handle) to tamper with it.
void EditRaw(const std::filesystem::path& dir,
             const std::function<void(rocksdb::DB*, const std::map<std::string, rocksdb::ColumnFamilyHandle*>&)>& edit) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.string(), &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const auto& name : names) cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir.string(), cfs, &handles, &db).ok());
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name;
  for (std::size_t i = 0; i < names.size(); ++i) by_name[names[i]] = handles[i];
  edit(db, by_name);
  for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  ASSERT_TRUE(db->Close().ok());
  delete db;
}

template <typename T>
std::vector<T> All(engine::ListPage<T> (Engine::*list)(const engine::ListQuery&) const, const Engine& e) {
  engine::ListQuery q;
  q.limit = 1'000'000;
  return (e.*list)(q).items;
}

void ExpectSameState(const Engine& a, const Engine& b) {
  EXPECT_EQ(All(&Engine::ListPlatforms, a), All(&Engine::ListPlatforms, b));
  EXPECT_EQ(All(&Engine::ListCapabilities, a), All(&Engine::ListCapabilities, b));
  EXPECT_EQ(All(&Engine::ListRequests, a), All(&Engine::ListRequests, b));
  EXPECT_EQ(All(&Engine::ListReservations, a), All(&Engine::ListReservations, b));
}

engine::Platform ExtremePlatform() {
  engine::Platform p = MakePlatform("p-极端");
  p.id = "p:extreme.1";
  p.name = "中国医学科学院 \"实验动物\" 研究所 🐀 \t tab";
  p.location = {-90, 180};
  p.evaluation = engine::Evaluation{0, 100, 33.333333333333336, 99.99999999999999};
  p.qualifications = {{"GLP", engine::kMaxTime}, {"CNAS", std::nullopt}, {"ISO17025", 0}};
  return p;
}

engine::Request FullRequest() {
  engine::Request r = MakeRequest("r-full");
  r.region = "CN/SC";
  r.weights = engine::WeightOverrides{};
  r.weights->price = 3;
  r.weights->utilization = 0;
  r.quantity = 1'000'000'000;
  r.budget_max = 1e15;
  return r;
}

TEST(StoreTest, RoundTripsEveryEntity) {
  TempDir dir;
  {
    Node n(OptionsFor(dir.path()));
    ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutPlatform(ExtremePlatform(), Now()).ok());
    engine::Capability c = MakeCapability("c1", "p1");
    c.price_per_unit = 1e15;
    c.slots.push_back({T("2027-01-01T00:00:00Z"), T("2027-02-01T00:00:00Z"), 1'000'000'000, 0});
    ASSERT_TRUE(n.engine.PutCapability(c, Now()).ok());
    ASSERT_TRUE(n.engine.PutCapability(MakeCapability("c2", "p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutRequest(MakeRequest("r1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutRequest(FullRequest(), Now()).ok());
    ASSERT_TRUE(n.engine.Hold({"h1", "r1", "c2", std::nullopt, 900}, Now()).ok());
    n.Durable();
    Node reopened(OptionsFor(dir.path() / "unused"));  // a second, independent directory opens too
  }
  Node first(OptionsFor(dir.path()));
  engine::Platform extreme = ExtremePlatform();
  extreme.meta = {1, Now(), Now()};
  EXPECT_EQ(*first.engine.GetPlatform("p:extreme.1"), extreme);
  EXPECT_EQ(first.engine.GetRequest("r-full")->budget_max, 1e15);
  EXPECT_EQ(first.engine.GetRequest("r-full")->weights, FullRequest().weights);
  EXPECT_EQ(first.engine.GetCapability("c2")->slots[0].reserved, 1) << "reserved units rebuilt from reservations";
  EXPECT_EQ(first.engine.GetReservation("h1")->status, engine::ReservationStatus::kHeld);
  EXPECT_EQ(first.engine.GetRequest("r1")->status, engine::RequestStatus::kReserved);

  // What was loaded equals what a second load rebuilds.
  first.store.reset();
  Node second(OptionsFor(dir.path()));
  ExpectSameState(first.engine, second.engine);
}

TEST(StoreTest, DeletesArePersisted) {
  TempDir dir;
  {
    Node n(OptionsFor(dir.path()));
    ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutRequest(MakeRequest("r1"), Now()).ok());
    ASSERT_TRUE(n.engine.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now()).ok());
    ASSERT_TRUE(n.engine.CancelReservation("h1", Now()).ok());
    ASSERT_TRUE(n.engine.DeleteCapability("c1").ok());
    ASSERT_TRUE(n.engine.DeletePlatform("p1").ok());
    n.Durable();
  }
  Node n(OptionsFor(dir.path()));
  EXPECT_EQ(n.engine.GetPlatform("p1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(n.engine.GetCapability("c1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(n.engine.GetReservation("h1").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(n.engine.GetRequest("r1").ok());
}

engine::BatchOp PutOp(std::string id, std::variant<std::monostate, engine::Platform, engine::Capability, engine::Request> doc) {
  return {engine::BatchOp::Kind::kPut, std::move(id), std::move(doc)};
}
engine::BatchOp DeleteOp(engine::BatchOp::Kind kind, std::string id) { return {kind, std::move(id), {}}; }

// A batch persists the final state of each id it touches, whatever order
// its puts and deletes came in.
TEST(StoreTest, BatchThatDeletesAndPutsAnIdPersistsItsFinalState) {
  using Kind = engine::BatchOp::Kind;
  TempDir dir;
  {
    Node n(OptionsFor(dir.path()));
    ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutRequest(MakeRequest("r1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutRequest(MakeRequest("r2"), Now()).ok());
    n.Durable();
    std::vector<engine::BatchOp> ops;
    // Delete and re-create a platform with its capability.
    ops.push_back(DeleteOp(Kind::kDeleteCapability, "c1"));
    ops.push_back(DeleteOp(Kind::kDeletePlatform, "p1"));
    ops.push_back(PutOp("p1", MakePlatform("p1")));
    ops.push_back(PutOp("c1", MakeCapability("c1", "p1")));
    // Delete, put (r1); put, delete (r2); put, delete, put (r3).
    ops.push_back(DeleteOp(Kind::kDeleteRequest, "r1"));
    ops.push_back(PutOp("r1", MakeRequest("r1")));
    ops.push_back(PutOp("r2", MakeRequest("r2")));
    ops.push_back(DeleteOp(Kind::kDeleteRequest, "r2"));
    ops.push_back(PutOp("r3", MakeRequest("r3")));
    ops.push_back(DeleteOp(Kind::kDeleteRequest, "r3"));
    ops.push_back(PutOp("r3", MakeRequest("r3")));
    std::vector<engine::BatchError> errors;
    auto applied = n.engine.ApplyBatch(std::move(ops), Now(), &errors);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    n.Durable();
  }
  OpenStats stats;
  Node n(OptionsFor(dir.path()), Now(), &stats);  // refused before: c1 named a missing platform
  ASSERT_NE(n.store, nullptr);
  EXPECT_TRUE(n.engine.GetPlatform("p1").ok());
  EXPECT_TRUE(n.engine.GetCapability("c1").ok());
  EXPECT_TRUE(n.engine.GetRequest("r1").ok());
  EXPECT_EQ(n.engine.GetRequest("r2").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(n.engine.GetRequest("r3").ok());
  EXPECT_EQ(stats.requests, 2u);
}

TEST(StoreTest, HeldReservationsPastExpiryExpireOnLoad) {
  TempDir dir;
  {
    Node n(OptionsFor(dir.path()));
    ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutRequest(MakeRequest("r1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutRequest(MakeRequest("r2"), Now()).ok());
    ASSERT_TRUE(n.engine.Hold({"h-short", "r1", "c1", std::nullopt, 60}, Now()).ok());
    ASSERT_TRUE(n.engine.Hold({"h-long", "r2", "c1", std::nullopt, 3600}, Now()).ok());
    n.Durable();
  }
  OpenStats stats;
  {
    Node n(OptionsFor(dir.path()), Now() + 120, &stats);
    EXPECT_EQ(stats.expired_on_load, 1u);
    EXPECT_EQ(n.engine.GetReservation("h-short")->status, engine::ReservationStatus::kExpired);
    EXPECT_EQ(n.engine.GetReservation("h-long")->status, engine::ReservationStatus::kHeld);
    EXPECT_EQ(n.engine.GetRequest("r1")->status, engine::RequestStatus::kOpen);
    EXPECT_EQ(n.engine.GetCapability("c1")->slots[0].reserved, 1);
  }
  Node again(OptionsFor(dir.path()), Now() + 121, &stats);
  EXPECT_EQ(stats.expired_on_load, 0u) << "the expiry itself was persisted";
  EXPECT_EQ(again.engine.GetReservation("h-short")->status, engine::ReservationStatus::kExpired);
}

TEST(StoreTest, RefusesAFutureFormatVersion) {
  TempDir dir;
  { Node n(OptionsFor(dir.path())); }
  EditRaw(dir.path(), [](rocksdb::DB* db, const auto& cf) {
    ASSERT_TRUE(db->Put({}, cf.at(kMetaFamily), std::string(kFormatVersionKey), EncodeFixed32(99)).ok());
  });
  Engine e;
  auto opened = Store::Open(OptionsFor(dir.path()), &e, Now());
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("format 99"), std::string::npos) << opened.status().ToString();
}

// The match watch's announcement state survives a restart, so a pair
// announced before it is not announced again after it.
TEST(StoreTest, MatchWatchStateSurvivesRestart) {
  TempDir dir;
  std::vector<std::string> found;
  auto record = [&](const engine::ChangeSet& c, const engine::ChangeContext&) {
    for (const auto& m : c.found_matches) found.push_back(m.request_id + "+" + m.capability_id);
    return std::vector<EventDraft>{};
  };
  Options options = OptionsFor(dir.path());
  options.event_maker = record;
  {
    Node n(options);
    n.engine.SetMatchWatch({true, 0, 10});
    ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutRequest(MakeRequest("r1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutRequest(MakeRequest("r2"), Now()).ok());
    ASSERT_TRUE(n.engine.CancelRequest("r2", Now()).ok());  // its state is deleted
    n.Durable();
  }
  EXPECT_EQ(found, (std::vector<std::string>{"r1+c1", "r2+c1"}));
  found.clear();
  OpenStats stats;
  Node n(options, Now(), &stats);
  EXPECT_EQ(stats.watched_requests, 1u);
  n.engine.SetMatchWatch({true, 0, 10});
  ASSERT_TRUE(n.engine.PutRequest(MakeRequest("r1"), Now()).ok());
  ASSERT_TRUE(n.engine.PutCapability(MakeCapability("c2", "p1"), Now()).ok());
  n.Durable();
  EXPECT_EQ(found, std::vector<std::string>{"r1+c2"}) << "only the new pair";
}

// A format 1 directory (before the match_watch family) opens and is upgraded.
TEST(StoreTest, UpgradesFormatOne) {
  TempDir dir;
  {
    Node n(OptionsFor(dir.path()));
    ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p1"), Now()).ok());
    n.Durable();
  }
  EditRaw(dir.path(), [](rocksdb::DB* db, const auto& cf) {
    ASSERT_TRUE(db->Put({}, cf.at(kMetaFamily), std::string(kFormatVersionKey), EncodeFixed32(1)).ok());
    ASSERT_TRUE(db->DropColumnFamily(cf.at(kMatchWatchFamily)).ok());
  });
  {
    Node n(OptionsFor(dir.path()));
    ASSERT_NE(n.store, nullptr);
    EXPECT_TRUE(n.engine.GetPlatform("p1").ok());
  }
  auto report = Store::Verify(dir.path().string());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->problems.empty());
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.path().string(), &names).ok());
  EXPECT_NE(std::find(names.begin(), names.end(), kMatchWatchFamily), names.end());
}

TEST(StoreTest, RefusesForeignAndCorruptDirectories) {
  TempDir dir;
  std::ofstream(dir.path() / "notes.txt") << "my thesis";
  Engine e;
  auto opened = Store::Open(OptionsFor(dir.path()), &e, Now());
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("not a biomatch data directory"), std::string::npos);

  TempDir foreign;
  {
    rocksdb::DB* db = nullptr;
    rocksdb::Options o;
    o.create_if_missing = true;
    ASSERT_TRUE(rocksdb::DB::Open(o, foreign.path().string(), &db).ok());
    ASSERT_TRUE(db->Put({}, "k", "v").ok());
    delete db;
  }
  opened = Store::Open(OptionsFor(foreign.path()), &e, Now());
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("not biomatch's"), std::string::npos) << opened.status().ToString();

  TempDir corrupt;
  { Node n(OptionsFor(corrupt.path())); }
  std::ofstream(corrupt.path() / "CURRENT", std::ios::trunc) << "MANIFEST-999999\n";
  opened = Store::Open(OptionsFor(corrupt.path()), &e, Now());
  EXPECT_FALSE(opened.ok());

  Options no_create = OptionsFor(dir.path() / "missing");
  no_create.create_if_missing = false;
  EXPECT_EQ(Store::Open(no_create, &e, Now()).status().code(), StatusCode::kNotFound);
}

TEST(StoreTest, EventLogIsNumberedReadableAndPrunable) {
  TempDir dir;
  Node n(OptionsFor(dir.path()));
  // Engine changes are stamped with the wall clock when they are submitted.
  const engine::Seconds wall = engine::NowSeconds();
  std::vector<Event> live;
  std::mutex mu;
  n.store->SetEventListener([&](const std::vector<Event>& events) {
    std::lock_guard lock(mu);
    live.insert(live.end(), events.begin(), events.end());
  });
  for (int i = 0; i < 10; ++i) {
    engine::Platform p = MakePlatform("p" + std::to_string(i));
    ASSERT_TRUE(n.engine.PutPlatform(p, Now()).ok());
  }
  // A commit of our own, with a record and two events at a later time.
  const auto ticket = n.store->Submit({}, {{Family::kSubscriptions, "s1", "filter"}},
                                      {{"x.one", "a"}, {"x.two", "b"}}, wall + 1000);
  ASSERT_TRUE(n.store->WaitDurable(ticket).ok());
  EXPECT_EQ(n.store->first_seq(), 1u);
  EXPECT_EQ(n.store->last_seq(), 12u);
  EXPECT_EQ(*n.store->GetRecord(Family::kSubscriptions, "s1"), "filter");

  std::vector<std::uint64_t> seqs;
  ASSERT_TRUE(n.store->ReadEvents(5, [&](const Event& e) {
    seqs.push_back(e.seq);
    return true;
  }).ok());
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{5, 6, 7, 8, 9, 10, 11, 12}));
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(live.size(), 12u);
    EXPECT_EQ(live[11].type, "x.two");
    EXPECT_EQ(live[11].body, "b");
  }

  ASSERT_TRUE(n.store->PruneEvents(wall + 500).ok());
  EXPECT_EQ(n.store->first_seq(), 11u);
  seqs.clear();
  ASSERT_TRUE(n.store->ReadEvents(1, [&](const Event& e) {
    seqs.push_back(e.seq);
    return true;
  }).ok());
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{11, 12}));
  ASSERT_TRUE(n.store->PruneEvents(wall + 100000).ok());
  EXPECT_EQ(n.store->first_seq(), 12u) << "the newest event is never pruned";
}

TEST(StoreTest, SequenceContinuesAfterRestart) {
  TempDir dir;
  {
    Node n(OptionsFor(dir.path()));
    ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p1"), Now()).ok());
    n.Durable();
  }
  Node n(OptionsFor(dir.path()));
  EXPECT_EQ(n.store->last_seq(), 1u);
  ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p2"), Now()).ok());
  n.Durable();
  EXPECT_EQ(n.store->last_seq(), 2u);
}

TEST(StoreTest, CheckpointOpensWithTheSameData) {
  TempDir dir;
  TempDir backups;
  const auto checkpoint = backups.path() / "cp1";
  Node n(OptionsFor(dir.path()));
  ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p1"), Now()).ok());
  ASSERT_TRUE(n.engine.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
  n.Durable();
  ASSERT_TRUE(n.store->Checkpoint(checkpoint.string()).ok());
  ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p-after"), Now()).ok());
  n.Durable();

  auto report = Store::Verify(checkpoint.string());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->problems.empty());
  EXPECT_EQ(report->platforms, 1u);
  EXPECT_EQ(report->capabilities, 1u);
  EXPECT_EQ(report->events, 2u);
  Node copy(OptionsFor(checkpoint));
  EXPECT_EQ(*copy.engine.GetCapability("c1"), *n.engine.GetCapability("c1"));
  EXPECT_EQ(copy.engine.GetPlatform("p-after").status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(n.store->Checkpoint(checkpoint.string()).ok()) << "the target must not exist";
}

TEST(StoreTest, VerifyReportsBrokenInvariants) {
  TempDir dir;
  {
    Node n(OptionsFor(dir.path()));
    ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutRequest(MakeRequest("r1"), Now()).ok());
    n.Durable();
  }
  // Forge a reservation of more units than the slot has, and a gap in the log.
  EditRaw(dir.path(), [](rocksdb::DB* db, const auto& cf) {
    engine::Reservation r;
    r.id = "forged";
    r.request_id = "r1";
    r.capability_id = "c1";
    r.quantity = 9;
    r.status = engine::ReservationStatus::kConfirmed;
    r.allocations = {{T("2026-12-01T00:00:00Z"), T("2027-01-01T00:00:00Z"), 9}};
    ASSERT_TRUE(db->Put({}, cf.at(kReservationsFamily), "forged", EncodeReservation(r)).ok());
    ASSERT_TRUE(db->Put({}, cf.at(kEventsFamily), EventKey(9), EncodeEvent({9, Now(), "x", ""})).ok());
  });
  auto report = Store::Verify(dir.path().string());
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->problems.size(), 3u);
  EXPECT_NE(report->problems[0].find("over-reserves"), std::string::npos) << report->problems[0];
  EXPECT_NE(report->problems[1].find("gap"), std::string::npos) << report->problems[1];
  EXPECT_NE(report->problems[2].find("next_seq"), std::string::npos) << report->problems[2];
  Engine e;
  EXPECT_EQ(Store::Open(OptionsFor(dir.path()), &e, Now()).status().code(), StatusCode::kCorruption);
}

// A directory with a capability whose platform is gone: Open refuses it and
// names the repair; Repair hands the capability and the reservation that
// names it to `keep` before deleting them, and leaves the rest.
TEST(StoreTest, RepairSetsInconsistentRecordsAsideAndKeepsTheRest) {
  TempDir dir;
  {
    Node n(OptionsFor(dir.path()));
    ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutPlatform(MakePlatform("p2"), Now()).ok());
    ASSERT_TRUE(n.engine.PutCapability(MakeCapability("c1", "p1"), Now()).ok());
    ASSERT_TRUE(n.engine.PutCapability(MakeCapability("c2", "p2"), Now()).ok());
    ASSERT_TRUE(n.engine.PutRequest(MakeRequest("r1"), Now()).ok());
    ASSERT_TRUE(n.engine.Hold({"h1", "r1", "c1", std::nullopt, 900}, Now()).ok());
    n.Durable();
  }
  EditRaw(dir.path(), [](rocksdb::DB* db, const auto& cf) {
    ASSERT_TRUE(db->Delete({}, cf.at(kPlatformsFamily), "p1").ok());
  });
  {
    Engine e;
    auto refused = Store::Open(OptionsFor(dir.path()), &e, Now());
    ASSERT_EQ(refused.status().code(), StatusCode::kCorruption);
    EXPECT_NE(refused.status().message().find("capability c1 names a missing platform"), std::string::npos)
        << refused.status().ToString();
    EXPECT_NE(refused.status().message().find("--repair"), std::string::npos) << refused.status().ToString();
  }
  // A keeper that fails: nothing is deleted.
  auto failed = Store::Repair(dir.path().string(), [](const auto&) { return engine::Status::IoError("disk full"); });
  EXPECT_EQ(failed.status().code(), StatusCode::kIoError);
  ASSERT_EQ(Store::Verify(dir.path().string())->problems.size(), 2u);

  std::vector<SetAside> kept;
  auto repaired = Store::Repair(dir.path().string(), [&](const std::vector<SetAside>& records) {
    kept = records;
    return engine::Status::Ok();
  });
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  ASSERT_EQ(repaired->size(), 2u);
  EXPECT_EQ(kept.size(), 2u);
  EXPECT_EQ((*repaired)[0].family, kCapabilitiesFamily);
  EXPECT_EQ((*repaired)[0].key, "c1");
  engine::Capability c1;
  EXPECT_TRUE(DecodeCapability((*repaired)[0].value, &c1).ok());
  EXPECT_EQ(c1.platform_id, "p1");
  EXPECT_EQ((*repaired)[1].family, kReservationsFamily);
  EXPECT_EQ((*repaired)[1].key, "h1");
  EXPECT_NE((*repaired)[1].reason.find("missing"), std::string::npos) << (*repaired)[1].reason;

  Node n(OptionsFor(dir.path()));
  ASSERT_NE(n.store, nullptr);
  EXPECT_TRUE(n.engine.GetCapability("c2").ok());
  EXPECT_TRUE(n.engine.GetRequest("r1").ok());
  EXPECT_EQ(n.engine.GetCapability("c1").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Store::Verify(dir.path().string()).ok());
}

// Many writers commit concurrently; every acknowledged write is on disk and the
// writer gathered them into fewer batches than commits (group commit).
TEST(StoreTest, ConcurrentWritersAreAllDurable) {
  TempDir dir;
  {
    Node n(OptionsFor(dir.path()));
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i) {
          engine::Platform p = MakePlatform("p" + std::to_string(t) + "-" + std::to_string(i));
          ASSERT_TRUE(n.engine.PutPlatform(p, Now()).ok());
          ASSERT_TRUE(n.store->WaitDurable(Store::TakeThreadTicket()).ok());
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(n.store->last_seq(), 400u);
  }
  auto report = Store::Verify(dir.path().string());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->platforms, 400u);
  EXPECT_EQ(report->events, 400u);
  EXPECT_TRUE(report->problems.empty());
}

// --- Crash test: a child writes from several threads and reports every
// acknowledged write on a pipe; the parent kills it with SIGKILL after a
// random number of acknowledgements, reopens, and checks nothing acknowledged
// is lost, the event log has no gap and recovery is deterministic.

// The child: this test binary re-executed (fork + exec, so RocksDB's thread
// pools start fresh) running only this test, with the directory and the pipe
// named in the environment. Skipped in normal runs.
TEST(StoreCrashChild, DISABLED_WriteUntilKilled) {
  const char* dir_env = std::getenv("BIOMATCH_CRASH_DIR");
  const char* fd_env = std::getenv("BIOMATCH_CRASH_FD");
  if (dir_env == nullptr || fd_env == nullptr) GTEST_SKIP() << "run by StoreCrashTest only";
  const std::filesystem::path dir = dir_env;
  const int out_fd = std::atoi(fd_env);
  Engine e;
  auto opened = Store::Open(OptionsFor(dir), &e, engine::NowSeconds());
  if (!opened.ok()) _exit(3);
  std::unique_ptr<Store> store = std::move(opened).value();
  const engine::Seconds now = Now();
  (void)e.PutPlatform(MakePlatform("p-base"), now);
  engine::Capability base = MakeCapability("c-base", "p-base");
  base.slots = biomatch::testing::DailySlots(60, 1000000);
  base.unit = engine::Unit::kDay;
  (void)e.PutCapability(base, now);
  if (!store->WaitDurable(Store::TakeThreadTicket()).ok()) _exit(4);

  auto ack = [&](const std::string& kind, const std::string& id, std::uint64_t version) {
    if (!store->WaitDurable(Store::TakeThreadTicket()).ok()) _exit(5);
    const std::string line = kind + " " + id + " " + std::to_string(version) + "\n";
    if (write(out_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(6);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(getpid()) * 31 + static_cast<std::uint64_t>(t));
      for (std::uint64_t k = 0;; ++k) {
        const std::string n = std::to_string(rng() % 20);
        if (t == 0) {
          engine::Platform p = MakePlatform("p-" + n);
          p.name = "平台 " + std::to_string(k);
          auto r = e.PutPlatform(p, now);
          if (r.ok()) ack("platform", p.id, r->entity.meta.version);
        } else if (t == 1) {
          engine::Capability c = MakeCapability("c-" + n, "p-base");
          c.price_per_unit = static_cast<double>(k);
          auto r = e.PutCapability(c, now);
          if (r.ok()) ack("capability", c.id, r->entity.meta.version);
        } else if (t == 2) {
          engine::Request q = MakeRequest("r-" + n);
          q.text = "第 " + std::to_string(k) + " 次";
          auto r = e.PutRequest(q, now);
          if (r.ok()) ack("request", q.id, r->entity.meta.version);
        } else {
          engine::Request q = MakeRequest("rh-" + std::to_string(k));
          q.unit = engine::Unit::kDay;
          q.budget_max.reset();
          if (!e.PutRequest(q, now).ok()) continue;
          const std::string id = "h-" + std::to_string(getpid()) + "-" + std::to_string(k);
          if (!e.Hold({id, q.id, "c-base", std::nullopt, 86400}, now).ok()) continue;
          auto r = k % 2 ? e.CancelReservation(id, now) : e.Confirm(id, now);
          if (r.ok()) ack("reservation", id, r->meta.version);
        }
      }
    });
  }
  for (auto& th : threads) th.join();  // never returns: the parent kills us
}

TEST(StoreCrashTest, KillNineLosesNothingAcknowledged) {
  TempDir dir;
  std::map<std::string, std::uint64_t> acked;  // "kind id" -> highest acknowledged version
  std::mt19937_64 rng(12345);
  constexpr int kCycles = 20;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      setenv("BIOMATCH_CRASH_DIR", dir.path().c_str(), 1);
      setenv("BIOMATCH_CRASH_FD", std::to_string(fds[1]).c_str(), 1);
      execl("/proc/self/exe", "storage_tests", "--gtest_filter=StoreCrashChild.DISABLED_WriteUntilKilled",
            "--gtest_also_run_disabled_tests", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    // Read acknowledgements until a random count, then kill mid-flight.
    const std::size_t kill_after = 20 + rng() % 400;
    std::size_t seen = 0;
    std::string buffer;
    char chunk[4096];
    auto consume = [&](bool all) {
      std::size_t nl;
      while ((nl = buffer.find('\n')) != std::string::npos && (all || seen < kill_after)) {
        std::istringstream line(buffer.substr(0, nl));
        buffer.erase(0, nl + 1);
        std::string kind, id;
        std::uint64_t version;
        line >> kind >> id >> version;
        auto& v = acked[kind + " " + id];
        v = std::max(v, version);
        ++seen;
      }
    };
    while (seen < kill_after) {
      const ssize_t n = read(fds[0], chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<std::size_t>(n));
      consume(false);
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "cycle " << cycle << ": the child died early, status " << status;
    for (ssize_t n; (n = read(fds[0], chunk, sizeof chunk)) > 0;) buffer.append(chunk, static_cast<std::size_t>(n));
    consume(true);
    close(fds[0]);
    ASSERT_GE(seen, kill_after) << "cycle " << cycle;

    auto report = Store::Verify(dir.path().string());
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->problems.empty()) << "cycle " << cycle << ": " << report->problems.front();

    Engine recovered;
    {
      auto opened = Store::Open(OptionsFor(dir.path()), &recovered, engine::NowSeconds());
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    }
    for (const auto& [key, version] : acked) {
      const std::string kind = key.substr(0, key.find(' '));
      const std::string id = key.substr(key.find(' ') + 1);
      std::uint64_t stored = 0;
      if (kind == "platform") stored = recovered.GetPlatform(id)->meta.version;
      if (kind == "capability") stored = recovered.GetCapability(id)->meta.version;
      if (kind == "request") stored = recovered.GetRequest(id)->meta.version;
      if (kind == "reservation") stored = recovered.GetReservation(id)->meta.version;
      ASSERT_GE(stored, version) << "cycle " << cycle << ": lost acknowledged " << key;
    }
    Engine rebuilt;
    {
      auto opened = Store::Open(OptionsFor(dir.path()), &rebuilt, engine::NowSeconds());
      ASSERT_TRUE(opened.ok());
    }
    ExpectSameState(recovered, rebuilt);
  }
  EXPECT_GT(acked.size(), 40u);
}

}  // namespace
}  // namespace biomatch::storage
