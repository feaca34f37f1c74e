// JSON codec of the statistics API (API.md, "Statistics"): the query
// parameters of /v1/stats/{balance,utilization,timeseries}, their answers,
// and the events that carry unmet demand (request.unmet, request.matched).
//
// Parsing is pure; a bad parameter is kInvalidArgument naming it. Writing
// appends to a std::string and is thread safe. EventFieldReader owns a
// parser: one per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/status.h"

namespace biomatch::server {

// Decoded query parameters, by name.
using QueryParams = std::map<std::string, std::string>;

// Defaults: from = now, to = now + 30 days (API.md); depth 2 (1 to 64);
// by: category (balance), platform (utilization). `prefix` drills down
// (whole segments). to must be after from.
engine::Result<engine::StatsQuery> ParseBalanceQuery(const QueryParams& params, engine::Seconds now);
engine::Result<engine::StatsQuery> ParseUtilizationQuery(const QueryParams& params, engine::Seconds now);

enum class SeriesMetric : std::uint8_t {
  kRequestsCreated = 0,
  kRequestsMatched,     // requests that gained their first feasible capability
  kUnitsReserved,       // units of the holds placed
  kUnitsCompleted,      // units of the reservations completed
  kUnmatchedRequests,   // open requests with no feasible capability, at the end of each step
};
inline constexpr int kSeriesMetricCount = 5;
std::string_view ToString(SeriesMetric m);

struct SeriesQuery {
  SeriesMetric metric = SeriesMetric::kRequestsCreated;
  std::int64_t step_days = 1;  // day: 1, week: 7
  engine::Seconds from = 0;    // UTC midnight: `from` rounded down to its day
  engine::Seconds to = 0;      // points start before it
  std::string category;        // request category prefix (whole segments); empty: all
  std::string region;          // request region prefix; empty: all
};
struct SeriesPoint {
  engine::Seconds t = 0;  // the step's start
  std::int64_t value = 0;
};

// metric is required; step day (default) or week; to defaults to now, from
// to 30 days before to; at most kMaxSeriesPoints points.
inline constexpr std::int64_t kMaxSeriesPoints = 3660;
engine::Result<SeriesQuery> ParseSeriesQuery(const QueryParams& params, engine::Seconds now);

// {"as_of","from","to","groups":[{"group","open_requests","open_demand_units",
//  "unmatched_requests","unmatched_demand_units","free_supply_units",
//  "demand_supply_ratio"}]}: the ratio is open demand / free supply, null
// when supply is 0.
void AppendBalanceJson(engine::Seconds as_of, const engine::StatsQuery& q, const std::vector<engine::BalanceRow>& rows,
                       std::string* out);
// {"as_of","from","to","groups":[{"group","offered_units","reserved_units",
//  "completed_units","utilization"}]}: utilization is reserved / offered,
// null when nothing is offered.
void AppendUtilizationJson(engine::Seconds as_of, const engine::StatsQuery& q,
                           const std::vector<engine::UtilizationRow>& rows, std::string* out);
// {"metric","step","from","to","history_from","points":[{"t","value"}]}:
// history_from is the oldest time the series know events from (null when
// none).
void AppendSeriesJson(const SeriesQuery& q, std::optional<engine::Seconds> history_from,
                      const std::vector<SeriesPoint>& points, std::string* out);

// The data of the events of an UnmetChange: request.unmet
// {"request_id","unmet":true|false} (entered or left unmet demand) and
// request.matched {"request_id"} (its first feasible capability).
std::string_view UnmetEventType(const engine::UnmetChange& change);
void AppendUnmetEventJson(const engine::UnmetChange& change, std::string* out);

// What the statistics read of a stored event's data: its top-level "id",
// "request_id", "quantity" and "unmet" (absent ones stay empty).
struct EventFields {
  std::string id;
  std::string request_id;
  std::int64_t quantity = 0;
  bool unmet = false;
};
class EventFieldReader {
 public:
  EventFieldReader();
  ~EventFieldReader();
  EventFieldReader(const EventFieldReader&) = delete;
  EventFieldReader& operator=(const EventFieldReader&) = delete;
  // kCorruption when `data` is not a JSON object.
  engine::Status Read(std::string_view data, EventFields* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace biomatch::server
