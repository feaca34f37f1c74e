#include "biomatch/server/json_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/status.h"
#include "biomatch/engine/types.h"
#include "testutil.h"

namespace biomatch::server {
namespace {

using engine::StatusCode;
using testing::T;

constexpr std::size_t kMaxBytes = 1 << 20;

// Text that exercises the escaper and UTF-8 pass-through: Chinese, a non-BMP
// emoji, quotes, backslashes, every kind of control character, and DEL.
const std::string kHardText =
    "华西新药安全性评价中心 🧪 \"quoted\" back\\slash\n\ttab\r\b\f\x01\x1f\x7f end";

engine::Platform FullPlatform() {
  engine::Platform p;
  p.name = kHardText;
  p.kind = engine::PlatformKind::kTechnologyService;
  p.level = engine::PlatformLevel::kProvincial;
  p.region = "CN/SC/chengdu/gaoxin";
  p.location = {30.57, -104.06};
  p.qualifications = {
      {"GLP", T("2028-06-30T00:00:00Z")}, {"AAALAC", std::nullopt}, {"认证😀", T("9999-12-31T23:59:59Z")}};
  p.open = false;
  p.evaluation = engine::Evaluation{88.5, 0, 100, 1.0 / 3};
  return p;
}

engine::Capability FullCapability() {
  engine::Capability c;
  c.platform_id = "p-wc-glp";
  c.category = "preclinical/safety/repeat-dose-toxicity";
  c.title = "大鼠28天重复给药毒性试验 (GLP) 🐀";
  c.description = kHardText;
  c.keywords = {"rat", "28-day", "GLP", "毒性", ""};
  c.stages = engine::StageBit(engine::Stage::kPreclinical) | engine::StageBit(engine::Stage::kProduction);
  c.unit = engine::Unit::kStudy;
  c.price_per_unit = 1e15;
  c.slots = {
      {T("2026-12-01T00:00:00Z"), T("2027-01-01T00:00:00Z"), 3, 0},
      {T("2027-01-01T00:00:00Z"), T("2027-02-01T00:00:00Z"), std::numeric_limits<std::int64_t>::max(), 0},
      {T("1970-01-01T00:00:00Z"), T("1970-01-01T00:00:01Z"), 0, 0}};
  return c;
}

engine::Request FullRequest() {
  engine::Request r;
  r.requester = {"org-42", engine::RequesterType::kHospital};
  r.category = "preclinical/safety";
  r.text = kHardText;
  r.keywords = {"rat", "toxicity", "大鼠"};
  r.stage = engine::Stage::kClinical;
  r.quantity = std::numeric_limits<std::int64_t>::max();
  r.unit = engine::Unit::kBatch;
  r.budget_max = 0;
  r.window = {T("2026-12-01T00:00:00Z"), T("2027-03-01T00:00:00Z")};
  r.location = engine::GeoPoint{-33.8688, 151.2093};
  r.max_distance_km = 0.1;
  r.region = "CN/SC";
  r.required_qualifications = {"GLP", "CNAS"};
  engine::WeightOverrides w;
  w.price = 3;
  w.time = 0.25;
  w.utilization = 0;
  r.weights = w;
  return r;
}

// The fewest fields a request may have.
engine::Request MinimalRequest() {
  engine::Request r;
  r.requester = {"org-1", engine::RequesterType::kEnterprise};
  r.category = "discovery";
  r.stage = engine::Stage::kDiscovery;
  r.quantity = 1;
  r.unit = engine::Unit::kHour;
  r.window = {T("2026-12-01T00:00:00Z"), T("2026-12-02T00:00:00Z")};
  return r;
}

bool HasKey(const std::string& json, std::string_view key) {
  return json.find("\"" + std::string(key) + "\":") != std::string::npos;
}

// ---------------------------------------------------------------------------
// Writing primitives

TEST(JsonCodecTest, EscapesStringsExactly) {
  std::string out;
  AppendJsonString("a\"b\\c/\n\t\r\b\f\x01\x1f\x7f", &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c/\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\"");
  out.clear();
  AppendJsonString(std::string_view("x\0y", 3), &out);
  EXPECT_EQ(out, "\"x\\u0000y\"");
}

TEST(JsonCodecTest, PassesUtf8ThroughByteForByte) {
  std::string out;
  AppendJsonString("中文 🧪 é", &out);
  EXPECT_EQ(out, "\"中文 🧪 é\"");
  out.clear();
  AppendJsonString("", &out);
  EXPECT_EQ(out, "\"\"");
}

TEST(JsonCodecTest, WritesNumbersShortestAndIntegersWithoutPoint) {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0"},
      {-0.0, "0"},
      {1.0, "1"},
      {-7.0, "-7"},
      {380000.0, "380000"},
      {1e15, "1000000000000000"},
      {9007199254740993.0, "9007199254740992"},
      {0.1, "0.1"},
      {0.873, "0.873"},
      {0.1 + 0.2, "0.30000000000000004"},
      {-2.5, "-2.5"},
      {1.0 / 3, "0.3333333333333333"},
      {1e300, "1e+300"},
      {5e-324, "5e-324"},
  };
  for (const auto& [value, text] : cases) {
    std::string out;
    AppendJsonNumber(value, &out);
    EXPECT_EQ(out, text) << value;
  }
}

TEST(JsonCodecTest, NumbersRoundTripThroughStrtod) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::uint64_t> bits;
  int checked = 0;
  while (checked < 2000) {
    const std::uint64_t b = bits(rng);
    double v;
    static_assert(sizeof(v) == sizeof(b));
    std::memcpy(&v, &b, sizeof(v));
    if (!std::isfinite(v)) continue;
    std::string out;
    AppendJsonNumber(v, &out);
    EXPECT_EQ(std::strtod(out.c_str(), nullptr), v) << out;
    ++checked;
  }
}

// ---------------------------------------------------------------------------
// Round trips

TEST(JsonCodecTest, PlatformRoundTripsThroughClientForm) {
  const engine::Platform p = FullPlatform();
  std::string json;
  AppendPlatformJson(p, DocForm::kClient, &json);
  EXPECT_FALSE(HasKey(json, "id"));
  EXPECT_FALSE(HasKey(json, "version"));
  EXPECT_FALSE(HasKey(json, "created_at"));
  JsonReader reader(kMaxBytes);
  engine::Platform got;
  const engine::Status s = reader.ReadPlatform(json, &got);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << json;
  EXPECT_EQ(got, p);
}

TEST(JsonCodecTest, PlatformWithoutEvaluationOmitsTheKey) {
  engine::Platform p = FullPlatform();
  p.evaluation.reset();
  p.qualifications.clear();
  p.open = true;
  std::string json;
  AppendPlatformJson(p, DocForm::kClient, &json);
  EXPECT_FALSE(HasKey(json, "evaluation"));
  JsonReader reader(kMaxBytes);
  engine::Platform got;
  ASSERT_TRUE(reader.ReadPlatform(json, &got).ok());
  EXPECT_EQ(got, p);
}

TEST(JsonCodecTest, CapabilityRoundTripsThroughClientForm) {
  const engine::Capability c = FullCapability();
  std::string json;
  AppendCapabilityJson(c, DocForm::kClient, &json);
  EXPECT_FALSE(HasKey(json, "reserved"));
  EXPECT_FALSE(HasKey(json, "free"));
  EXPECT_NE(json.find("\"price_per_unit\":1000000000000000,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"units\":9223372036854775807}"), std::string::npos) << json;
  EXPECT_NE(json.find("\"stages\":[\"preclinical\",\"production\"]"), std::string::npos) << json;
  JsonReader reader(kMaxBytes);
  engine::Capability got;
  const engine::Status s = reader.ReadCapability(json, &got);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << json;
  EXPECT_EQ(got, c);
}

TEST(JsonCodecTest, RequestRoundTripsThroughClientForm) {
  const engine::Request r = FullRequest();
  std::string json;
  AppendRequestJson(r, DocForm::kClient, &json);
  EXPECT_FALSE(HasKey(json, "status"));
  EXPECT_NE(json.find("\"weights\":{\"price\":3,\"time\":0.25,\"utilization\":0}"), std::string::npos)
      << json;
  JsonReader reader(kMaxBytes);
  engine::Request got;
  const engine::Status s = reader.ReadRequest(json, &got);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << json;
  EXPECT_EQ(got, r);
}

TEST(JsonCodecTest, MinimalRequestOmitsAbsentOptionalFields) {
  const engine::Request r = MinimalRequest();
  std::string json;
  AppendRequestJson(r, DocForm::kClient, &json);
  for (const char* key : {"budget_max", "location", "max_distance_km", "region", "weights"}) {
    EXPECT_FALSE(HasKey(json, key)) << key << " in " << json;
  }
  JsonReader reader(kMaxBytes);
  engine::Request got;
  ASSERT_TRUE(reader.ReadRequest(json, &got).ok());
  EXPECT_EQ(got, r);
}

TEST(JsonCodecTest, StoredFormsReadBackIgnoringServerFields) {
  JsonReader reader(kMaxBytes);

  engine::Platform p = FullPlatform();
  p.id = "p-1";
  p.meta = {7, T("2026-01-01T00:00:00Z"), T("2026-02-01T00:00:00Z")};
  std::string json;
  AppendPlatformJson(p, DocForm::kStored, &json);
  EXPECT_NE(json.find("\"id\":\"p-1\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"version\":7"), std::string::npos) << json;
  EXPECT_NE(json.find("\"updated_at\":\"2026-02-01T00:00:00Z\""), std::string::npos) << json;
  engine::Platform got_p;
  ASSERT_TRUE(reader.ReadPlatform(json, &got_p).ok()) << json;
  p.id.clear();
  p.meta = {};
  EXPECT_EQ(got_p, p);

  engine::Capability c = FullCapability();
  c.id = "c-1";
  c.meta = {2, 1, 2};
  c.slots[0].reserved = 2;
  json.clear();
  AppendCapabilityJson(c, DocForm::kStored, &json);
  EXPECT_NE(json.find("\"units\":3,\"reserved\":2,\"free\":1}"), std::string::npos) << json;
  engine::Capability got_c;
  ASSERT_TRUE(reader.ReadCapability(json, &got_c).ok()) << json;
  c.id.clear();
  c.meta = {};
  c.slots[0].reserved = 0;
  EXPECT_EQ(got_c, c);

  engine::Request r = FullRequest();
  r.id = "r-1";
  r.status = engine::RequestStatus::kReserved;
  r.meta = {3, 4, 5};
  json.clear();
  AppendRequestJson(r, DocForm::kStored, &json);
  EXPECT_NE(json.find("\"status\":\"reserved\""), std::string::npos) << json;
  engine::Request got_r;
  ASSERT_TRUE(reader.ReadRequest(json, &got_r).ok()) << json;
  r.id.clear();
  r.status = engine::RequestStatus::kOpen;
  r.meta = {};
  EXPECT_EQ(got_r, r);
}

TEST(JsonCodecTest, ReadsSlotsDocument) {
  JsonReader reader(kMaxBytes);
  std::vector<engine::Slot> slots;
  const engine::Status s = reader.ReadSlots(
      R"({"slots":[{"start":"2026-12-01T00:00:00Z","end":"2026-12-02T00:00:00Z","units":5,"reserved":1,"free":4},
                   {"start":"2026-12-02T08:00:00+08:00","end":"2026-12-03T00:00:00Z","units":0}]})",
      &slots);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[0], (engine::Slot{T("2026-12-01T00:00:00Z"), T("2026-12-02T00:00:00Z"), 5, 0}));
  EXPECT_EQ(slots[1], (engine::Slot{T("2026-12-02T00:00:00Z"), T("2026-12-03T00:00:00Z"), 0, 0}));

  ASSERT_TRUE(reader.ReadSlots(R"({"slots":[]})", &slots).ok());
  EXPECT_TRUE(slots.empty());
}

TEST(JsonCodecTest, ReadsTheApiExamples) {
  JsonReader reader(kMaxBytes);
  engine::Platform p;
  ASSERT_TRUE(reader
                  .ReadPlatform(
                      R"({"name":"华西新药安全性评价中心","kind":"technology_service","level":"provincial",
 "region":"CN/SC/chengdu/gaoxin","location":{"lat":30.57,"lon":104.06},
 "qualifications":[{"name":"GLP","valid_until":"2028-06-30T00:00:00Z"},"AAALAC"],"open":true,
 "evaluation":{"service_capability":88,"management":81,"output":90,"basic_conditions":86}})",
                      &p)
                  .ok());
  EXPECT_EQ(p.name, "华西新药安全性评价中心");
  ASSERT_EQ(p.qualifications.size(), 2u);
  EXPECT_EQ(p.qualifications[1], (engine::Qualification{"AAALAC", std::nullopt}));
  EXPECT_EQ(p.evaluation, (engine::Evaluation{88, 81, 90, 86}));

  engine::Request r;
  const engine::Status s = reader.ReadRequest(
      R"({"requester":{"id":"org-42","type":"enterprise"},
 "category":"preclinical/safety","text":"需要GLP大鼠重复给药毒性试验","keywords":["rat","toxicity"],
 "stage":"preclinical","quantity":1,"unit":"study","budget_max":450000,
 "window":{"earliest_start":"2026-12-01T00:00:00Z","deadline":"2027-03-01T00:00:00Z"},
 "location":{"lat":30.6,"lon":104.1},"max_distance_km":800,"region":null,
 "required_qualifications":["GLP"],"weights":null})",
      &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(r.budget_max, 450000.0);
  EXPECT_EQ(r.max_distance_km, 800.0);
  EXPECT_FALSE(r.region.has_value());
  EXPECT_FALSE(r.weights.has_value());
  EXPECT_EQ(r.window.deadline, T("2027-03-01T00:00:00Z"));
}

TEST(JsonCodecTest, NullReadsAsAbsentForOptionalFields) {
  JsonReader reader(kMaxBytes);
  engine::Request r;
  const engine::Status s = reader.ReadRequest(
      R"({"requester":{"id":"o","type":"other"},"category":"a","stage":"discovery","quantity":2,
          "unit":"day","window":{"earliest_start":"2026-12-01T00:00:00Z","deadline":"2026-12-09T00:00:00Z"},
          "budget_max":null,"location":null,"max_distance_km":null,"region":null,
          "weights":{"price":null,"text":2}})",
      &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(r.budget_max.has_value());
  EXPECT_FALSE(r.location.has_value());
  EXPECT_FALSE(r.max_distance_km.has_value());
  ASSERT_TRUE(r.weights.has_value());
  EXPECT_FALSE(r.weights->price.has_value());
  EXPECT_EQ(r.weights->text, 2.0);

  engine::Platform p;
  ASSERT_TRUE(
      reader
          .ReadPlatform(
              R"({"name":"n","kind":"transformation","level":"national","region":"CN","location":{"lat":0,"lon":0},
          "evaluation":null,"qualifications":[{"name":"GLP","valid_until":null}]})",
              &p)
          .ok());
  EXPECT_FALSE(p.evaluation.has_value());
  EXPECT_TRUE(p.open);  // default
  EXPECT_EQ(p.qualifications, (std::vector<engine::Qualification>{{"GLP", std::nullopt}}));
}

TEST(JsonCodecTest, DecodesEscapesInKeysAndValues) {
  JsonReader reader(kMaxBytes);
  engine::Platform p;
  const engine::Status s = reader.ReadPlatform(
      R"({"n\u0061me":"\u4e2d\u6587 \ud83e\uddea \" \\ \/ \n","kind":"basic_condition","level":"municipal",
          "region":"CN","location":{"lat":-90,"lon":180.0}})",
      &p);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(p.name, "中文 🧪 \" \\ / \n");
  EXPECT_EQ(p.location, (engine::GeoPoint{-90, 180}));
}

TEST(JsonCodecTest, DuplicateStagesAreOneBit) {
  JsonReader reader(kMaxBytes);
  engine::Capability c;
  ASSERT_TRUE(
      reader
          .ReadCapability(
              R"({"platform_id":"p","category":"a","title":"t","stages":["clinical","clinical","discovery"],
          "unit":"sample","price_per_unit":0.5})",
              &c)
          .ok());
  EXPECT_EQ(c.stages,
            engine::StageBit(engine::Stage::kClinical) | engine::StageBit(engine::Stage::kDiscovery));
  EXPECT_TRUE(c.slots.empty());
  EXPECT_TRUE(c.description.empty());
}

TEST(JsonCodecTest, ReaderIsReusableAndResetsTheOutput) {
  JsonReader reader(kMaxBytes);
  std::string big;
  AppendPlatformJson(FullPlatform(), DocForm::kClient, &big);
  engine::Platform first;
  ASSERT_TRUE(reader.ReadPlatform(big, &first).ok());
  // An error in between leaves the reader usable.
  engine::Platform scratch;
  EXPECT_EQ(reader.ReadPlatform("{", &scratch).code(), StatusCode::kMalformed);
  const std::string small =
      R"({"name":"x","kind":"transformation","level":"national","region":"CN","location":{"lat":1,"lon":2}})";
  engine::Platform second = FullPlatform();
  ASSERT_TRUE(reader.ReadPlatform(small, &second).ok());
  EXPECT_EQ(first, FullPlatform());  // strings were copied out of the parser
  EXPECT_TRUE(second.qualifications.empty());
  EXPECT_FALSE(second.evaluation.has_value());
  EXPECT_TRUE(second.open);
  EXPECT_EQ(second.name, "x");
}

TEST(JsonCodecTest, AcceptsSurroundingWhitespace) {
  JsonReader reader(kMaxBytes);
  std::vector<engine::Slot> slots;
  const engine::Status s = reader.ReadSlots(" \r\n\t{ \"slots\" : [ ] }\r\n\t ", &slots);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(JsonCodecTest, LargeCapabilityRoundTrips) {
  engine::Capability c = FullCapability();
  c.slots.clear();
  for (int i = 0; i < 20000; ++i) {
    const engine::Seconds start = T("2026-12-01T00:00:00Z") + i * 3600;
    c.slots.push_back({start, start + 3600, i, 0});
  }
  std::string json;
  AppendCapabilityJson(c, DocForm::kClient, &json);
  ASSERT_GT(json.size(), 1000000u);
  JsonReader reader(json.size());
  engine::Capability got;
  const engine::Status s = reader.ReadCapability(json, &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got, c);
}

TEST(JsonCodecTest, AcceptsDocumentsUpToMaxBytes) {
  const std::string doc = R"({"slots":[]})";
  JsonReader exact(doc.size());
  std::vector<engine::Slot> slots;
  EXPECT_TRUE(exact.ReadSlots(doc, &slots).ok());
  const std::string padded = doc + "  ";
  const engine::Status s = exact.ReadSlots(padded, &slots);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "");
}

TEST(JsonCodecTest, ReadsHoldSpec) {
  JsonReader reader(kMaxBytes);
  engine::HoldSpec spec;
  spec.reservation_id = "res-9";
  spec.quantity = 7;
  engine::Status s =
      reader.ReadHold(R"({"request_id":"r1","capability_id":"c1","quantity":2,"hold_seconds":60})", &spec);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(spec.reservation_id, "res-9");  // left alone
  EXPECT_EQ(spec.request_id, "r1");
  EXPECT_EQ(spec.capability_id, "c1");
  EXPECT_EQ(spec.quantity, 2);
  EXPECT_EQ(spec.hold_seconds, 60);

  s = reader.ReadHold(R"({"capability_id":"c2","request_id":"r2","quantity":null})", &spec);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(spec.request_id, "r2");
  EXPECT_FALSE(spec.quantity.has_value());
  EXPECT_EQ(spec.hold_seconds, 900);
}

TEST(JsonCodecTest, ReadsKeySpecAndCheckpoint) {
  JsonReader reader(kMaxBytes);
  std::string name, role, dir;
  ASSERT_TRUE(reader.ReadKeySpec(R"({"role":"agency","name":"agency-1"})", &name, &role).ok());
  EXPECT_EQ(name, "agency-1");
  EXPECT_EQ(role, "agency");
  ASSERT_TRUE(reader.ReadCheckpoint(R"({"dir":"/var/lib/biomatch/检查点"})", &dir).ok());
  EXPECT_EQ(dir, "/var/lib/biomatch/检查点");
}

TEST(JsonCodecTest, ReadsBulkPutLines) {
  JsonReader reader(kMaxBytes);
  engine::BatchOp op;

  // "doc" before "type": the envelope is order-free.
  std::string doc;
  AppendCapabilityJson(FullCapability(), DocForm::kClient, &doc);
  engine::Status s =
      reader.ReadBulkLine(R"({"doc":)" + doc + R"(,"op":"put","type":"capability","id":"c-7"} )", &op);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(op.kind, engine::BatchOp::Kind::kPut);
  EXPECT_EQ(op.id, "c-7");
  ASSERT_TRUE(std::holds_alternative<engine::Capability>(op.doc));
  engine::Capability want = FullCapability();
  want.id = "c-7";
  EXPECT_EQ(std::get<engine::Capability>(op.doc), want);

  doc.clear();
  AppendRequestJson(FullRequest(), DocForm::kStored, &doc);
  s = reader.ReadBulkLine(R"({"op":"put","type":"request","id":"r-1","doc":)" + doc + "}", &op);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(std::holds_alternative<engine::Request>(op.doc));
  engine::Request want_r = FullRequest();
  want_r.id = "r-1";
  EXPECT_EQ(std::get<engine::Request>(op.doc), want_r);

  doc.clear();
  AppendPlatformJson(FullPlatform(), DocForm::kClient, &doc);
  s = reader.ReadBulkLine(R"({"op":"put","type":"platform","id":"p-1","doc":)" + doc + "}", &op);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(std::holds_alternative<engine::Platform>(op.doc));
  EXPECT_EQ(std::get<engine::Platform>(op.doc).name, kHardText);
  EXPECT_EQ(std::get<engine::Platform>(op.doc).id, "p-1");
}

TEST(JsonCodecTest, ReadsBulkDeleteLines) {
  JsonReader reader(kMaxBytes);
  engine::BatchOp op;
  const std::pair<const char*, engine::BatchOp::Kind> cases[] = {
      {"platform", engine::BatchOp::Kind::kDeletePlatform},
      {"capability", engine::BatchOp::Kind::kDeleteCapability},
      {"request", engine::BatchOp::Kind::kDeleteRequest},
  };
  for (const auto& [type, kind] : cases) {
    op.doc = engine::Platform{};
    const engine::Status s = reader.ReadBulkLine(
        std::string(R"({"op":"delete","type":")") + type + R"(","id":"x9","doc":null})", &op);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(op.kind, kind) << type;
    EXPECT_EQ(op.id, "x9");
    EXPECT_TRUE(std::holds_alternative<std::monostate>(op.doc));
  }
}

// ---------------------------------------------------------------------------
// Writing whole documents

TEST(JsonCodecTest, WritesReservationExactly) {
  engine::Reservation r;
  r.id = "res-1";
  r.request_id = "r1";
  r.capability_id = "c1";
  r.quantity = 3;
  r.status = engine::ReservationStatus::kConfirmed;
  r.allocations = {{T("2026-12-01T00:00:00Z"), T("2027-01-01T00:00:00Z"), 2},
                   {T("2027-01-01T00:00:00Z"), T("2027-02-01T00:00:00Z"), 1}};
  r.expires_at = T("2026-11-30T00:15:00Z");
  r.meta = {2, T("2026-11-30T00:00:00Z"), T("2026-11-30T00:05:00Z")};
  std::string out;
  AppendReservationJson(r, &out);
  EXPECT_EQ(out, R"({"id":"res-1","request_id":"r1","capability_id":"c1","quantity":3,"status":"confirmed",)"
                 R"("allocations":[{"start":"2026-12-01T00:00:00Z","end":"2027-01-01T00:00:00Z","units":2},)"
                 R"({"start":"2027-01-01T00:00:00Z","end":"2027-02-01T00:00:00Z","units":1}],)"
                 R"("expires_at":"2026-11-30T00:15:00Z","version":2,"created_at":"2026-11-30T00:00:00Z",)"
                 R"("updated_at":"2026-11-30T00:05:00Z"})");
}

engine::MatchResult SampleMatchResult() {
  engine::MatchResult result;
  engine::Match m;
  m.capability_id = "c1";
  m.platform_id = "p-wc-glp";
  m.request_id = "r9";
  m.score = 0.1 + 0.2;
  m.total_price = 380000;
  m.earliest_start = T("2026-12-01T00:00:00Z");
  m.completion = T("2027-01-01T00:00:00Z");
  m.explain.category = 1.0;
  m.explain.text = 0.62;
  m.explain.price = 0.84;
  m.explain.time = 0.91;
  m.explain.distance = std::nullopt;
  m.explain.quality = 0.86;
  m.explain.utilization = 0.7;
  result.matches.push_back(m);
  result.feasible = 37;
  result.rejected = {12, 3, 0, 40, 9, 0, 22};
  return result;
}

TEST(JsonCodecTest, WritesForwardMatchResultWithExplain) {
  std::string out;
  AppendMatchResultJson(SampleMatchResult(), /*explain=*/true, /*reverse=*/false, &out);
  EXPECT_EQ(
      out,
      R"({"matches":[{"capability_id":"c1","platform_id":"p-wc-glp","score":0.30000000000000004,)"
      R"("total_price":380000,"earliest_start":"2026-12-01T00:00:00Z","completion":"2027-01-01T00:00:00Z",)"
      R"("explain":{"category":1,"text":0.62,"price":0.84,"time":0.91,"distance":null,"quality":0.86,)"
      R"("utilization":0.7}}],"feasible":37,)"
      R"("rejected":{"unit":12,"stage":3,"closed":0,"qualification":40,"budget":9,"distance":0,"availability":22}})");
}

TEST(JsonCodecTest, WritesMatchResultWithoutExplain) {
  std::string out;
  AppendMatchResultJson(SampleMatchResult(), /*explain=*/false, /*reverse=*/false, &out);
  EXPECT_EQ(
      out,
      R"({"matches":[{"capability_id":"c1","platform_id":"p-wc-glp","score":0.30000000000000004,)"
      R"("total_price":380000,"earliest_start":"2026-12-01T00:00:00Z","completion":"2027-01-01T00:00:00Z"}],)"
      R"("feasible":37})");
  out.clear();
  AppendMatchResultJson(engine::MatchResult{}, true, false, &out);
  EXPECT_EQ(out, R"({"matches":[],"feasible":0,"rejected":{"unit":0,"stage":0,"closed":0,"qualification":0,)"
                 R"("budget":0,"distance":0,"availability":0}})");
}

TEST(JsonCodecTest, WritesReverseMatchResult) {
  std::string out;
  AppendMatchResultJson(SampleMatchResult(), /*explain=*/true, /*reverse=*/true, &out);
  EXPECT_EQ(
      out,
      R"({"matches":[{"request_id":"r9","score":0.30000000000000004,)"
      R"("total_price":380000,"earliest_start":"2026-12-01T00:00:00Z","completion":"2027-01-01T00:00:00Z",)"
      R"("explain":{"category":1,"text":0.62,"price":0.84,"time":0.91,"distance":null,"quality":0.86,)"
      R"("utilization":0.7}}],"feasible":37})");
}

TEST(JsonCodecTest, WritesStreamMessagesExactly) {
  std::string head, tail, gap;
  AppendEventMessageHead(42, "request.created", 1796428800, &head);  // 2026-12-05T00:00:00Z
  AppendEventMessageTail(R"({"id":"r1"})", &tail);
  EXPECT_EQ(head + R"(["s1"])" + tail,
            R"({"seq":42,"type":"request.created","at":"2026-12-05T00:00:00Z","subscriptions":["s1"],)"
            R"("data":{"id":"r1"}})");
  AppendStreamGapJson(7, &gap);
  EXPECT_EQ(gap, R"({"type":"stream.gap","earliest":7})");
}

TEST(JsonCodecTest, AccessLogLineEscapesTheTarget) {
  std::string out;
  AppendAccessLogJson("GET", "/v1/platforms?q=\"x\\", 404, 12.4, &out);
  EXPECT_EQ(out, R"({"method":"GET","target":"/v1/platforms?q=\"x\\","status":404,"us":12})");
}

// ---------------------------------------------------------------------------
// Bad input: every case asserts the exact code and field.

enum class Doc { kPlatform, kCapability, kRequest, kSlots, kHold, kKeySpec, kCheckpoint, kBulkLine };

struct BadCase {
  const char* name;
  Doc doc;
  std::string json;
  StatusCode code;
  std::string field;  // empty for kMalformed
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

// Valid documents' bodies (without braces) to build cases from.
const std::string kPlatformBody =
    R"("name":"n","kind":"technology_service","level":"provincial","region":"CN/SC","location":{"lat":30.5,"lon":104})";
const std::string kCapabilityBody =
    R"("platform_id":"p","category":"a/b","title":"t","stages":["preclinical"],"unit":"study","price_per_unit":10)";
const std::string kRequestBody =
    R"("requester":{"id":"o","type":"enterprise"},"category":"a","stage":"preclinical","quantity":1,"unit":"study",)"
    R"("window":{"earliest_start":"2026-12-01T00:00:00Z","deadline":"2027-01-01T00:00:00Z"})";
const std::string kSlot = R"({"start":"2026-12-01T00:00:00Z","end":"2026-12-02T00:00:00Z","units":1})";

std::string P(const std::string& extra) { return "{" + kPlatformBody + extra + "}"; }
std::string C(const std::string& extra) { return "{" + kCapabilityBody + extra + "}"; }
std::string R(const std::string& extra) { return "{" + kRequestBody + extra + "}"; }

constexpr StatusCode kBad = StatusCode::kMalformed;
constexpr StatusCode kInv = StatusCode::kInvalidArgument;

const BadCase kBadCases[] = {
    // --- Not JSON at all, or broken JSON: kMalformed.
    {"Empty", Doc::kPlatform, "", kBad, ""},
    {"WhitespaceOnly", Doc::kPlatform, " \n\t", kBad, ""},
    {"NotJson", Doc::kPlatform, "hello", kBad, ""},
    {"TruncatedAfterComma", Doc::kPlatform, "{" + kPlatformBody + ",", kBad, ""},
    {"TruncatedInString", Doc::kPlatform, R"({"name":"unterminat)", kBad, ""},
    {"TruncatedAfterColon", Doc::kRequest, R"({"requester":)", kBad, ""},
    {"TrailingGarbage", Doc::kPlatform, P("") + " x", kBad, ""},
    {"TrailingSecondObject", Doc::kPlatform, P("") + "{}", kBad, ""},
    {"TrailingBrace", Doc::kPlatform, P("") + "}", kBad, ""},
    {"MissingColon", Doc::kPlatform, R"({"name" "n"})", kBad, ""},
    {"MissingComma", Doc::kPlatform, R"({"name":"n" "kind":"transformation"})", kBad, ""},
    {"TrailingCommaInObject", Doc::kPlatform, P(","), kBad, ""},
    {"TrailingCommaInArray", Doc::kCapability, C(R"(,"keywords":["a",])"), kBad, ""},
    {"InvalidUtf8InValue", Doc::kPlatform, "{\"name\":\"bad \xff byte\"}", kBad, ""},
    {"InvalidUtf8InKey", Doc::kPlatform, "{\"na\xc3me\":\"n\"}", kBad, ""},
    {"OverlongUtf8", Doc::kPlatform, "{\"name\":\"\xc0\xaf\"}", kBad, ""},
    {"Utf8EncodedSurrogate", Doc::kPlatform, "{\"name\":\"\xed\xa0\x80\"}", kBad, ""},
    {"TruncatedUtf8AtEnd", Doc::kPlatform, "{\"name\":\"n\"}\xe4\xb8", kBad, ""},
    {"LoneSurrogateEscape", Doc::kPlatform, R"({"name":"\ud800"})", kBad, ""},
    {"BadEscape", Doc::kPlatform, R"({"name":"\x41"})", kBad, ""},
    {"RawControlCharInString", Doc::kPlatform, "{\"name\":\"a\nb\"}", kBad, ""},
    {"LiteralTypo", Doc::kPlatform, P(R"(,"open":tru)"), kBad, ""},
    {"NullTypo", Doc::kRequest, R(R"(,"budget_max":nul)"), kBad, ""},
    {"LeadingZeroNumber", Doc::kRequest, R"({"quantity":01})", kBad, ""},
    {"NumberWithoutDigits", Doc::kPlatform, R"({"location":{"lat":-,"lon":1}})", kBad, ""},
    {"NumberDotWithoutFraction", Doc::kCapability, R"({"price_per_unit":1.})", kBad, ""},
    {"GarbageInsideIgnoredField", Doc::kPlatform, P(R"(,"version":{"a" 1})"), kBad, ""},
    {"BadLiteralInIgnoredField", Doc::kCapability, C(R"(,"created_at":[fals])"), kBad, ""},
    {"GarbageInsideIgnoredSlotField", Doc::kSlots,
     R"({"slots":[{"start":"2026-12-01T00:00:00Z","end":"2026-12-02T00:00:00Z","units":1,"free":[1,}]}]})",
     kBad, ""},
    {"MalformedAfterUnknownField", Doc::kPlatform, R"({"colour":1,"name":})", kBad, ""},
    {"MalformedAfterWrongType", Doc::kRequest, R"({"quantity":1.5,"unit":[})", kBad, ""},
    {"NestedTooDeep", Doc::kPlatform, "{\"id\":" + std::string(3000, '[') + std::string(3000, ']') + "}",
     kBad, ""},

    // --- Well-formed JSON with a wrong shape or value: kInvalidArgument.
    {"RootIsArray", Doc::kPlatform, "[1,2]", kInv, ""},
    {"RootIsString", Doc::kRequest, R"("request")", kInv, ""},
    {"RootIsNull", Doc::kCapability, "null", kInv, ""},
    {"UnknownField", Doc::kPlatform, P(R"(,"colour":"red")"), kInv, "colour"},
    {"UnknownNestedField", Doc::kPlatform, R"({"location":{"lat":1,"lon":2,"alt":3}})", kInv, "location.alt"},
    {"StatusIsNotAPlatformField", Doc::kPlatform, P(R"(,"status":"open")"), kInv, "status"},
    {"UnknownSlotsDocField", Doc::kSlots, R"({"slots":[],"units":1})", kInv, "units"},
    {"DuplicateField", Doc::kPlatform, P(R"(,"name":"again")"), kInv, "name"},
    {"MissingPlatformName", Doc::kPlatform,
     R"({"kind":"transformation","level":"national","region":"CN","location":{"lat":1,"lon":2}})", kInv,
     "name"},
    {"MissingPlatformLocation", Doc::kPlatform,
     R"({"name":"n","kind":"transformation","level":"national","region":"CN"})", kInv, "location"},
    {"MissingLon", Doc::kPlatform,
     R"({"name":"n","kind":"transformation","level":"national","region":"CN","location":{"lat":1}})", kInv,
     "location.lon"},
    {"MissingStages", Doc::kCapability,
     R"({"platform_id":"p","category":"a","title":"t","unit":"study","price_per_unit":1})", kInv, "stages"},
    {"MissingPrice", Doc::kCapability,
     R"({"platform_id":"p","category":"a","title":"t","stages":["clinical"],"unit":"study"})", kInv,
     "price_per_unit"},
    {"MissingDeadline", Doc::kRequest,
     R"({"requester":{"id":"o","type":"other"},"category":"a","stage":"clinical","quantity":1,"unit":"day",)"
     R"("window":{"earliest_start":"2026-12-01T00:00:00Z"}})",
     kInv, "window.deadline"},
    {"MissingRequesterType", Doc::kRequest, R"({"requester":{"id":"o"}})", kInv, "requester.type"},
    {"MissingQuantity", Doc::kRequest,
     R"({"requester":{"id":"o","type":"other"},"category":"a","stage":"clinical","unit":"day",)"
     R"("window":{"earliest_start":"2026-12-01T00:00:00Z","deadline":"2027-01-01T00:00:00Z"}})",
     kInv, "quantity"},
    {"MissingSlotUnits", Doc::kSlots,
     R"({"slots":[)" + kSlot + R"(,{"start":"2026-12-03T00:00:00Z","end":"2026-12-04T00:00:00Z"}]})", kInv,
     "slots[1].units"},
    {"MissingSlotsInSlotsDoc", Doc::kSlots, "{}", kInv, "slots"},
    {"MissingQualificationName", Doc::kPlatform,
     P(R"(,"qualifications":["GLP",{"valid_until":"2028-01-01T00:00:00Z"}])"), kInv,
     "qualifications[1].name"},
    {"NameIsNumber", Doc::kPlatform, R"({"name":42})", kInv, "name"},
    {"NameIsNull", Doc::kPlatform, R"({"name":null})", kInv, "name"},
    {"OpenIsNull", Doc::kPlatform, P(R"(,"open":null)"), kInv, "open"},
    {"OpenIsString", Doc::kPlatform, P(R"(,"open":"yes")"), kInv, "open"},
    {"LocationIsNullOnPlatform", Doc::kPlatform,
     R"({"name":"n","kind":"transformation","level":"national","region":"CN","location":null})", kInv,
     "location"},
    {"LatIsString", Doc::kPlatform, R"({"location":{"lat":"30.5","lon":1}})", kInv, "location.lat"},
    {"KeywordsIsNull", Doc::kCapability, C(R"(,"keywords":null)"), kInv, "keywords"},
    {"KeywordIsNumber", Doc::kCapability, C(R"(,"keywords":["a",7])"), kInv, "keywords[1]"},
    {"StagesIsString", Doc::kCapability, R"({"stages":"preclinical"})", kInv, "stages"},
    {"QualificationIsNumber", Doc::kPlatform, P(R"(,"qualifications":[1])"), kInv, "qualifications[0]"},
    {"EvaluationIsArray", Doc::kPlatform, P(R"(,"evaluation":[88])"), kInv, "evaluation"},
    {"EvaluationMissingScore", Doc::kPlatform,
     P(R"(,"evaluation":{"service_capability":1,"management":2,"output":3})"), kInv,
     "evaluation.basic_conditions"},
    {"QuantityIsFraction", Doc::kRequest, R"({"quantity":1.5})", kInv, "quantity"},
    {"QuantityIsWholeDouble", Doc::kRequest, R"({"quantity":1.0})", kInv, "quantity"},
    {"QuantityHasExponent", Doc::kRequest, R"({"quantity":1e2})", kInv, "quantity"},
    {"QuantityBeyondInt64", Doc::kRequest, R"({"quantity":9223372036854775808})", kInv, "quantity"},
    {"QuantityIsString", Doc::kRequest, R"({"quantity":"1"})", kInv, "quantity"},
    {"SlotUnitsIsFraction", Doc::kSlots, R"({"slots":[{"units":2.5}]})", kInv, "slots[0].units"},
    {"PriceOverflows", Doc::kCapability, R"({"price_per_unit":1e400})", kInv, "price_per_unit"},
    {"LatOverflowsNegative", Doc::kPlatform, R"({"location":{"lat":-1e400,"lon":0}})", kInv, "location.lat"},
    {"BudgetOverflows", Doc::kRequest, R(R"(,"budget_max":1e309)"), kInv, "budget_max"},
    {"BudgetIsString", Doc::kRequest, R(R"(,"budget_max":"450000")"), kInv, "budget_max"},
    {"BadKind", Doc::kPlatform, R"({"kind":"laboratory"})", kInv, "kind"},
    {"BadLevelCase", Doc::kPlatform, R"({"name":"n","kind":"transformation","level":"National"})", kInv,
     "level"},
    {"BadStageInArray", Doc::kCapability, R"({"stages":["preclinical","bogus"]})", kInv, "stages[1]"},
    {"BadUnit", Doc::kRequest, R"({"unit":"hours"})", kInv, "unit"},
    {"BadRequesterType", Doc::kRequest, R"({"requester":{"id":"o","type":"company"}})", kInv,
     "requester.type"},
    {"BadDeadline", Doc::kRequest,
     R"({"window":{"earliest_start":"2026-12-01T00:00:00Z","deadline":"2026-13-01T00:00:00Z"}})", kInv,
     "window.deadline"},
    {"TimeWithoutZone", Doc::kSlots,
     R"({"slots":[)" + kSlot + "," + kSlot + R"(,{"start":"2026-12-05T00:00:00"}]})", kInv, "slots[2].start"},
    {"TimeIsNumber", Doc::kSlots, R"({"slots":[{"start":1796083200}]})", kInv, "slots[0].start"},
    {"BadValidUntil", Doc::kPlatform, P(R"(,"qualifications":[{"name":"GLP","valid_until":"tomorrow"}])"),
     kInv, "qualifications[0].valid_until"},
    {"WeightsUnknownFactor", Doc::kRequest, R(R"(,"weights":{"price":1,"colour":2})"), kInv,
     "weights.colour"},
    {"WeightIsString", Doc::kRequest, R(R"(,"weights":{"price":"high"})"), kInv, "weights.price"},
    {"WeightsIsArray", Doc::kRequest, R(R"(,"weights":[1,2])"), kInv, "weights"},
    {"RequiredQualificationsIsString", Doc::kRequest, R(R"(,"required_qualifications":"GLP")"), kInv,
     "required_qualifications"},
    {"SlotIsNull", Doc::kSlots, R"({"slots":[null]})", kInv, "slots[0]"},
    {"SlotsIsObject", Doc::kCapability, C(R"(,"slots":{})"), kInv, "slots"},
    {"RegionIsNumber", Doc::kRequest, R(R"(,"region":5)"), kInv, "region"},

    // --- The small documents.
    {"HoldMissingCapability", Doc::kHold, R"({"request_id":"r1","quantity":1})", kInv, "capability_id"},
    {"HoldQuantityIsFraction", Doc::kHold, R"({"request_id":"r1","capability_id":"c1","quantity":0.5})", kInv,
     "quantity"},
    {"HoldSecondsIsNull", Doc::kHold, R"({"request_id":"r1","capability_id":"c1","hold_seconds":null})", kInv,
     "hold_seconds"},
    {"HoldUnknownField", Doc::kHold, R"({"request_id":"r1","capability_id":"c1","idempotency_key":"k"})",
     kInv, "idempotency_key"},
    {"HoldTruncated", Doc::kHold, R"({"request_id":"r1","capability_id":)", kBad, ""},
    {"KeySpecMissingRole", Doc::kKeySpec, R"({"name":"agency-1"})", kInv, "role"},
    {"KeySpecNameIsNumber", Doc::kKeySpec, R"({"name":1,"role":"agency"})", kInv, "name"},
    {"CheckpointDirIsNull", Doc::kCheckpoint, R"({"dir":null})", kInv, "dir"},
    {"CheckpointMissingDir", Doc::kCheckpoint, R"({})", kInv, "dir"},
    {"BulkUnknownOp", Doc::kBulkLine, R"({"op":"upsert","type":"platform","id":"p1","doc":{}})", kInv, "op"},
    {"BulkUnknownType", Doc::kBulkLine, R"({"op":"delete","type":"reservation","id":"x"})", kInv, "type"},
    {"BulkMissingId", Doc::kBulkLine, R"({"op":"delete","type":"request"})", kInv, "id"},
    {"BulkPutWithoutDoc", Doc::kBulkLine, R"({"op":"put","type":"platform","id":"p1"})", kInv, "doc"},
    {"BulkPutWithNullDoc", Doc::kBulkLine, R"({"op":"put","type":"platform","id":"p1","doc":null})", kInv,
     "doc"},
    {"BulkDeleteWithDoc", Doc::kBulkLine, R"({"op":"delete","type":"platform","id":"p1","doc":{}})", kInv,
     "doc"},
    {"BulkDocIsArray", Doc::kBulkLine, R"({"op":"put","type":"platform","id":"p1","doc":[]})", kInv, "doc"},
    {"BulkDocMissingField", Doc::kBulkLine, R"({"op":"put","type":"platform","id":"p1","doc":{"name":"n"}})",
     kInv, "doc.kind"},
    {"BulkDocUnknownField", Doc::kBulkLine,
     R"({"doc":)" + C(R"(,"colour":1)") + R"(,"op":"put","type":"capability","id":"c1"})", kInv,
     "doc.colour"},
    {"BulkDocBadSlot", Doc::kBulkLine,
     R"({"op":"put","type":"capability","id":"c1","doc":)" + C(R"(,"slots":[{"units":-1.5}])") + "}", kInv,
     "doc.slots[0].units"},
    {"BulkDocWrongEntity", Doc::kBulkLine, R"({"op":"put","type":"request","id":"r1","doc":)" + P("") + "}",
     kInv, "doc.name"},
    {"BulkDocGarbage", Doc::kBulkLine, R"({"op":"put","type":"platform","id":"p1","doc":{"name" 1}})", kBad,
     ""},
    {"BulkDocGarbageWithBadOp", Doc::kBulkLine,
     R"({"op":"upsert","type":"platform","id":"p1","doc":{"a":[1,}]}})", kBad, ""},
    {"BulkDocGarbageAfterDocError", Doc::kBulkLine,
     R"({"op":"put","type":"platform","id":"p1","doc":{"colour":1,"name":tru}})", kBad, ""},
    {"BulkTrailingGarbage", Doc::kBulkLine, R"({"op":"delete","type":"platform","id":"p1"} {})", kBad, ""},
};

class JsonCodecBadInputTest : public ::testing::TestWithParam<BadCase> {};

engine::Status Read(JsonReader* reader, Doc doc, std::string_view json) {
  switch (doc) {
    case Doc::kPlatform: {
      engine::Platform p;
      return reader->ReadPlatform(json, &p);
    }
    case Doc::kCapability: {
      engine::Capability c;
      return reader->ReadCapability(json, &c);
    }
    case Doc::kRequest: {
      engine::Request r;
      return reader->ReadRequest(json, &r);
    }
    case Doc::kSlots: {
      std::vector<engine::Slot> slots;
      return reader->ReadSlots(json, &slots);
    }
    case Doc::kHold: {
      engine::HoldSpec spec;
      return reader->ReadHold(json, &spec);
    }
    case Doc::kKeySpec: {
      std::string name, role;
      return reader->ReadKeySpec(json, &name, &role);
    }
    case Doc::kCheckpoint: {
      std::string dir;
      return reader->ReadCheckpoint(json, &dir);
    }
    case Doc::kBulkLine: {
      engine::BatchOp op;
      return reader->ReadBulkLine(json, &op);
    }
  }
  return engine::Status::Internal("unreachable");
}

TEST_P(JsonCodecBadInputTest, ReportsCodeAndField) {
  const BadCase& c = GetParam();
  JsonReader reader(kMaxBytes);
  const engine::Status s = Read(&reader, c.doc, c.json);
  EXPECT_EQ(engine::StatusCodeName(s.code()), engine::StatusCodeName(c.code)) << s.ToString();
  EXPECT_EQ(s.field(), c.field) << s.ToString();
  EXPECT_FALSE(s.message().empty());
  // The reader stays usable after any error.
  const std::string good = R"({"slots":[)" + kSlot + "]}";
  std::vector<engine::Slot> slots;
  EXPECT_TRUE(reader.ReadSlots(good, &slots).ok());
}

INSTANTIATE_TEST_SUITE_P(All, JsonCodecBadInputTest, ::testing::ValuesIn(kBadCases),
                         [](const ::testing::TestParamInfo<BadCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

TEST(JsonCodecTest, ErrorMessagesSayWhatIsWrong) {
  JsonReader reader(kMaxBytes);
  engine::Platform p;
  engine::Status s = reader.ReadPlatform(P(R"(,"colour":"red")"), &p);
  EXPECT_EQ(s.message(), "unknown field");
  s = reader.ReadPlatform(
      R"({"kind":"transformation","level":"national","region":"CN","location":{"lat":1,"lon":2}})", &p);
  EXPECT_EQ(s.message(), "is required");
  s = reader.ReadPlatform(R"({"kind":"lab"})", &p);
  EXPECT_EQ(s.message(), "must be one of basic_condition, technology_service, transformation");
  s = reader.ReadPlatform(R"({"name":null})", &p);
  EXPECT_EQ(s.message(), "must be a string, not null");
  engine::Request r;
  s = reader.ReadRequest(R"({"quantity":1.5})", &r);
  EXPECT_EQ(s.message(), "must be an integer");
  s = reader.ReadRequest("{\"text\":\"\xff\"}", &r);
  EXPECT_EQ(s.message(), "invalid UTF-8");
  s = reader.ReadRequest(R(" x"), &r);
  EXPECT_EQ(s.code(), StatusCode::kMalformed);
}

// ---------------------------------------------------------------------------
// Names: what the codec writes and reads is the engine's tables.

// `json` with every name of `names` as the members of one object, in order,
// with values 1, 2, ...: {"a":1,"b":2,...}.
std::string NumberedMembers(std::span<const std::string_view> names) {
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += '"' + std::string(names[i]) + "\":" + std::to_string(i + 1);
  }
  return out + "}";
}

TEST(JsonCodecTest, WrittenRejectionNamesAreTheEnginesInOrder) {
  engine::MatchResult result;
  for (std::size_t i = 0; i < result.rejected.size(); ++i) result.rejected[i] = i + 1;
  std::string out;
  AppendMatchResultJson(result, /*explain=*/true, /*reverse=*/false, &out);
  EXPECT_EQ(out, R"({"matches":[],"feasible":0,"rejected":)" + NumberedMembers(engine::kRejectionNames) + "}");
}

TEST(JsonCodecTest, WrittenFactorNamesAreTheEnginesInOrder) {
  engine::Match m;
  for (std::size_t i = 0; i < engine::kFactors.size(); ++i) {
    const engine::FactorSpec& f = engine::kFactors[i];
    if (f.value != nullptr) {
      m.explain.*f.value = static_cast<double>(i + 1);
    } else {
      m.explain.*f.optional_value = static_cast<double>(i + 1);
    }
  }
  std::string out;
  AppendFoundMatchJson(m, &out);
  EXPECT_NE(out.find(R"("explain":)" + NumberedMembers(engine::kFactorNames) + "}"), std::string::npos) << out;

  engine::Request r = MinimalRequest();
  r.weights.emplace();
  for (std::size_t i = 0; i < engine::kFactors.size(); ++i) {
    r.weights.value().*engine::kFactors[i].override_weight = static_cast<double>(i + 1);
  }
  std::string json;
  AppendRequestJson(r, DocForm::kClient, &json);
  EXPECT_NE(json.find(R"("weights":)" + NumberedMembers(engine::kFactorNames)), std::string::npos) << json;
  JsonReader reader(kMaxBytes);
  engine::Request got;
  ASSERT_TRUE(reader.ReadRequest(json, &got).ok()) << json;
  EXPECT_EQ(got, r);
}

// Every wire name of every enum a request holds reads as its value and is
// written back as itself; a name not in the table is refused with the table.
TEST(JsonCodecTest, ReadsAndWritesEveryEnumNameOfTheEnginesTables) {
  JsonReader reader(kMaxBytes);
  for (std::size_t i = 0; i < engine::kStageNames.size(); ++i) {
    engine::Request r = MinimalRequest();
    r.stage = static_cast<engine::Stage>(i);
    r.unit = static_cast<engine::Unit>(i % engine::kUnitNames.size());
    r.requester.type = static_cast<engine::RequesterType>(i % engine::kRequesterTypeNames.size());
    std::string json;
    AppendRequestJson(r, DocForm::kClient, &json);
    EXPECT_NE(json.find(R"("stage":")" + std::string(engine::kStageNames[i]) + '"'), std::string::npos) << json;
    engine::Request got;
    ASSERT_TRUE(reader.ReadRequest(json, &got).ok()) << json;
    EXPECT_EQ(got, r);
  }
  for (std::size_t i = 0; i < engine::kPlatformKindNames.size(); ++i) {
    engine::Platform p = FullPlatform();
    p.kind = static_cast<engine::PlatformKind>(i);
    p.level = static_cast<engine::PlatformLevel>(i % engine::kPlatformLevelNames.size());
    std::string json;
    AppendPlatformJson(p, DocForm::kClient, &json);
    EXPECT_NE(json.find(R"("kind":")" + std::string(engine::kPlatformKindNames[i]) + '"'), std::string::npos);
    engine::Platform got;
    ASSERT_TRUE(reader.ReadPlatform(json, &got).ok()) << json;
    EXPECT_EQ(got, p);
  }
  std::string all_units;
  for (const std::string_view name : engine::kUnitNames) {
    all_units += (all_units.empty() ? "" : ", ") + std::string(name);
  }
  engine::Request r;
  const engine::Status s = reader.ReadRequest(R"({"unit":"litre"})", &r);
  EXPECT_EQ(s.field(), "unit");
  EXPECT_EQ(s.message(), "must be one of " + all_units);
}

}  // namespace
}  // namespace biomatch::server
