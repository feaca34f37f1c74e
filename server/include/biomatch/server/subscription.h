// Subscriptions: an agency's standing filter over the event stream, and the
// facets of an event that filters are judged on.
//
// A subscription passes an event when every field it sets passes (an omitted
// field does not filter; server/src/percolator.h implements this):
//   types          the event's type is one of them
//   category       a whole-segment prefix of the event's category
//   region         a whole-segment prefix of the event's region
//   stages         the event serves one of them
//   keywords       one of them appears in the event's text: every token of
//                  the keyword (engine/tokenize.h) is among the text's tokens
//   platform_ids   the event's platform is one of them
//   requester_ids  the event's requester is one of them
//   min_score      match.found only: the pair's score is at least this
// An event without the facet a field asks about (a platform event has no
// category) does not pass that field.
//
// Plain value types; no synchronisation.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/status.h"
#include "biomatch/engine/types.h"

namespace biomatch::server {

struct Subscription {
  std::string id;
  std::string owner;                     // the name of the API key that put it (server-owned)
  std::string owner_id;                  // that key's identity (ApiKey::id): what ownership is judged on
  std::vector<std::string> types;        // empty: every type
  std::optional<std::string> category;
  std::optional<std::string> region;
  engine::StageSet stages = 0;           // 0: any
  std::vector<std::string> keywords;
  std::vector<std::string> platform_ids;
  std::vector<std::string> requester_ids;
  std::optional<double> min_score;
  engine::EntityMeta meta;
  bool operator==(const Subscription&) const = default;
};

// What filters see of an event (events.h derives them).
struct EventFacets {
  std::string category;  // empty: none
  std::string region;    // empty: none
  engine::StageSet stages = 0;
  std::string platform_id;
  std::string requester_id;
  std::optional<double> score;      // match.found
  std::vector<std::string> tokens;  // of the event's title, text and keywords: sorted, distinct
  bool operator==(const EventFacets&) const = default;
};

// Every event type of the stream (API.md, and beyond it platform.deleted,
// request.deleted, reservation.completed, and request.unmet and
// request.matched of the statistics: json_stats.h).
inline constexpr std::string_view kEventTypes[] = {
    "platform.updated",      "platform.deleted",      "capability.created",    "capability.updated",
    "capability.deleted",    "request.created",       "request.updated",       "request.closed",
    "request.deleted",       "reservation.created",   "reservation.confirmed", "reservation.cancelled",
    "reservation.completed", "reservation.expired",   "match.found",           "request.unmet",
    "request.matched"};
inline constexpr std::size_t kEventTypeCount = std::size(kEventTypes);
// The index of `type` in kEventTypes, or kEventTypeCount when unknown.
std::size_t EventTypeIndex(std::string_view type);

// Limits of a subscription document.
inline constexpr std::size_t kMaxSubscriptionKeywords = 64;
inline constexpr std::size_t kMaxSubscriptionIds = 256;  // platform_ids, requester_ids
inline constexpr std::size_t kMaxKeywordBytes = 256;

// Checks a client document (kInvalidArgument naming the field).
engine::Status ValidateSubscription(const Subscription& s);

}  // namespace biomatch::server
