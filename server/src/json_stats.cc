#include "biomatch/server/json_stats.h"

#include <charconv>

#include <simdjson.h>

#include "biomatch/engine/time.h"
#include "biomatch/engine/types.h"
#include "biomatch/server/json_codec.h"

namespace biomatch::server {
namespace {

using engine::Result;
using engine::Seconds;
using engine::Status;

constexpr Seconds kDay = 86400;
constexpr std::size_t kMaxDepth = 64;

std::string Param(const QueryParams& params, const char* name) {
  const auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

Result<Seconds> ParseTimeParam(const QueryParams& params, const char* name, Seconds fallback) {
  const std::string text = Param(params, name);
  if (text.empty()) return fallback;
  const auto t = engine::ParseRfc3339(text);
  if (!t) return Status::InvalidArgument(name, "must be an RFC 3339 time such as 2027-03-01T00:00:00Z");
  return *t;
}

// by, depth, prefix, from and to of balance and utilization; `by` among
// `allowed` (names and values), the first being the default.
Result<engine::StatsQuery> ParseGrouping(const QueryParams& params, Seconds now,
                                         std::initializer_list<std::pair<std::string_view, engine::GroupBy>> allowed) {
  engine::StatsQuery q;
  const std::string by = Param(params, "by");
  q.by = allowed.begin()->second;
  if (!by.empty()) {
    const auto it = std::find_if(allowed.begin(), allowed.end(), [&](const auto& a) { return a.first == by; });
    if (it == allowed.end()) {
      std::string names;
      for (const auto& a : allowed) names += (names.empty() ? "" : "|") + std::string(a.first);
      return Status::InvalidArgument("by", "must be " + names);
    }
    q.by = it->second;
  }
  if (const std::string depth = Param(params, "depth"); !depth.empty()) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(depth.data(), depth.data() + depth.size(), value);
    if (ec != std::errc() || end != depth.data() + depth.size() || value < 1 || value > kMaxDepth) {
      return Status::InvalidArgument("depth", "must be an integer from 1 to 64");
    }
    q.depth = value;
  }
  q.prefix = Param(params, "prefix");
  if (!q.prefix.empty() && (q.prefix.front() == '/' || q.prefix.back() == '/' ||
                            q.prefix.find("//") != std::string::npos)) {
    return Status::InvalidArgument("prefix", "must be a path of non-empty segments such as preclinical/safety");
  }
  auto from = ParseTimeParam(params, "from", now);
  if (!from.ok()) return from.status();
  auto to = ParseTimeParam(params, "to", *from + 30 * kDay);
  if (!to.ok()) return to.status();
  if (*to <= *from) return Status::InvalidArgument("to", "must be after from");
  q.from = *from;
  q.to = *to;
  return q;
}

void AppendTime(Seconds t, std::string* out) { AppendJsonString(engine::FormatRfc3339(t), out); }

void AppendInt(std::int64_t v, std::string* out) { *out += std::to_string(v); }

void AppendRatio(std::int64_t num, std::int64_t den, std::string* out) {
  if (den == 0) {
    *out += "null";
  } else {
    AppendJsonNumber(static_cast<double>(num) / static_cast<double>(den), out);
  }
}

void AppendHeader(Seconds as_of, const engine::StatsQuery& q, std::string* out) {
  *out += "{\"as_of\":";
  AppendTime(as_of, out);
  *out += ",\"from\":";
  AppendTime(q.from, out);
  *out += ",\"to\":";
  AppendTime(q.to, out);
  *out += ",\"groups\":[";
}

}  // namespace

Result<engine::StatsQuery> ParseBalanceQuery(const QueryParams& params, Seconds now) {
  return ParseGrouping(params, now, {{"category", engine::GroupBy::kCategory}, {"region", engine::GroupBy::kRegion}});
}

Result<engine::StatsQuery> ParseUtilizationQuery(const QueryParams& params, Seconds now) {
  return ParseGrouping(params, now,
                       {{"platform", engine::GroupBy::kPlatform},
                        {"category", engine::GroupBy::kCategory},
                        {"region", engine::GroupBy::kRegion}});
}

std::string_view ToString(SeriesMetric m) {
  static constexpr std::string_view kNames[] = {"requests_created", "requests_matched", "units_reserved",
                                                "units_completed", "unmatched_requests"};
  return kNames[static_cast<std::size_t>(m)];
}

Result<SeriesQuery> ParseSeriesQuery(const QueryParams& params, Seconds now) {
  SeriesQuery q;
  const std::string metric = Param(params, "metric");
  bool known = false;
  for (int m = 0; m < kSeriesMetricCount; ++m) {
    if (ToString(static_cast<SeriesMetric>(m)) == metric) {
      q.metric = static_cast<SeriesMetric>(m);
      known = true;
    }
  }
  if (!known) {
    return Status::InvalidArgument(
        "metric", "must be requests_created|requests_matched|units_reserved|units_completed|unmatched_requests");
  }
  const std::string step = Param(params, "step");
  if (step == "week") {
    q.step_days = 7;
  } else if (!step.empty() && step != "day") {
    return Status::InvalidArgument("step", "must be day|week");
  }
  auto to = ParseTimeParam(params, "to", now);
  if (!to.ok()) return to.status();
  auto from = ParseTimeParam(params, "from", *to - 30 * kDay);
  if (!from.ok()) return from.status();
  if (*to <= *from) return Status::InvalidArgument("to", "must be after from");
  q.from = *from - ((*from % kDay) + kDay) % kDay;  // its day's UTC midnight
  q.to = *to;
  if ((q.to - q.from) / (q.step_days * kDay) >= kMaxSeriesPoints) {
    return Status::InvalidArgument("from", "the range holds more than 3660 steps");
  }
  q.category = Param(params, "category");
  q.region = Param(params, "region");
  return q;
}

void AppendBalanceJson(Seconds as_of, const engine::StatsQuery& q, const std::vector<engine::BalanceRow>& rows,
                       std::string* out) {
  AppendHeader(as_of, q, out);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const engine::BalanceRow& r = rows[i];
    *out += i == 0 ? "{\"group\":" : ",{\"group\":";
    AppendJsonString(r.group, out);
    *out += ",\"open_requests\":";
    AppendInt(static_cast<std::int64_t>(r.open_requests), out);
    *out += ",\"open_demand_units\":";
    AppendInt(r.open_demand_units, out);
    *out += ",\"unmatched_requests\":";
    AppendInt(static_cast<std::int64_t>(r.unmatched_requests), out);
    *out += ",\"unmatched_demand_units\":";
    AppendInt(r.unmatched_demand_units, out);
    *out += ",\"free_supply_units\":";
    AppendInt(r.free_supply_units, out);
    *out += ",\"demand_supply_ratio\":";
    AppendRatio(r.open_demand_units, r.free_supply_units, out);
    *out += '}';
  }
  *out += "]}";
}

void AppendUtilizationJson(Seconds as_of, const engine::StatsQuery& q, const std::vector<engine::UtilizationRow>& rows,
                           std::string* out) {
  AppendHeader(as_of, q, out);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const engine::UtilizationRow& r = rows[i];
    *out += i == 0 ? "{\"group\":" : ",{\"group\":";
    AppendJsonString(r.group, out);
    *out += ",\"offered_units\":";
    AppendInt(r.offered_units, out);
    *out += ",\"reserved_units\":";
    AppendInt(r.reserved_units, out);
    *out += ",\"completed_units\":";
    AppendInt(r.completed_units, out);
    *out += ",\"utilization\":";
    AppendRatio(r.reserved_units, r.offered_units, out);
    *out += '}';
  }
  *out += "]}";
}

void AppendSeriesJson(const SeriesQuery& q, std::optional<Seconds> history_from, const std::vector<SeriesPoint>& points,
                      std::string* out) {
  *out += "{\"metric\":";
  AppendJsonString(ToString(q.metric), out);
  *out += ",\"step\":";
  AppendJsonString(q.step_days == 7 ? "week" : "day", out);
  *out += ",\"from\":";
  AppendTime(q.from, out);
  *out += ",\"to\":";
  AppendTime(q.to, out);
  *out += ",\"history_from\":";
  if (history_from) {
    AppendTime(*history_from, out);
  } else {
    *out += "null";
  }
  *out += ",\"points\":[";
  for (std::size_t i = 0; i < points.size(); ++i) {
    *out += i == 0 ? "{\"t\":" : ",{\"t\":";
    AppendTime(points[i].t, out);
    *out += ",\"value\":";
    AppendInt(points[i].value, out);
    *out += '}';
  }
  *out += "]}";
}

std::string_view UnmetEventType(const engine::UnmetChange& change) {
  return change.kind == engine::UnmetChange::Kind::kFirstMatch ? "request.matched" : "request.unmet";
}

void AppendUnmetEventJson(const engine::UnmetChange& change, std::string* out) {
  *out += "{\"request_id\":";
  AppendJsonString(change.request_id, out);
  if (change.kind != engine::UnmetChange::Kind::kFirstMatch) {
    *out += change.kind == engine::UnmetChange::Kind::kEntered ? ",\"unmet\":true" : ",\"unmet\":false";
  }
  *out += '}';
}

struct EventFieldReader::Impl {
  simdjson::ondemand::parser parser;
  std::string buffer;  // the data, padded
};

EventFieldReader::EventFieldReader() : impl_(std::make_unique<Impl>()) {}
EventFieldReader::~EventFieldReader() = default;

Status EventFieldReader::Read(std::string_view data, EventFields* out) {
  *out = EventFields{};
  std::string& buffer = impl_->buffer;
  buffer.assign(data);
  buffer.append(simdjson::SIMDJSON_PADDING, ' ');
  simdjson::ondemand::document doc;
  if (impl_->parser.iterate(buffer.data(), data.size(), buffer.size()).get(doc)) {
    return Status::Corruption("an event's data is not JSON");
  }
  simdjson::ondemand::object object;
  if (doc.get_object().get(object)) return Status::Corruption("an event's data is not a JSON object");
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Status::Corruption("an event's data is malformed");
    std::string_view text;
    if (key == "id") {
      if (field.value().get_string().get(text)) return Status::Corruption("an event's id is not a string");
      out->id = text;
    } else if (key == "request_id") {
      if (field.value().get_string().get(text)) return Status::Corruption("an event's request_id is not a string");
      out->request_id = text;
    } else if (key == "quantity") {
      if (field.value().get_int64().get(out->quantity)) return Status::Corruption("an event's quantity is not an integer");
    } else if (key == "unmet") {
      if (field.value().get_bool().get(out->unmet)) return Status::Corruption("an event's unmet is not a boolean");
    }
  }
  return Status::Ok();
}

}  // namespace biomatch::server
