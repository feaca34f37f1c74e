// Replicas: the engine's two copies of its state, read and written by the
// left-right protocol (Ramalhete and Correia, "Left-Right: A Concurrency
// Control Technique with Wait-Free Population Oblivious Reads", 2015).
// Private to the engine library.
//
// Readers take the shared lock of the published copy and never wait for a
// writer: no writer ever holds that copy's lock exclusively. A writer (one
// at a time) applies its mutation to the other copy, publishes that copy
// with one atomic store, then applies the same mutation to the copy it
// left, waiting only for the readers that were already inside it. A
// mutation is therefore visible to readers all at once, however long it
// takes to apply (a bulk of a million lines), and a writer can do slow work
// between applying and publishing (the server makes a bulk durable there).
// The price: every mutation is applied twice, and the state takes twice
// the memory.
//
// Both copies see the same mutations in the same order, from the same
// state, so they stay identical: a mutation must depend on nothing but its
// inputs and the state (the clock comes in as `now`). The ChangeObserver is
// called by the first application only.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>

#include "biomatch/engine/mutex.h"
#include "biomatch/engine/thread_annotations.h"
#include "state.h"

namespace biomatch::engine {

class Replicas {
 public:
  Replicas() : states_{std::make_unique<EngineState>(), std::make_unique<EngineState>()} {}

  // The published copy, held shared for the scope of one read.
  class Read {
   public:
    explicit Read(const Replicas& r) NO_THREAD_SAFETY_ANALYSIS {
      for (;;) {
        index_ = r.published_.load(std::memory_order_acquire);
        mu_ = &r.mu_[index_];
        // Fails only when a writer took this copy after it stopped being
        // the published one (this reader read the index just before).
        if (mu_->TryLockShared()) break;
        std::this_thread::yield();
      }
      state_ = r.states_[index_].get();
    }
    ~Read() NO_THREAD_SAFETY_ANALYSIS { mu_->UnlockShared(); }
    Read(const Read&) = delete;
    Read& operator=(const Read&) = delete;

    const EngineState& operator*() const { return *state_; }
    const EngineState* operator->() const { return state_; }

   private:
    int index_ = 0;
    SharedMutex* mu_ = nullptr;
    const EngineState* state_ = nullptr;
  };

  // Runs apply(state, last) on the unpublished copy, then before_publish
  // (when given) and the state's `publishing` hook, publishes that copy,
  // and runs apply(state, true) on the other, with the observer muted. `apply` must have the same effect on
  // either copy, failing or not: it may move its inputs only when `last`.
  // Returns the first run's result.
  template <typename Apply>
  auto Write(Apply&& apply, const std::function<void()>& before_publish = {}) {
    MutexLock writer(&write_mu_);
    const int back = 1 - published_.load(std::memory_order_relaxed);
    auto publish = [&] {
      if (before_publish) before_publish();
      if (const auto& publishing = states_[back]->publishing) publishing();
      published_.store(back, std::memory_order_release);
      (void)Run(1 - back, apply, true);
    };
    if constexpr (std::is_void_v<decltype(apply(std::declval<EngineState&>(), false))>) {
      Run(back, apply, false);
      publish();
    } else {
      auto result = Run(back, apply, false);
      publish();
      return result;
    }
  }

 private:
  template <typename Apply>
  auto Run(int index, Apply& apply, bool last) {
    WriterLock lock(&mu_[index]);
    EngineState& s = *states_[index];
    s.observer_muted = last;
    return apply(s, last);
  }

  Mutex write_mu_;                          // one writer at a time
  mutable std::array<SharedMutex, 2> mu_;   // by copy
  std::array<std::unique_ptr<EngineState>, 2> states_;
  std::atomic<int> published_{0};           // the copy readers read
};

// An input of a mutation run by Replicas::Write: a copy of `v`, or `v`
// itself, moved, on the last run.
template <typename T>
T Take(T& v, bool last) {
  return last ? T(std::move(v)) : T(v);
}

}  // namespace biomatch::engine
