// The WebSocket close codes a stream sends: RFC 6455's (7.4.1) and our own
// (4000-4999, listed in README's "Close codes of our own"). One table holds
// each code's number, its name and the reason text its close frame carries;
// the frame reader's 1002, 1007 and 1009 say what was wrong instead, and 4008
// appends where to resume. A client's own valid close code is echoed as it
// came and is not in this table.
//
// Wire values: never renumber. Constant data, safe from any thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace biomatch::server {

enum class CloseCode : std::uint16_t {
  kGoingAway = 1001,
  kProtocolError = 1002,
  kInvalidPayload = 1007,
  kMessageTooBig = 1009,
  kKeyDeleted = 4001,
  kSubscriptionsDeleted = 4004,
  kLagging = 4008,
};

struct CloseCodeInfo {
  CloseCode code;
  std::string_view name;    // RFC 6455's name for it, or ours
  std::string_view reason;  // the close frame's reason text
};

// Every CloseCode, by number.
inline constexpr CloseCodeInfo kCloseCodes[] = {
    {CloseCode::kGoingAway, "going away", "server shutting down"},
    {CloseCode::kProtocolError, "protocol error", "protocol error"},
    {CloseCode::kInvalidPayload, "invalid frame payload data", "not UTF-8"},
    {CloseCode::kMessageTooBig, "message too big", "message too big"},
    {CloseCode::kKeyDeleted, "key deleted", "key deleted"},
    {CloseCode::kSubscriptionsDeleted, "subscriptions deleted", "subscriptions deleted"},
    {CloseCode::kLagging, "lagging", "lagging"},
};

static_assert(std::ranges::is_sorted(kCloseCodes, {}, &CloseCodeInfo::code), "kCloseCodes is in number order");
static_assert(std::ranges::adjacent_find(kCloseCodes, {}, &CloseCodeInfo::code) == std::ranges::end(kCloseCodes),
              "each code once");

constexpr std::uint16_t CloseNumber(CloseCode code) { return static_cast<std::uint16_t>(code); }

// The table's entry of `code`. REQUIRES: code is an enumerator of CloseCode.
constexpr const CloseCodeInfo& CloseInfo(CloseCode code) {
  return *std::ranges::find(kCloseCodes, code, &CloseCodeInfo::code);
}

constexpr std::string_view CloseReason(CloseCode code) { return CloseInfo(code).reason; }

}  // namespace biomatch::server
