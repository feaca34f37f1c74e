// PUT, GET, DELETE /v1/subscriptions/{id}, GET /v1/subscriptions, and the
// live stream GET /v1/stream (a WebSocket upgrade; 426 without one).
//
// Who may see a subscription: its owner, admins and supervisors. Anyone else
// learns nothing of it, not even that it exists. Only its owner or an admin
// may stream it.
#include <algorithm>
#include <charconv>

#include "api/handlers.h"
#include "api/params.h"
#include "biomatch/engine/validate.h"
#include "ws_session.h"

namespace biomatch::server {
namespace {

// The most subscriptions one stream may follow.
constexpr std::size_t kMaxStreamSubscriptions = 64;

bool MaySee(const ApiKey& caller, const Subscription& s) {
  return caller.role != Role::kAgency || s.owner_id == caller.id;
}

engine::Status NoSuchSubscription(std::string_view id) {
  return engine::Status::NotFound("subscription " + std::string(id) + " does not exist");
}

engine::Status VersionMismatch(std::uint64_t wanted, std::uint64_t current) {
  return engine::Status::PreconditionFailed("If-Match version " + std::to_string(wanted) +
                                            " does not match current version " + std::to_string(current));
}

void ReplySubscription(Api& api, Call& c, const Subscription& sub, unsigned status, std::uint64_t ticket) {
  std::string body;
  AppendSubscriptionJson(sub, DocForm::kStored, &body);
  HttpResponse res = MakeJson(status, std::move(body));
  SetEtag(res, sub.meta.version);
  if (ticket != 0) return api.ReplyWhenDurable(c, ticket, std::move(res));
  api.Reply(c, std::move(res));
}

}  // namespace

void PutSubscription(Api& api, Call& c) {
  if (!api.ReadJsonBody(c)) return;
  Subscription sub;
  BIOMATCH_CHECK(api, c, api.Reader().ReadSubscription(c.body, &sub));
  BIOMATCH_CHECK(api, c, engine::ValidateId(c.param()));
  BIOMATCH_CHECK(api, c, ValidateSubscription(sub));
  BIOMATCH_TRY(api, c, if_match, ParseIfMatch(c.request));
  if (!api.Admit(c)) return;
  // Read, check and write under one lock, so the book and the store see
  // subscription changes in the same order.
  std::lock_guard lock(api.subscriptions_mu());
  // A key deleted since it was authenticated owns nothing any more.
  if (!api.keys().Exists(*c.caller)) return api.Reply(c, MakeError(ErrorCode::kUnauthenticated, "the key was deleted"));
  const std::shared_ptr<const Subscription> previous = api.book().Get(c.param());
  if (previous && previous->owner_id != c.caller->id && c.caller->role != Role::kAdmin) {
    return api.Reply(c, MakeError(ErrorCode::kPermissionDenied, "subscription " + c.param() + " belongs to another key"));
  }
  if (*if_match && !previous) {
    return api.Reply(c, MakeError(engine::Status::PreconditionFailed("If-Match given but the subscription does not exist")));
  }
  if (*if_match && previous->meta.version != **if_match) {
    return api.Reply(c, MakeError(VersionMismatch(**if_match, previous->meta.version)));
  }
  const engine::Seconds now = engine::NowSeconds();
  sub.id = c.param();
  sub.owner = previous ? previous->owner : c.caller->name;
  sub.owner_id = previous ? previous->owner_id : c.caller->id;
  sub.meta = {previous ? previous->meta.version + 1 : 1, previous ? previous->meta.created_at : now, now};
  const std::uint64_t ticket =
      api.store().Submit({}, {{storage::Family::kSubscriptions, sub.id, EncodeSubscriptionRecord(sub)}}, {}, now);
  const unsigned status = previous ? 200 : 201;
  const Subscription stored = sub;
  api.book().Put(std::move(sub));
  api.UpdateMatchWatch();
  ReplySubscription(api, c, stored, status, ticket);
}

void GetSubscription(Api& api, Call& c) {
  const std::shared_ptr<const Subscription> sub = api.book().Get(c.param());
  if (!sub || !MaySee(*c.caller, *sub)) return api.Reply(c, MakeError(NoSuchSubscription(c.param())));
  ReplySubscription(api, c, *sub, 200, 0);
}

void DeleteSubscription(Api& api, Call& c) {
  BIOMATCH_TRY(api, c, if_match, ParseIfMatch(c.request));
  if (!api.Admit(c)) return;
  std::lock_guard lock(api.subscriptions_mu());
  const std::shared_ptr<const Subscription> sub = api.book().Get(c.param());
  if (!sub || !MaySee(*c.caller, *sub)) return api.Reply(c, MakeError(NoSuchSubscription(c.param())));
  if (*if_match && sub->meta.version != **if_match) {
    return api.Reply(c, MakeError(VersionMismatch(**if_match, sub->meta.version)));
  }
  const std::uint64_t ticket =
      api.store().Submit({}, {{storage::Family::kSubscriptions, sub->id, std::nullopt}}, {}, engine::NowSeconds());
  api.book().Remove(sub->id);
  api.hub().RemoveSubscription(sub->id);
  api.UpdateMatchWatch();
  api.ReplyWhenDurable(c, ticket, MakeText(204, "", "application/json"));
}

void ListSubscriptions(Api& api, Call& c) {
  BIOMATCH_TRY(api, c, q, ListQueryOf(c));
  bool more = false;
  const auto items =
      api.book().List(c.caller->role == Role::kAgency ? c.caller->id : "", q->after, q->limit, &more);
  std::string body;
  AppendPageJson(items, more ? EncodeCursor(items.back()->id) : std::string(),
                 [](const std::shared_ptr<const Subscription>& s, std::string* out) {
                   AppendSubscriptionJson(*s, DocForm::kStored, out);
                 },
                 &body);
  api.Reply(c, MakeJson(200, std::move(body)));
}

void StreamWithoutUpgrade(Api& api, Call& c) {
  HttpResponse res = MakeError(ErrorCode::kUpgradeRequired, "GET /v1/stream needs a WebSocket upgrade");
  res.set(http::field::upgrade, "websocket");
  res.set(http::field::connection, "Upgrade");
  api.Reply(c, std::move(res));
}

Handler::Upgrade OpenStream(Api& api, Call& c, std::string_view protocol) {
  auto refuse = [](HttpResponse res) { return Handler::Upgrade{std::move(res), {}}; };
  if (api.draining()) return refuse(MakeError(engine::Status::Unavailable("the server is shutting down")));
  const HttpRequest& request = c.request;
  if (request[http::field::sec_websocket_version] != "13") {
    HttpResponse res = MakeError(ErrorCode::kUpgradeRequired, "Sec-WebSocket-Version 13 is required");
    res.set(http::field::sec_websocket_version, "13");
    return refuse(std::move(res));
  }
  if (request[http::field::sec_websocket_key].size() != 24) {
    return refuse(MakeError(engine::Status::InvalidArgument("Sec-WebSocket-Key", "must be 16 bytes in base64")));
  }

  WsSession::Params params;
  std::vector<std::string> ids;
  const std::string subscriptions = c.Query("subscriptions");
  for (std::string_view list = subscriptions; !list.empty();) {
    const std::size_t comma = list.find(',');
    ids.emplace_back(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  if (ids.empty()) {
    return refuse(MakeError(
        engine::Status::InvalidArgument("subscriptions", "is required: a comma-separated list of subscription ids")));
  }
  if (ids.size() > kMaxStreamSubscriptions) {
    return refuse(MakeError(engine::Status::InvalidArgument(
        "subscriptions", "names more than " + std::to_string(kMaxStreamSubscriptions) + " subscriptions")));
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (std::string& id : ids) {
    const std::shared_ptr<const Subscription> sub = api.book().Get(id);
    // Streaming is for the owner (or an admin): a supervisor reads, never streams.
    if (!sub || (c.caller->role != Role::kAdmin && sub->owner_id != c.caller->id)) {
      return refuse(MakeError(NoSuchSubscription(id)));
    }
    params.subscriptions.push_back({std::move(id), sub->owner_id});
  }
  if (const std::string from = c.Query("from"); !from.empty()) {
    std::uint64_t seq = 0;
    const auto [end, ec] = std::from_chars(from.data(), from.data() + from.size(), seq);
    if (ec != std::errc() || end != from.data() + from.size()) {
      return refuse(MakeError(engine::Status::InvalidArgument("from", "must be an event sequence number")));
    }
    params.from = seq;
  }
  StreamHub::Admission admission;
  params.slot = api.hub().OpenSlot(c.caller->id, &admission);
  if (admission == StreamHub::Admission::kServerFull) {
    return refuse(MakeError(engine::Status::Unavailable("too many streams are open")));
  }
  if (admission == StreamHub::Admission::kKeyFull) {
    return refuse(MakeError(ErrorCode::kTooManyStreams,
                            "key " + c.caller->name + " has " + std::to_string(api.options().max_streams_per_key) +
                                " streams open, the most --max-streams-per-key allows"));
  }
  // A key deleted since it was authenticated gets no stream (once its slot
  // is held, RevokeKey reaches the stream however late it registers).
  if (!api.keys().Exists(*c.caller)) return refuse(MakeError(ErrorCode::kUnauthenticated, "the key was deleted"));
  params.key_id = c.caller->id;
  params.protocol = std::string(protocol);
  params.max_queue = api.options().stream_queue;
  params.idle_timeout = api.options().stream_idle_timeout;
  return {std::nullopt, [&api, params = std::move(params)](beast::tcp_stream&& stream, HttpRequest&& req) mutable {
            std::make_shared<WsSession>(std::move(stream), api.hub(), api.output_budget(), std::move(params))->Start(req);
          }};
}

}  // namespace biomatch::server
