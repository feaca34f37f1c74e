#include "api/params.h"

#include <charconv>

namespace biomatch::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

engine::Result<engine::IfMatch> ParseIfMatch(const HttpRequest& request) {
  const auto h = request[http::field::if_match];
  if (h.empty()) return engine::IfMatch{};
  std::string_view v = h;
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::uint64_t version = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (ec != std::errc() || end != v.data() + v.size()) {
    return engine::Status::InvalidArgument("If-Match", "must be an entity tag like \"3\"");
  }
  return engine::IfMatch{version};
}

engine::Result<std::size_t> ParseLimit(const std::string& text, std::size_t fallback, std::size_t max) {
  if (text.empty()) return fallback;
  std::size_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 1 || v > max) {
    return engine::Status::InvalidArgument("limit", "must be an integer from 1 to " + std::to_string(max));
  }
  return v;
}

engine::Result<engine::ListQuery> ListQueryOf(const Call& c) {
  engine::ListQuery q;
  auto limit = ParseLimit(c.Query("limit"), kDefaultListLimit, kMaxLimit);
  if (!limit.ok()) return limit.status();
  q.limit = *limit;
  if (const std::string cursor = c.Query("cursor"); !cursor.empty()) {
    auto after = DecodeCursor(cursor);
    if (!after) return engine::Status::InvalidArgument("cursor", "is not a cursor this server issued");
    q.after = *after;
  }
  q.platform_id = c.Query("platform_id");
  q.category_prefix = c.Query("category");
  q.region_prefix = c.Query("region");
  q.request_id = c.Query("request_id");
  q.capability_id = c.Query("capability_id");
  if (const std::string status = c.Query("status"); !status.empty()) {
    q.request_status = engine::ParseRequestStatus(status);
    q.reservation_status = engine::ParseReservationStatus(status);
    if (!q.request_status && !q.reservation_status) {
      return engine::Status::InvalidArgument("status", "is not a known status");
    }
  }
  return q;
}

engine::Result<engine::MatchOptions> MatchOptionsOf(const Call& c) {
  engine::MatchOptions o;
  o.now = engine::NowSeconds();
  auto limit = ParseLimit(c.Query("limit"), kDefaultMatchLimit, kMaxLimit);
  if (!limit.ok()) return limit.status();
  o.limit = *limit;
  const std::string explain = c.Query("explain");
  if (!explain.empty() && explain != "true" && explain != "false") {
    return engine::Status::InvalidArgument("explain", "must be true or false");
  }
  o.explain = explain == "true";
  return o;
}

std::string EncodeCursor(std::string_view id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(id.size() * 2);
  for (const char c : id) {
    out.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kDigits[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

std::optional<std::string> DecodeCursor(std::string_view cursor) {
  if (cursor.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < cursor.size(); i += 2) {
    const int hi = HexValue(cursor[i]), lo = HexValue(cursor[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

void SetEtag(HttpResponse& res, std::uint64_t version) {
  res.set(http::field::etag, "\"" + std::to_string(version) + "\"");
}

}  // namespace biomatch::server
