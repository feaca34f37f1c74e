// The codec's shared low-level pieces: appending integers, times and objects
// (json_write.cc), checking JSON numbers and whole documents, field paths,
// field tables' lookup and the typed value reader every document decoder is
// built on (json_read.cc). Escaping and number formatting are the public
// AppendJsonString / AppendJsonNumber of json_codec.h.
//
// Private to the server layer: this header includes simdjson. Everything here
// is stateless except Decoder, which belongs to one decoding call.
#pragma once

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "biomatch/engine/status.h"
#include "biomatch/engine/time.h"
#include "biomatch/engine/types.h"
#include "biomatch/server/json_codec.h"

namespace biomatch::server::json {

namespace od = simdjson::ondemand;
using engine::Status;

// ---------------------------------------------------------------------------
// Writing

inline void AppendInt(std::int64_t v, std::string* out) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

inline void AppendUint(std::uint64_t v, std::string* out) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

// An RFC 3339 UTC time as a JSON string.
inline void AppendTime(engine::Seconds t, std::string* out) {
  out->push_back('"');
  engine::AppendRfc3339(t, out);
  out->push_back('"');
}

// Writes one JSON object member by member. Keys are compile-time ASCII names
// and are written without escaping.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string* out) : out_(out) { out_->push_back('{'); }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  // Starts a member; the caller appends its value to the returned string.
  std::string* Key(std::string_view key) {
    if (!first_) out_->push_back(',');
    first_ = false;
    out_->push_back('"');
    out_->append(key);
    out_->append("\":");
    return out_;
  }
  void String(std::string_view key, std::string_view v) { AppendJsonString(v, Key(key)); }
  void Number(std::string_view key, double v) { AppendJsonNumber(v, Key(key)); }
  void Int(std::string_view key, std::int64_t v) { AppendInt(v, Key(key)); }
  void Uint(std::string_view key, std::uint64_t v) { AppendUint(v, Key(key)); }
  void Bool(std::string_view key, bool v) { Key(key)->append(v ? "true" : "false"); }
  void Time(std::string_view key, engine::Seconds t) { AppendTime(t, Key(key)); }
  void OptionalNumber(std::string_view key, const std::optional<double>& v) {
    if (v) {
      Number(key, *v);
    } else {
      Key(key)->append("null");
    }
  }
  void Close() { out_->push_back('}'); }

 private:
  std::string* out_;
  bool first_ = true;
};

// ---------------------------------------------------------------------------
// Reading

// Strips the whitespace simdjson leaves after a raw token.
inline std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// True when `tok` is exactly a JSON number (RFC 8259 grammar); *integer says
// whether it has neither a fraction nor an exponent.
bool ScanJsonNumber(std::string_view tok, bool* integer);

// "an array", "an object", "a number", ... for error messages.
std::string_view TypeName(od::json_type t);

// Nesting deeper than this is rejected as malformed. API documents nest at
// most four levels; the bound keeps validation's recursion off the end of
// the stack (On-Demand does not bound depth by itself).
inline constexpr int kMaxDepth = 64;

// Walks a value completely, checking everything On-Demand would otherwise
// skip unchecked (literals, numbers, string escapes, nested structure).
simdjson::error_code ValidateValue(od::value& v, int depth);
// The whole document: one value and nothing after it.
simdjson::error_code ValidateDocument(od::document& doc);

// kMalformed for a simdjson error (kInternal for out of memory), with " at
// <path>" appended when `path` is not empty.
Status SyntaxError(simdjson::error_code e, std::string_view path);

// Appends ".key" or "[index]" to a field path for the life of the scope.
class PathScope {
 public:
  PathScope(std::string* path, std::string_view key) : path_(path), size_(path->size()) {
    if (!path_->empty()) path_->push_back('.');
    path_->append(key);
  }
  PathScope(std::string* path, std::size_t index) : path_(path), size_(path->size()) {
    path_->push_back('[');
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), index);
    path_->append(buf, end);
    path_->push_back(']');
  }
  ~PathScope() { path_->resize(size_); }
  PathScope(const PathScope&) = delete;
  PathScope& operator=(const PathScope&) = delete;

 private:
  std::string* path_;
  std::size_t size_;
};

// Field tables: a field's index in its table is its bit in the `seen` mask.
using FieldNames = std::span<const std::string_view>;
constexpr std::uint32_t Bit(int index) { return 1u << index; }

// The index of `key` in `names`, or -1.
inline int FieldIndex(std::string_view key, FieldNames names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == key) return static_cast<int>(i);
  }
  return -1;
}

inline bool Contains(FieldNames names, std::string_view key) { return FieldIndex(key, names) >= 0; }

// "a, b, c": an enum's wire names, for error messages.
inline std::string JoinNames(std::span<const std::string_view> names) {
  std::string joined;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) joined += ", ";
    joined += names[i];
  }
  return joined;
}

// Reads typed values of one document. Every method reads the value it is
// given exactly once, in document order, and reports errors against the
// current path. The decoders of API documents (json_read.cc) build on it.
class Decoder {
 public:
  // Field paths start at `prefix` ("" for a whole document, "doc" for the
  // document inside a bulk line).
  Decoder(std::string* path, std::string_view prefix) : path_(path) { path_->assign(prefix); }

  Status Syntax(simdjson::error_code e) const { return SyntaxError(e, *path_); }

  Status Invalid(std::string message) const { return Status::InvalidArgument(*path_, std::move(message)); }

  // The root object, then nothing but whitespace.
  template <typename DecodeFields>
  Status Root(od::document& doc, DecodeFields&& decode_fields) {
    od::json_type type;
    if (auto e = doc.type().get(type)) return Syntax(e);
    if (type != od::json_type::object) {
      return Invalid(std::string("the document must be an object, not ") + std::string(TypeName(type)));
    }
    od::object obj;
    if (auto e = doc.get_object().get(obj)) return Syntax(e);
    Status s = decode_fields(obj);
    if (!s.ok()) return s;
    const char* location;
    if (doc.current_location().get(location) != simdjson::OUT_OF_BOUNDS) {
      return Syntax(simdjson::TRAILING_CONTENT);
    }
    return Status::Ok();
  }

  // Calls on_field(index, value) for each field named in `names`, skips the
  // `ignored` ones after checking they are well-formed, rejects unknown and
  // duplicate fields, then reports the first missing `required` field.
  template <typename OnField>
  Status Fields(od::object& obj, FieldNames names, FieldNames ignored, std::uint32_t required,
                OnField&& on_field) {
    std::uint32_t seen = 0;
    for (auto field_result : obj) {
      od::field field;
      if (auto e = std::move(field_result).get(field)) return Syntax(e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return Syntax(e);
      PathScope scope(path_, key);
      const int index = FieldIndex(key, names);
      if (index < 0) {
        if (!Contains(ignored, key)) return Invalid("unknown field");
        if (auto e = ValidateValue(field.value(), 1)) return Syntax(e);
        continue;
      }
      if (seen & Bit(index)) return Invalid("duplicate field");
      seen |= Bit(index);
      od::value value = field.value();
      Status s = on_field(index, value);
      if (!s.ok()) return s;
    }
    const std::uint32_t missing = required & ~seen;
    if (missing != 0) {
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (missing & Bit(static_cast<int>(i))) {
          PathScope scope(path_, names[i]);
          return Invalid("is required");
        }
      }
    }
    return Status::Ok();
  }

  // A nested object (not null).
  template <typename OnField>
  Status Object(od::value& v, FieldNames names, FieldNames ignored, std::uint32_t required,
                OnField&& on_field) {
    Status s = Expect(v, od::json_type::object);
    if (!s.ok()) return s;
    od::object obj;
    if (auto e = v.get_object().get(obj)) return Syntax(e);
    return Fields(obj, names, ignored, required, std::forward<OnField>(on_field));
  }

  // Calls on_element(value) for each element, with the path at "[i]".
  template <typename OnElement>
  Status Array(od::value& v, OnElement&& on_element) {
    Status s = Expect(v, od::json_type::array);
    if (!s.ok()) return s;
    od::array arr;
    if (auto e = v.get_array().get(arr)) return Syntax(e);
    std::size_t index = 0;
    for (auto element_result : arr) {
      od::value element;
      if (auto e = std::move(element_result).get(element)) return Syntax(e);
      PathScope scope(path_, index++);
      s = on_element(element);
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }

  Status Expect(od::value& v, od::json_type want) {
    od::json_type type;
    if (auto e = v.type().get(type)) return Syntax(e);
    if (type == want) return Status::Ok();
    return Invalid(std::string("must be ") + std::string(TypeName(want)) + ", not " +
                   std::string(TypeName(type)));
  }

  // True (and the null consumed) when `v` is null.
  Status IsNull(od::value& v, bool* is_null) {
    od::json_type type;
    if (auto e = v.type().get(type)) return Syntax(e);
    *is_null = type == od::json_type::null;
    if (*is_null) {
      bool really_null;
      if (auto e = v.is_null().get(really_null)) return Syntax(e);
      if (!really_null) return Syntax(simdjson::INCORRECT_TYPE);
    }
    return Status::Ok();
  }

  Status String(od::value& v, std::string* out) {
    Status s = Expect(v, od::json_type::string);
    if (!s.ok()) return s;
    std::string_view sv;
    if (auto e = v.get_string().get(sv)) return Syntax(e);
    out->assign(sv);
    return Status::Ok();
  }

  Status Bool(od::value& v, bool* out) {
    Status s = Expect(v, od::json_type::boolean);
    if (!s.ok()) return s;
    if (auto e = v.get_bool().get(*out)) return Syntax(e);
    return Status::Ok();
  }

  // A finite number; integers beyond 2^53 are rounded to the nearest double.
  Status Double(od::value& v, double* out) {
    Status s = Expect(v, od::json_type::number);
    if (!s.ok()) return s;
    bool integer;
    if (!ScanJsonNumber(TrimRight(v.raw_json_token()), &integer)) return Syntax(simdjson::NUMBER_ERROR);
    if (v.get_double().get(*out) != simdjson::SUCCESS || !std::isfinite(*out)) {
      return Invalid("number is out of the range of a double");
    }
    return Status::Ok();
  }

  // A JSON integer (no fraction, no exponent) within int64.
  Status Int64(od::value& v, std::int64_t* out) {
    Status s = Expect(v, od::json_type::number);
    if (!s.ok()) return s;
    bool integer;
    if (!ScanJsonNumber(TrimRight(v.raw_json_token()), &integer)) return Syntax(simdjson::NUMBER_ERROR);
    if (!integer) return Invalid("must be an integer");
    if (v.get_int64().get(*out) != simdjson::SUCCESS) return Invalid("integer is out of the int64 range");
    return Status::Ok();
  }

  Status Time(od::value& v, engine::Seconds* out) {
    Status s = Expect(v, od::json_type::string);
    if (!s.ok()) return s;
    std::string_view sv;
    if (auto e = v.get_string().get(sv)) return Syntax(e);
    const std::optional<engine::Seconds> t = engine::ParseRfc3339(sv);
    if (!t) {
      return Invalid("must be an RFC 3339 time between 1970 and 9999, such as 2026-12-01T09:00:00Z");
    }
    *out = *t;
    return Status::Ok();
  }

  // A wire name of enum E: `names` is its table (engine::kUnitNames, ...),
  // indexed by value.
  template <typename E>
  Status Enum(od::value& v, std::span<const std::string_view> names, E* out) {
    Status s = Expect(v, od::json_type::string);
    if (!s.ok()) return s;
    std::string_view sv;
    if (auto e = v.get_string().get(sv)) return Syntax(e);
    const int index = FieldIndex(sv, names);
    if (index < 0) return Invalid("must be one of " + JoinNames(names));
    *out = static_cast<E>(index);
    return Status::Ok();
  }

  // null reads as nullopt.
  Status OptionalDouble(od::value& v, std::optional<double>* out) {
    bool is_null = false;
    Status s = IsNull(v, &is_null);
    if (!s.ok() || is_null) {
      out->reset();
      return s;
    }
    double d;
    s = Double(v, &d);
    if (s.ok()) *out = d;
    return s;
  }

  Status StringArray(od::value& v, std::vector<std::string>* out) {
    out->clear();
    return Array(v, [&](od::value& element) {
      out->emplace_back();
      return String(element, &out->back());
    });
  }

 private:
  std::string* path_;
};

}  // namespace biomatch::server::json
