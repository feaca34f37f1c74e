// The API's answers beyond entities (json_codec.h).
#include <string>

#include "biomatch/server/json_codec.h"

namespace biomatch::server {
namespace {

void AppendMember(std::string_view name, std::uint64_t value, std::string* out) {
  AppendJsonString(name, out);
  out->push_back(':');
  out->append(std::to_string(value));
}

void AppendErrorObject(std::string_view code, std::string_view message, std::string_view field, std::string* out) {
  out->append(R"("error":{"code":)");
  AppendJsonString(code, out);
  out->append(R"(,"message":)");
  AppendJsonString(message, out);
  if (!field.empty()) {
    out->append(R"(,"field":)");
    AppendJsonString(field, out);
  }
  out->push_back('}');
}

}  // namespace

void AppendErrorJson(std::string_view code, std::string_view message, std::string_view field, std::string* out) {
  out->push_back('{');
  AppendErrorObject(code, message, field, out);
  out->push_back('}');
}

void AppendBulkRejectedJson(std::string_view message, const std::vector<BulkLineError>& lines, std::string* out) {
  out->push_back('{');
  AppendErrorObject("invalid_argument", message, "", out);
  out->append(R"(,"lines":[)");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out->push_back(',');
    out->push_back('{');
    AppendMember("line", lines[i].line, out);
    out->append(R"(,"code":)");
    AppendJsonString(lines[i].code, out);
    out->append(R"(,"message":)");
    AppendJsonString(lines[i].message, out);
    if (!lines[i].field.empty()) {
      out->append(R"(,"field":)");
      AppendJsonString(lines[i].field, out);
    }
    out->push_back('}');
  }
  out->append("]}");
}

void AppendBulkAppliedJson(std::size_t applied, std::string* out) {
  out->push_back('{');
  AppendMember("applied", applied, out);
  out->push_back('}');
}

void AppendHealthJson(std::string_view status, std::string* out) {
  out->append(R"({"status":)");
  AppendJsonString(status, out);
  out->push_back('}');
}

void AppendOverviewJson(const engine::Overview& o, std::uint64_t events, std::string* out) {
  out->push_back('{');
  AppendMember("platforms", o.platforms, out);
  out->push_back(',');
  AppendMember("capabilities", o.capabilities, out);
  out->push_back(',');
  AppendMember("requests", o.requests, out);
  out->push_back(',');
  AppendMember("open_requests", o.open_requests, out);
  out->push_back(',');
  AppendMember("unmatched_requests", o.unmatched_requests, out);
  out->push_back(',');
  AppendMember("held_reservations", o.held_reservations, out);
  out->push_back(',');
  AppendMember("confirmed_reservations", o.confirmed_reservations, out);
  out->append(R"(,"offered_units":)");
  out->append(std::to_string(o.offered_units));
  out->append(R"(,"reserved_units":)");
  out->append(std::to_string(o.reserved_units));
  out->push_back(',');
  AppendMember("events", events, out);
  out->push_back('}');
}

void AppendKeyJson(std::string_view name, std::string_view role, std::string_view token, std::string* out) {
  out->append(R"({"name":)");
  AppendJsonString(name, out);
  out->append(R"(,"role":)");
  AppendJsonString(role, out);
  if (!token.empty()) {
    out->append(R"(,"token":)");
    AppendJsonString(token, out);
  }
  out->push_back('}');
}

void AppendCheckpointJson(std::string_view dir, std::uint64_t last_seq, std::string* out) {
  out->append(R"({"dir":)");
  AppendJsonString(dir, out);
  out->push_back(',');
  AppendMember("last_seq", last_seq, out);
  out->push_back('}');
}

void AppendMatchAnswerJson(const engine::MatchResult& result, bool explain, bool reverse, std::int64_t took_us,
                           std::string* out) {
  AppendMatchResultJson(result, explain, reverse, out);
  out->pop_back();  // AppendMatchResultJson's object ends with its closing brace
  out->append(R"(,"took_us":)");
  out->append(std::to_string(took_us));
  out->push_back('}');
}

}  // namespace biomatch::server
