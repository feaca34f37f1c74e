// JSON codec: engine entities to and from the JSON documents of API.md.
//
// Writing appends to a std::string with exact escaping (quotes, backslash,
// control characters as \n \t \r \b \f or \u00XX; DEL and UTF-8, including
// non-BMP characters, pass through unchanged). Optional fields that are
// absent are left out of kClient and kStored documents alike. Writing is
// pure and thread safe.
//
// Reading uses simdjson On-Demand through JsonReader, which owns one reusable
// parser: keep one per thread or connection, never share one between
// threads. The engine never sees a simdjson type.
//
// Read errors: kMalformed for JSON syntax, invalid UTF-8, nesting deeper than
// 64, or trailing content (API code malformed_json); kMalformed wins when a
// document has both kinds of problem. kInvalidArgument naming the field
// ("window.deadline", "slots[2].units"; "" for the document itself) for a
// root that is not an object, a wrong type, an unknown or duplicate field, a
// missing required field ("is required"), a number that is not a JSON integer
// where one is required or lies outside int64 / double range, a bad enum name
// or time, or a document over max_bytes (API code invalid_argument). null
// means absent exactly where the model holds a std::optional (budget_max,
// location and region on requests, max_distance_km, weights and each weight,
// evaluation, valid_until); anywhere else it is a wrong type. Semantic checks
// beyond types (ranges, windows, slot overlap, empty stages) are
// engine::Validate*'s job and happen after decoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/status.h"
#include "biomatch/engine/types.h"
#include "biomatch/server/subscription.h"

namespace biomatch::server {

struct AllocateSpec;  // json_allocation.h

// Which fields a written entity carries.
enum class DocForm {
  kClient,  // what a client PUTs: no id, version, status, timestamps or per-slot reserved/free
  kStored,  // what GET answers: the client document plus id, version, server-owned fields
};

void AppendJsonString(std::string_view s, std::string* out);
// Shortest text that reads back as the same double (std::to_chars): integral
// values below 2^63 in magnitude as plain integers ("380000", not "3.8e+05"),
// others as "0.873" or "1e+300". Not finite (never in validated data): null.
void AppendJsonNumber(double v, std::string* out);

void AppendPlatformJson(const engine::Platform& p, DocForm form, std::string* out);
void AppendCapabilityJson(const engine::Capability& c, DocForm form, std::string* out);
void AppendRequestJson(const engine::Request& r, DocForm form, std::string* out);
void AppendReservationJson(const engine::Reservation& r, std::string* out);
// One line of bulk NDJSON (POST /v1/bulk, gen_catalog):
// {"op":"put","type":<type>,"id":<id>,"doc":<client document>} and a newline.
void AppendBulkPutLine(const engine::Platform& p, std::string* out);
void AppendBulkPutLine(const engine::Capability& c, std::string* out);
void AppendBulkPutLine(const engine::Request& r, std::string* out);
// {"matches":[...],"feasible":N[,"rejected":{...}]} as API.md shows; `reverse`
// writes request_id instead of capability_id/platform_id; `explain` adds the
// per-factor explain object (null for a factor that does not apply) and, for
// forward matches, the rejected counts.
void AppendMatchResultJson(const engine::MatchResult& result, bool explain, bool reverse, std::string* out);
// The data of a match.found event: {"request_id","capability_id",
// "platform_id","score","total_price","earliest_start","completion","explain"}.
void AppendFoundMatchJson(const engine::Match& m, std::string* out);
// A subscription; fields it does not set are left out. kStored adds id,
// owner, version, created_at and updated_at.
void AppendSubscriptionJson(const Subscription& s, DocForm form, std::string* out);

// --- The API's answers beyond entities (API.md): each writes one complete
// JSON object.

// {"error":{"code":..,"message":..[,"field":..]}}; an empty field is left out.
void AppendErrorJson(std::string_view code, std::string_view message, std::string_view field, std::string* out);
// One refused line of a bulk load.
struct BulkLineError {
  std::size_t line = 0;  // 1-based
  std::string_view code;  // the API error code
  std::string message;
  std::string field;      // empty: none
};
// POST /v1/bulk refused: the error object with "lines":[{"line","code","message"[,"field"]}].
void AppendBulkRejectedJson(std::string_view message, const std::vector<BulkLineError>& lines, std::string* out);
// POST /v1/bulk applied: {"applied":N}.
void AppendBulkAppliedJson(std::size_t applied, std::string* out);
// GET /healthz: {"status":..}.
void AppendHealthJson(std::string_view status, std::string* out);
// GET /v1/stats/overview: the engine's counts and the last event's sequence number.
void AppendOverviewJson(const engine::Overview& overview, std::uint64_t events, std::string* out);
// An API key: {"name","role"[,"token"]}; the token (shown once, at creation) is left out when empty.
void AppendKeyJson(std::string_view name, std::string_view role, std::string_view token, std::string* out);
// POST /v1/admin/checkpoint: {"dir","last_seq"}.
void AppendCheckpointJson(std::string_view dir, std::uint64_t last_seq, std::string* out);
// A stream's event message, split where each stream's own subscription list
// goes: the head is {"seq","type","at","subscriptions": and the tail is
// ,"data":<data>} with `data` (the event's stored JSON object) copied as is.
void AppendEventMessageHead(std::uint64_t seq, std::string_view type, engine::Seconds at, std::string* out);
void AppendEventMessageTail(std::string_view data, std::string* out);
// The stream's gap message: {"type":"stream.gap","earliest":N}.
void AppendStreamGapJson(std::uint64_t earliest, std::string* out);
// One access-log line's object: {"method","target","status","us"}.
void AppendAccessLogJson(std::string_view method, std::string_view target, unsigned status, double micros,
                         std::string* out);
// A match answer over HTTP: AppendMatchResultJson's members, then "took_us".
void AppendMatchAnswerJson(const engine::MatchResult& result, bool explain, bool reverse, std::int64_t took_us,
                           std::string* out);
// A JSON array of strings, each item of `items` written as string_of(item).
template <typename Items, typename StringOf>
void AppendJsonStringArray(const Items& items, StringOf string_of, std::string* out) {
  out->push_back('[');
  bool first = true;
  for (const auto& item : items) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(string_of(item), out);
  }
  out->push_back(']');
}

// The member "items":[..], each item written by append_item(item, out).
template <typename Items, typename AppendItem>
void AppendItemsMember(const Items& items, AppendItem append_item, std::string* out) {
  out->append(R"("items":[)");
  bool first = true;
  for (const auto& item : items) {
    if (!first) out->push_back(',');
    first = false;
    append_item(item, out);
  }
  out->push_back(']');
}
// A list page: {"items":[..],"next_cursor":<cursor>|null} (null when `next_cursor` is empty).
template <typename Items, typename AppendItem>
void AppendPageJson(const Items& items, std::string_view next_cursor, AppendItem append_item, std::string* out) {
  out->push_back('{');
  AppendItemsMember(items, append_item, out);
  out->append(R"(,"next_cursor":)");
  if (next_cursor.empty()) {
    out->append("null");
  } else {
    AppendJsonString(next_cursor, out);
  }
  out->push_back('}');
}
// A whole list: {"items":[..]}.
template <typename Items, typename AppendItem>
void AppendListJson(const Items& items, AppendItem append_item, std::string* out) {
  out->push_back('{');
  AppendItemsMember(items, append_item, out);
  out->push_back('}');
}

// Decodes client documents. Owns a reusable simdjson parser.
class JsonReader {
 public:
  // `max_bytes`: the largest document this reader will accept (larger ones
  // are kInvalidArgument with field ""). The parser grows to fit the largest
  // document read so far, up to max_bytes.
  explicit JsonReader(std::size_t max_bytes);
  ~JsonReader();
  JsonReader(const JsonReader&) = delete;
  JsonReader& operator=(const JsonReader&) = delete;

  // `json` need not be padded: the reader copies it into its own padded
  // buffer, reserved once to max_bytes. Server-owned fields present in the
  // document (id, version, created_at, updated_at on every entity, status on
  // requests, reserved and free on slots) are checked to be well-formed JSON
  // and ignored, so a GET response can be PUT back; any other unknown field
  // is kInvalidArgument. *out is reset first, so an absent optional field
  // reads as its default; out->id, meta and status are left default. On error
  // *out is unspecified.
  engine::Status ReadPlatform(std::string_view json, engine::Platform* out);
  engine::Status ReadCapability(std::string_view json, engine::Capability* out);
  engine::Status ReadRequest(std::string_view json, engine::Request* out);
  // PUT /v1/subscriptions/{id}: every field optional, null reads as absent;
  // id, owner and meta are left default. Semantic checks are
  // ValidateSubscription's.
  engine::Status ReadSubscription(std::string_view json, Subscription* out);
  // {"slots":[...]} for PUT /v1/capabilities/{id}/slots.
  engine::Status ReadSlots(std::string_view json, std::vector<engine::Slot>* out);
  // POST /v1/reservations: {"request_id","capability_id","quantity"?,"hold_seconds"?};
  // out->reservation_id is left alone.
  engine::Status ReadHold(std::string_view json, engine::HoldSpec* out);
  // POST /v1/keys: {"name","role"}.
  engine::Status ReadKeySpec(std::string_view json, std::string* name, std::string* role);
  // POST /v1/admin/checkpoint: {"dir"}.
  engine::Status ReadCheckpoint(std::string_view json, std::string* dir);
  // POST /v1/allocate (json_allocation.h); the selection's and options'
  // ranges are the engine's to check.
  engine::Status ReadAllocateSpec(std::string_view json, AllocateSpec* out);
  // One line of POST /v1/bulk:
  // {"op":"put"|"delete","type":"platform"|"capability"|"request","id":..,"doc":{..}}
  // ("doc" only with "put").
  engine::Status ReadBulkLine(std::string_view json, engine::BatchOp* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace biomatch::server
