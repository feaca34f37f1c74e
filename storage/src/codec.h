// The on-disk format of biomatch: column families, key grammar and value
// encodings. This file owns the format; bump kFormatVersion (and keep reading
// older versions) when it changes.
//
// Column families (names are part of the format):
//   meta            "format_version" -> fixed32 LE; "next_seq" -> fixed64 LE
//   platforms       id -> Platform value
//   capabilities    id -> Capability value
//   requests        id -> Request value
//   reservations    id -> Reservation value
//   subscriptions   key -> opaque (server)
//   api_keys        key -> opaque (server)
//   idempotency     key -> opaque (server)
//   events          seq as 8-byte big-endian (sorts by seq) -> Event value
//   match_watch     request id -> WatchedPairs value (format 2 on)
//
// Values:
//   value       := version:u8 body            (version is 1 for every kind)
//   str         := len:varint64 bytes
//   time        := zigzag varint64 (seconds since the epoch)
//   f64         := 8 bytes, IEEE 754, little-endian
//   opt<T>      := 0:u8 | 1:u8 T
//   meta        := version:varint64 created:time updated:time
//   Platform    := id:str name:str kind:u8 level:u8 region:str lat:f64 lon:f64
//                  n:varint64 (name:str opt<time>)^n open:u8 opt<f64 f64 f64 f64> meta
//   Capability  := id:str platform_id:str category:str title:str description:str
//                  n:varint64 str^n stages:u8 unit:u8 price:f64
//                  n:varint64 (start:time end:time units:varint64)^n meta
//   Request     := id:str requester_id:str requester_type:u8 category:str text:str
//                  n:varint64 str^n stage:u8 quantity:varint64 unit:u8 opt<f64>
//                  earliest_start:time deadline:time opt<f64 f64> opt<f64> opt<str>
//                  n:varint64 str^n opt<weights> status:u8 meta
//   weights     := mask:u8 (f64 for each set bit: category, text, price, time,
//                  distance, quality, utilization)
//   Reservation := id:str request_id:str capability_id:str quantity:varint64 status:u8
//                  n:varint64 (start:time end:time units:varint64)^n expires_at:time meta
//   Event       := at:time type:str body:str
//   WatchedPairs := request_id:str n:varint64 (capability_id:str score:f64)^n
// Enums are stored as their numeric values (engine/types.h: never renumbered).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "biomatch/engine/status.h"
#include "biomatch/engine/types.h"
#include "biomatch/storage/store.h"

namespace biomatch::storage {

// 1: the first format. 2: adds the match_watch family (a format 1 directory
// is upgraded on open: the family is created empty).
inline constexpr std::uint32_t kFormatVersion = 2;
inline constexpr std::uint8_t kValueVersion = 1;

inline constexpr const char* kMetaFamily = "meta";
inline constexpr const char* kPlatformsFamily = "platforms";
inline constexpr const char* kCapabilitiesFamily = "capabilities";
inline constexpr const char* kRequestsFamily = "requests";
inline constexpr const char* kReservationsFamily = "reservations";
inline constexpr const char* kEventsFamily = "events";
inline constexpr const char* kMatchWatchFamily = "match_watch";
// Server-owned families, indexed by storage::Family.
inline constexpr const char* kRecordFamilies[] = {"subscriptions", "api_keys", "idempotency"};

inline constexpr std::string_view kFormatVersionKey = "format_version";
inline constexpr std::string_view kNextSeqKey = "next_seq";

std::string EventKey(std::uint64_t seq);
std::uint64_t DecodeEventKey(std::string_view key);  // REQUIRES: key.size() == 8
std::string EncodeFixed64(std::uint64_t v);
bool DecodeFixed64(std::string_view in, std::uint64_t* v);
std::string EncodeFixed32(std::uint32_t v);
bool DecodeFixed32(std::string_view in, std::uint32_t* v);

std::string EncodePlatform(const engine::Platform& p);
std::string EncodeCapability(const engine::Capability& c);  // slots' reserved units are not stored
std::string EncodeRequest(const engine::Request& r);
std::string EncodeReservation(const engine::Reservation& r);
std::string EncodeEvent(const Event& e);  // seq lives in the key
std::string EncodeWatchedPairs(const engine::WatchedPairs& w);

// Each returns kCorruption naming what could not be decoded.
engine::Status DecodePlatform(std::string_view in, engine::Platform* p);
engine::Status DecodeCapability(std::string_view in, engine::Capability* c);
engine::Status DecodeRequest(std::string_view in, engine::Request* r);
engine::Status DecodeReservation(std::string_view in, engine::Reservation* r);
engine::Status DecodeEvent(std::string_view key, std::string_view in, Event* e);
engine::Status DecodeWatchedPairs(std::string_view in, engine::WatchedPairs* w);

}  // namespace biomatch::storage
