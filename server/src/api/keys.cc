// POST, GET /v1/keys and DELETE /v1/keys/{name}: API keys (admin only).
#include "api/handlers.h"
#include "api/params.h"
#include "biomatch/engine/validate.h"

namespace biomatch::server {

void CreateKey(Api& api, Call& c) {
  if (!api.ReadJsonBody(c)) return;
  std::string name, role_name;
  BIOMATCH_CHECK(api, c, api.Reader().ReadKeySpec(c.body, &name, &role_name));
  BIOMATCH_CHECK(api, c, engine::ValidateId(name, "name"));
  const auto role = ParseRole(role_name);
  if (!role) {
    return api.Reply(c, MakeError(engine::Status::InvalidArgument("role", "must be admin, portal, agency or supervisor")));
  }
  if (api.keys().Find(name)) return api.Reply(c, MakeError(engine::Status::Conflict("key " + name + " already exists")));
  if (!api.Admit(c)) return;
  const std::string token = NewToken();
  ApiKey key{name, *role, HashToken(token), NewKeyId()};
  const std::uint64_t ticket =
      api.store().Submit({}, {{storage::Family::kApiKeys, name, EncodeKey(key)}}, {}, engine::NowSeconds());
  (void)storage::Store::TakeThreadTicket();
  api.keys().Put(key);
  std::string body;
  AppendKeyJson(name, ToString(*role), token, &body);
  api.ReplyWhenDurable(c, ticket, MakeJson(201, std::move(body)));
}

void ListKeys(Api& api, Call& c) {
  std::string body;
  AppendListJson(
      api.keys().List(), [](const ApiKey& k, std::string* out) { AppendKeyJson(k.name, ToString(k.role), "", out); },
      &body);
  api.Reply(c, MakeJson(200, std::move(body)));
}

void DeleteKey(Api& api, Call& c) {
  const std::string& name = c.param();
  const auto key = api.keys().Find(name);
  if (!key) return api.Reply(c, MakeError(engine::Status::NotFound("key " + name + " does not exist")));
  if (key->role == Role::kAdmin) {
    std::size_t admins = 0;
    for (const ApiKey& k : api.keys().List()) admins += k.role == Role::kAdmin;
    if (admins == 1) return api.Reply(c, MakeError(engine::Status::Conflict("key " + name + " is the last admin key")));
  }
  if (!api.Admit(c)) return;
  // The key, then its streams, then its subscriptions: once the key is
  // refused no new stream or subscription of it can begin (OpenStream and
  // PutSubscription check again after taking their slot or lock).
  std::lock_guard lock(api.subscriptions_mu());
  if (!api.keys().Exists(*key)) return api.Reply(c, MakeError(engine::Status::NotFound("key " + name + " does not exist")));
  api.keys().Remove(name);  // refused from this moment on
  api.hub().RevokeKey(key->id);
  std::vector<storage::RecordWrite> records = {{storage::Family::kApiKeys, name, std::nullopt}};
  const std::vector<std::string> owned = api.book().OwnedBy(key->id);
  for (const std::string& id : owned) records.push_back({storage::Family::kSubscriptions, id, std::nullopt});
  const std::uint64_t ticket = api.store().Submit({}, std::move(records), {}, engine::NowSeconds());
  (void)storage::Store::TakeThreadTicket();
  for (const std::string& id : owned) {
    api.book().Remove(id);
    api.hub().RemoveSubscription(id);
  }
  if (!owned.empty()) api.UpdateMatchWatch();
  api.ReplyWhenDurable(c, ticket, MakeText(204, "", "application/json"));
}

}  // namespace biomatch::server
