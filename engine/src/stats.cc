// Supervision statistics computed from the live state under the shared lock.
#include <map>
#include <mutex>

#include "biomatch/engine/engine.h"
#include "state.h"

namespace biomatch::engine {
namespace {

// The first `depth` segments of `path`.
std::string GroupKey(std::string_view path, std::size_t depth) {
  std::size_t end = 0;
  for (std::size_t seg = 0; seg < depth; ++seg) {
    const std::size_t slash = path.find('/', end == 0 ? 0 : end + 1);
    if (slash == std::string_view::npos) return std::string(path);
    end = slash;
  }
  return std::string(path.substr(0, end));
}

}  // namespace

Overview Engine::GetOverview() const {
  ReaderLock lock(&mu_);
  const EngineState& s = *state_;
  Overview o;
  o.platforms = s.platforms.size();
  o.capabilities = s.capabilities.size();
  o.requests = s.requests.size();
  o.open_requests = s.open_requests;
  o.held_reservations = s.held;
  o.confirmed_reservations = s.confirmed;
  o.offered_units = s.offered_units;
  o.reserved_units = s.reserved_units;
  return o;
}

std::vector<BalanceRow> Engine::Balance(GroupBy by, std::size_t depth, Seconds from, Seconds to,
                                        Seconds now) const {
  ReaderLock lock(&mu_);
  const EngineState& s = *state_;
  std::map<std::string, BalanceRow> rows;
  auto row = [&](std::string key) -> BalanceRow& {
    BalanceRow& r = rows[key];
    if (r.group.empty()) r.group = std::move(key);
    return r;
  };
  for (std::uint32_t idx = 0; idx < s.capabilities.slots(); ++idx) {
    if (!s.capabilities.live(idx)) continue;
    const CapabilityRec& c = s.capabilities.at(idx);
    const std::string_view path = by == GroupBy::kRegion ? std::string_view(s.platforms.at(c.platform).doc.region)
                                                         : std::string_view(s.categories.node(c.node).path);
    const auto [lo, hi] = c.calendar.Inside(std::max(from, now), to);
    row(GroupKey(path, depth)).supply_units += c.calendar.FreeIn(lo, hi);
  }
  MatchOptions count_only{now, 0, false};
  for (std::uint32_t idx = 0; idx < s.requests.slots(); ++idx) {
    if (!s.requests.live(idx)) continue;
    const RequestRec& r = s.requests.at(idx);
    if (r.doc.status != RequestStatus::kOpen) continue;
    std::string key = by == GroupBy::kRegion ? (r.doc.region ? GroupKey(*r.doc.region, depth) : "unknown")
                                             : GroupKey(r.doc.category, depth);
    BalanceRow& b = row(std::move(key));
    b.demand_units += r.doc.quantity - r.live_units - r.completed_units;
    ++b.open_requests;
    if (RunIndexed(s, r.plan, count_only).feasible == 0) ++b.unmatched_requests;
  }
  std::vector<BalanceRow> out;
  out.reserve(rows.size());
  for (auto& [key, r] : rows) out.push_back(std::move(r));
  return out;
}

std::vector<UtilizationRow> Engine::Utilization(GroupBy by, std::size_t depth, Seconds from, Seconds to) const {
  ReaderLock lock(&mu_);
  const EngineState& s = *state_;
  std::map<std::string, UtilizationRow> rows;
  for (std::uint32_t idx = 0; idx < s.capabilities.slots(); ++idx) {
    if (!s.capabilities.live(idx)) continue;
    const CapabilityRec& c = s.capabilities.at(idx);
    std::string key = by == GroupBy::kPlatform ? std::string(s.platforms.id(c.platform))
                      : by == GroupBy::kRegion ? GroupKey(s.platforms.at(c.platform).doc.region, depth)
                                               : GroupKey(s.categories.node(c.node).path, depth);
    const auto [lo, hi] = c.calendar.Inside(from, to);
    const std::int64_t offered = c.calendar.UnitsIn(lo, hi);
    UtilizationRow& r = rows[key];
    r.group = std::move(key);
    r.offered_units += offered;
    r.reserved_units += offered - c.calendar.FreeIn(lo, hi);
  }
  std::vector<UtilizationRow> out;
  out.reserve(rows.size());
  for (auto& [key, r] : rows) out.push_back(std::move(r));
  return out;
}

}  // namespace biomatch::engine
