// The events of the stream, derived from the engine's change sets, and the
// form they are stored in.
//
// Each event's stored body is its facets (what subscription filters see)
// followed by its "data" object as JSON: the entity as GET shows it (for a
// deletion, as it was), or for match.found the scored pair. Grammar (the
// storage value of an event's body; integers as in storage/src/codec.h):
//   body    := 'F' facets data
//   facets  := category:str region:str stages:u8 platform_id:str
//              requester_id:str has_score:u8 [score:f64] n:varint (token:str)^n
//   data    := JSON text to the end of the body
// The tag byte 'F' names this first version; a later one takes another tag.
//
// Facets by event type:
//   platform.*     region, platform_id; tokens of the name
//   capability.*   category, stages, the platform's region, platform_id;
//                  tokens of title and keywords
//   request.*      category, stage, region (when the request has one),
//                  requester_id; tokens of text and keywords
//   reservation.*  those of its request, plus its capability's platform_id
//                  and the tokens of the capability's title and keywords
//   match.found    the request's category, stage and requester, the
//                  platform's region and id, the score; tokens of both sides
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/server/subscription.h"
#include "biomatch/storage/store.h"

namespace biomatch::server {

// Event types (subscription.h lists them). Called under the engine's lock.
std::vector<storage::EventDraft> EventsOf(const engine::ChangeSet& changes, const engine::ChangeContext& context);

std::string EncodeEventBody(const EventFacets& facets, std::string_view data);
// kCorruption for a body this version cannot read; `data` views `body`.
engine::Status DecodeEventBody(std::string_view body, EventFacets* facets, std::string_view* data);

}  // namespace biomatch::server
