// The supervisor dashboard's files (server/ui/), embedded in the binary at
// build time by server/cmake/embed_ui.cmake, looked up by their name under
// /ui/ (one path segment: a vendored file is served by its file name).
//
// Thread safety: immutable static data; every function may be called
// concurrently.
#pragma once

#include <cstddef>
#include <string_view>

namespace biomatch::server {

// One embedded file. Every view points into static storage (valid for the
// life of the process).
struct UiAsset {
  std::string_view path;          // under /ui/, e.g. "uPlot.min.css" (from server/ui/vendor/uplot/)
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view etag;          // a strong ETag, quotes included: changes with the content
  std::string_view body;
};

// The asset served at /ui/<path>; the empty path is "index.html". nullptr when
// there is none (a path with "..", a query or anything not embedded).
const UiAsset* FindUiAsset(std::string_view path);

}  // namespace biomatch::server
