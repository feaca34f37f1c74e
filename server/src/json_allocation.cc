#include "biomatch/server/json_allocation.h"

#include <algorithm>
#include <charconv>

#include "biomatch/server/json_codec.h"

namespace biomatch::server {
namespace {

void AppendInt(std::int64_t v, std::string* out) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, end);
}

void AppendTotals(std::string_view name, const engine::AllocationTotals& t, std::string* out) {
  AppendJsonString(name, out);
  out->append(":{\"placed\":");
  AppendInt(static_cast<std::int64_t>(t.placed), out);
  out->append(",\"units\":");
  AppendInt(t.units, out);
  out->append(",\"score\":");
  AppendJsonNumber(t.score, out);
  out->push_back('}');
}

}  // namespace

void AppendAllocationJson(const engine::AllocationPlan& plan, const std::vector<engine::Reservation>* reservations,
                          std::int64_t took_ms, std::string* out) {
  out->append("{\"plan\":[");
  for (std::size_t i = 0; i < plan.plan.size(); ++i) {
    const engine::PlacedRequest& p = plan.plan[i];
    if (i > 0) out->push_back(',');
    out->append("{\"request_id\":");
    AppendJsonString(p.request_id, out);
    out->append(",\"capability_id\":");
    AppendJsonString(p.capability_id, out);
    out->append(",\"score\":");
    AppendJsonNumber(p.score, out);
    out->append(",\"quantity\":");
    AppendInt(p.quantity, out);
    out->append(",\"allocations\":[");
    for (std::size_t j = 0; j < p.allocations.size(); ++j) {
      const engine::Allocation& a = p.allocations[j];
      out->append(j > 0 ? ",{\"start\":\"" : "{\"start\":\"");
      engine::AppendRfc3339(a.start, out);
      out->append("\",\"end\":\"");
      engine::AppendRfc3339(a.end, out);
      out->append("\",\"units\":");
      AppendInt(a.units, out);
      out->push_back('}');
    }
    out->push_back(']');
    if (reservations) {
      out->append(",\"reservation_id\":");
      AppendJsonString((*reservations)[i].id, out);
    }
    out->push_back('}');
  }
  out->append("],\"unplaced\":[");
  for (std::size_t i = 0; i < plan.unplaced.size(); ++i) {
    out->append(i > 0 ? ",{\"request_id\":" : "{\"request_id\":");
    AppendJsonString(plan.unplaced[i].request_id, out);
    out->append(",\"reason\":");
    AppendJsonString(engine::ToString(plan.unplaced[i].reason), out);
    out->push_back('}');
  }
  out->append("],\"totals\":{\"requests\":");
  AppendInt(static_cast<std::int64_t>(plan.requests), out);
  out->append(",\"placed\":");
  AppendInt(static_cast<std::int64_t>(plan.totals.placed), out);
  out->append(",\"units\":");
  AppendInt(plan.totals.units, out);
  out->append(",\"score\":");
  AppendJsonNumber(plan.totals.score, out);
  out->append("},\"baselines\":{");
  AppendTotals("first_come", plan.first_come, out);
  out->push_back(',');
  AppendTotals("best_first", plan.best_first, out);
  out->append("},\"upper_bound\":");
  AppendJsonNumber(plan.upper_bound, out);
  out->append(",\"exact\":");
  out->append(plan.exact ? "true" : "false");
  out->append(",\"candidate_pairs\":");
  AppendInt(static_cast<std::int64_t>(plan.candidate_pairs), out);
  out->append(",\"took_ms\":");
  AppendInt(took_ms, out);
  out->append(",\"applied\":");
  out->append(reservations ? "true" : "false");
  out->push_back('}');
}

}  // namespace biomatch::server
