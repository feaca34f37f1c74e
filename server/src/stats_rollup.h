// StatsRollup: the statistics' time series, kept in memory per UTC day and
// (request category, request region), built at start from the event log and
// then fed every committed event (the store's event listener), so a series
// never scans the log.
//
// Per day and cell it counts request.created, request.matched (first
// feasible capability; a request counts once, by id, while its events are
// in the rollup), units of reservation.created and reservation.completed,
// and the net change of unmet demand (request.unmet). The level of unmet
// demand per cell is taken from the engine at build time (the requests its
// change sets announced unmet) and follows the events after; the level at
// the end of a past day is that level minus the changes since.
//
// History: what the event log held at start (--event-retention-hours, 7
// days by default) and everything committed since. Days before the oldest
// event read show no flows and the unmet level of that oldest day
// (history_from in the answer says where history starts). Raise the
// retention to keep longer series across restarts.
//
// Thread safety: every method may be called from any thread (a shared
// mutex: Series readers share it, Add takes it exclusively for the events
// of one durable batch).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/server/json_stats.h"
#include "biomatch/storage/store.h"

namespace biomatch::server {

class StatsRollup {
 public:
  // Reads every retained event of `store` and takes the unmet requests of
  // `engine`. REQUIRES: no write is under way (start-up), so both describe
  // the same state.
  static engine::Result<std::unique_ptr<StatsRollup>> Build(const storage::Store& store,
                                                            const engine::Engine& engine);

  // Committed events, in seq order (the store's event listener).
  void Add(const std::vector<storage::Event>& events);

  // The points of `q`, one per step from q.from while before q.to (the
  // last step may end after q.to, and counts its whole span).
  std::vector<SeriesPoint> Series(const SeriesQuery& q) const;
  // When the events the rollup holds begin; nullopt when it holds none.
  std::optional<engine::Seconds> history_from() const;

 private:
  StatsRollup() = default;
  using Counts = std::array<std::int64_t, kSeriesMetricCount>;  // unmatched: the day's net change
  using CellKey = std::uint64_t;  // category id << 32 | region id

  CellKey Cell(const std::string& category, const std::string& region);
  // `live`: the event follows the level (after build) rather than precedes it.
  void AddOne(const storage::Event& e, bool live);

  mutable std::shared_mutex mu_;
  EventFieldReader reader_;  // under the exclusive lock
  std::vector<std::string> categories_, regions_;
  std::unordered_map<std::string, std::uint32_t> category_ids_, region_ids_;
  std::map<std::int64_t, std::unordered_map<CellKey, Counts>> days_;  // by day number since the epoch
  std::unordered_map<CellKey, std::int64_t> unmet_level_;              // now
  std::unordered_set<std::string> matched_;  // requests counted by requests_matched
  std::optional<engine::Seconds> history_from_;
};

}  // namespace biomatch::server
