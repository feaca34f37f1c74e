// POST /v1/allocate: plans the placement of many open requests with the
// greatest total score (engine/allocation.h) and, with "apply":true, places
// its holds in one mutation. The plan reads the engine under its shared lock
// for about one match per selected request, so it runs on the background
// thread, never on an I/O thread, with a reading thread per core.
#include <algorithm>
#include <chrono>
#include <thread>

#include "api/api.h"
#include "api/params.h"
#include "biomatch/server/json_allocation.h"

namespace biomatch::server {
namespace {

// The body was read and checked on the I/O thread; reading it again here
// costs microseconds and keeps the spec out of the closure.
void PlanAndApply(Api& api, Call& c) {
  AllocateSpec spec;
  BIOMATCH_CHECK(api, c, api.Reader().ReadAllocateSpec(c.body, &spec));
  spec.options.now = engine::NowSeconds();
  spec.options.threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  BIOMATCH_TRY(api, c, plan, api.engine().PlanAllocation(spec.select, spec.options));
  const auto took_ms = [&] {
    return static_cast<std::int64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Call::Clock::now() - c.start).count());
  };
  std::string body;
  if (!spec.apply || plan->plan.empty()) {
    const std::vector<engine::Reservation> none;
    AppendAllocationJson(*plan, spec.apply ? &none : nullptr, took_ms(), &body);
    return api.Reply(c, MakeJson(200, std::move(body)));
  }
  if (!api.Admit(c)) return;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < plan->plan.size(); ++i) ids.push_back("rsv-" + RandomHex(8));
  BIOMATCH_TRY(api, c, placed, api.engine().ApplyAllocation(*plan, ids, spec.hold_seconds, engine::NowSeconds()));
  AppendAllocationJson(*plan, &*placed, took_ms(), &body);
  api.ReplyWhenDurable(c, MakeJson(200, std::move(body)));
}

}  // namespace

void Allocate(Api& api, Call& c) {
  if (!api.ReadJsonBody(c)) return;
  AllocateSpec spec;
  BIOMATCH_CHECK(api, c, api.Reader().ReadAllocateSpec(c.body, &spec));
  if (spec.hold_seconds < 10 || spec.hold_seconds > 86400) {
    return api.Reply(c, MakeError(engine::Status::InvalidArgument("hold_seconds", "must be from 10 to 86400")));
  }
  api.RunInBackground([&api, self = c.shared_from_this()] { api.Run(*self, &PlanAndApply); });
}

}  // namespace biomatch::server
