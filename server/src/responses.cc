#include "responses.h"

#include "biomatch/server/json_codec.h"

namespace biomatch::server {

ApiError ApiErrorOf(engine::StatusCode code) {
  using engine::StatusCode;
  switch (code) {
    case StatusCode::kOk: return {200, "ok"};
    case StatusCode::kMalformed: return {400, "malformed_json"};
    case StatusCode::kInvalidArgument: return {400, "invalid_argument"};
    case StatusCode::kNotFound: return {404, "not_found"};
    case StatusCode::kConflict: return {409, "conflict"};
    case StatusCode::kPreconditionFailed: return {412, "precondition_failed"};
    case StatusCode::kUnavailable: return {503, "overloaded"};
    case StatusCode::kCorruption:
    case StatusCode::kIoError:
    case StatusCode::kInternal: return {500, "internal"};
  }
  return {500, "internal"};
}

void AppendErrorJson(std::string_view code, std::string_view message, std::string_view field, std::string* out) {
  out->append(R"({"error":{"code":)");
  AppendJsonString(code, out);
  out->append(R"(,"message":)");
  AppendJsonString(message, out);
  if (!field.empty()) {
    out->append(R"(,"field":)");
    AppendJsonString(field, out);
  }
  out->append("}}");
}

HttpResponse MakeError(const engine::Status& status) {
  const ApiError e = ApiErrorOf(status.code());
  return MakeError(e.http_status, e.code, status.message(), status.field());
}

HttpResponse MakeError(unsigned http_status, std::string_view code, std::string_view message,
                       std::string_view field) {
  std::string body;
  AppendErrorJson(code, message, field, &body);
  return MakeJson(http_status, std::move(body));
}

HttpResponse MakeJson(unsigned http_status, std::string body) {
  return MakeText(http_status, std::move(body), "application/json");
}

HttpResponse MakeText(unsigned http_status, std::string body, std::string_view content_type) {
  HttpResponse res{static_cast<http::status>(http_status), 11};
  res.set(http::field::server, "biomatch");
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace biomatch::server
