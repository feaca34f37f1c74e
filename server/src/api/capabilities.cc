// PUT, GET, DELETE /v1/capabilities/{id}, GET /v1/capabilities, and
// PUT /v1/capabilities/{id}/slots (a capability's calendar).
#include "api/entities.h"
#include "api/handlers.h"

namespace biomatch::server {
namespace {

struct CapabilityKind {
  using Entity = engine::Capability;
  static engine::Status Read(JsonReader& reader, std::string_view json, Entity* out) {
    return reader.ReadCapability(json, out);
  }
  static void Append(const Entity& c, std::string* out) { AppendCapabilityJson(c, DocForm::kStored, out); }
  static auto Put(engine::Engine& e, Entity c, engine::Seconds now, engine::IfMatch m) {
    return e.PutCapability(std::move(c), now, m);
  }
  static auto Get(const engine::Engine& e, std::string_view id) { return e.GetCapability(id); }
  static auto Delete(engine::Engine& e, std::string_view id, engine::IfMatch m) { return e.DeleteCapability(id, m); }
  static auto List(const engine::Engine& e, const engine::ListQuery& q) { return e.ListCapabilities(q); }
};

}  // namespace

void PutCapability(Api& api, Call& c) { PutEntity<CapabilityKind>(api, c); }
void GetCapability(Api& api, Call& c) { GetEntity<CapabilityKind>(api, c); }
void DeleteCapability(Api& api, Call& c) { DeleteEntity<CapabilityKind>(api, c); }
void ListCapabilities(Api& api, Call& c) { ListEntities<CapabilityKind>(api, c); }

void PutSlots(Api& api, Call& c) {
  if (!api.ReadJsonBody(c)) return;
  std::vector<engine::Slot> slots;
  BIOMATCH_CHECK(api, c, api.Reader().ReadSlots(c.body, &slots));
  BIOMATCH_TRY(api, c, if_match, ParseIfMatch(c.request));
  if (!api.Admit(c)) return;
  BIOMATCH_TRY(api, c, cap, api.engine().ReplaceSlots(c.param(), std::move(slots), engine::NowSeconds(), *if_match));
  std::string body;
  CapabilityKind::Append(*cap, &body);
  HttpResponse res = MakeJson(200, std::move(body));
  SetEtag(res, cap->meta.version);
  api.ReplyWhenDurable(c, std::move(res));
}

}  // namespace biomatch::server
