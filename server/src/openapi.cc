#include "openapi.h"

#include <algorithm>
#include <cctype>

#include "biomatch/server/json_codec.h"

namespace biomatch::server {
namespace {

// Schemas of the request documents and the common answers (API.md).
constexpr std::string_view kComponents = R"({
"securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}},
"schemas":{
"Error":{"type":"object","required":["error"],"properties":{"error":{"type":"object","required":["code","message"],
  "properties":{"code":{"type":"string","enum":["malformed_json","invalid_argument","unauthenticated","permission_denied",
  "not_found","method_not_allowed","conflict","precondition_failed","payload_too_large","unsupported_media_type",
  "upgrade_required","overloaded","internal"]},
  "message":{"type":"string"},"field":{"type":"string"}}}}},
"GeoPoint":{"type":"object","required":["lat","lon"],"properties":{"lat":{"type":"number","minimum":-90,"maximum":90},
  "lon":{"type":"number","minimum":-180,"maximum":180}}},
"Platform":{"type":"object","additionalProperties":false,"required":["name","kind","level","region","location"],"properties":{
  "name":{"type":"string"},"kind":{"type":"string","enum":["basic_condition","technology_service","transformation"]},
  "level":{"type":"string","enum":["national","regional","provincial","municipal","institutional"]},
  "region":{"type":"string","example":"CN/SC/chengdu/gaoxin"},"location":{"$ref":"#/components/schemas/GeoPoint"},
  "qualifications":{"type":"array","items":{"oneOf":[{"type":"string"},{"type":"object","required":["name"],
    "properties":{"name":{"type":"string"},"valid_until":{"type":"string","format":"date-time"}}}]}},
  "open":{"type":"boolean","default":true},
  "evaluation":{"type":"object","properties":{"service_capability":{"type":"number"},"management":{"type":"number"},
    "output":{"type":"number"},"basic_conditions":{"type":"number"}}}}},
"Slot":{"type":"object","required":["start","end","units"],"properties":{"start":{"type":"string","format":"date-time"},
  "end":{"type":"string","format":"date-time"},"units":{"type":"integer","minimum":0},
  "reserved":{"type":"integer","readOnly":true},"free":{"type":"integer","readOnly":true}}},
"Slots":{"type":"object","required":["slots"],"properties":{"slots":{"type":"array","items":{"$ref":"#/components/schemas/Slot"}}}},
"Capability":{"type":"object","additionalProperties":false,"required":["platform_id","category","title","unit","price_per_unit","stages"],
  "properties":{"platform_id":{"type":"string"},"category":{"type":"string","example":"preclinical/safety/repeat-dose-toxicity"},
  "title":{"type":"string"},"description":{"type":"string"},"keywords":{"type":"array","items":{"type":"string"}},
  "stages":{"type":"array","minItems":1,"items":{"type":"string","enum":["discovery","preclinical","clinical","registration","production"]}},
  "unit":{"type":"string","enum":["hour","sample","study","day","batch"]},"price_per_unit":{"type":"number","minimum":0},
  "slots":{"type":"array","items":{"$ref":"#/components/schemas/Slot"}}}},
"Weights":{"type":"object","properties":{"category":{"type":"number"},"text":{"type":"number"},"price":{"type":"number"},
  "time":{"type":"number"},"distance":{"type":"number"},"quality":{"type":"number"},"utilization":{"type":"number"}},
  "description":"Overrides of the default weights category 2, text 2, price 1.5, time 1.5, distance 1, quality 1, utilization 0.5."},
"Request":{"type":"object","additionalProperties":false,"required":["requester","category","stage","quantity","unit","window"],
  "properties":{"requester":{"type":"object","required":["id","type"],"properties":{"id":{"type":"string"},
    "type":{"type":"string","enum":["enterprise","university","institute","hospital","other"]}}},
  "category":{"type":"string"},"text":{"type":"string"},"keywords":{"type":"array","items":{"type":"string"}},
  "stage":{"type":"string","enum":["discovery","preclinical","clinical","registration","production"]},
  "quantity":{"type":"integer","minimum":1},"unit":{"type":"string","enum":["hour","sample","study","day","batch"]},
  "budget_max":{"type":["number","null"]},"window":{"type":"object","required":["earliest_start","deadline"],
    "properties":{"earliest_start":{"type":"string","format":"date-time"},"deadline":{"type":"string","format":"date-time"}}},
  "location":{"$ref":"#/components/schemas/GeoPoint"},"max_distance_km":{"type":["number","null"]},
  "region":{"type":["string","null"]},"required_qualifications":{"type":"array","items":{"type":"string"}},
  "weights":{"$ref":"#/components/schemas/Weights"}}},
"Hold":{"type":"object","required":["request_id","capability_id"],"properties":{"request_id":{"type":"string"},
  "capability_id":{"type":"string"},"quantity":{"type":"integer","minimum":1},
  "hold_seconds":{"type":"integer","minimum":10,"maximum":86400,"default":900}}},
"KeySpec":{"type":"object","required":["name","role"],"properties":{"name":{"type":"string"},
  "role":{"type":"string","enum":["admin","portal","agency","supervisor"]}}},
"Subscription":{"type":"object","additionalProperties":false,"description":"Every field optional; an omitted one does not filter.",
  "properties":{"types":{"type":"array","items":{"type":"string","enum":["platform.updated","platform.deleted",
    "capability.created","capability.updated","capability.deleted","request.created","request.updated","request.closed",
    "request.deleted","reservation.created","reservation.confirmed","reservation.cancelled","reservation.completed",
    "reservation.expired","match.found"]}},"category":{"type":["string","null"]},"region":{"type":["string","null"]},
  "stages":{"type":"array","items":{"type":"string","enum":["discovery","preclinical","clinical","registration","production"]}},
  "keywords":{"type":"array","maxItems":64,"items":{"type":"string"}},
  "platform_ids":{"type":"array","maxItems":256,"items":{"type":"string"}},
  "requester_ids":{"type":"array","maxItems":256,"items":{"type":"string"}},
  "min_score":{"type":["number","null"],"minimum":0,"maximum":1}}},
"Allocate":{"type":"object","required":["select"],"additionalProperties":false,"properties":{
  "select":{"type":"object","additionalProperties":false,"description":"at least one of category, region, request_ids",
    "properties":{"category":{"type":"string"},"region":{"type":"string"},
    "request_ids":{"type":"array","minItems":1,"maxItems":100000,"items":{"type":"string"}},
    "limit":{"type":"integer","minimum":1,"maximum":100000,"default":10000}}},
  "apply":{"type":"boolean","default":false},"hold_seconds":{"type":"integer","minimum":10,"maximum":86400,"default":900},
  "candidates":{"type":"integer","minimum":1,"maximum":1000,"default":16}}},
"Checkpoint":{"type":"object","required":["dir"],"properties":{"dir":{"type":"string","description":"absolute path that does not exist yet"}}}
}})";

}  // namespace

std::string BuildOpenApi(const std::vector<OpenApiOperation>& operations) {
  std::string out = R"({"openapi":"3.0.3","info":{"title":"biomatch","version":"1.0.0",)"
                    R"("description":"Supply-demand matching for biomedical science and technology service platforms."},)"
                    R"("paths":{)";
  // Operations arrive grouped by route order; gather them per path.
  std::vector<std::string_view> paths;
  for (const auto& op : operations) {
    if (std::find(paths.begin(), paths.end(), op.path) == paths.end()) paths.push_back(op.path);
  }
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(paths[i], &out);
    out += ":{";
    bool first = true;
    for (const auto& op : operations) {
      if (op.path != paths[i]) continue;
      if (!first) out += ',';
      first = false;
      std::string method(op.method);
      for (char& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      AppendJsonString(method, &out);
      out += ":{\"summary\":";
      AppendJsonString(op.summary, &out);
      if (!op.secured) out += ",\"security\":[]";
      std::vector<std::string> params;
      for (std::size_t pos = op.path.find('{'); pos != std::string_view::npos; pos = op.path.find('{', pos + 1)) {
        params.emplace_back(op.path.substr(pos + 1, op.path.find('}', pos) - pos - 1));
      }
      if (!params.empty()) {
        out += ",\"parameters\":[";
        for (std::size_t k = 0; k < params.size(); ++k) {
          if (k) out += ',';
          out += "{\"name\":";
          AppendJsonString(params[k], &out);
          out += R"(,"in":"path","required":true,"schema":{"type":"string"}})";
        }
        out += ']';
      }
      if (op.body == "ndjson") {
        out += R"(,"requestBody":{"required":true,"content":{"application/x-ndjson":{"schema":{"type":"string"}}}})";
      } else if (!op.body.empty()) {
        out += R"(,"requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/)";
        out += op.body;
        out += "\"}}}}";
      }
      out += R"(,"responses":{"default":{"description":"an error","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}},"2XX":{"description":"success"}}})";
    }
    out += '}';
  }
  out += "},\"security\":[{\"bearer\":[]}],\"components\":";
  out += kComponents;
  out += '}';
  return out;
}

}  // namespace biomatch::server
