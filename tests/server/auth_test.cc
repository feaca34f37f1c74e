// API keys: the stored form, identities, the key ring, the bearer scheme.
#include "auth.h"

#include <gtest/gtest.h>

#include "fixture.h"

namespace biomatch::server {
namespace {

TEST(AuthTest, KeyRecordRoundTripsWithItsIdentity) {
  const ApiKey key{"agency-1", Role::kAgency, HashToken("t"), NewKeyId()};
  ASSERT_EQ(key.id.size(), 34u);
  EXPECT_EQ(key.id.rfind("k_", 0), 0u);
  EXPECT_NE(NewKeyId(), NewKeyId());
  ApiKey back;
  ASSERT_TRUE(DecodeKey("agency-1", EncodeKey(key), &back).ok());
  EXPECT_EQ(back.name, key.name);
  EXPECT_EQ(back.role, key.role);
  EXPECT_EQ(back.token_hash, key.token_hash);
  EXPECT_EQ(back.id, key.id);
}

// A record written before keys had identities is its name's identity, which
// no new key can have.
TEST(AuthTest, KeyRecordWithoutIdentityIsItsName) {
  ApiKey back;
  ASSERT_TRUE(DecodeKey("agency-1", "agency:" + HashToken("t"), &back).ok());
  EXPECT_EQ(back.id, "agency-1");
  EXPECT_EQ(back.token_hash, HashToken("t"));
  EXPECT_EQ(DecodeKey("x", "agency", &back).code(), engine::StatusCode::kCorruption);
  EXPECT_EQ(DecodeKey("x", "boss:abc:k_1", &back).code(), engine::StatusCode::kCorruption);
  EXPECT_EQ(DecodeKey("x", "agency:abc:", &back).code(), engine::StatusCode::kCorruption);
}

TEST(AuthTest, ExistsJudgesTheIdentityNotTheName) {
  KeyRing ring;
  const ApiKey old_key{"agency-1", Role::kAgency, HashToken("old"), NewKeyId()};
  ring.Put(old_key);
  EXPECT_TRUE(ring.Exists(old_key));
  ASSERT_TRUE(ring.Remove("agency-1"));
  EXPECT_FALSE(ring.Exists(old_key));
  const ApiKey new_key{"agency-1", Role::kAgency, HashToken("new"), NewKeyId()};
  ring.Put(new_key);
  EXPECT_FALSE(ring.Exists(old_key)) << "a key re-created with the name is another key";
  EXPECT_TRUE(ring.Exists(new_key));
  EXPECT_FALSE(ring.Authenticate("old").has_value());
  EXPECT_EQ(ring.Authenticate("new")->id, new_key.id);
}

}  // namespace
}  // namespace biomatch::server

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
