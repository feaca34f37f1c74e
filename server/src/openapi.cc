// The OpenAPI 3.1 document. Schemas are JSON Schema 2020-12 (3.1's dialect):
// a nullable field is `"type":[..,"null"]`, a nullable reference
// `anyOf:[{$ref},{"type":"null"}]`. Every document is closed
// (additionalProperties false), as the reader refuses unknown fields.

#include "openapi.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <span>
#include <string>

#include "biomatch/server/json_codec.h"
#include "biomatch/server/json_schema.h"

namespace biomatch::server {
namespace {

// Query and header parameters routes may take.
struct Parameter {
  std::string_view key;   // how routes name it
  std::string_view in;    // "query" or "header"
  std::string_view name;  // on the wire
  std::string_view schema;  // raw JSON Schema; empty: the enum of `enum_of`
  std::string_view enum_of;  // "Document.field" whose enum this parameter takes
  bool required;
  std::string_view description;
};

constexpr Parameter kParameters[] = {
    {"limit", "query", "limit", R"({"type":"integer","minimum":1,"maximum":1000,"default":100})", "", false,
     "items per page"},
    {"match_limit", "query", "limit", R"({"type":"integer","minimum":1,"maximum":1000,"default":10})", "", false,
     "matches to answer"},
    {"cursor", "query", "cursor", R"({"type":"string"})", "", false, "the next_cursor of the previous page"},
    {"platform_id", "query", "platform_id", R"({"type":"string"})", "", false, "only this platform's"},
    {"category", "query", "category", R"({"type":"string"})", "", false, "a whole-segment category prefix"},
    {"region", "query", "region", R"({"type":"string"})", "", false, "a whole-segment region prefix"},
    {"request_status", "query", "status", "", "Request.status", false, "only requests with this status"},
    {"reservation_status", "query", "status", "", "Reservation.status", false, "only reservations with this status"},
    {"request_id", "query", "request_id", R"({"type":"string"})", "", false, "only this request's"},
    {"capability_id", "query", "capability_id", R"({"type":"string"})", "", false, "only this capability's"},
    {"explain", "query", "explain", R"({"type":"boolean","default":false})", "", false,
     "add per-factor scores and rejection counts"},
    {"subscriptions", "query", "subscriptions", R"({"type":"string"})", "", true,
     "comma-separated ids of 1 to 64 of the caller's subscriptions"},
    {"from", "query", "from", R"({"type":"integer","minimum":0})", "", false,
     "replay stored events from this seq before going live"},
    {"access_token", "query", "access_token", R"({"type":"string"})", "", false,
     "the bearer token, for clients that cannot set headers"},
    {"balance_by", "query", "by", R"({"type":"string","enum":["category","region"],"default":"category"})", "", false,
     "group by request and capability category, or by region"},
    {"utilization_by", "query", "by",
     R"({"type":"string","enum":["platform","category","region"],"default":"platform"})", "", false,
     "group by platform, category or region"},
    {"depth", "query", "depth", R"({"type":"integer","minimum":1,"maximum":64,"default":2})", "", false,
     "group by the first depth segments of a path (not by platform)"},
    {"prefix", "query", "prefix", R"({"type":"string"})", "", false,
     "only groups within this whole-segment path prefix, such as preclinical/safety"},
    {"stats_from", "query", "from", R"({"type":"string","format":"date-time"})", "", false,
     "RFC 3339; the period's start, default now"},
    {"stats_to", "query", "to", R"({"type":"string","format":"date-time"})", "", false,
     "RFC 3339, after from; default from + 30 days"},
    {"metric", "query", "metric", "", "Timeseries.metric", true, "the series"},
    {"step", "query", "step", "", "Timeseries.step", false, "day (the default) or week"},
    {"series_from", "query", "from", R"({"type":"string","format":"date-time"})", "", false,
     "RFC 3339, rounded down to its UTC midnight; default to - 30 days; at most 3660 steps"},
    {"series_to", "query", "to", R"({"type":"string","format":"date-time"})", "", false,
     "RFC 3339, after from; default now"},
    {"if_match", "header", "If-Match", R"({"type":"string"})", "", false,
     "the ETag of the current version (\"3\", quotes optional): the change applies only to it"},
    {"if_none_match", "header", "If-None-Match", R"({"type":"string"})", "", false,
     "ETags (or *): 304 without a body when one names the file's current ETag"},
    {"idempotency_key", "header", "Idempotency-Key", R"({"type":"string","maxLength":256})", "", false,
     "the same key and body answer the original reservation (200) instead of holding again"},
};

std::string_view Reason(unsigned status) {
  switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified: If-None-Match names the current ETag";
    case 308: return "Permanent Redirect: to the Location header's path";
    case 400: return "Bad Request";
    case 401: return "Unauthorized: no valid bearer token";
    case 403: return "Forbidden: the key's role may not call this";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 412: return "Precondition Failed: If-Match does not match";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 426: return "Upgrade Required: a WebSocket upgrade is needed";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable: overloaded, starting or stopping";
  }
  std::abort();  // a route answers a status this table lacks: a bug
}

void AppendNames(std::span<const std::string_view> names, bool with_null, std::string* out) {
  out->push_back('[');
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(names[i], out);
  }
  if (with_null) out->append(names.empty() ? "null" : ",null");
  out->push_back(']');
}

void AppendRef(std::string_view document, std::string* out) {
  if (FindJsonDocument(document) == nullptr) std::abort();  // a route names no document: a bug
  out->append(R"({"$ref":"#/components/schemas/)");
  out->append(document);
  out->append("\"}");
}

// The schema of one value of type `type`: a field's, or an array element's
// (then `field` describes the elements and `nullable` is false).
void AppendValueSchema(const JsonField& field, JsonType type, bool nullable, std::string* out) {
  if (type == JsonType::kObject && !field.ref.empty()) {
    if (nullable) out->append(R"({"anyOf":[)");
    AppendRef(field.ref, out);
    if (nullable) out->append(R"(,{"type":"null"}]})");
    return;
  }
  std::string_view name;
  switch (type) {
    case JsonType::kString:
    case JsonType::kTime: name = "string"; break;
    case JsonType::kNumber: name = "number"; break;
    case JsonType::kInteger: name = "integer"; break;
    case JsonType::kBoolean: name = "boolean"; break;
    case JsonType::kObject: name = "object"; break;
    case JsonType::kArray: name = "array"; break;
  }
  out->append(R"({"type":)");
  if (nullable) {
    out->append("[\"");
    out->append(name);
    out->append("\",\"null\"]");
  } else {
    AppendJsonString(name, out);
  }
  if (type == JsonType::kTime) out->append(R"(,"format":"date-time")");
  if (type == JsonType::kString && !field.enum_values.empty()) {
    out->append(",\"enum\":");
    AppendNames(field.enum_values, nullable, out);
  }
  if (type == JsonType::kArray) {
    out->append(",\"items\":");
    if (field.string_shorthand) {
      out->append(R"({"anyOf":[{"type":"string"},)");
      AppendValueSchema(field, field.items, false, out);
      out->append("]}");
    } else {
      AppendValueSchema(field, field.items, false, out);
    }
  }
  out->push_back('}');
}

void AppendFieldSchema(const JsonField& f, std::string* out) {
  if (!f.read_only && f.description.empty()) return AppendValueSchema(f, f.type, f.nullable, out);
  // Annotations go beside a $ref (legal in 3.1) or into the schema object.
  std::string schema;
  AppendValueSchema(f, f.type, f.nullable, &schema);
  schema.pop_back();
  out->append(schema);
  if (f.read_only) out->append(",\"readOnly\":true");
  if (!f.description.empty()) {
    out->append(",\"description\":");
    AppendJsonString(f.description, out);
  }
  out->push_back('}');
}

void AppendDocumentSchema(const JsonDocument& d, std::string* out) {
  out->append(R"({"type":"object")");
  if (!d.description.empty()) {
    out->append(",\"description\":");
    AppendJsonString(d.description, out);
  }
  std::vector<std::string_view> required;
  for (const JsonField& f : d.fields) {
    if (f.required) required.push_back(f.name);
  }
  if (!required.empty()) {
    out->append(",\"required\":");
    AppendNames(required, false, out);
  }
  out->append(",\"properties\":{");
  for (std::size_t i = 0; i < d.fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(d.fields[i].name, out);
    out->push_back(':');
    AppendFieldSchema(d.fields[i], out);
  }
  out->append("},\"additionalProperties\":false}");
}

const Parameter& FindParameter(std::string_view key) {
  const auto it = std::find_if(std::begin(kParameters), std::end(kParameters),
                               [&](const Parameter& p) { return p.key == key; });
  if (it == std::end(kParameters)) std::abort();  // a route names an unknown key: a bug
  return *it;
}

// The enum of "Document.field" in the field tables.
std::span<const std::string_view> EnumOf(std::string_view document_field) {
  const std::size_t dot = document_field.find('.');
  const JsonDocument* d = FindJsonDocument(document_field.substr(0, dot));
  for (const JsonField& f : d == nullptr ? std::span<const JsonField>() : d->fields) {
    if (f.name == document_field.substr(dot + 1)) return f.enum_values;
  }
  std::abort();  // the parameter table names no such field: a bug
}

void AppendParameters(const OpenApiOperation& op, std::string* out) {
  bool first = true;
  auto open = [&] {
    out->append(first ? ",\"parameters\":[" : ",");
    first = false;
  };
  for (std::size_t pos = op.path.find('{'); pos != std::string_view::npos; pos = op.path.find('{', pos + 1)) {
    open();
    out->append("{\"name\":");
    AppendJsonString(op.path.substr(pos + 1, op.path.find('}', pos) - pos - 1), out);
    out->append(R"(,"in":"path","required":true,"schema":{"type":"string"}})");
  }
  for (const std::string_view key : op.meta->parameters) {
    const Parameter& p = FindParameter(key);
    open();
    out->append("{\"name\":");
    AppendJsonString(p.name, out);
    out->append(",\"in\":");
    AppendJsonString(p.in, out);
    out->append(",\"required\":");
    out->append(p.required ? "true" : "false");
    out->append(",\"description\":");
    AppendJsonString(p.description, out);
    out->append(",\"schema\":");
    if (p.enum_of.empty()) {
      out->append(p.schema);
    } else {
      out->append(R"({"type":"string","enum":)");
      AppendNames(EnumOf(p.enum_of), false, out);
      out->push_back('}');
    }
    out->push_back('}');
  }
  if (!first) out->push_back(']');
}

// A document with a version: answers carrying one carry its ETag.
bool Versioned(std::string_view document) {
  const JsonDocument* d = FindJsonDocument(document);
  return d != nullptr && std::any_of(d->fields.begin(), d->fields.end(),
                                     [](const JsonField& f) { return f.name == "version"; });
}

void AppendResponse(unsigned status, std::string_view schema, std::string* out) {
  out->push_back('"');
  out->append(std::to_string(status));
  out->append("\":{\"description\":");
  AppendJsonString(Reason(status), out);
  if (schema == kTextBody) {
    out->append(R"(,"content":{"text/plain":{"schema":{"type":"string"}}})");
  } else if (schema == kUiFileBody) {
    out->append(R"(,"content":{"text/html":{"schema":{"type":"string"}},"text/javascript":{"schema":{"type":"string"}},)"
                R"("text/css":{"schema":{"type":"string"}},"text/plain":{"schema":{"type":"string"}}},)"
                R"("headers":{"ETag":{"description":"the file's version","required":true,"schema":{"type":"string"}}})");
  } else if (schema == kAnyObjectBody) {
    out->append(R"(,"content":{"application/json":{"schema":{"type":"object"}}})");
  } else if (schema != kNoBody) {
    out->append(R"(,"content":{"application/json":{"schema":)");
    AppendRef(schema, out);
    out->append("}}");
    if (Versioned(schema)) {
      out->append(R"(,"headers":{"ETag":{"description":"the version, quoted: \"3\"","required":true,)"
                  R"("schema":{"type":"string"}}})");
    }
  }
  out->push_back('}');
}

void AppendResponses(const OpenApiOperation& op, std::string* out) {
  std::vector<OpenApiResponse> all = op.meta->responses;
  std::vector<unsigned> errors = op.meta->errors;
  if (op.secured) errors.insert(errors.end(), {401, 403});
  for (const unsigned status : errors) {
    const bool listed = std::any_of(all.begin(), all.end(), [&](const OpenApiResponse& r) { return r.status == status; });
    if (!listed) all.push_back({status, "Error"});
  }
  std::sort(all.begin(), all.end(), [](const OpenApiResponse& a, const OpenApiResponse& b) { return a.status < b.status; });
  out->append(",\"responses\":{");
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendResponse(all[i].status, all[i].schema, out);
  }
  out->push_back('}');
}

// "PUT /v1/platforms/{id}" -> "put_v1_platforms_id".
std::string OperationId(std::string_view method, std::string_view path) {
  std::string id;
  for (const char c : method) id.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const char c : path) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id.push_back(c);
    } else if (c == '/' || c == '.') {
      id.push_back('_');
    }
  }
  return id;
}

void AppendOperation(const OpenApiOperation& op, std::string* out) {
  std::string method;
  for (const char c : op.method) method.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  AppendJsonString(method, out);
  out->append(":{\"operationId\":");
  AppendJsonString(OperationId(op.method, op.path), out);
  out->append(",\"summary\":");
  AppendJsonString(op.meta->summary, out);
  if (!op.secured) out->append(",\"security\":[]");
  AppendParameters(op, out);
  if (op.meta->request == kNdjsonRequest) {
    out->append(R"(,"requestBody":{"required":true,"description":"one BulkLine a line",)"
                R"("content":{"application/x-ndjson":{"schema":{"type":"string"}}}})");
  } else if (!op.meta->request.empty()) {
    out->append(R"(,"requestBody":{"required":true,"content":{"application/json":{"schema":)");
    AppendRef(op.meta->request, out);
    out->append("}}}");
  }
  AppendResponses(op, out);
  out->push_back('}');
}

}  // namespace

std::string BuildOpenApi(const std::vector<OpenApiOperation>& operations) {
  std::string out = R"({"openapi":"3.1.0","info":{"title":"biomatch","version":"1.0.0",)"
                    R"("description":"Supply-demand matching for biomedical science and technology service platforms."},)"
                    R"("paths":{)";
  // Operations arrive in route order; gather them per path.
  std::vector<std::string_view> paths;
  for (const auto& op : operations) {
    if (std::find(paths.begin(), paths.end(), op.path) == paths.end()) paths.push_back(op.path);
  }
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(paths[i], &out);
    out += ":{";
    bool first = true;
    for (const auto& op : operations) {
      if (op.path != paths[i]) continue;
      if (!first) out += ',';
      first = false;
      AppendOperation(op, &out);
    }
    out += '}';
  }
  out += R"(},"security":[{"bearer":[]}],"components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer"}},)"
         R"("schemas":{)";
  const auto documents = JsonDocuments();
  for (std::size_t i = 0; i < documents.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(documents[i].name, &out);
    out += ':';
    AppendDocumentSchema(documents[i], &out);
  }
  out += "}}}";
  return out;
}

}  // namespace biomatch::server
