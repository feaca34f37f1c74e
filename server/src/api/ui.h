// GET /ui/ and GET /ui/{file}: the supervisor dashboard's files, embedded in
// the binary (ui_assets.h). No token is needed: the page asks for one and
// sends it to the API itself.
//
// Thread safety: a pure function of its arguments and static data.
#pragma once

#include <string_view>

#include "net.h"

namespace biomatch::server {

// The answer to `request` for the dashboard file `file` (the decoded segment
// after /ui/, empty for /ui/ itself):
//   - /ui without its slash: 308 to /ui/ (the page's links are relative);
//   - a file not embedded: 404 not_found;
//   - If-None-Match naming the file's ETag (or *): 304;
//   - else 200 with the file, its Content-Type and ETag, and Cache-Control
//     no-cache (browsers revalidate: a new build changes the ETags).
HttpResponse ServeUi(const HttpRequest& request, std::string_view file);

}  // namespace biomatch::server
