// The steps of placing a hold, shared by Engine::Hold (engine.cc) and
// Engine::ApplyAllocation (allocation.cc), which places many in one
// mutation. Private to the engine library.
//
// REQUIRES for every function: the engine's exclusive lock is held.
#pragma once

#include <cstdint>

#include "biomatch/engine/engine.h"
#include "state.h"

namespace biomatch::engine {

// Takes a reservation's allocations from the free units of capability
// `capability_idx` (and counts them as reserved). REQUIRES: each names a
// slot of it with that many free units.
void TakeUnits(EngineState& s, const Reservation& r, std::uint32_t capability_idx);

// Records `r`, a held reservation whose units are taken, as created at
// `now`: stored, attached to its request and capability, the request's
// status updated. Appends the reservation (and the request, when its status
// changed) to *changes. REQUIRES: the id is free; request and capability exist.
void RecordHold(EngineState& s, Reservation r, Seconds now, ChangeSet* changes);

// Ends a mutation: completes `changes` with the match watch's findings and
// hands them to the observer.
void PublishChanges(EngineState& s, ChangeSet& changes, Seconds now);

}  // namespace biomatch::engine
