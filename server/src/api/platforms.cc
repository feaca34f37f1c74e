// PUT, GET, DELETE /v1/platforms/{id} and GET /v1/platforms.
#include "api/entities.h"
#include "api/handlers.h"

namespace biomatch::server {
namespace {

struct PlatformKind {
  using Entity = engine::Platform;
  static engine::Status Read(JsonReader& reader, std::string_view json, Entity* out) {
    return reader.ReadPlatform(json, out);
  }
  static void Append(const Entity& p, std::string* out) { AppendPlatformJson(p, DocForm::kStored, out); }
  static auto Put(engine::Engine& e, Entity p, engine::Seconds now, engine::IfMatch m) {
    return e.PutPlatform(std::move(p), now, m);
  }
  static auto Get(const engine::Engine& e, std::string_view id) { return e.GetPlatform(id); }
  static auto Delete(engine::Engine& e, std::string_view id, engine::IfMatch m) { return e.DeletePlatform(id, m); }
  static auto List(const engine::Engine& e, const engine::ListQuery& q) { return e.ListPlatforms(q); }
};

}  // namespace

void PutPlatform(Api& api, Call& c) { PutEntity<PlatformKind>(api, c); }
void GetPlatform(Api& api, Call& c) { GetEntity<PlatformKind>(api, c); }
void DeletePlatform(Api& api, Call& c) { DeleteEntity<PlatformKind>(api, c); }
void ListPlatforms(Api& api, Call& c) { ListEntities<PlatformKind>(api, c); }

}  // namespace biomatch::server
