#include "codec.h"

#include <limits>

#include <gtest/gtest.h>

#include "testutil.h"

namespace biomatch::storage {
namespace {

using biomatch::testing::MakeCapability;
using biomatch::testing::MakePlatform;
using biomatch::testing::MakeRequest;
using biomatch::testing::T;

TEST(CodecTest, EventKeysSortBySequence) {
  EXPECT_LT(EventKey(255), EventKey(256));
  EXPECT_LT(EventKey(1), EventKey(std::numeric_limits<std::uint64_t>::max()));
  EXPECT_EQ(DecodeEventKey(EventKey(0x0102030405060708ULL)), 0x0102030405060708ULL);
}

TEST(CodecTest, EntitiesRoundTripWithExtremes) {
  engine::Platform p = MakePlatform("p1");
  p.name = "广州 \x01 \"quoted\" 😀";
  p.location = {-89.999999, -179.999999};
  p.qualifications.push_back({"ISO", engine::kMaxTime});
  p.meta = {std::numeric_limits<std::uint64_t>::max(), 0, engine::kMaxTime};
  engine::Platform p2;
  ASSERT_TRUE(DecodePlatform(EncodePlatform(p), &p2).ok());
  EXPECT_EQ(p, p2);

  engine::Capability c = MakeCapability("c1", "p1");
  c.price_per_unit = 1e15;
  c.slots.push_back({T("9999-12-30T00:00:00Z"), engine::kMaxTime, 1'000'000'000, 0});
  engine::Capability c2;
  ASSERT_TRUE(DecodeCapability(EncodeCapability(c), &c2).ok());
  EXPECT_EQ(c, c2);

  engine::Request r = MakeRequest("r1");
  r.budget_max.reset();
  r.location.reset();
  r.max_distance_km.reset();
  r.weights = engine::WeightOverrides{};
  r.weights->text = 0;
  r.status = engine::RequestStatus::kExpired;
  engine::Request r2;
  ASSERT_TRUE(DecodeRequest(EncodeRequest(r), &r2).ok());
  EXPECT_EQ(r, r2);

  engine::Reservation v;
  v.id = "h1";
  v.request_id = "r1";
  v.capability_id = "c1";
  v.quantity = 3;
  v.status = engine::ReservationStatus::kConfirmed;
  v.allocations = {{T("2026-12-01T00:00:00Z"), T("2026-12-02T00:00:00Z"), 3}};
  v.expires_at = T("2026-12-01T00:15:00Z");
  engine::Reservation v2;
  ASSERT_TRUE(DecodeReservation(EncodeReservation(v), &v2).ok());
  EXPECT_EQ(v, v2);
}

TEST(CodecTest, TruncatedOrPaddedValuesAreCorruption) {
  const std::string good = EncodeCapability(MakeCapability("c1", "p1"));
  engine::Capability c;
  for (std::size_t n = 0; n < good.size(); n += 7) {
    EXPECT_EQ(DecodeCapability(good.substr(0, n), &c).code(), engine::StatusCode::kCorruption) << n;
  }
  EXPECT_EQ(DecodeCapability(good + "x", &c).code(), engine::StatusCode::kCorruption);
  std::string future = good;
  future[0] = 9;
  EXPECT_EQ(DecodeCapability(future, &c).code(), engine::StatusCode::kCorruption);
  engine::Platform p;
  std::string bad_enum = EncodePlatform(MakePlatform("p1"));
  bad_enum[bad_enum.size() / 2] ^= 0x7F;  // whatever the byte was, decoding must not crash
  (void)DecodePlatform(bad_enum, &p);
}

}  // namespace
}  // namespace biomatch::storage
