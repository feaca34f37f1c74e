#include "stats_rollup.h"

#include <algorithm>
#include <mutex>

#include "biomatch/engine/types.h"
#include "events.h"

namespace biomatch::server {
namespace {

constexpr engine::Seconds kDay = 86400;

std::int64_t DayOf(engine::Seconds t) { return t >= 0 ? t / kDay : (t - kDay + 1) / kDay; }

std::size_t Index(SeriesMetric m) { return static_cast<std::size_t>(m); }

}  // namespace

engine::Result<std::unique_ptr<StatsRollup>> StatsRollup::Build(const storage::Store& store,
                                                                const engine::Engine& engine) {
  std::unique_ptr<StatsRollup> rollup(new StatsRollup());
  // Nothing else sees the rollup yet, but its lock is never held while the store's is taken:
  // the store's writer calls Add under its own lock, so the other order would be a cycle.
  const engine::Status read = store.ReadEvents(store.first_seq(), [&rollup](const storage::Event& e) {
    WriterLock lock(&rollup->mu_);
    rollup->AddOne(e, false);
    return true;
  });
  if (!read.ok()) return read;
  const std::vector<engine::Request> unmatched = engine.UnmatchedRequests();
  WriterLock lock(&rollup->mu_);
  for (const engine::Request& r : unmatched) {
    ++rollup->unmet_level_[rollup->Cell(r.category, r.region.value_or(""))];
  }
  return rollup;
}

void StatsRollup::Add(const std::vector<storage::Event>& events) {
  WriterLock lock(&mu_);
  for (const storage::Event& e : events) AddOne(e, true);
}

StatsRollup::CellKey StatsRollup::Cell(const std::string& category, const std::string& region) {
  auto intern = [](const std::string& name, std::vector<std::string>* names,
                   std::unordered_map<std::string, std::uint32_t>* ids) {
    auto [it, inserted] = ids->try_emplace(name, static_cast<std::uint32_t>(names->size()));
    if (inserted) names->push_back(name);
    return it->second;
  };
  return static_cast<CellKey>(intern(category, &categories_, &category_ids_)) << 32 |
         intern(region, &regions_, &region_ids_);
}

void StatsRollup::AddOne(const storage::Event& e, bool live) {
  // Only these types count; the rest are not decoded at all.
  static constexpr std::string_view kCounted[] = {"request.created",     "request.matched",       "request.unmet",
                                                  "request.deleted",     "reservation.created", "reservation.completed"};
  if (!history_from_) history_from_ = e.at;
  if (std::find(std::begin(kCounted), std::end(kCounted), e.type) == std::end(kCounted)) return;
  EventFacets facets;
  std::string_view data;
  EventFields fields;
  if (!DecodeEventBody(e.body, &facets, &data).ok() || !reader_.Read(data, &fields).ok()) return;  // not ours to judge
  if (e.type == "request.deleted") {
    matched_.erase(fields.id);  // a request made again with its id is a new one
    return;
  }
  const CellKey cell = Cell(facets.category, facets.region);
  Counts& counts = days_[DayOf(e.at)].try_emplace(cell, Counts{}).first->second;
  if (e.type == "request.created") {
    ++counts[Index(SeriesMetric::kRequestsCreated)];
  } else if (e.type == "request.matched") {
    if (matched_.insert(fields.request_id).second) ++counts[Index(SeriesMetric::kRequestsMatched)];
  } else if (e.type == "request.unmet") {
    const std::int64_t delta = fields.unmet ? 1 : -1;
    counts[Index(SeriesMetric::kUnmatchedRequests)] += delta;
    if (live) unmet_level_[cell] += delta;
  } else if (e.type == "reservation.created") {
    counts[Index(SeriesMetric::kUnitsReserved)] += fields.quantity;
  } else {
    counts[Index(SeriesMetric::kUnitsCompleted)] += fields.quantity;
  }
}

std::vector<SeriesPoint> StatsRollup::Series(const SeriesQuery& q) const {
  ReaderLock lock(&mu_);
  const engine::Seconds step = q.step_days * kDay;
  const std::int64_t n = (q.to - q.from + step - 1) / step;
  std::vector<SeriesPoint> points(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
  for (std::size_t i = 0; i < points.size(); ++i) points[i].t = q.from + static_cast<engine::Seconds>(i) * step;
  if (points.empty()) return points;

  // Whether a cell passes the filters, judged once per category and region.
  std::vector<std::int8_t> category_ok(categories_.size(), -1), region_ok(regions_.size(), -1);
  auto passes = [&](CellKey cell) NO_THREAD_SAFETY_ANALYSIS {  // runs under the lock
    const std::uint32_t c = static_cast<std::uint32_t>(cell >> 32), r = static_cast<std::uint32_t>(cell);
    if (category_ok[c] < 0) category_ok[c] = q.category.empty() || engine::IsPathPrefix(q.category, categories_[c]);
    if (region_ok[r] < 0) region_ok[r] = q.region.empty() || engine::IsPathPrefix(q.region, regions_[r]);
    return category_ok[c] && region_ok[r];
  };
  const std::size_t metric = Index(q.metric);
  const std::int64_t first_day = DayOf(q.from);
  const std::int64_t end_day = first_day + n * q.step_days;  // exclusive

  if (q.metric != SeriesMetric::kUnmatchedRequests) {
    for (auto it = days_.lower_bound(first_day); it != days_.end() && it->first < end_day; ++it) {
      std::int64_t sum = 0;
      for (const auto& [cell, counts] : it->second) {
        if (counts[metric] != 0 && passes(cell)) sum += counts[metric];
      }
      points[static_cast<std::size_t>((it->first - first_day) / q.step_days)].value += sum;
    }
    return points;
  }
  // The level at the end of step i: now's level less the changes of the
  // days from that end on, walked from the newest day back.
  std::int64_t level = 0;
  for (const auto& [cell, count] : unmet_level_) {
    if (count != 0 && passes(cell)) level += count;
  }
  auto day = days_.rbegin();
  for (std::size_t i = points.size(); i-- > 0;) {
    const std::int64_t step_end = first_day + static_cast<std::int64_t>(i + 1) * q.step_days;
    for (; day != days_.rend() && day->first >= step_end; ++day) {
      for (const auto& [cell, counts] : day->second) {
        if (counts[metric] != 0 && passes(cell)) level -= counts[metric];
      }
    }
    points[i].value = level;
  }
  return points;
}

std::optional<engine::Seconds> StatsRollup::history_from() const {
  ReaderLock lock(&mu_);
  return history_from_;
}

}  // namespace biomatch::server
