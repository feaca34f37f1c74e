// SteppedReader: long reads of the engine (statistics, allocation's
// candidate graph) in short steps, each under the shared lock. Private to
// the engine library.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "replicas.h"
#include "state.h"

namespace biomatch::engine {

// Each Step holds the published copy's shared lock (replicas.h) for one
// call of `read`: one match, or at most kStepRecords records. No writer
// waits longer than one step. Between
// steps the engine may change: a reader names records by id across steps
// (a table index may be reused) and its answer is that of the read's
// span, not of one instant.
class SteppedReader {
 public:
  static constexpr std::uint32_t kStepRecords = 1024;

  explicit SteppedReader(const Replicas* replicas) : replicas_(replicas) {}
  template <typename F>
  void Step(F&& read) const {
    const Replicas::Read s(*replicas_);
    read(*s);
  }

  // visit(state, index) for every live capability, by index; with
  // `parts`, only those of the steps part, part + parts, part + 2 parts...
  // (one of `parts` threads sharing the pass).
  template <typename Visit>
  void ForEachCapability(Visit&& visit, std::uint32_t part = 0, std::uint32_t parts = 1) const {
    bool more = true;
    for (std::uint32_t first = part * kStepRecords; more; first += parts * kStepRecords) {
      Step([&](const EngineState& s) {
        const std::uint32_t end = std::min<std::uint32_t>(s.capabilities.slots(), first + kStepRecords);
        for (std::uint32_t idx = first; idx < end; ++idx) {
          if (s.capabilities.live(idx)) visit(s, idx);
        }
        more = first + parts * kStepRecords < s.capabilities.slots();
      });
    }
  }

  // visit(state, index) for every open request, by deadline, each step
  // resuming after the last one read (one opened meanwhile before that
  // point is missed, as if it came after the read).
  template <typename Visit>
  void ForEachOpenRequest(Visit&& visit) const {
    std::optional<std::pair<Seconds, std::uint32_t>> next{{std::numeric_limits<Seconds>::min(), 0}};
    while (next) {
      Step([&](const EngineState& s) {
        auto it = s.open_by_deadline.lower_bound(*next);
        for (std::size_t n = 0; it != s.open_by_deadline.end() && n < kStepRecords; ++it, ++n) visit(s, it->second);
        next.reset();
        if (it != s.open_by_deadline.end()) next = *it;
      });
    }
  }

 private:
  const Replicas* replicas_;
};

}  // namespace biomatch::engine
