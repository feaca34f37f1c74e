// PUT, GET, DELETE /v1/requests/{id}, GET /v1/requests, and
// POST /v1/requests/{id}/cancel.
#include "api/entities.h"
#include "api/handlers.h"

namespace biomatch::server {
namespace {

struct RequestKind {
  using Entity = engine::Request;
  static engine::Status Read(JsonReader& reader, std::string_view json, Entity* out) {
    return reader.ReadRequest(json, out);
  }
  static void Append(const Entity& r, std::string* out) { AppendRequestJson(r, DocForm::kStored, out); }
  static auto Put(engine::Engine& e, Entity r, engine::Seconds now, engine::IfMatch m) {
    return e.PutRequest(std::move(r), now, m);
  }
  static auto Get(const engine::Engine& e, std::string_view id) { return e.GetRequest(id); }
  static auto Delete(engine::Engine& e, std::string_view id, engine::IfMatch m) { return e.DeleteRequest(id, m); }
  static auto List(const engine::Engine& e, const engine::ListQuery& q) { return e.ListRequests(q); }
};

}  // namespace

void PutRequest(Api& api, Call& c) { PutEntity<RequestKind>(api, c); }
void GetRequest(Api& api, Call& c) { GetEntity<RequestKind>(api, c); }
void DeleteRequest(Api& api, Call& c) { DeleteEntity<RequestKind>(api, c); }

void ListRequests(Api& api, Call& c) {
  BIOMATCH_TRY(api, c, q, ListQueryOf(c));
  if (q->reservation_status && !q->request_status) {
    return api.Reply(c, MakeError(engine::Status::InvalidArgument("status", "is not a request status")));
  }
  ReplyPage<RequestKind>(api, c, RequestKind::List(api.engine(), *q));
}

void CancelRequest(Api& api, Call& c) {
  if (!api.Admit(c)) return;
  BIOMATCH_TRY(api, c, r, api.engine().CancelRequest(c.param(), engine::NowSeconds()));
  std::string body;
  RequestKind::Append(*r, &body);
  HttpResponse res = MakeJson(200, std::move(body));
  SetEtag(res, r->meta.version);
  api.ReplyWhenDurable(c, std::move(res));
}

}  // namespace biomatch::server
