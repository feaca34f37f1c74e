// Recovery: entities loaded exactly as stored, in the order platforms,
// capabilities, requests, reservations, then the match watch's state. The
// observer is not called. Each load, like every mutation, fills both
// copies of the state (replicas.h).
#include <mutex>
#include <string>
#include <utility>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/validate.h"
#include "mutation.h"
#include "replicas.h"
#include "state.h"

namespace biomatch::engine {

Status Engine::LoadPlatform(Platform platform) {
  if (Status st = ValidatePlatform(platform); !st.ok() || platform.id.empty()) {
    return Status::Corruption("stored platform " + platform.id + " is invalid: " + st.ToString());
  }
  return replicas_->Write([&](EngineState& s, bool) -> Status {
    s.unmet.Invalidate();  // rebuilt by the next mutation (Store::Open sweeps)
    if (s.platforms.Find(platform.id)) return Status::Corruption("platform " + platform.id + " stored twice");
    StorePlatform(s, s.platforms.Insert(platform.id, PlatformRec{}), BuildPlatform(s, platform));
    return Status::Ok();
  });
}

Status Engine::LoadCapability(Capability capability) {
  if (Status st = ValidateCapability(capability); !st.ok() || capability.id.empty()) {
    return Status::Corruption("stored capability " + capability.id + " is invalid: " + st.ToString());
  }
  return replicas_->Write([&](EngineState& s, bool last) -> Status {
    s.unmet.Invalidate();  // rebuilt by the next mutation (Store::Open sweeps)
    const auto platform = s.platforms.Find(capability.platform_id);
    if (!platform) return Status::Corruption("capability " + capability.id + " names a missing platform");
    if (s.capabilities.Find(capability.id)) return Status::Corruption("capability " + capability.id + " stored twice");
    for (Slot& slot : capability.slots) slot.reserved = 0;
    CapabilityRec rec = BuildCapability(s, capability, *platform);
    rec.calendar = SlotCalendar(Take(capability.slots, last), s.CategoryPool(rec.node));
    rec.meta = capability.meta;
    IndexCapability(s, s.capabilities.Insert(capability.id, std::move(rec)));
    return Status::Ok();
  });
}

Status Engine::LoadRequest(Request request) {
  if (Status st = ValidateRequest(request); !st.ok() || request.id.empty()) {
    return Status::Corruption("stored request " + request.id + " is invalid: " + st.ToString());
  }
  return replicas_->Write([&](EngineState& s, bool) -> Status {
    s.unmet.Invalidate();  // rebuilt by the next mutation (Store::Open sweeps)
    if (s.requests.Find(request.id)) return Status::Corruption("request " + request.id + " stored twice");
    RequestRec rec;
    rec.plan = CompilePlan(s, request);
    rec.doc = request;  // a copy: see BuildPlatform
    const std::uint32_t idx = s.requests.Insert(request.id, std::move(rec));
    if (s.requests.at(idx).doc.status == RequestStatus::kOpen) IndexOpenRequest(s, idx);
    return Status::Ok();
  });
}

Status Engine::LoadReservation(Reservation reservation) {
  return replicas_->Write([&](EngineState& s, bool last) -> Status {
    s.unmet.Invalidate();  // rebuilt by the next mutation (Store::Open sweeps)
    if (s.reservations.Find(reservation.id)) {
      return Status::Corruption("reservation " + reservation.id + " stored twice");
    }
    const auto req_idx = s.requests.Find(reservation.request_id);
    const auto cap_idx = s.capabilities.Find(reservation.capability_id);
    if (!req_idx || !cap_idx) {
      return Status::Corruption("reservation " + reservation.id + " names a missing request or capability");
    }
    if (IsLive(reservation.status) || reservation.status == ReservationStatus::kCompleted) {
      if (Status st = ApplyAllocations(s, reservation, *cap_idx, +1); !st.ok()) return st;
    }
    const std::string id = reservation.id;
    Attach(s, s.reservations.Insert(id, ReservationRec{Take(reservation, last)}));
    return Status::Ok();
  });
}

Status Engine::LoadWatchedPairs(WatchedPairs pairs) {
  return replicas_->Write([&](EngineState& s, bool last) {
    s.watch.Load(s, Take(pairs, last));
    return Status::Ok();
  });
}

}  // namespace biomatch::engine
