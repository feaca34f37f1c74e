// At least 60 malformed inputs: each gets the right 4xx and an error object
// naming what is wrong, the server stays up, and nothing is written.
#include "fixture.h"

namespace biomatch::testing {
namespace {

using V = http::verb;

struct Bad {
  V method;
  std::string target;
  std::string body;
  std::string content_type;
  unsigned status;
  std::string code;   // expected error code
  std::string field;  // expected field, when one is named
};

std::string Replace(std::string doc, const std::string& from, const std::string& to) {
  const std::size_t at = doc.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) doc.replace(at, from.size(), to);
  return doc;
}

std::vector<Bad> Cases() {
  const std::string json = "application/json";
  const std::string p = PlatformJson();
  const std::string c = CapabilityJson();
  const std::string r = RequestJson();
  std::vector<Bad> v = {
      // Broken and truncated JSON.
      {V::put, "/v1/platforms/x", "", json, 400, "malformed_json", ""},
      {V::put, "/v1/platforms/x", "{", json, 400, "malformed_json", ""},
      {V::put, "/v1/platforms/x", p.substr(0, p.size() / 2), json, 400, "malformed_json", ""},
      {V::put, "/v1/platforms/x", p + "}", json, 400, "malformed_json", ""},
      {V::put, "/v1/platforms/x", p + " trailing", json, 400, "malformed_json", ""},
      {V::put, "/v1/platforms/x", "[1,2,3]", json, 400, "invalid_argument", ""},
      {V::put, "/v1/platforms/x", "null", json, 400, "invalid_argument", ""},
      {V::put, "/v1/platforms/x", "{'name':'single quotes'}", json, 400, "malformed_json", ""},
      {V::put, "/v1/platforms/x", Replace(p, "\"open\":true", "\"open\":tru"), json, 400, "malformed_json", ""},
      {V::put, "/v1/platforms/x", Replace(p, ",\"open\"", ",,\"open\""), json, 400, "malformed_json", ""},
      {V::post, "/v1/match", r.substr(0, r.size() - 1), json, 400, "malformed_json", ""},
      {V::post, "/v1/match", "{\"a\":\"\x01\"}", json, 400, "malformed_json", ""},
      // Invalid UTF-8.
      {V::put, "/v1/platforms/x", Replace(p, "华西", "\xff\xfe"), json, 400, "malformed_json", ""},
      {V::put, "/v1/platforms/x", Replace(p, "华西", "\xe5\x8d"), json, 400, "malformed_json", ""},
      {V::put, "/v1/platforms/x", Replace(p, "华西", "\xc0\xaf"), json, 400, "malformed_json", ""},
      {V::put, "/v1/platforms/x", Replace(p, "华西", "\xed\xa0\x80"), json, 400, "malformed_json", ""},
      // Wrong types.
      {V::put, "/v1/platforms/x", Replace(p, "\"open\":true", "\"open\":\"yes\""), json, 400, "invalid_argument", "open"},
      {V::put, "/v1/platforms/x", Replace(p, "\"lat\":30.57", "\"lat\":\"30.57\""), json, 400, "invalid_argument", "location.lat"},
      {V::put, "/v1/platforms/x", Replace(p, "\"name\":\"华西新药安全性评价中心\"", "\"name\":42"), json, 400, "invalid_argument", "name"},
      {V::put, "/v1/platforms/x", Replace(p, "\"level\":\"provincial\"", "\"level\":[]"), json, 400, "invalid_argument", "level"},
      {V::put, "/v1/capabilities/x", Replace(c, "\"stages\":[\"preclinical\"]", "\"stages\":\"preclinical\""), json, 400, "invalid_argument", "stages"},
      {V::put, "/v1/capabilities/x", Replace(c, "\"price_per_unit\":380000", "\"price_per_unit\":null"), json, 400, "invalid_argument", "price_per_unit"},
      {V::put, "/v1/capabilities/x", Replace(c, "\"units\":3", "\"units\":3.5"), json, 400, "invalid_argument", "slots[0].units"},
      {V::put, "/v1/requests/x", Replace(r, "\"quantity\":1", "\"quantity\":1.5"), json, 400, "invalid_argument", "quantity"},
      {V::put, "/v1/requests/x", Replace(r, "\"quantity\":1", "\"quantity\":\"1\""), json, 400, "invalid_argument", "quantity"},
      {V::put, "/v1/requests/x", Replace(r, "\"keywords\":[\"rat\",\"toxicity\"]", "\"keywords\":[1]"), json, 400, "invalid_argument", "keywords[0]"},
      {V::put, "/v1/requests/x", Replace(r, "\"weights\":null", "\"weights\":{\"price\":\"high\"}"), json, 400, "invalid_argument", "weights.price"},
      // Huge and non-finite numbers.
      {V::put, "/v1/capabilities/x", Replace(c, "\"price_per_unit\":380000", "\"price_per_unit\":1e400"), json, 400, "invalid_argument", "price_per_unit"},
      {V::put, "/v1/capabilities/x", Replace(c, "\"price_per_unit\":380000", "\"price_per_unit\":NaN"), json, 400, "malformed_json", ""},
      {V::put, "/v1/capabilities/x", Replace(c, "\"price_per_unit\":380000", "\"price_per_unit\":Infinity"), json, 400, "malformed_json", ""},
      {V::put, "/v1/capabilities/x", Replace(c, "\"price_per_unit\":380000", "\"price_per_unit\":1e16"), json, 400, "invalid_argument", "price_per_unit"},
      {V::put, "/v1/capabilities/x", Replace(c, "\"units\":3", "\"units\":99999999999999999999"), json, 400, "invalid_argument", "slots[0].units"},
      {V::put, "/v1/requests/x", Replace(r, "\"quantity\":1", "\"quantity\":0"), json, 400, "invalid_argument", "quantity"},
      {V::put, "/v1/requests/x", Replace(r, "\"quantity\":1", "\"quantity\":-3"), json, 400, "invalid_argument", "quantity"},
      {V::put, "/v1/requests/x", Replace(r, "\"max_distance_km\":800", "\"max_distance_km\":-1"), json, 400, "invalid_argument", "max_distance_km"},
      {V::put, "/v1/platforms/x", Replace(p, "\"output\":90", "\"output\":101"), json, 400, "invalid_argument", "evaluation.output"},
      {V::put, "/v1/platforms/x", Replace(p, "\"lat\":30.57", "\"lat\":91"), json, 400, "invalid_argument", "location.lat"},
      // Unknown and missing fields, bad values.
      {V::put, "/v1/platforms/x", Replace(p, "\"open\":true", "\"opne\":true"), json, 400, "invalid_argument", "opne"},
      {V::put, "/v1/platforms/x", Replace(p, "\"kind\":\"technology_service\",", ""), json, 400, "invalid_argument", "kind"},
      {V::put, "/v1/platforms/x", Replace(p, "\"kind\":\"technology_service\"", "\"kind\":\"lab\""), json, 400, "invalid_argument", "kind"},
      {V::put, "/v1/platforms/x", Replace(p, "\"region\":\"CN/SC/chengdu/gaoxin\"", "\"region\":\"CN//SC\""), json, 400, "invalid_argument", "region"},
      {V::put, "/v1/platforms/x", Replace(p, "\"valid_until\":\"2035-06-30T00:00:00Z\"", "\"valid_until\":\"2035-06-31\""), json, 400, "invalid_argument", "qualifications[0].valid_until"},
      {V::put, "/v1/capabilities/x", Replace(c, "\"category\":\"preclinical/safety/repeat-dose-toxicity\"", "\"category\":\"Preclinical\""), json, 400, "invalid_argument", "category"},
      {V::put, "/v1/capabilities/x", Replace(c, "\"stages\":[\"preclinical\"]", "\"stages\":[]"), json, 400, "invalid_argument", "stages"},
      {V::put, "/v1/capabilities/x", Replace(c, "\"unit\":\"study\"", "\"unit\":\"minute\""), json, 400, "invalid_argument", "unit"},
      {V::put, "/v1/capabilities/x", Replace(c, "\"end\":\"2031-01-01T00:00:00Z\"", "\"end\":\"2030-11-01T00:00:00Z\""), json, 400, "invalid_argument", "slots[0].end"},
      {V::put, "/v1/capabilities/x", Replace(c, "\"title\":\"大鼠28天重复给药毒性试验 (GLP)\",", ""), json, 400, "invalid_argument", "title"},
      {V::put, "/v1/requests/x", Replace(r, "\"deadline\":\"2031-03-01T00:00:00Z\"", "\"deadline\":\"2030-01-01T00:00:00Z\""), json, 400, "invalid_argument", "window.deadline"},
      {V::put, "/v1/requests/x", Replace(r, "\"location\":{\"lat\":30.6,\"lon\":104.1}", "\"location\":null"), json, 400, "invalid_argument", "max_distance_km"},
      {V::put, "/v1/requests/x", Replace(r, "\"stage\":\"preclinical\"", "\"stage\":\"phase-9\""), json, 400, "invalid_argument", "stage"},
      {V::put, "/v1/requests/x", Replace(r, "\"requester\":{\"id\":\"org-42\",\"type\":\"enterprise\"},", ""), json, 400, "invalid_argument", "requester"},
      {V::put, "/v1/requests/x", Replace(r, "\"weights\":null", "\"weights\":{\"price\":-1}"), json, 400, "invalid_argument", "weights.price"},
      {V::put, "/v1/requests/x", Replace(r, "\"weights\":null", "\"weights\":{\"colour\":1}"), json, 400, "invalid_argument", "weights.colour"},
      {V::put, "/v1/requests/bad%20id", r, json, 400, "invalid_argument", "id"},
      {V::put, "/v1/platforms/-x", p, json, 400, "invalid_argument", "id"},
      {V::put, "/v1/capabilities/x/slots", R"({"slots":[{"start":"2030-12-01T00:00:00Z","end":"2030-12-02T00:00:00Z","units":1},{"start":"2030-12-01T12:00:00Z","end":"2030-12-03T00:00:00Z","units":1}]})", json, 400, "invalid_argument", "slots[1]"},
      {V::post, "/v1/reservations", R"({"request_id":"r","capability_id":"c","hold_seconds":5})", json, 400, "invalid_argument", "hold_seconds"},
      {V::post, "/v1/reservations", R"({"request_id":"r"})", json, 400, "invalid_argument", "capability_id"},
      {V::post, "/v1/keys", R"({"name":"k","role":"emperor"})", json, 400, "invalid_argument", "role"},
      {V::post, "/v1/keys", R"({"name":"has space","role":"portal"})", json, 400, "invalid_argument", "name"},
      // Content types.
      {V::put, "/v1/platforms/x", p, "", 415, "unsupported_media_type", ""},
      {V::put, "/v1/platforms/x", p, "text/plain", 415, "unsupported_media_type", ""},
      {V::post, "/v1/match", r, "application/xml", 415, "unsupported_media_type", ""},
      {V::post, "/v1/bulk", "{}", json, 415, "unsupported_media_type", ""},
      // Routing, query parameters, headers.
      {V::get, "/v1/nothing-here", "", "", 404, "not_found", ""},
      {V::patch, "/v1/platforms/x", p, json, 405, "method_not_allowed", ""},
      {V::get, "/v1/platforms?limit=abc", "", "", 400, "invalid_argument", "limit"},
      {V::get, "/v1/requests?status=sleeping", "", "", 400, "invalid_argument", "status"},
      {V::get, "/v1/platforms/x", "", "", 404, "not_found", ""},
  };
  return v;
}

TEST_F(ServerTest, MalformedInputsGetClearErrorsAndChangeNothing) {
  const auto cases = Cases();
  ASSERT_GE(cases.size(), 60u);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Bad& b = cases[i];
    // A connection each: a body refused from its header (404, 405) closes it.
    Reply r = NewClient().Call(b.method, b.target, b.body, b.content_type);
    EXPECT_EQ(r.status, b.status) << "case " << i << " " << b.target << ": " << r.body;
    EXPECT_NE(r.body.find("\"code\":\"" + b.code + "\""), std::string::npos) << "case " << i << ": " << r.body;
    EXPECT_NE(r.body.find("\"message\":\""), std::string::npos) << "case " << i;
    if (!b.field.empty()) {
      EXPECT_NE(r.body.find("\"field\":\"" + b.field + "\""), std::string::npos) << "case " << i << ": " << r.body;
    }
  }
  Reply overview = NewClient().Get("/v1/stats/overview");
  EXPECT_NE(overview.body.find("\"platforms\":0,\"capabilities\":0,\"requests\":0"), std::string::npos) << overview.body;
  EXPECT_NE(overview.body.find("\"events\":0"), std::string::npos) << "no event for a rejected write";
  EXPECT_EQ(NewClient().Get("/healthz").status, 200u);
}

}  // namespace
}  // namespace biomatch::testing
