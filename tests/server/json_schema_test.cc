#include "biomatch/server/json_schema.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "auth.h"
#include "biomatch/engine/status.h"
#include "biomatch/engine/types.h"
#include "biomatch/server/json_allocation.h"
#include "biomatch/server/json_codec.h"
#include "biomatch/server/subscription.h"
#include "responses.h"

namespace biomatch::server {
namespace {

using engine::Status;
using engine::StatusCode;

// The reader and the tables agree: documents are generated from a table,
// then changed one field at a time, and read by the document's reader.

constexpr std::string_view kUnknownField = "zz_not_a_field";

struct Change {
  enum Kind { kNone, kOmit, kNull, kBadEnum, kAddUnknown } kind = kNone;
  std::string path;  // the field's path as the reader names it ("slots[0].units"); kAddUnknown: the object's
};

std::string Join(const std::string& base, std::string_view name) {
  return base.empty() ? std::string(name) : base + "." + std::string(name);
}

// Example values the reader and ValidateSubscription accept, for each JSON
// type; `overrides` replaces a path's value with raw JSON ("" leaves it out).
class Generator {
 public:
  explicit Generator(std::map<std::string, std::string> overrides) : overrides_(std::move(overrides)) {}

  std::string Document(const JsonDocument& doc, const Change& change) const {
    std::string out;
    Object(doc, "", change, &out);
    return out;
  }

 private:
  void Object(const JsonDocument& doc, const std::string& path, const Change& change, std::string* out) const {
    out->push_back('{');
    bool first = true;
    auto member = [&](std::string_view name) -> std::string* {
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(name, out);
      out->push_back(':');
      return out;
    };
    for (const JsonField& f : doc.fields) {
      const std::string field_path = Join(path, f.name);
      if (change.path == field_path && change.kind == Change::kOmit) continue;
      if (change.path == field_path && change.kind == Change::kNull) {
        member(f.name)->append("null");
        continue;
      }
      if (change.path == field_path && change.kind == Change::kBadEnum && f.type != JsonType::kArray) {
        member(f.name)->append("\"not-a-value\"");
        continue;
      }
      if (const auto it = overrides_.find(field_path); it != overrides_.end()) {
        if (!it->second.empty()) member(f.name)->append(it->second);
        continue;
      }
      Value(f, f.type, field_path, change, member(f.name));
    }
    if (change.kind == Change::kAddUnknown && change.path == path) member(kUnknownField)->append("1");
    out->push_back('}');
  }

  void Value(const JsonField& f, JsonType type, const std::string& path, const Change& change,
             std::string* out) const {
    switch (type) {
      case JsonType::kString:
        if (!f.enum_values.empty()) {
          AppendJsonString(f.enum_values.front(), out);
        } else {
          out->append("\"toxicity\"");
        }
        return;
      case JsonType::kTime:
        out->append("\"2026-12-01T00:00:00Z\"");
        return;
      case JsonType::kNumber:
        out->append("0.5");
        return;
      case JsonType::kInteger:
        out->append("1");
        return;
      case JsonType::kBoolean:
        out->append("true");
        return;
      case JsonType::kObject: {
        const JsonDocument* nested = FindJsonDocument(f.ref);
        if (nested == nullptr) {
          out->append("{}");
        } else {
          Object(*nested, path, change, out);
        }
        return;
      }
      case JsonType::kArray: {
        const std::string element = path + "[0]";
        out->push_back('[');
        if (change.kind == Change::kBadEnum && change.path == element) {
          out->append("\"not-a-value\"");
        } else {
          Value(f, f.items, element, change, out);
        }
        out->push_back(']');
        return;
      }
    }
  }

  std::map<std::string, std::string> overrides_;
};

// Every field of `doc` and of the documents it nests, with its path.
void Walk(const JsonDocument& doc, const std::string& path,
          const std::function<void(const JsonField&, const std::string&)>& visit) {
  for (const JsonField& f : doc.fields) {
    const std::string field_path = Join(path, f.name);
    visit(f, field_path);
    const JsonDocument* nested = f.ref.empty() ? nullptr : FindJsonDocument(f.ref);
    if (nested == nullptr) continue;
    Walk(*nested, f.type == JsonType::kArray ? field_path + "[0]" : field_path, visit);
  }
}

// The objects of `doc` (the root is "") a field may be added to.
void WalkObjects(const JsonDocument& doc, const std::string& path, std::vector<std::string>* objects) {
  objects->push_back(path);
  for (const JsonField& f : doc.fields) {
    const JsonDocument* nested = f.ref.empty() ? nullptr : FindJsonDocument(f.ref);
    if (nested == nullptr) continue;
    const std::string field_path = Join(path, f.name);
    WalkObjects(*nested, f.type == JsonType::kArray ? field_path + "[0]" : field_path, objects);
  }
}

using ReadFn = std::function<Status(JsonReader&, std::string_view)>;

struct ReadDocument {
  std::string_view name;
  ReadFn read;
  std::map<std::string, std::string> overrides;
};

std::vector<ReadDocument> ReadDocuments() {
  return {
      {"Platform", [](JsonReader& r, std::string_view j) { engine::Platform p; return r.ReadPlatform(j, &p); }, {}},
      {"Capability",
       [](JsonReader& r, std::string_view j) { engine::Capability c; return r.ReadCapability(j, &c); }, {}},
      {"Request", [](JsonReader& r, std::string_view j) { engine::Request q; return r.ReadRequest(j, &q); }, {}},
      {"Subscription",
       [](JsonReader& r, std::string_view j) {
         Subscription s;
         Status st = r.ReadSubscription(j, &s);
         return st.ok() ? ValidateSubscription(s) : st;  // types are checked after decoding
       },
       {}},
      {"Slots",
       [](JsonReader& r, std::string_view j) { std::vector<engine::Slot> s; return r.ReadSlots(j, &s); }, {}},
      {"Hold", [](JsonReader& r, std::string_view j) { engine::HoldSpec h; return r.ReadHold(j, &h); }, {}},
      {"KeySpec",
       [](JsonReader& r, std::string_view j) {
         std::string name, role;
         Status st = r.ReadKeySpec(j, &name, &role);
         if (st.ok() && !ParseRole(role)) return Status::InvalidArgument("role", "is not a role");  // as POST /v1/keys
         return st;
       },
       {}},
      {"CheckpointRequest",
       [](JsonReader& r, std::string_view j) {
         std::string dir;
         return r.ReadCheckpoint(j, &dir);
       },
       {}},
      // The range of hold_seconds and the selection are checked after
      // decoding.
      {"Allocate",
       [](JsonReader& r, std::string_view j) {
         AllocateSpec spec;
         return r.ReadAllocateSpec(j, &spec);
       },
       {}},
      // A delete line: a put's doc is a whole document of another table.
      {"BulkLine", [](JsonReader& r, std::string_view j) { engine::BatchOp op; return r.ReadBulkLine(j, &op); },
       {{"op", "\"delete\""}, {"doc", ""}}},
  };
}

std::string Names(std::span<const std::string_view> names) {
  std::string out;
  for (const std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

TEST(JsonSchemaTest, EveryReferenceNamesADocument) {
  std::set<std::string_view> names;
  for (const JsonDocument& d : JsonDocuments()) {
    EXPECT_TRUE(names.insert(d.name).second) << "twice: " << d.name;
    for (const JsonField& f : d.fields) {
      if (!f.ref.empty()) {
        EXPECT_NE(FindJsonDocument(f.ref), nullptr) << d.name << "." << f.name << " -> " << f.ref;
      }
      const bool holds_objects = f.type == JsonType::kObject || (f.type == JsonType::kArray && f.items == JsonType::kObject);
      EXPECT_TRUE(holds_objects || f.ref.empty()) << d.name << "." << f.name;
    }
  }
}

TEST(JsonSchemaTest, ReaderAcceptsTheFullDocumentAndEachOptionalFieldLeftOut) {
  JsonReader reader(1 << 20);
  for (const ReadDocument& rd : ReadDocuments()) {
    const JsonDocument* doc = FindJsonDocument(rd.name);
    ASSERT_NE(doc, nullptr) << rd.name;
    const Generator gen(rd.overrides);
    const std::string full = gen.Document(*doc, {});
    const Status st = rd.read(reader, full);
    EXPECT_TRUE(st.ok()) << rd.name << ": " << full << ": " << st.field() << " " << st.message();
    Walk(*doc, "", [&](const JsonField& f, const std::string& path) {
      if (f.required && !f.read_only) return;
      const std::string text = gen.Document(*doc, {Change::kOmit, path});
      const Status omitted = rd.read(reader, text);
      EXPECT_TRUE(omitted.ok()) << rd.name << " without " << path << ": " << omitted.field() << " "
                                << omitted.message();
    });
  }
}

TEST(JsonSchemaTest, ReaderRefusesEachRequiredFieldLeftOutNamingIt) {
  JsonReader reader(1 << 20);
  int checked = 0;
  for (const ReadDocument& rd : ReadDocuments()) {
    const JsonDocument* doc = FindJsonDocument(rd.name);
    ASSERT_NE(doc, nullptr);
    const Generator gen(rd.overrides);
    Walk(*doc, "", [&](const JsonField& f, const std::string& path) {
      if (!f.required) return;
      ++checked;
      const Status st = rd.read(reader, gen.Document(*doc, {Change::kOmit, path}));
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << rd.name << " without " << path;
      EXPECT_EQ(st.field(), path) << rd.name;
      EXPECT_EQ(st.message(), "is required") << rd.name << " " << path;
    });
  }
  EXPECT_GT(checked, 20);
}

TEST(JsonSchemaTest, ReaderRefusesAFieldNotInTheTable) {
  JsonReader reader(1 << 20);
  for (const ReadDocument& rd : ReadDocuments()) {
    const JsonDocument* doc = FindJsonDocument(rd.name);
    ASSERT_NE(doc, nullptr);
    const Generator gen(rd.overrides);
    std::vector<std::string> objects;
    WalkObjects(*doc, "", &objects);
    for (const std::string& object : objects) {
      const Status st = rd.read(reader, gen.Document(*doc, {Change::kAddUnknown, object}));
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << rd.name << " at '" << object << "'";
      EXPECT_EQ(st.field(), Join(object, kUnknownField)) << rd.name;
    }
  }
}

TEST(JsonSchemaTest, ReaderTakesNullExactlyWhereTheTableSaysNullable) {
  JsonReader reader(1 << 20);
  for (const ReadDocument& rd : ReadDocuments()) {
    const JsonDocument* doc = FindJsonDocument(rd.name);
    ASSERT_NE(doc, nullptr);
    const Generator gen(rd.overrides);
    Walk(*doc, "", [&](const JsonField& f, const std::string& path) {
      if (f.read_only) return;  // ignored whatever it holds
      const Status st = rd.read(reader, gen.Document(*doc, {Change::kNull, path}));
      if (f.nullable) {
        EXPECT_TRUE(st.ok()) << rd.name << " " << path << " null: " << st.message();
      } else {
        EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << rd.name << " " << path << " null";
        EXPECT_EQ(st.field(), path) << rd.name;
      }
    });
  }
}

TEST(JsonSchemaTest, ReaderRefusesAValueOutsideTheTablesEnumListingTheTablesNames) {
  JsonReader reader(1 << 20);
  int checked = 0;
  for (const ReadDocument& rd : ReadDocuments()) {
    const JsonDocument* doc = FindJsonDocument(rd.name);
    ASSERT_NE(doc, nullptr);
    const Generator gen(rd.overrides);
    Walk(*doc, "", [&](const JsonField& f, const std::string& path) {
      if (f.enum_values.empty() || f.read_only) return;
      ++checked;
      const std::string at = f.type == JsonType::kArray ? path + "[0]" : path;
      const Status st = rd.read(reader, gen.Document(*doc, {Change::kBadEnum, at}));
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << rd.name << " " << at;
      EXPECT_EQ(st.field(), at) << rd.name;
      // Where the reader lists the names, they are the table's. (Roles are
      // checked after decoding: see RoleNamesAreAuths.)
      const std::size_t pos = st.message().find("must be one of ");
      if (pos != std::string::npos) {
        EXPECT_EQ(st.message().substr(pos + 15), Names(f.enum_values)) << at;
      }
    });
  }
  EXPECT_GT(checked, 8);
}

TEST(JsonSchemaTest, EngineEnumNamesParseBackToTheirValues) {
  auto check = [](std::string_view doc, std::string_view field, auto parse) {
    const JsonDocument* d = FindJsonDocument(doc);
    ASSERT_NE(d, nullptr);
    for (const JsonField& f : d->fields) {
      if (f.name != field) continue;
      for (std::size_t i = 0; i < f.enum_values.size(); ++i) {
        const auto parsed = parse(f.enum_values[i]);
        ASSERT_TRUE(parsed.has_value()) << f.enum_values[i];
        EXPECT_EQ(static_cast<std::size_t>(*parsed), i) << f.enum_values[i];
      }
      return;
    }
    FAIL() << doc << "." << field;
  };
  check("Platform", "kind", engine::ParsePlatformKind);
  check("Platform", "level", engine::ParsePlatformLevel);
  check("Request", "stage", engine::ParseStage);
  check("Request", "unit", engine::ParseUnit);
  check("Request", "status", engine::ParseRequestStatus);
  check("Requester", "type", engine::ParseRequesterType);
  check("Reservation", "status", engine::ParseReservationStatus);
  check("KeySpec", "role", ParseRole);
}

TEST(JsonSchemaTest, RoleNamesAreAuths) {
  const auto roles = JsonRoleNames();
  for (std::size_t i = 0; i < roles.size(); ++i) EXPECT_EQ(ToString(static_cast<Role>(i)), roles[i]);
  EXPECT_EQ(ParseRole(roles.back()), static_cast<Role>(roles.size() - 1));
}

TEST(JsonSchemaTest, ErrorCodesAreTheErrorTables) {
  const auto codes = JsonErrorCodes();
  std::set<std::string_view> table;
  for (const ErrorKind& kind : kErrorKinds) table.insert(kind.name);
  EXPECT_EQ(std::set<std::string_view>(codes.begin(), codes.end()), table);
  EXPECT_EQ(table.size(), codes.size()) << "a code listed twice";
}

}  // namespace
}  // namespace biomatch::server
