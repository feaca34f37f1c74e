// One implementation of an entity's PUT, GET, DELETE and list, shared by
// platforms, capabilities and requests. `Kind` names the entity's codec and
// engine calls:
//
//   struct Kind {
//     using Entity = engine::Platform;
//     static engine::Status Read(JsonReader&, std::string_view json, Entity*);
//     static void Append(const Entity&, std::string* out);  // the stored document
//     static engine::Result<engine::PutOutcome<Entity>> Put(engine::Engine&, Entity, engine::Seconds now, engine::IfMatch);
//     static engine::Result<Entity> Get(const engine::Engine&, std::string_view id);
//     static engine::Status Delete(engine::Engine&, std::string_view id, engine::IfMatch);
//     static engine::ListPage<Entity> List(const engine::Engine&, const engine::ListQuery&);
//   };
//
// PUT answers 201 (created) or 200 with the stored document and its ETag
// once durable; DELETE answers 204 once durable.
#pragma once

#include <string>

#include "api/api.h"
#include "api/params.h"
#include "responses.h"

namespace biomatch::server {

template <typename Kind>
void PutEntity(Api& api, Call& c) {
  if (!api.ReadJsonBody(c)) return;
  typename Kind::Entity entity;
  BIOMATCH_CHECK(api, c, Kind::Read(api.Reader(), c.body, &entity));
  entity.id = c.param();
  BIOMATCH_TRY(api, c, if_match, ParseIfMatch(c.request));
  if (!api.Admit(c)) return;
  BIOMATCH_TRY(api, c, put, Kind::Put(api.engine(), std::move(entity), engine::NowSeconds(), *if_match));
  std::string body;
  Kind::Append(put->entity, &body);
  HttpResponse res = MakeJson(put->created ? 201 : 200, std::move(body));
  SetEtag(res, put->entity.meta.version);
  api.ReplyWhenDurable(c, std::move(res));
}

template <typename Kind>
void GetEntity(Api& api, Call& c) {
  BIOMATCH_TRY(api, c, entity, Kind::Get(api.engine(), c.param()));
  std::string body;
  Kind::Append(*entity, &body);
  HttpResponse res = MakeJson(200, std::move(body));
  SetEtag(res, entity->meta.version);
  api.Reply(c, std::move(res));
}

template <typename Kind>
void DeleteEntity(Api& api, Call& c) {
  BIOMATCH_TRY(api, c, if_match, ParseIfMatch(c.request));
  if (!api.Admit(c)) return;
  BIOMATCH_CHECK(api, c, Kind::Delete(api.engine(), c.param(), *if_match));
  api.ReplyWhenDurable(c, MakeText(204, "", "application/json"));
}

// Answers a page of entities written by `Kind::Append`.
template <typename Kind>
void ReplyPage(Api& api, Call& c, const engine::ListPage<typename Kind::Entity>& page) {
  std::string body;
  AppendPageJson(page.items, page.next_after.empty() ? std::string() : EncodeCursor(page.next_after),
                 [](const typename Kind::Entity& e, std::string* out) { Kind::Append(e, out); }, &body);
  api.Reply(c, MakeJson(200, std::move(body)));
}

template <typename Kind>
void ListEntities(Api& api, Call& c) {
  BIOMATCH_TRY(api, c, q, ListQueryOf(c));
  ReplyPage<Kind>(api, c, Kind::List(api.engine(), *q));
}

}  // namespace biomatch::server
