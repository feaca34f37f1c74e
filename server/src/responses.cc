#include "responses.h"

#include "biomatch/server/json_codec.h"

namespace biomatch::server {

static_assert([] {
  for (std::size_t i = 0; i < kErrorKinds.size(); ++i) {
    if (static_cast<std::size_t>(kErrorKinds[i].code) != i) return false;
  }
  return true;
}(), "kErrorKinds lists every ErrorCode in order");

ErrorCode ErrorCodeOf(engine::StatusCode code) {
  using engine::StatusCode;
  switch (code) {
    case StatusCode::kMalformed: return ErrorCode::kMalformedJson;
    case StatusCode::kInvalidArgument: return ErrorCode::kInvalidArgument;
    case StatusCode::kNotFound: return ErrorCode::kNotFound;
    case StatusCode::kConflict: return ErrorCode::kConflict;
    case StatusCode::kPreconditionFailed: return ErrorCode::kPreconditionFailed;
    case StatusCode::kUnavailable: return ErrorCode::kOverloaded;
    case StatusCode::kOk:  // never an error: a bug if it is answered as one
    case StatusCode::kCorruption:
    case StatusCode::kIoError:
    case StatusCode::kInternal: return ErrorCode::kInternal;
  }
  return ErrorCode::kInternal;
}

HttpResponse MakeError(const engine::Status& status) {
  return MakeError(ErrorCodeOf(status.code()), status.message(), status.field());
}

HttpResponse MakeError(ErrorCode code, std::string_view message, std::string_view field) {
  std::string body;
  AppendErrorJson(KindOf(code).name, message, field, &body);
  return MakeJson(KindOf(code).http_status, std::move(body));
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
