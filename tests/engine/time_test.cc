#include "biomatch/engine/time.h"

#include <gtest/gtest.h>

namespace biomatch::engine {
namespace {

TEST(TimeTest, ParsesUtcAndFormatsBack) {
  const auto t = ParseRfc3339("2026-12-01T09:00:00Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, 1796115600);
  EXPECT_EQ(FormatRfc3339(*t), "2026-12-01T09:00:00Z");
}

TEST(TimeTest, NormalisesOffsetsAndDropsFractions) {
  EXPECT_EQ(ParseRfc3339("2026-12-01T17:00:00+08:00"), ParseRfc3339("2026-12-01T09:00:00Z"));
  EXPECT_EQ(ParseRfc3339("2026-12-01T04:30:00-04:30"), ParseRfc3339("2026-12-01T09:00:00Z"));
  EXPECT_EQ(ParseRfc3339("2026-12-01T09:00:00.999Z"), ParseRfc3339("2026-12-01T09:00:00Z"));
}

TEST(TimeTest, HandlesLeapDaysAndEpochBounds) {
  EXPECT_TRUE(ParseRfc3339("2028-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2027-02-29T00:00:00Z"));
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(FormatRfc3339(kMaxTime), "9999-12-31T23:59:59Z");
  EXPECT_FALSE(ParseRfc3339("1969-12-31T23:59:59Z"));
}

TEST(TimeTest, RejectsMalformedText) {
  for (const char* bad : {"", "2026-12-01", "2026-12-01T09:00:00", "2026-13-01T00:00:00Z", "2026-12-32T00:00:00Z",
                          "2026-12-01T24:00:00Z", "2026-12-01T09:00:00Zjunk", "2026-12-01 09:00:00Z",
                          "26-12-01T09:00:00Z", "2026-12-01T09:00:00.Z", "2026-12-01T09:00:00+0800"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

TEST(TimeTest, RoundTripsEveryDayOfSeveralYears) {
  for (Seconds t = *ParseRfc3339("2024-01-01T00:00:00Z"); t < *ParseRfc3339("2030-01-01T00:00:00Z"); t += 86400 + 3661) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t);
  }
}

}  // namespace
}  // namespace biomatch::engine
