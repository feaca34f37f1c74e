// The codec's field tables: for every JSON document the API reads or writes,
// its fields with their JSON type, whether the reader requires them, whether
// null is accepted, their enum values, whether the server owns them, and the
// document a nested object or array element follows. The OpenAPI schemas
// (server/src/openapi.cc) are generated from these tables, and
// json_schema_test.cc checks that JsonReader agrees with them.
//
// What the flags mean:
//   required   a document read without it is refused naming it; in a
//              document the server only writes, the field is always written.
//   nullable   null is accepted (reads as absent) or may be written.
//   read_only  server-owned: written in answers; in a document read, it is
//              checked to be well-formed JSON and ignored.
//
// Constant data built once on first use; every function may be called from
// any thread.
#pragma once

#include <span>
#include <string_view>

namespace biomatch::server {

enum class JsonType {
  kString,
  kTime,     // a string: an RFC 3339 UTC time
  kNumber,
  kInteger,
  kBoolean,
  kObject,   // `ref` names its document; none: any object
  kArray,    // elements are `items`, with `ref` and `enum_values` describing them
};

struct JsonField {
  std::string_view name = {};
  JsonType type = JsonType::kString;
  bool required = false;
  bool nullable = false;
  bool read_only = false;
  JsonType items = JsonType::kString;            // kArray only
  std::string_view ref = {};                     // the document of a kObject, or of kArray elements
  std::span<const std::string_view> enum_values = {};  // of a string, or of kArray string elements
  bool string_shorthand = false;                 // a kArray element may also be a bare string (its name)
  std::string_view description = {};
};

struct JsonDocument {
  std::string_view name;  // "Platform": the OpenAPI components/schemas name
  std::string_view description;
  std::span<const JsonField> fields;
};

// Every document, nested ones included, in a fixed order.
std::span<const JsonDocument> JsonDocuments();
// The document called `name`, or nullptr.
const JsonDocument* FindJsonDocument(std::string_view name);

// Wire names the engine does not own: API key roles (auth.h's Role) and API
// error codes (responses.h). Tests tie them to their owners.
std::span<const std::string_view> JsonRoleNames();
std::span<const std::string_view> JsonErrorCodes();

}  // namespace biomatch::server
