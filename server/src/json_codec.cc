// JSON codec. Writing is plain appends; reading is simdjson On-Demand.
//
// Decoding grammar (API.md; `?` optional, `|null` means null reads as absent):
//
//   platform     := { name, kind, level, region, location: geo,
//                     qualifications?: [ string | {name, valid_until?|null} ],
//                     open?: bool, evaluation?|null: {service_capability,
//                     management, output, basic_conditions} }
//   capability   := { platform_id, category, title, description?, keywords?: [string],
//                     stages: [stage], unit, price_per_unit, slots?: [slot] }
//   slot         := { start: time, end: time, units: int64 }
//   request      := { requester: {id, type}, category, text?, keywords?: [string],
//                     stage, quantity: int64, unit, budget_max?|null,
//                     window: {earliest_start: time, deadline: time},
//                     location?|null: geo, max_distance_km?|null, region?|null,
//                     required_qualifications?: [string],
//                     weights?|null: {category?|null, text?|null, ... utilization?|null} }
//   slots-doc    := { slots: [slot] }
//   hold         := { request_id, capability_id, quantity?|null: int64, hold_seconds?: int64 }
//   key-spec     := { name, role }
//   checkpoint   := { dir }
//   bulk-line    := { op: "put"|"delete", type: "platform"|"capability"|"request", id,
//                     doc?|null: platform|capability|request (required with put,
//                     absent with delete; its errors read "doc.<field>") }
//   geo          := { lat: number, lon: number }
//
// null is accepted exactly where the model holds an optional (the `|null`
// fields above); anywhere else it is a wrong type. Server-owned fields (id,
// version, created_at, updated_at; status on requests; reserved and free on
// slots) are checked to be well-formed JSON and otherwise ignored.
//
// Every decoding path is written so that kMalformed wins over every other
// error: when decoding fails with kInvalidArgument, the whole document is
// walked once more and a syntax error found there is reported instead. The
// happy path parses once.

#include "biomatch/server/json_codec.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/status.h"
#include "biomatch/engine/time.h"
#include "biomatch/engine/types.h"

namespace biomatch::server {
namespace {

namespace od = simdjson::ondemand;
using engine::Status;

// ---------------------------------------------------------------------------
// Writing

void AppendInt(std::int64_t v, std::string* out) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void AppendUint(std::uint64_t v, std::string* out) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void AppendTime(engine::Seconds t, std::string* out) {
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

void AppendStringArray(const std::vector<std::string>& items, std::string* out) {
  out->push_back('[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(items[i], out);
  }
  out->push_back(']');
}

// The stages of a set, as an array of wire names in enum order.
void AppendStages(engine::StageSet stages, std::string* out) {
  out->push_back('[');
  bool first = true;
  for (int i = 0; i < engine::kStageCount; ++i) {
    const auto stage = static_cast<engine::Stage>(i);
    if ((stages & engine::StageBit(stage)) == 0) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(engine::ToString(stage), out);
  }
  out->push_back(']');
}

void AppendGeoPoint(const engine::GeoPoint& g, std::string* out) {
  ObjectWriter w(out);
  w.Number("lat", g.lat);
  w.Number("lon", g.lon);
  w.Close();
}

void AppendMeta(const engine::EntityMeta& meta, ObjectWriter* w) {
  w->Uint("version", meta.version);
  w->Time("created_at", meta.created_at);
  w->Time("updated_at", meta.updated_at);
}

void AppendSlot(const engine::Slot& s, DocForm form, std::string* out) {
  ObjectWriter w(out);
  w.Time("start", s.start);
  w.Time("end", s.end);
  w.Int("units", s.units);
  if (form == DocForm::kStored) {
    w.Int("reserved", s.reserved);
    w.Int("free", s.units - s.reserved);
  }
  w.Close();
}

void AppendWeights(const engine::WeightOverrides& o, std::string* out) {
  ObjectWriter w(out);
  if (o.category) w.Number("category", *o.category);
  if (o.text) w.Number("text", *o.text);
  if (o.price) w.Number("price", *o.price);
  if (o.time) w.Number("time", *o.time);
  if (o.distance) w.Number("distance", *o.distance);
  if (o.quality) w.Number("quality", *o.quality);
  if (o.utilization) w.Number("utilization", *o.utilization);
  w.Close();
}

void AppendFactors(const engine::Factors& f, std::string* out) {
  ObjectWriter w(out);
  w.Number("category", f.category);
  w.OptionalNumber("text", f.text);
  w.Number("price", f.price);
  w.Number("time", f.time);
  w.OptionalNumber("distance", f.distance);
  w.Number("quality", f.quality);
  w.Number("utilization", f.utilization);
  w.Close();
}

// ---------------------------------------------------------------------------
// Reading

// Strips the whitespace simdjson leaves after a raw token.
std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// True when `tok` is exactly a JSON number (RFC 8259 grammar); *integer says
// whether it has neither a fraction nor an exponent.
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

// Nesting deeper than this is rejected as malformed. API documents nest at
// most four levels; the bound keeps validation's recursion off the end of
// the stack (On-Demand does not bound depth by itself).
constexpr int kMaxDepth = 64;

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

// Wire-name counts of the enums types.h does not count itself.
constexpr int kPlatformKindCount = 3;
constexpr int kPlatformLevelCount = 5;
constexpr int kRequesterTypeCount = 5;

template <typename E>
std::string EnumNames(int count) {
  std::string names;
  for (int i = 0; i < count; ++i) {
    if (i > 0) names += ", ";
    names += engine::ToString(static_cast<E>(i));
  }
  return names;
}

// Field tables: a field's index in its table is its bit in the `seen` mask.
using FieldNames = std::span<const std::string_view>;
constexpr std::uint32_t Bit(int index) { return 1u << index; }

constexpr std::string_view kEntityServerFields[] = {"id", "version", "created_at", "updated_at"};
constexpr std::string_view kRequestServerFields[] = {"id", "version", "status", "created_at", "updated_at"};
constexpr std::string_view kSlotServerFields[] = {"reserved", "free"};

enum PlatformField {
  kPfName,
  kPfKind,
  kPfLevel,
  kPfRegion,
  kPfLocation,
  kPfQualifications,
  kPfOpen,
  kPfEvaluation
};
constexpr std::string_view kPlatformFields[] = {"name",     "kind",           "level", "region",
                                                "location", "qualifications", "open",  "evaluation"};
constexpr std::uint32_t kPlatformRequired =
    Bit(kPfName) | Bit(kPfKind) | Bit(kPfLevel) | Bit(kPfRegion) | Bit(kPfLocation);

enum CapabilityField {
  kCfPlatformId,
  kCfCategory,
  kCfTitle,
  kCfDescription,
  kCfKeywords,
  kCfStages,
  kCfUnit,
  kCfPricePerUnit,
  kCfSlots
};
constexpr std::string_view kCapabilityFields[] = {"platform_id", "category",       "title",
                                                  "description", "keywords",       "stages",
                                                  "unit",        "price_per_unit", "slots"};
constexpr std::uint32_t kCapabilityRequired = Bit(kCfPlatformId) | Bit(kCfCategory) | Bit(kCfTitle) |
                                              Bit(kCfStages) | Bit(kCfUnit) | Bit(kCfPricePerUnit);

enum RequestField {
  kRfRequester,
  kRfCategory,
  kRfText,
  kRfKeywords,
  kRfStage,
  kRfQuantity,
  kRfUnit,
  kRfBudgetMax,
  kRfWindow,
  kRfLocation,
  kRfMaxDistanceKm,
  kRfRegion,
  kRfRequiredQualifications,
  kRfWeights
};
constexpr std::string_view kRequestFields[] = {"requester",
                                               "category",
                                               "text",
                                               "keywords",
                                               "stage",
                                               "quantity",
                                               "unit",
                                               "budget_max",
                                               "window",
                                               "location",
                                               "max_distance_km",
                                               "region",
                                               "required_qualifications",
                                               "weights"};
constexpr std::uint32_t kRequestRequired =
    Bit(kRfRequester) | Bit(kRfCategory) | Bit(kRfStage) | Bit(kRfQuantity) | Bit(kRfUnit) | Bit(kRfWindow);

enum SubscriptionField {
  kSfTypes,
  kSfCategory,
  kSfRegion,
  kSfStages,
  kSfKeywords,
  kSfPlatformIds,
  kSfRequesterIds,
  kSfMinScore
};
constexpr std::string_view kSubscriptionFields[] = {"types",        "category",      "region",
                                                    "stages",       "keywords",      "platform_ids",
                                                    "requester_ids", "min_score"};
constexpr std::string_view kSubscriptionServerFields[] = {"id", "owner", "version", "created_at", "updated_at"};

constexpr std::string_view kSlotFields[] = {"start", "end", "units"};
constexpr std::uint32_t kSlotRequired = Bit(0) | Bit(1) | Bit(2);
constexpr std::string_view kGeoFields[] = {"lat", "lon"};
constexpr std::string_view kQualificationFields[] = {"name", "valid_until"};
constexpr std::string_view kEvaluationFields[] = {"service_capability", "management", "output",
                                                  "basic_conditions"};
constexpr std::string_view kRequesterFields[] = {"id", "type"};
constexpr std::string_view kWindowFields[] = {"earliest_start", "deadline"};
constexpr std::string_view kWeightFields[] = {"category", "text",    "price",      "time",
                                              "distance", "quality", "utilization"};
constexpr std::string_view kSlotsDocFields[] = {"slots"};
constexpr std::string_view kHoldFields[] = {"request_id", "capability_id", "quantity", "hold_seconds"};
constexpr std::string_view kKeySpecFields[] = {"name", "role"};
constexpr std::string_view kCheckpointFields[] = {"dir"};
constexpr std::string_view kBulkLineFields[] = {"op", "type", "id", "doc"};

int FieldIndex(std::string_view key, FieldNames names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == key) return static_cast<int>(i);
  }
  return -1;
}

bool Contains(FieldNames names, std::string_view key) { return FieldIndex(key, names) >= 0; }

// Decodes one document. Every method reads the value it is given exactly
// once, in document order, and reports errors against the current path.
class Decoder {
 public:
  // Field paths start at `prefix` ("" for a whole document, "doc" for the
  // document inside a bulk line).
  Decoder(std::string* path, std::string_view prefix) : path_(path) { path_->assign(prefix); }

  Status Syntax(simdjson::error_code e) const {
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
    if (!path_->empty()) {
      message += " at ";
      message += *path_;
    }
    return Status::Malformed(std::move(message));
  }

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

  template <typename E>
  Status Enum(od::value& v, std::optional<E> (*parse)(std::string_view), int count, E* out) {
    Status s = Expect(v, od::json_type::string);
    if (!s.ok()) return s;
    std::string_view sv;
    if (auto e = v.get_string().get(sv)) return Syntax(e);
    const std::optional<E> parsed = parse(sv);
    if (!parsed) return Invalid("must be one of " + EnumNames<E>(count));
    *out = *parsed;
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

  Status Stages(od::value& v, engine::StageSet* out) {
    return Array(v, [&](od::value& element) {
      engine::Stage stage;
      Status s = Enum(element, &engine::ParseStage, engine::kStageCount, &stage);
      if (s.ok()) *out |= engine::StageBit(stage);
      return s;
    });
  }

  Status GeoPoint(od::value& v, engine::GeoPoint* out) {
    return Object(v, kGeoFields, {}, Bit(0) | Bit(1), [&](int index, od::value& value) {
      return Double(value, index == 0 ? &out->lat : &out->lon);
    });
  }

  Status Qualification(od::value& v, engine::Qualification* out) {
    od::json_type type;
    if (auto e = v.type().get(type)) return Syntax(e);
    if (type == od::json_type::string) return String(v, &out->name);
    if (type != od::json_type::object) {
      return Invalid(std::string("must be a string or an object, not ") + std::string(TypeName(type)));
    }
    return Object(v, kQualificationFields, {}, Bit(0), [&](int index, od::value& value) {
      if (index == 0) return String(value, &out->name);
      bool is_null = false;
      Status s = IsNull(value, &is_null);
      if (!s.ok() || is_null) return s;
      engine::Seconds t;
      s = Time(value, &t);
      if (s.ok()) out->valid_until = t;
      return s;
    });
  }

  Status Evaluation(od::value& v, engine::Evaluation* out) {
    double* const targets[] = {&out->service_capability, &out->management, &out->output,
                               &out->basic_conditions};
    return Object(v, kEvaluationFields, {}, Bit(0) | Bit(1) | Bit(2) | Bit(3),
                  [&](int index, od::value& value) { return Double(value, targets[index]); });
  }

  Status Slot(od::value& v, engine::Slot* out) {
    return Object(v, kSlotFields, kSlotServerFields, kSlotRequired, [&](int index, od::value& value) {
      switch (index) {
        case 0:
          return Time(value, &out->start);
        case 1:
          return Time(value, &out->end);
        default:
          return Int64(value, &out->units);
      }
    });
  }

  Status Slots(od::value& v, std::vector<engine::Slot>* out) {
    out->clear();
    return Array(v, [&](od::value& element) {
      out->emplace_back();
      return Slot(element, &out->back());
    });
  }

  Status Weights(od::value& v, engine::WeightOverrides* out) {
    std::optional<double>* const targets[] = {&out->category, &out->text,    &out->price,      &out->time,
                                              &out->distance, &out->quality, &out->utilization};
    return Object(v, kWeightFields, {}, 0,
                  [&](int index, od::value& value) { return OptionalDouble(value, targets[index]); });
  }

  Status Hold(od::object& obj, engine::HoldSpec* h) {
    return Fields(obj, kHoldFields, {}, Bit(0) | Bit(1), [&](int index, od::value& v) -> Status {
      switch (index) {
        case 0:
          return String(v, &h->request_id);
        case 1:
          return String(v, &h->capability_id);
        case 2: {
          bool is_null = false;
          Status s = IsNull(v, &is_null);
          if (!s.ok() || is_null) return s;
          std::int64_t quantity;
          s = Int64(v, &quantity);
          if (s.ok()) h->quantity = quantity;
          return s;
        }
        default:
          return Int64(v, &h->hold_seconds);
      }
    });
  }

  // The envelope of a bulk line. `doc` receives the raw text of the "doc"
  // object (still to be parsed; empty when absent or null).
  Status BulkLine(od::object& obj, std::string* op, std::string* type, std::string* id,
                  std::string_view* doc) {
    return Fields(obj, kBulkLineFields, {}, Bit(0) | Bit(1) | Bit(2), [&](int index, od::value& v) -> Status {
      switch (index) {
        case 0:
          return String(v, op);
        case 1:
          return String(v, type);
        case 2:
          return String(v, id);
        default: {
          bool is_null = false;
          Status s = IsNull(v, &is_null);
          if (!s.ok() || is_null) return s;
          s = Expect(v, od::json_type::object);
          if (!s.ok()) return s;
          od::object doc_obj;
          if (auto e = v.get_object().get(doc_obj)) return Syntax(e);
          if (auto e = doc_obj.raw_json().get(*doc)) return Syntax(e);
          return Status::Ok();
        }
      }
    });
  }

  Status Platform(od::object& obj, engine::Platform* p) {
    return Fields(obj, kPlatformFields, kEntityServerFields, kPlatformRequired,
                  [&](int index, od::value& v) -> Status {
                    switch (static_cast<PlatformField>(index)) {
                      case kPfName:
                        return String(v, &p->name);
                      case kPfKind:
                        return Enum(v, &engine::ParsePlatformKind, kPlatformKindCount, &p->kind);
                      case kPfLevel:
                        return Enum(v, &engine::ParsePlatformLevel, kPlatformLevelCount, &p->level);
                      case kPfRegion:
                        return String(v, &p->region);
                      case kPfLocation:
                        return GeoPoint(v, &p->location);
                      case kPfQualifications:
                        return Array(v, [&](od::value& element) {
                          p->qualifications.emplace_back();
                          return Qualification(element, &p->qualifications.back());
                        });
                      case kPfOpen:
                        return Bool(v, &p->open);
                      case kPfEvaluation: {
                        bool is_null = false;
                        Status s = IsNull(v, &is_null);
                        if (!s.ok() || is_null) return s;
                        p->evaluation.emplace();
                        return Evaluation(v, &*p->evaluation);
                      }
                    }
                    return Status::Internal("unhandled platform field");
                  });
  }

  Status Capability(od::object& obj, engine::Capability* c) {
    return Fields(obj, kCapabilityFields, kEntityServerFields, kCapabilityRequired,
                  [&](int index, od::value& v) -> Status {
                    switch (static_cast<CapabilityField>(index)) {
                      case kCfPlatformId:
                        return String(v, &c->platform_id);
                      case kCfCategory:
                        return String(v, &c->category);
                      case kCfTitle:
                        return String(v, &c->title);
                      case kCfDescription:
                        return String(v, &c->description);
                      case kCfKeywords:
                        return StringArray(v, &c->keywords);
                      case kCfStages:
                        return Stages(v, &c->stages);
                      case kCfUnit:
                        return Enum(v, &engine::ParseUnit, engine::kUnitCount, &c->unit);
                      case kCfPricePerUnit:
                        return Double(v, &c->price_per_unit);
                      case kCfSlots:
                        return Slots(v, &c->slots);
                    }
                    return Status::Internal("unhandled capability field");
                  });
  }

  // Every field may be null, which reads as absent.
  Status Subscription(od::object& obj, server::Subscription* sub) {
    return Fields(obj, kSubscriptionFields, kSubscriptionServerFields, 0, [&](int index, od::value& v) -> Status {
      bool is_null = false;
      Status s = IsNull(v, &is_null);
      if (!s.ok() || is_null) return s;
      switch (static_cast<SubscriptionField>(index)) {
        case kSfTypes:
          return StringArray(v, &sub->types);
        case kSfCategory:
          return String(v, &sub->category.emplace());
        case kSfRegion:
          return String(v, &sub->region.emplace());
        case kSfStages:
          return Stages(v, &sub->stages);
        case kSfKeywords:
          return StringArray(v, &sub->keywords);
        case kSfPlatformIds:
          return StringArray(v, &sub->platform_ids);
        case kSfRequesterIds:
          return StringArray(v, &sub->requester_ids);
        case kSfMinScore: {
          double score;
          s = Double(v, &score);
          if (s.ok()) sub->min_score = score;
          return s;
        }
      }
      return Status::Internal("unhandled subscription field");
    });
  }

  Status Request(od::object& obj, engine::Request* r) {
    return Fields(
        obj, kRequestFields, kRequestServerFields, kRequestRequired, [&](int index, od::value& v) -> Status {
          switch (static_cast<RequestField>(index)) {
            case kRfRequester:
              return Object(v, kRequesterFields, {}, Bit(0) | Bit(1), [&](int i, od::value& value) {
                if (i == 0) return String(value, &r->requester.id);
                return Enum(value, &engine::ParseRequesterType, kRequesterTypeCount, &r->requester.type);
              });
            case kRfCategory:
              return String(v, &r->category);
            case kRfText:
              return String(v, &r->text);
            case kRfKeywords:
              return StringArray(v, &r->keywords);
            case kRfStage:
              return Enum(v, &engine::ParseStage, engine::kStageCount, &r->stage);
            case kRfQuantity:
              return Int64(v, &r->quantity);
            case kRfUnit:
              return Enum(v, &engine::ParseUnit, engine::kUnitCount, &r->unit);
            case kRfBudgetMax:
              return OptionalDouble(v, &r->budget_max);
            case kRfWindow:
              return Object(v, kWindowFields, {}, Bit(0) | Bit(1), [&](int i, od::value& value) {
                return Time(value, i == 0 ? &r->window.earliest_start : &r->window.deadline);
              });
            case kRfLocation: {
              bool is_null = false;
              Status s = IsNull(v, &is_null);
              if (!s.ok() || is_null) return s;
              r->location.emplace();
              return GeoPoint(v, &*r->location);
            }
            case kRfMaxDistanceKm:
              return OptionalDouble(v, &r->max_distance_km);
            case kRfRegion: {
              bool is_null = false;
              Status s = IsNull(v, &is_null);
              if (!s.ok() || is_null) return s;
              r->region.emplace();
              return String(v, &*r->region);
            }
            case kRfRequiredQualifications:
              return StringArray(v, &r->required_qualifications);
            case kRfWeights: {
              bool is_null = false;
              Status s = IsNull(v, &is_null);
              if (!s.ok() || is_null) return s;
              r->weights.emplace();
              return Weights(v, &*r->weights);
            }
          }
          return Status::Internal("unhandled request field");
        });
  }

 private:
  std::string* path_;
};

}  // namespace

// ---------------------------------------------------------------------------
// Public writing API

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
    AppendInt(static_cast<std::int64_t>(v), out);
    return;
  }
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void AppendPlatformJson(const engine::Platform& p, DocForm form, std::string* out) {
  ObjectWriter w(out);
  if (form == DocForm::kStored) w.String("id", p.id);
  w.String("name", p.name);
  w.String("kind", engine::ToString(p.kind));
  w.String("level", engine::ToString(p.level));
  w.String("region", p.region);
  AppendGeoPoint(p.location, w.Key("location"));
  std::string* quals = w.Key("qualifications");
  quals->push_back('[');
  for (std::size_t i = 0; i < p.qualifications.size(); ++i) {
    if (i > 0) quals->push_back(',');
    const engine::Qualification& q = p.qualifications[i];
    ObjectWriter qw(quals);
    qw.String("name", q.name);
    if (q.valid_until) qw.Time("valid_until", *q.valid_until);
    qw.Close();
  }
  quals->push_back(']');
  w.Bool("open", p.open);
  if (p.evaluation) {
    ObjectWriter ew(w.Key("evaluation"));
    ew.Number("service_capability", p.evaluation->service_capability);
    ew.Number("management", p.evaluation->management);
    ew.Number("output", p.evaluation->output);
    ew.Number("basic_conditions", p.evaluation->basic_conditions);
    ew.Close();
  }
  if (form == DocForm::kStored) AppendMeta(p.meta, &w);
  w.Close();
}

void AppendCapabilityJson(const engine::Capability& c, DocForm form, std::string* out) {
  ObjectWriter w(out);
  if (form == DocForm::kStored) w.String("id", c.id);
  w.String("platform_id", c.platform_id);
  w.String("category", c.category);
  w.String("title", c.title);
  w.String("description", c.description);
  AppendStringArray(c.keywords, w.Key("keywords"));
  AppendStages(c.stages, w.Key("stages"));
  w.String("unit", engine::ToString(c.unit));
  w.Number("price_per_unit", c.price_per_unit);
  std::string* slots = w.Key("slots");
  slots->push_back('[');
  for (std::size_t i = 0; i < c.slots.size(); ++i) {
    if (i > 0) slots->push_back(',');
    AppendSlot(c.slots[i], form, slots);
  }
  slots->push_back(']');
  if (form == DocForm::kStored) AppendMeta(c.meta, &w);
  w.Close();
}

void AppendRequestJson(const engine::Request& r, DocForm form, std::string* out) {
  ObjectWriter w(out);
  if (form == DocForm::kStored) w.String("id", r.id);
  {
    ObjectWriter rw(w.Key("requester"));
    rw.String("id", r.requester.id);
    rw.String("type", engine::ToString(r.requester.type));
    rw.Close();
  }
  w.String("category", r.category);
  w.String("text", r.text);
  AppendStringArray(r.keywords, w.Key("keywords"));
  w.String("stage", engine::ToString(r.stage));
  w.Int("quantity", r.quantity);
  w.String("unit", engine::ToString(r.unit));
  if (r.budget_max) w.Number("budget_max", *r.budget_max);
  {
    ObjectWriter ww(w.Key("window"));
    ww.Time("earliest_start", r.window.earliest_start);
    ww.Time("deadline", r.window.deadline);
    ww.Close();
  }
  if (r.location) AppendGeoPoint(*r.location, w.Key("location"));
  if (r.max_distance_km) w.Number("max_distance_km", *r.max_distance_km);
  if (r.region) w.String("region", *r.region);
  AppendStringArray(r.required_qualifications, w.Key("required_qualifications"));
  if (r.weights) AppendWeights(*r.weights, w.Key("weights"));
  if (form == DocForm::kStored) {
    w.String("status", engine::ToString(r.status));
    AppendMeta(r.meta, &w);
  }
  w.Close();
}

void AppendReservationJson(const engine::Reservation& r, std::string* out) {
  ObjectWriter w(out);
  w.String("id", r.id);
  w.String("request_id", r.request_id);
  w.String("capability_id", r.capability_id);
  w.Int("quantity", r.quantity);
  w.String("status", engine::ToString(r.status));
  std::string* allocations = w.Key("allocations");
  allocations->push_back('[');
  for (std::size_t i = 0; i < r.allocations.size(); ++i) {
    if (i > 0) allocations->push_back(',');
    ObjectWriter aw(allocations);
    aw.Time("start", r.allocations[i].start);
    aw.Time("end", r.allocations[i].end);
    aw.Int("units", r.allocations[i].units);
    aw.Close();
  }
  allocations->push_back(']');
  w.Time("expires_at", r.expires_at);
  AppendMeta(r.meta, &w);
  w.Close();
}

namespace {

template <typename Entity, typename AppendDoc>
void AppendBulkPut(std::string_view type, const Entity& e, AppendDoc append_doc, std::string* out) {
  out->append(R"({"op":"put","type":")");
  out->append(type);
  out->append(R"(","id":)");
  AppendJsonString(e.id, out);
  out->append(R"(,"doc":)");
  append_doc(e, DocForm::kClient, out);
  out->append("}\n");
}

}  // namespace

void AppendBulkPutLine(const engine::Platform& p, std::string* out) { AppendBulkPut("platform", p, AppendPlatformJson, out); }
void AppendBulkPutLine(const engine::Capability& c, std::string* out) {
  AppendBulkPut("capability", c, AppendCapabilityJson, out);
}
void AppendBulkPutLine(const engine::Request& r, std::string* out) { AppendBulkPut("request", r, AppendRequestJson, out); }

namespace {

// Which ids a written match carries.
enum class MatchIds { kCapability, kRequest, kBoth };

void AppendMatch(const engine::Match& m, bool explain, MatchIds ids, std::string* out) {
  ObjectWriter w(out);
  if (ids != MatchIds::kCapability) w.String("request_id", m.request_id);
  if (ids != MatchIds::kRequest) {
    w.String("capability_id", m.capability_id);
    w.String("platform_id", m.platform_id);
  }
  w.Number("score", m.score);
  w.Number("total_price", m.total_price);
  w.Time("earliest_start", m.earliest_start);
  w.Time("completion", m.completion);
  if (explain) AppendFactors(m.explain, w.Key("explain"));
  w.Close();
}

}  // namespace

void AppendMatchResultJson(const engine::MatchResult& result, bool explain, bool reverse, std::string* out) {
  ObjectWriter w(out);
  std::string* matches = w.Key("matches");
  matches->push_back('[');
  for (std::size_t i = 0; i < result.matches.size(); ++i) {
    if (i > 0) matches->push_back(',');
    AppendMatch(result.matches[i], explain, reverse ? MatchIds::kRequest : MatchIds::kCapability, matches);
  }
  matches->push_back(']');
  w.Uint("feasible", result.feasible);
  if (explain && !reverse) {
    ObjectWriter rw(w.Key("rejected"));
    for (int i = 0; i < engine::kRejectionCount; ++i) {
      rw.Uint(engine::ToString(static_cast<engine::Rejection>(i)), result.rejected[i]);
    }
    rw.Close();
  }
  w.Close();
}

void AppendFoundMatchJson(const engine::Match& m, std::string* out) { AppendMatch(m, true, MatchIds::kBoth, out); }

void AppendSubscriptionJson(const Subscription& s, DocForm form, std::string* out) {
  ObjectWriter w(out);
  if (form == DocForm::kStored) {
    w.String("id", s.id);
    w.String("owner", s.owner);
  }
  if (!s.types.empty()) AppendStringArray(s.types, w.Key("types"));
  if (s.category) w.String("category", *s.category);
  if (s.region) w.String("region", *s.region);
  if (s.stages != 0) AppendStages(s.stages, w.Key("stages"));
  if (!s.keywords.empty()) AppendStringArray(s.keywords, w.Key("keywords"));
  if (!s.platform_ids.empty()) AppendStringArray(s.platform_ids, w.Key("platform_ids"));
  if (!s.requester_ids.empty()) AppendStringArray(s.requester_ids, w.Key("requester_ids"));
  if (s.min_score) w.Number("min_score", *s.min_score);
  if (form == DocForm::kStored) AppendMeta(s.meta, &w);
  w.Close();
}

// ---------------------------------------------------------------------------
// JsonReader

struct JsonReader::Impl {
  explicit Impl(std::size_t max) : max_bytes(max), parser(max) {
    buffer.reserve(max_bytes + simdjson::SIMDJSON_PADDING);
  }

  // Copies `json` into the padded buffer and parses it; see Parse.
  template <typename Decode>
  Status Read(std::string_view json, Decode&& decode) {
    if (json.size() > max_bytes) {
      return Status::InvalidArgument("", "the document is " + std::to_string(json.size()) +
                                             " bytes; the limit is " + std::to_string(max_bytes));
    }
    // The caller's buffer carries no padding guarantee, so copy it into ours
    // (reserved once, so this never allocates).
    buffer.assign(json.data(), json.size());
    buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    return Parse(std::string_view(buffer.data(), json.size()), "", std::forward<Decode>(decode));
  }

  // Parses `text`, which lies inside `buffer` (so the rest of the buffer pads
  // it), as one document, and hands its root object to decode(decoder,
  // object); fields are reported under `prefix`. Invalidates every value of
  // the previous parse.
  template <typename Decode>
  Status Parse(std::string_view text, std::string_view prefix, Decode&& decode) {
    const std::size_t capacity = static_cast<std::size_t>(buffer.data() + buffer.size() - text.data());
    Decoder decoder(&path, prefix);
    od::document doc;
    if (auto e = parser.iterate(text.data(), text.size(), capacity).get(doc)) return decoder.Syntax(e);
    Status s = decoder.Root(doc, [&](od::object& obj) { return decode(decoder, obj); });
    if (s.code() == engine::StatusCode::kInvalidArgument) {
      // Decoding stops at the first problem; make sure nothing later in the
      // document is malformed, which takes precedence.
      Decoder validator(&path, prefix);
      od::document again;
      simdjson::error_code e = parser.iterate(text.data(), text.size(), capacity).get(again);
      if (e == simdjson::SUCCESS) e = ValidateDocument(again);
      if (e != simdjson::SUCCESS) return validator.Syntax(e);
    }
    return s;
  }

  // `status`, unless `text` (inside `buffer`, or empty) is not well-formed
  // JSON, which takes precedence.
  Status UnlessMalformed(std::string_view text, std::string_view prefix, Status status) {
    if (text.empty()) return status;
    const std::size_t capacity = static_cast<std::size_t>(buffer.data() + buffer.size() - text.data());
    od::document doc;
    simdjson::error_code e = parser.iterate(text.data(), text.size(), capacity).get(doc);
    if (e == simdjson::SUCCESS) e = ValidateDocument(doc);
    if (e != simdjson::SUCCESS) return Decoder(&path, prefix).Syntax(e);
    return status;
  }

  const std::size_t max_bytes;
  od::parser parser;
  std::string buffer;  // the padded copy of the current document
  std::string path;    // the field path being decoded, reused
};

JsonReader::JsonReader(std::size_t max_bytes) : impl_(std::make_unique<Impl>(max_bytes)) {}
JsonReader::~JsonReader() = default;

engine::Status JsonReader::ReadPlatform(std::string_view json, engine::Platform* out) {
  *out = engine::Platform{};
  return impl_->Read(json, [out](Decoder& d, od::object& obj) { return d.Platform(obj, out); });
}

engine::Status JsonReader::ReadCapability(std::string_view json, engine::Capability* out) {
  *out = engine::Capability{};
  return impl_->Read(json, [out](Decoder& d, od::object& obj) { return d.Capability(obj, out); });
}

engine::Status JsonReader::ReadRequest(std::string_view json, engine::Request* out) {
  *out = engine::Request{};
  return impl_->Read(json, [out](Decoder& d, od::object& obj) { return d.Request(obj, out); });
}

engine::Status JsonReader::ReadSubscription(std::string_view json, Subscription* out) {
  *out = Subscription{};
  return impl_->Read(json, [out](Decoder& d, od::object& obj) { return d.Subscription(obj, out); });
}

engine::Status JsonReader::ReadSlots(std::string_view json, std::vector<engine::Slot>* out) {
  out->clear();
  return impl_->Read(json, [out](Decoder& d, od::object& obj) {
    return d.Fields(obj, kSlotsDocFields, {}, Bit(0), [&](int, od::value& v) { return d.Slots(v, out); });
  });
}

engine::Status JsonReader::ReadHold(std::string_view json, engine::HoldSpec* out) {
  out->request_id.clear();
  out->capability_id.clear();
  out->quantity.reset();
  out->hold_seconds = engine::HoldSpec{}.hold_seconds;
  return impl_->Read(json, [out](Decoder& d, od::object& obj) { return d.Hold(obj, out); });
}

engine::Status JsonReader::ReadKeySpec(std::string_view json, std::string* name, std::string* role) {
  return impl_->Read(json, [&](Decoder& d, od::object& obj) {
    return d.Fields(obj, kKeySpecFields, {}, Bit(0) | Bit(1),
                    [&](int index, od::value& v) { return d.String(v, index == 0 ? name : role); });
  });
}

engine::Status JsonReader::ReadCheckpoint(std::string_view json, std::string* dir) {
  return impl_->Read(json, [&](Decoder& d, od::object& obj) {
    return d.Fields(obj, kCheckpointFields, {}, Bit(0), [&](int, od::value& v) { return d.String(v, dir); });
  });
}

// The envelope is decoded first, remembering where "doc" lies (it may come
// before "type"); the doc is then parsed on its own, in place in the buffer,
// with its fields reported as "doc.<field>".
engine::Status JsonReader::ReadBulkLine(std::string_view json, engine::BatchOp* out) {
  std::string op, type;
  std::string_view doc;
  out->id.clear();
  out->doc = std::monostate{};
  Status s = impl_->Read(
      json, [&](Decoder& d, od::object& obj) { return d.BulkLine(obj, &op, &type, &out->id, &doc); });
  if (!s.ok()) return s;
  enum class Type { kPlatform, kCapability, kRequest };
  Type t;
  if (type == "platform") {
    t = Type::kPlatform;
  } else if (type == "capability") {
    t = Type::kCapability;
  } else if (type == "request") {
    t = Type::kRequest;
  } else {
    return impl_->UnlessMalformed(
        doc, "doc", Status::InvalidArgument("type", "must be one of platform, capability, request"));
  }
  if (op == "delete") {
    if (!doc.empty()) {
      return impl_->UnlessMalformed(doc, "doc",
                                    Status::InvalidArgument("doc", "is only allowed with op put"));
    }
    out->kind = t == Type::kPlatform     ? engine::BatchOp::Kind::kDeletePlatform
                : t == Type::kCapability ? engine::BatchOp::Kind::kDeleteCapability
                                         : engine::BatchOp::Kind::kDeleteRequest;
    return Status::Ok();
  }
  if (op != "put") {
    return impl_->UnlessMalformed(doc, "doc", Status::InvalidArgument("op", "must be one of put, delete"));
  }
  if (doc.empty()) return Status::InvalidArgument("doc", "is required");
  out->kind = engine::BatchOp::Kind::kPut;
  switch (t) {
    case Type::kPlatform: {
      auto& p = out->doc.emplace<engine::Platform>();
      s = impl_->Parse(doc, "doc", [&p](Decoder& d, od::object& obj) { return d.Platform(obj, &p); });
      p.id = out->id;
      return s;
    }
    case Type::kCapability: {
      auto& c = out->doc.emplace<engine::Capability>();
      s = impl_->Parse(doc, "doc", [&c](Decoder& d, od::object& obj) { return d.Capability(obj, &c); });
      c.id = out->id;
      return s;
    }
    case Type::kRequest: {
      auto& r = out->doc.emplace<engine::Request>();
      s = impl_->Parse(doc, "doc", [&r](Decoder& d, od::object& obj) { return d.Request(obj, &r); });
      r.id = out->id;
      return s;
    }
  }
  return Status::Internal("unhandled bulk type");
}

}  // namespace biomatch::server
