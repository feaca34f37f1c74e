#include "ui_assets.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

namespace biomatch::server {
namespace {

// A source file of the dashboard (BIOMATCH_UI_DIR is server/ui/).
std::string SourceOf(const std::string& path) {
  std::ifstream in(std::filesystem::path(BIOMATCH_UI_DIR) / path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(UiAssetsTest, EmptyPathIsTheIndexPage) {
  const UiAsset* index = FindUiAsset("");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index, FindUiAsset("index.html"));
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index->body, SourceOf("index.html"));
  EXPECT_NE(index->body.find("<html"), std::string_view::npos);
}

TEST(UiAssetsTest, EmbedsEachFileByteForByteWithItsType) {
  struct Expected {
    const char* path;    // served under /ui/
    const char* source;  // in server/ui/
    const char* type;
  };
  for (const Expected& e :
       {Expected{"app.js", "app.js", "text/javascript; charset=utf-8"},
        Expected{"app.css", "app.css", "text/css; charset=utf-8"},
        Expected{"uPlot.iife.min.js", "vendor/uplot/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
        Expected{"uPlot.min.css", "vendor/uplot/uPlot.min.css", "text/css; charset=utf-8"},
        Expected{"uplot-LICENSE", "vendor/uplot/LICENSE", "text/plain; charset=utf-8"}}) {
    const UiAsset* asset = FindUiAsset(e.path);
    ASSERT_NE(asset, nullptr) << e.path;
    EXPECT_EQ(asset->path, e.path);
    EXPECT_EQ(asset->content_type, e.type) << e.path;
    EXPECT_EQ(asset->body, SourceOf(e.source)) << e.path;
    EXPECT_FALSE(asset->body.empty()) << e.path;
  }
}

TEST(UiAssetsTest, EtagsAreQuotedAndDifferByContent) {
  const UiAsset* js = FindUiAsset("app.js");
  const UiAsset* css = FindUiAsset("app.css");
  ASSERT_NE(js, nullptr);
  ASSERT_NE(css, nullptr);
  EXPECT_EQ(js->etag.size(), 22u);
  EXPECT_EQ(js->etag.front(), '"');
  EXPECT_EQ(js->etag.back(), '"');
  EXPECT_NE(js->etag, css->etag);
}

TEST(UiAssetsTest, UnknownAndEscapingPathsAreAbsent) {
  for (const char* path : {"missing.js", "../app.js", "vendor/../app.js", "/app.js", "app.js?x=1", "APP.JS",
                           "vendor/uplot/uPlot.min.css", "vendor/uplot/LICENSE", "LICENSE"}) {
    EXPECT_EQ(FindUiAsset(path), nullptr) << path;
  }
}

}  // namespace
}  // namespace biomatch::server
