// POST /v1/match (a request document), GET /v1/requests/{id}/matches (a
// stored request) and GET /v1/capabilities/{id}/matches (reverse: the open
// requests a capability can serve).
#include "api/handlers.h"
#include "api/params.h"

namespace biomatch::server {
namespace {

void ReplyMatches(Api& api, Call& c, const engine::MatchResult& r, bool explain, bool reverse) {
  std::string body;
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(Call::Clock::now() - c.start);
  AppendMatchAnswerJson(r, explain, reverse, took.count(), &body);
  api.Reply(c, MakeJson(200, std::move(body)));
}

}  // namespace

void Match(Api& api, Call& c) {
  if (!api.ReadJsonBody(c)) return;
  engine::Request r;
  BIOMATCH_CHECK(api, c, api.Reader().ReadRequest(c.body, &r));
  BIOMATCH_TRY(api, c, o, MatchOptionsOf(c));
  BIOMATCH_TRY(api, c, result, api.engine().Match(r, *o));
  ReplyMatches(api, c, *result, o->explain, false);
}

void RequestMatches(Api& api, Call& c) {
  BIOMATCH_TRY(api, c, o, MatchOptionsOf(c));
  BIOMATCH_TRY(api, c, r, api.engine().MatchStored(c.param(), *o));
  ReplyMatches(api, c, *r, o->explain, false);
}

void CapabilityMatches(Api& api, Call& c) {
  BIOMATCH_TRY(api, c, o, MatchOptionsOf(c));
  BIOMATCH_TRY(api, c, r, api.engine().ReverseMatch(c.param(), *o));
  ReplyMatches(api, c, *r, o->explain, true);
}

}  // namespace biomatch::server
