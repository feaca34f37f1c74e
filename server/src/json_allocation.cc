#include "biomatch/server/json_allocation.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "biomatch/server/json_codec.h"

namespace biomatch::server {
namespace {

namespace od = simdjson::ondemand;
using engine::Status;

// Reads one allocate document, tracking the field path for errors.
class AllocateDecoder {
 public:
  explicit AllocateDecoder(AllocateSpec* out) : out_(out) {}

  Status Root(od::document& doc) {
    od::object obj;
    if (doc.get_object().get(obj)) return Invalid("", "the document must be an object");
    bool has_select = false;
    Status st = Fields(obj, "", {"select", "apply", "hold_seconds", "candidates"}, [&](std::string_view key, od::value v) {
      if (key == "select") {
        has_select = true;
        return Select(v);
      }
      if (key == "apply") return Bool(v, "apply", &out_->apply);
      if (key == "hold_seconds") return Int(v, "hold_seconds", &out_->hold_seconds);
      std::int64_t candidates = 0;
      Status s = Int(v, "candidates", &candidates);
      out_->options.candidates = candidates < 0 ? 0 : static_cast<std::size_t>(candidates);
      return s;
    });
    if (!st.ok()) return st;
    if (!has_select) return Invalid("select", "is required");
    return Status::Ok();
  }

 private:
  static Status Invalid(std::string field, std::string message) {
    return Status::InvalidArgument(std::move(field), std::move(message));
  }

  template <typename OnField>
  Status Fields(od::object& obj, std::string_view prefix, std::initializer_list<std::string_view> names,
                OnField on_field) {
    std::vector<std::string_view> seen;
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return Status::Malformed("invalid JSON in " + Path(prefix, ""));
      std::string_view key;
      if (field.unescaped_key().get(key)) return Status::Malformed("invalid key in " + Path(prefix, ""));
      const std::string path = Path(prefix, key);
      auto known = std::find(names.begin(), names.end(), key);
      if (known == names.end()) return Invalid(path, "unknown field");
      if (std::find(seen.begin(), seen.end(), *known) != seen.end()) return Invalid(path, "duplicate field");
      seen.push_back(*known);
      Status st = on_field(*known, field.value());
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }

  static std::string Path(std::string_view prefix, std::string_view key) {
    if (prefix.empty()) return std::string(key);
    if (key.empty()) return std::string(prefix);
    return std::string(prefix) + "." + std::string(key);
  }

  Status Select(od::value v) {
    od::object obj;
    if (v.get_object().get(obj)) return Invalid("select", "must be an object");
    engine::AllocationSelect& sel = out_->select;
    bool named = false;
    Status st = Fields(obj, "select", {"category", "region", "request_ids", "limit"}, [&](std::string_view key, od::value f) {
      if (key == "limit") {
        std::int64_t limit = 0;
        Status s = Int(f, "select.limit", &limit);
        sel.limit = limit < 0 ? 0 : static_cast<std::size_t>(limit);
        return s;
      }
      named = true;
      if (key == "category") return String(f, "select.category", &sel.category_prefix);
      if (key == "region") return String(f, "select.region", &sel.region_prefix);
      od::array arr;
      if (f.get_array().get(arr)) return Invalid("select.request_ids", "must be an array of ids");
      for (auto element : arr) {
        std::string_view id;
        if (element.get_string().get(id)) {
          return Invalid("select.request_ids[" + std::to_string(sel.request_ids.size()) + "]", "must be a string");
        }
        sel.request_ids.emplace_back(id);
      }
      if (sel.request_ids.empty()) return Invalid("select.request_ids", "must name at least one request");
      return Status::Ok();
    });
    if (!st.ok()) return st;
    if (!named) return Invalid("select", "must name a category, a region or request_ids");
    if (!sel.category_prefix.empty() || !sel.region_prefix.empty() || !sel.request_ids.empty()) return Status::Ok();
    return Invalid("select", "must name a category, a region or request_ids");
  }

  static Status String(od::value v, std::string field, std::string* out) {
    std::string_view s;
    if (v.get_string().get(s)) return Invalid(std::move(field), "must be a string");
    out->assign(s);
    return Status::Ok();
  }
  static Status Bool(od::value v, std::string field, bool* out) {
    if (v.get_bool().get(*out)) return Invalid(std::move(field), "must be true or false");
    return Status::Ok();
  }
  static Status Int(od::value v, std::string field, std::int64_t* out) {
    if (v.get_int64().get(*out)) return Invalid(std::move(field), "must be an integer");
    return Status::Ok();
  }

  AllocateSpec* out_;
};

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

Status ReadAllocateSpec(std::string_view json, std::size_t max_bytes, AllocateSpec* out) {
  *out = AllocateSpec{};
  if (json.size() > max_bytes) return Status::InvalidArgument("", "the document is larger than the body limit");
  // Parsers and a padded buffer per thread, reused. The DOM pass checks the
  // whole document first (malformed JSON wins over a field's error); the
  // On-Demand pass decodes it.
  thread_local simdjson::dom::parser checker;
  thread_local od::parser parser;
  thread_local std::string buffer;
  buffer.assign(json);
  buffer.append(simdjson::SIMDJSON_PADDING, '\0');
  if (auto e = checker.parse(buffer.data(), json.size(), false).error()) {
    return Status::Malformed(std::string("invalid JSON: ") + simdjson::error_message(e));
  }
  od::document doc;
  if (auto e = parser.iterate(buffer.data(), json.size(), buffer.size()).get(doc)) {
    return Status::Malformed(std::string("invalid JSON: ") + simdjson::error_message(e));
  }
  return AllocateDecoder(out).Root(doc);
}

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
