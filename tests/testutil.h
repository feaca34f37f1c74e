// Helpers shared by every test binary: builders for valid domain documents,
// times, and fresh temporary directories.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/time.h"
#include "biomatch/engine/types.h"

namespace biomatch::testing {

// RFC 3339 to Seconds; fails the test on a bad literal.
inline engine::Seconds T(std::string_view rfc3339) {
  auto t = engine::ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(0);
}

inline constexpr engine::Seconds kDay = 86400;

// A fixed clock for tests: 2026-11-30T00:00:00Z, before every default slot.
inline engine::Seconds Now() { return T("2026-11-30T00:00:00Z"); }

inline engine::Platform MakePlatform(std::string id) {
  engine::Platform p;
  p.id = std::move(id);
  p.name = "华西新药安全性评价中心";
  p.kind = engine::PlatformKind::kTechnologyService;
  p.level = engine::PlatformLevel::kProvincial;
  p.region = "CN/SC/chengdu/gaoxin";
  p.location = {30.57, 104.06};
  p.qualifications = {{"GLP", T("2028-06-30T00:00:00Z")}, {"AAALAC", std::nullopt}};
  p.open = true;
  p.evaluation = engine::Evaluation{88, 81, 90, 86};
  return p;
}

// One slot of `units` per day for `days` days from 2026-12-01.
inline std::vector<engine::Slot> DailySlots(int days, std::int64_t units) {
  std::vector<engine::Slot> slots;
  const engine::Seconds start = T("2026-12-01T00:00:00Z");
  for (int d = 0; d < days; ++d) slots.push_back({start + d * kDay, start + (d + 1) * kDay, units, 0});
  return slots;
}

inline engine::Capability MakeCapability(std::string id, std::string platform_id) {
  engine::Capability c;
  c.id = std::move(id);
  c.platform_id = std::move(platform_id);
  c.category = "preclinical/safety/repeat-dose-toxicity";
  c.title = "大鼠28天重复给药毒性试验 (GLP)";
  c.description = "SD大鼠经口重复给药28天, 含恢复期";
  c.keywords = {"rat", "28-day", "GLP"};
  c.stages = engine::StageBit(engine::Stage::kPreclinical);
  c.unit = engine::Unit::kStudy;
  c.price_per_unit = 380000;
  c.slots = {{T("2026-12-01T00:00:00Z"), T("2027-01-01T00:00:00Z"), 3, 0}};
  return c;
}

inline engine::Request MakeRequest(std::string id) {
  engine::Request r;
  r.id = std::move(id);
  r.requester = {"org-42", engine::RequesterType::kEnterprise};
  r.category = "preclinical/safety";
  r.text = "需要GLP大鼠重复给药毒性试验";
  r.keywords = {"rat", "toxicity"};
  r.stage = engine::Stage::kPreclinical;
  r.quantity = 1;
  r.unit = engine::Unit::kStudy;
  r.budget_max = 450000;
  r.window = {T("2026-12-01T00:00:00Z"), T("2027-03-01T00:00:00Z")};
  r.location = engine::GeoPoint{30.6, 104.1};
  r.max_distance_km = 800;
  r.required_qualifications = {"GLP"};
  return r;
}

// A directory unique to the running test, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("biomatch-" + std::string(info ? info->name() : "test") + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace biomatch::testing
