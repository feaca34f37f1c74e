// The codec's reading half: API documents through simdjson On-Demand.
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

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/status.h"
#include "biomatch/engine/types.h"
#include "biomatch/server/json_allocation.h"
#include "biomatch/server/json_codec.h"
#include "biomatch/server/subscription.h"
#include "json_fields.h"
#include "json_syntax.h"

namespace biomatch::server {
namespace json {
namespace {

// Decodes the API's documents on top of json::Decoder's typed values.
class EntityDecoder : public json::Decoder {
 public:
  using Decoder::Decoder;

  Status Stages(od::value& v, engine::StageSet* out) {
    return Array(v, [&](od::value& element) {
      engine::Stage stage;
      Status s = Enum(element, engine::kStageNames, &stage);
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
    return Object(v, kWeightFields, {}, 0, [&](int index, od::value& value) {
      return OptionalDouble(value, &(out->*engine::kFactors[static_cast<std::size_t>(index)].override_weight));
    });
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

  // POST /v1/allocate (json_allocation.h).
  Status Allocate(od::object& obj, AllocateSpec* out) {
    return Fields(obj, kAllocateFields, {}, Bit(0), [&](int index, od::value& v) -> Status {
      switch (index) {
        case 0:
          return AllocateSelect(v, &out->select);
        case 1:
          return Bool(v, &out->apply);
        case 2:
          return Int64(v, &out->hold_seconds);
        default:
          return Count(v, &out->options.candidates);
      }
    });
  }

  // The selection must name a category, a region or request ids.
  Status AllocateSelect(od::value& v, engine::AllocationSelect* out) {
    Status s = Object(v, kAllocateSelectFields, {}, 0, [&](int index, od::value& f) -> Status {
      switch (index) {
        case 0:
          return String(f, &out->category_prefix);
        case 1:
          return String(f, &out->region_prefix);
        case 2: {
          Status st = StringArray(f, &out->request_ids);
          if (st.ok() && out->request_ids.empty()) return Invalid("must name at least one request");
          return st;
        }
        default:
          return Count(f, &out->limit);
      }
    });
    if (s.ok() && out->category_prefix.empty() && out->region_prefix.empty() && out->request_ids.empty()) {
      return Invalid("must name a category, a region or request_ids");
    }
    return s;
  }

  // An integer read into a count; a negative one reads as 0, which the
  // engine's range checks refuse by name.
  Status Count(od::value& v, std::size_t* out) {
    std::int64_t n = 0;
    Status s = Int64(v, &n);
    *out = n < 0 ? 0 : static_cast<std::size_t>(n);
    return s;
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
                        return Enum(v, engine::kPlatformKindNames, &p->kind);
                      case kPfLevel:
                        return Enum(v, engine::kPlatformLevelNames, &p->level);
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
                        return Enum(v, engine::kUnitNames, &c->unit);
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
    return Fields(obj, kSubscriptionFields, kSubscriptionServerFields, 0,
                  [&](int index, od::value& v) -> Status {
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
                return Enum(value, engine::kRequesterTypeNames, &r->requester.type);
              });
            case kRfCategory:
              return String(v, &r->category);
            case kRfText:
              return String(v, &r->text);
            case kRfKeywords:
              return StringArray(v, &r->keywords);
            case kRfStage:
              return Enum(v, engine::kStageNames, &r->stage);
            case kRfQuantity:
              return Int64(v, &r->quantity);
            case kRfUnit:
              return Enum(v, engine::kUnitNames, &r->unit);
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
};

}  // namespace
}  // namespace json

namespace od = simdjson::ondemand;
using engine::Status;
using json::Bit;
using json::EntityDecoder;

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
    EntityDecoder decoder(&path, prefix);
    od::document doc;
    if (auto e = parser.iterate(text.data(), text.size(), capacity).get(doc)) return decoder.Syntax(e);
    Status s = decoder.Root(doc, [&](od::object& obj) { return decode(decoder, obj); });
    if (s.code() == engine::StatusCode::kInvalidArgument) {
      // Decoding stops at the first problem; make sure nothing later in the
      // document is malformed, which takes precedence.
      od::document again;
      simdjson::error_code e = parser.iterate(text.data(), text.size(), capacity).get(again);
      if (e == simdjson::SUCCESS) e = json::ValidateDocument(again);
      if (e != simdjson::SUCCESS) return json::SyntaxError(e, prefix);
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
    if (e == simdjson::SUCCESS) e = json::ValidateDocument(doc);
    if (e != simdjson::SUCCESS) return json::SyntaxError(e, prefix);
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
  return impl_->Read(json, [out](EntityDecoder& d, od::object& obj) { return d.Platform(obj, out); });
}

engine::Status JsonReader::ReadCapability(std::string_view json, engine::Capability* out) {
  *out = engine::Capability{};
  return impl_->Read(json, [out](EntityDecoder& d, od::object& obj) { return d.Capability(obj, out); });
}

engine::Status JsonReader::ReadRequest(std::string_view json, engine::Request* out) {
  *out = engine::Request{};
  return impl_->Read(json, [out](EntityDecoder& d, od::object& obj) { return d.Request(obj, out); });
}

engine::Status JsonReader::ReadSubscription(std::string_view json, Subscription* out) {
  *out = Subscription{};
  return impl_->Read(json, [out](EntityDecoder& d, od::object& obj) { return d.Subscription(obj, out); });
}

engine::Status JsonReader::ReadSlots(std::string_view json, std::vector<engine::Slot>* out) {
  out->clear();
  return impl_->Read(json, [out](EntityDecoder& d, od::object& obj) {
    return d.Fields(obj, json::kSlotsDocFields, {}, Bit(0),
                    [&](int, od::value& v) { return d.Slots(v, out); });
  });
}

engine::Status JsonReader::ReadHold(std::string_view json, engine::HoldSpec* out) {
  out->request_id.clear();
  out->capability_id.clear();
  out->quantity.reset();
  out->hold_seconds = engine::HoldSpec{}.hold_seconds;
  return impl_->Read(json, [out](EntityDecoder& d, od::object& obj) { return d.Hold(obj, out); });
}

engine::Status JsonReader::ReadKeySpec(std::string_view json, std::string* name, std::string* role) {
  return impl_->Read(json, [&](EntityDecoder& d, od::object& obj) {
    return d.Fields(obj, json::kKeySpecFields, {}, Bit(0) | Bit(1),
                    [&](int index, od::value& v) { return d.String(v, index == 0 ? name : role); });
  });
}

engine::Status JsonReader::ReadAllocateSpec(std::string_view json, AllocateSpec* out) {
  *out = AllocateSpec{};
  return impl_->Read(json, [out](EntityDecoder& d, od::object& obj) { return d.Allocate(obj, out); });
}

engine::Status JsonReader::ReadCheckpoint(std::string_view json, std::string* dir) {
  return impl_->Read(json, [&](EntityDecoder& d, od::object& obj) {
    return d.Fields(obj, json::kCheckpointFields, {}, Bit(0),
                    [&](int, od::value& v) { return d.String(v, dir); });
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
      json, [&](EntityDecoder& d, od::object& obj) { return d.BulkLine(obj, &op, &type, &out->id, &doc); });
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
      s = impl_->Parse(doc, "doc", [&p](EntityDecoder& d, od::object& obj) { return d.Platform(obj, &p); });
      p.id = out->id;
      return s;
    }
    case Type::kCapability: {
      auto& c = out->doc.emplace<engine::Capability>();
      s = impl_->Parse(doc, "doc", [&c](EntityDecoder& d, od::object& obj) { return d.Capability(obj, &c); });
      c.id = out->id;
      return s;
    }
    case Type::kRequest: {
      auto& r = out->doc.emplace<engine::Request>();
      s = impl_->Parse(doc, "doc", [&r](EntityDecoder& d, od::object& obj) { return d.Request(obj, &r); });
      r.id = out->id;
      return s;
    }
  }
  return Status::Internal("unhandled bulk type");
}

}  // namespace biomatch::server
