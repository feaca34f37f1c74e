// The supervisors' statistics: GET /v1/stats/{overview,balance,utilization,
// timeseries}. Balance and utilization read the engine in steps under its
// shared lock (a pass over the calendars and open requests, on two threads;
// this I/O thread waits for it, as it does for a match); timeseries reads
// the in-memory rollup, never the event log.
#include "api/api.h"
#include "api/params.h"
#include "biomatch/engine/time.h"
#include "biomatch/server/json_stats.h"
#include "stats_rollup.h"

namespace biomatch::server {

void StatsOverview(Api& api, Call& c) {
  std::string body;
  AppendOverviewJson(api.engine().GetOverview(), api.store().last_seq(), &body);
  api.Reply(c, MakeJson(200, std::move(body)));
}

void StatsBalance(Api& api, Call& c) {
  const engine::Seconds now = engine::NowSeconds();
  BIOMATCH_TRY(api, c, query, ParseBalanceQuery(c.query, now));
  std::string body;
  AppendBalanceJson(now, *query, api.engine().Balance(*query, now), &body);
  api.Reply(c, MakeJson(200, std::move(body)));
}

void StatsUtilization(Api& api, Call& c) {
  const engine::Seconds now = engine::NowSeconds();
  BIOMATCH_TRY(api, c, query, ParseUtilizationQuery(c.query, now));
  std::string body;
  AppendUtilizationJson(now, *query, api.engine().Utilization(*query), &body);
  api.Reply(c, MakeJson(200, std::move(body)));
}

void StatsTimeseries(Api& api, Call& c) {
  BIOMATCH_TRY(api, c, query, ParseSeriesQuery(c.query, engine::NowSeconds()));
  const StatsRollup* rollup = api.stats_rollup();
  if (rollup == nullptr) {
    return api.Reply(c, MakeError(engine::Status::Unavailable("the time series are not built yet")));
  }
  std::string body;
  AppendSeriesJson(*query, rollup->history_from(), rollup->Series(*query), &body);
  api.Reply(c, MakeJson(200, std::move(body)));
}

}  // namespace biomatch::server
