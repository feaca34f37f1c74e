#include "api/ui.h"

#include <string>

#include <gtest/gtest.h>

#include "server/fixture.h"
#include "ui_assets.h"

namespace biomatch::server {
namespace {

HttpRequest Get(std::string target, std::string if_none_match = "") {
  HttpRequest req{http::verb::get, target, 11};
  if (!if_none_match.empty()) req.set(http::field::if_none_match, if_none_match);
  return req;
}

TEST(ServeUiTest, ServesTheIndexWithTypeEtagAndPolicy) {
  const HttpResponse res = ServeUi(Get("/ui/"), "");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(res[http::field::etag], FindUiAsset("index.html")->etag);
  EXPECT_EQ(res[http::field::cache_control], "no-cache");
  EXPECT_NE(res["Content-Security-Policy"].find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(res.body(), FindUiAsset("index.html")->body);
}

TEST(ServeUiTest, ServesVendoredFilesByName) {
  const HttpResponse res = ServeUi(Get("/ui/uPlot.iife.min.js"), "uPlot.iife.min.js");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_GT(res.body().size(), 40000u);
}

TEST(ServeUiTest, AnswersNotModifiedToItsEtag) {
  const std::string etag(FindUiAsset("app.js")->etag);
  for (const std::string& header : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    const HttpResponse res = ServeUi(Get("/ui/app.js", header), "app.js");
    EXPECT_EQ(res.result_int(), 304u) << header;
    EXPECT_TRUE(res.body().empty());
    EXPECT_EQ(res[http::field::etag], etag);
  }
  EXPECT_EQ(ServeUi(Get("/ui/app.js", "\"other\""), "app.js").result_int(), 200u);
}

TEST(ServeUiTest, RedirectsTheBarePathAndRefusesUnknownFiles) {
  const HttpResponse bare = ServeUi(Get("/ui?x=1"), "");
  EXPECT_EQ(bare.result_int(), 308u);
  EXPECT_EQ(bare[http::field::location], "/ui/");
  for (const char* file : {"missing.js", "..", "../app.js", "LICENSE"}) {
    const HttpResponse res = ServeUi(Get(std::string("/ui/") + file), file);
    EXPECT_EQ(res.result_int(), 404u) << file;
    EXPECT_NE(res.body().find("\"not_found\""), std::string::npos) << res.body();
  }
}

}  // namespace
}  // namespace biomatch::server

namespace biomatch::testing {
namespace {

TEST_F(ServerTest, DashboardIsServedWithoutAToken) {
  Client anon = NewClient("");
  const Reply page = anon.Get("/ui/");
  ASSERT_EQ(page.status, 200u) << page.body;
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("app.js"), std::string::npos);
  const Reply bare = anon.Get("/ui");
  EXPECT_EQ(bare.status, 308u);
  EXPECT_EQ(bare.header("Location"), "/ui/");
  const Reply js = anon.Get("/ui/uPlot.iife.min.js");
  ASSERT_EQ(js.status, 200u);
  EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
  const Reply again =
      anon.Call(http::verb::get, "/ui/uPlot.iife.min.js", "", "", {{"If-None-Match", js.header("ETag")}});
  EXPECT_EQ(again.status, 304u);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(anon.Get("/ui/nothing.js").status, 404u);
  EXPECT_EQ(anon.Get("/ui/%2e%2e").status, 404u);
  EXPECT_EQ(anon.Get("/v1/stats/overview").status, 401u) << "the API still needs a token";
}

}  // namespace
}  // namespace biomatch::testing
