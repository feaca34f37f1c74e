// The events of the stream, derived from the engine's change sets. Each
// event's body is its "data" object as JSON: the entity as GET shows it, or
// {"id":..} for a deletion.
#pragma once

#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/storage/store.h"

namespace biomatch::server {

// Event types (API.md): platform.updated, capability.created|updated|deleted,
// request.created|updated|closed, reservation.created|confirmed|cancelled|
// expired; and, beyond API.md, platform.deleted, request.deleted and
// reservation.completed.
std::vector<storage::EventDraft> EventsOf(const engine::ChangeSet& changes);

}  // namespace biomatch::server
