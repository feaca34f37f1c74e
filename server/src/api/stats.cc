// The supervisors' statistics: GET /v1/stats/overview.
#include "api/handlers.h"
#include "api/params.h"

namespace biomatch::server {

void StatsOverview(Api& api, Call& c) {
  std::string body;
  AppendOverviewJson(api.engine().GetOverview(), api.store().last_seq(), &body);
  api.Reply(c, MakeJson(200, std::move(body)));
}

}  // namespace biomatch::server
