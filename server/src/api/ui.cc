// The supervisor dashboard: GET /ui/ and GET /ui/{file}.
#include "api/ui.h"

#include <string>

#include "api/api.h"
#include "responses.h"
#include "ui_assets.h"

namespace biomatch::server {
namespace {

// The page loads only its own files and talks only to its own origin
// (fetch and the WebSocket stream); uPlot sets styles from script.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

// RFC 9110 13.1.2: If-None-Match is "*" or a list of entity tags, each
// compared weakly (a W/ prefix does not matter).
bool NoneMatchNames(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    std::string_view tag = header.substr(0, comma);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
  }
  return false;
}

}  // namespace

HttpResponse ServeUi(const HttpRequest& request, std::string_view file) {
  const std::string_view target = request.target();
  const std::string_view path = target.substr(0, target.find('?'));
  if (file.empty() && !path.ends_with('/')) {
    HttpResponse res = MakeText(308, "", "text/plain; charset=utf-8");
    res.set(http::field::location, "/ui/");
    return res;
  }
  const UiAsset* asset = FindUiAsset(file);
  if (asset == nullptr) return MakeError(ErrorCode::kNotFound, "no such dashboard file");
  const bool fresh = NoneMatchNames(request[http::field::if_none_match], asset->etag);
  HttpResponse res = MakeText(fresh ? 304 : 200, fresh ? std::string() : std::string(asset->body), asset->content_type);
  res.set(http::field::etag, asset->etag);
  res.set(http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  if (asset->path == "index.html") res.set("Content-Security-Policy", kContentSecurityPolicy);
  return res;
}

void UiFile(Api& api, Call& c) { api.Reply(c, ServeUi(c.request, c.params.empty() ? "" : c.param())); }

}  // namespace biomatch::server
