// JSON codec: engine entities to and from the JSON documents of API.md.
//
// Writing appends to a std::string with exact escaping (quotes, backslash,
// control characters as \u00XX; UTF-8, including non-BMP characters, passes
// through unchanged). Reading uses simdjson On-Demand through JsonReader, which
// owns one reusable parser: keep one per thread or connection, never share one
// between threads. The engine never sees a simdjson type.
//
// Read errors: kMalformed for JSON syntax, invalid UTF-8, or trailing content
// (API code malformed_json); kInvalidArgument naming the field for a wrong
// type, an unknown field, a missing required field or a bad value (API code
// invalid_argument). Semantic checks beyond types (ranges, windows, slot
// overlap) are engine::Validate*'s job and happen after decoding.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/status.h"
#include "biomatch/engine/types.h"

namespace biomatch::server {

// Which fields a written entity carries.
enum class DocForm {
  kClient,  // what a client PUTs: no id, version, status, timestamps or per-slot reserved/free
  kStored,  // what GET answers: the client document plus id, version, server-owned fields
};

void AppendJsonString(std::string_view s, std::string* out);
// Shortest text that reads back as the same double ("%.17g" semantics; integers without ".0").
void AppendJsonNumber(double v, std::string* out);

void AppendPlatformJson(const engine::Platform& p, DocForm form, std::string* out);
void AppendCapabilityJson(const engine::Capability& c, DocForm form, std::string* out);
void AppendRequestJson(const engine::Request& r, DocForm form, std::string* out);
void AppendReservationJson(const engine::Reservation& r, std::string* out);
// {"matches":[...],"feasible":N[,"rejected":{...}]} as API.md shows; `reverse`
// writes request_id instead of capability_id/platform_id; `explain` adds the
// per-factor explain object (null for a factor that does not apply) and, for
// forward matches, the rejected counts. took_us is added by the caller.
void AppendMatchResultJson(const engine::MatchResult& result, bool explain, bool reverse,
                           std::string* out);

// Decodes client documents. Owns a reusable simdjson parser.
class JsonReader {
 public:
  // `max_bytes`: the largest document this reader will accept.
  explicit JsonReader(std::size_t max_bytes);
  ~JsonReader();
  JsonReader(const JsonReader&) = delete;
  JsonReader& operator=(const JsonReader&) = delete;

  // `json` need not be padded; the reader copies into its own padded buffer
  // only when it must. Server-owned fields present in the document (id,
  // version, status, created_at, updated_at, reserved, free) are accepted and
  // ignored so a GET response can be PUT back; any other unknown field is
  // kInvalidArgument. On error *out is unspecified.
  engine::Status ReadPlatform(std::string_view json, engine::Platform* out);
  engine::Status ReadCapability(std::string_view json, engine::Capability* out);
  engine::Status ReadRequest(std::string_view json, engine::Request* out);
  // {"slots":[...]} for PUT /v1/capabilities/{id}/slots.
  engine::Status ReadSlots(std::string_view json, std::vector<engine::Slot>* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace biomatch::server
