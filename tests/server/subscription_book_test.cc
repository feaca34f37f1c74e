// The subscription book: its stored form, listing by owner, matching.
#include "subscription_book.h"

#include <gtest/gtest.h>

#include "biomatch/engine/validate.h"

namespace biomatch::server {
namespace {

Subscription Full() {
  Subscription s;
  s.id = "s-1";
  s.owner = "agency-1";
  s.owner_id = "k_00112233445566778899aabbccddeeff";
  s.types = {"match.found", "request.created"};
  s.category = "preclinical/safety";
  s.region = "CN/SC";
  s.stages = engine::StageBit(engine::Stage::kPreclinical) | engine::StageBit(engine::Stage::kClinical);
  s.keywords = {"毒性", "GLP \"quoted\""};
  s.platform_ids = {"p1"};
  s.requester_ids = {"org-42"};
  s.min_score = 0.625;
  s.meta = {3, 1764547200, 1764550800};
  return s;
}

TEST(SubscriptionBookTest, RecordRoundTrips) {
  const Subscription s = Full();
  Subscription back;
  ASSERT_TRUE(DecodeSubscriptionRecord(s.id, EncodeSubscriptionRecord(s), &back).ok());
  EXPECT_EQ(back, s);
  Subscription empty;
  empty.id = "s-2";
  empty.owner = "admin";
  empty.owner_id = "k_1";
  empty.meta = {1, 5, 5};
  ASSERT_TRUE(DecodeSubscriptionRecord(empty.id, EncodeSubscriptionRecord(empty), &back).ok());
  EXPECT_EQ(back, empty);
  EXPECT_EQ(DecodeSubscriptionRecord("s", "S1\nowner\n1\n", &back).code(), engine::StatusCode::kCorruption);
  EXPECT_EQ(DecodeSubscriptionRecord("s", "S1\no\nx\n1\n1\n{}", &back).code(), engine::StatusCode::kCorruption);
  EXPECT_EQ(DecodeSubscriptionRecord("s", "S2\no\n\n1\n1\n1\n{}", &back).code(), engine::StatusCode::kCorruption)
      << "an S2 record names its owner's identity";
}

// Records written before keys had identities belong to the identity of a
// key record without one: its name.
TEST(SubscriptionBookTest, ReadsRecordsWithoutOwnerIdentity) {
  Subscription back;
  ASSERT_TRUE(DecodeSubscriptionRecord("s-old", "S1\nagency-1\n2\n100\n200\n{\"types\":[\"request.created\"]}", &back).ok());
  EXPECT_EQ(back.owner, "agency-1");
  EXPECT_EQ(back.owner_id, "agency-1");
  EXPECT_EQ(back.meta.version, 2u);
  EXPECT_EQ(back.types, std::vector<std::string>{"request.created"});
}

TEST(SubscriptionBookTest, ValidationNamesTheField) {
  Subscription s = Full();
  EXPECT_TRUE(ValidateSubscription(s).ok());
  auto field_of = [](const std::function<void(Subscription*)>& change) {
    Subscription x = Full();
    change(&x);
    const engine::Status st = ValidateSubscription(x);
    EXPECT_EQ(st.code(), engine::StatusCode::kInvalidArgument);
    return st.field();
  };
  EXPECT_EQ(field_of([](Subscription* x) { x->types = {"match.lost"}; }), "types[0]");
  EXPECT_EQ(field_of([](Subscription* x) { x->types = {"match.found", "match.found"}; }), "types[1]");
  EXPECT_EQ(field_of([](Subscription* x) { x->category = "Pre/Clinical"; }), "category");
  EXPECT_EQ(field_of([](Subscription* x) { x->region = "CN//SC"; }), "region");
  EXPECT_EQ(field_of([](Subscription* x) { x->keywords = {"ok", "..."}; }), "keywords[1]");
  EXPECT_EQ(field_of([](Subscription* x) { x->keywords.assign(65, "k"); }), "keywords");
  EXPECT_EQ(field_of([](Subscription* x) { x->platform_ids = {"bad id"}; }), "platform_ids[0]");
  EXPECT_EQ(field_of([](Subscription* x) { x->requester_ids.assign(257, "r"); }), "requester_ids");
  EXPECT_EQ(field_of([](Subscription* x) { x->min_score = 1.5; }), "min_score");
}

TEST(SubscriptionBookTest, ListsByOwnerInPages) {
  SubscriptionBook book;
  for (int i = 0; i < 5; ++i) {
    Subscription s;
    s.id = "s" + std::to_string(i);
    s.owner = "same-name";
    s.owner_id = i % 2 ? "k_odd" : "k_even";
    book.Put(s);
  }
  bool more = false;
  auto page = book.List("k_even", "", 2, &more);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0]->id, "s0");
  EXPECT_EQ(page[1]->id, "s2");
  EXPECT_TRUE(more);
  page = book.List("k_even", "s2", 2, &more);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0]->id, "s4");
  EXPECT_FALSE(more);
  EXPECT_EQ(book.List("", "", 100, &more).size(), 5u);
  EXPECT_EQ(book.OwnedBy("k_odd"), (std::vector<std::string>{"s1", "s3"}));
  book.Remove("s4");
  EXPECT_EQ(book.Get("s4"), nullptr);
  EXPECT_EQ(book.size(), 4u);
}

TEST(SubscriptionBookTest, MatchesAllOrAmongSome) {
  SubscriptionBook book;
  Subscription a;
  a.id = "a";
  a.owner_id = "k_a";
  a.region = "CN/SC";
  book.Put(a);
  Subscription b;
  b.id = "b";
  b.owner_id = "k_b";
  b.types = {"request.created"};
  book.Put(b);
  EventFacets f;
  f.region = "CN/SC/chengdu";
  std::vector<std::string> ids;
  book.Match("request.created", f, [&](const Subscription& s) { ids.push_back(s.id); });
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
  ids.clear();
  book.MatchAmong({{"b", "k_b"}, {"missing", "k_b"}}, "request.created", f, &ids);
  EXPECT_EQ(ids, std::vector<std::string>{"b"});
  ids.clear();
  book.MatchAmong({{"a", "k_a"}, {"b", "k_b"}}, "capability.created", f, &ids);
  EXPECT_EQ(ids, std::vector<std::string>{"a"});
  ids.clear();
  book.MatchAmong({{"a", "k_other"}, {"b", "k_other"}}, "request.created", f, &ids);
  EXPECT_TRUE(ids.empty()) << "an id that is now another key's passes nothing";
}

}  // namespace
}  // namespace biomatch::server
