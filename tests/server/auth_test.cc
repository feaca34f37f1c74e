// API keys and the bearer scheme.
#include "auth.h"

#include "fixture.h"

namespace biomatch::testing {
namespace {

TEST(AuthTest, BearerSchemeIsCaseInsensitive) {
  EXPECT_EQ(server::BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(server::BearerToken("bearer abc"), "abc");
  EXPECT_EQ(server::BearerToken("BEARER abc"), "abc");
  EXPECT_EQ(server::BearerToken("bEaReR  abc"), "abc");
  EXPECT_EQ(server::BearerToken("Basic abc"), "");
  EXPECT_EQ(server::BearerToken("Bearerabc"), "");
  EXPECT_EQ(server::BearerToken("Bearer "), "");
  EXPECT_EQ(server::BearerToken("Bearer"), "");
  EXPECT_EQ(server::BearerToken("Beare\xf2 abc"), "");
}

// RFC 9110 11.1: the scheme is case-insensitive.
TEST_F(ServerTest, BearerInAnyCaseIsAccepted) {
  Client c = NewClient("");
  for (const std::string scheme : {"Bearer", "bearer", "BEARER"}) {
    Reply r = c.Call(http::verb::get, "/v1/platforms", "", "", {{"Authorization", scheme + " " + kAdminToken}});
    EXPECT_EQ(r.status, 200u) << scheme << ": " << r.body;
  }
  EXPECT_EQ(c.Call(http::verb::get, "/v1/platforms", "", "", {{"Authorization", std::string("Basic ") + kAdminToken}}).status,
            401u);
}

}  // namespace
}  // namespace biomatch::testing
