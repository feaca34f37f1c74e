// The codec's syntax: string escaping and number formatting (the public
// AppendJsonString / AppendJsonNumber), the JSON number grammar, whole-value
// validation and the messages of syntax errors.

#include "json_syntax.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "biomatch/engine/status.h"
#include "biomatch/server/json_codec.h"

namespace biomatch::server {

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        out->append("\\u00");
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xf]);
        break;
    }
  }
  out->append(s.data() + run_start, s.size() - run_start);
  out->push_back('"');
}

void AppendJsonNumber(double v, std::string* out) {
  if (!std::isfinite(v)) {
    // JSON has no infinity or NaN; validated data never holds one.
    out->append("null");
    return;
  }
  // Integral values below 2^63 in magnitude convert to int64 exactly.
  if (v == std::trunc(v) && std::fabs(v) < 9223372036854775808.0) {
    json::AppendInt(static_cast<std::int64_t>(v), out);
    return;
  }
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

namespace json {

bool ScanJsonNumber(std::string_view tok, bool* integer) {
  std::size_t i = 0;
  const std::size_t n = tok.size();
  auto digit = [&](std::size_t k) { return k < n && tok[k] >= '0' && tok[k] <= '9'; };
  if (i < n && tok[i] == '-') ++i;
  if (!digit(i)) return false;
  if (tok[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  *integer = true;
  if (i < n && tok[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
    *integer = false;
  }
  if (i < n && (tok[i] == 'e' || tok[i] == 'E')) {
    ++i;
    if (i < n && (tok[i] == '+' || tok[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
    *integer = false;
  }
  return i == n;
}

std::string_view TypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "unknown";
}

// Walks a value completely, checking everything On-Demand would otherwise
// skip unchecked (literals, numbers, string escapes, nested structure).
simdjson::error_code ValidateValue(od::value& v, int depth) {
  if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object obj;
      if (auto e = v.get_object().get(obj)) return e;
      for (auto field_result : obj) {
        od::field field;
        if (auto e = std::move(field_result).get(field)) return e;
        std::string_view key;
        if (auto e = field.unescaped_key().get(key)) return e;
        if (auto e = ValidateValue(field.value(), depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array arr;
      if (auto e = v.get_array().get(arr)) return e;
      for (auto element_result : arr) {
        od::value element;
        if (auto e = std::move(element_result).get(element)) return e;
        if (auto e = ValidateValue(element, depth + 1)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::number: {
      bool integer;
      return ScanJsonNumber(TrimRight(v.raw_json_token()), &integer) ? simdjson::SUCCESS
                                                                     : simdjson::NUMBER_ERROR;
    }
    case od::json_type::string: {
      std::string_view s;
      return v.get_string().get(s);
    }
    case od::json_type::boolean: {
      bool b;
      return v.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = v.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
    }
  }
  return simdjson::TAPE_ERROR;
}

// The whole document: one value and nothing after it.
simdjson::error_code ValidateDocument(od::document& doc) {
  od::json_type type;
  if (auto e = doc.type().get(type)) return e;
  switch (type) {
    case od::json_type::object:
    case od::json_type::array: {
      od::value root;
      if (auto e = doc.get_value().get(root)) return e;
      if (auto e = ValidateValue(root, 1)) return e;
      const char* location;
      const auto e = doc.current_location().get(location);
      return e == simdjson::OUT_OF_BOUNDS ? simdjson::SUCCESS : simdjson::TRAILING_CONTENT;
    }
    case od::json_type::number: {
      std::string_view token;
      if (auto e = doc.raw_json_token().get(token)) return e;
      bool integer;
      if (!ScanJsonNumber(TrimRight(token), &integer)) return simdjson::NUMBER_ERROR;
      double d;
      const auto e = doc.get_double().get(d);
      return e == simdjson::TRAILING_CONTENT ? e : simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view s;
      return doc.get_string().get(s);
    }
    case od::json_type::boolean: {
      bool b;
      return doc.get_bool().get(b);
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto e = doc.is_null().get(is_null)) return e;
      return is_null ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
    }
  }
  return simdjson::TAPE_ERROR;
}

Status SyntaxError(simdjson::error_code e, std::string_view path) {
  std::string message;
  switch (e) {
    case simdjson::UTF8_ERROR:
      message = "invalid UTF-8";
      break;
    case simdjson::EMPTY:
      message = "empty document";
      break;
    case simdjson::DEPTH_ERROR:
      message = "document nested too deeply";
      break;
    case simdjson::UNESCAPED_CHARS:
      message = "unescaped control character in a string";
      break;
    case simdjson::STRING_ERROR:
      message = "invalid string (bad escape or surrogate)";
      break;
    case simdjson::NUMBER_ERROR:
      message = "invalid number";
      break;
    case simdjson::INCORRECT_TYPE:
      message = "invalid literal";
      break;
    case simdjson::TRAILING_CONTENT:
      message = "trailing content after the document";
      break;
    case simdjson::MEMALLOC:
      return Status::Internal("out of memory parsing JSON");
    default:
      message = std::string("invalid JSON: ") + simdjson::error_message(e);
      break;
  }
  if (!path.empty()) {
    message += " at ";
    message += path;
  }
  return Status::Malformed(std::move(message));
}

}  // namespace json
}  // namespace biomatch::server
