// OutputBudget: the server-wide count of bytes buffered for output (HTTP
// answers waiting to be written, WebSocket frames and stream messages
// waiting to be written) against one limit, and each connection's share of
// it.
//
// Connections charge what they buffer and release it once written or
// dropped. A connection over its share, or any connection with output
// waiting while the budget is spent, stops reading (HTTP) or is closed
// (a stream: 4008); an answer to a safe request that would pass the budget
// is replaced by a small 503. See ServerOptions::output_budget.
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <atomic>
#include <cstddef>

namespace biomatch::server {

class OutputBudget {
 public:
  OutputBudget(std::size_t limit, std::size_t share) : limit_(limit), share_(share) {}
  OutputBudget(const OutputBudget&) = delete;
  OutputBudget& operator=(const OutputBudget&) = delete;

  // Charges `n` bytes if they fit within the limit; false (nothing charged)
  // if they do not.
  bool TryCharge(std::size_t n) {
    std::size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (used + n > limit_) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  // Charges `n` bytes whatever the limit (bytes that exist already and are
  // small: a refusal, a control frame).
  void Charge(std::size_t n) { used_.fetch_add(n, std::memory_order_relaxed); }
  // REQUIRES: `n` bytes were charged and not yet released.
  void Release(std::size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }

  bool Spent() const { return used_.load(std::memory_order_relaxed) >= limit_; }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const { return limit_; }
  // The most one connection may have buffered before it stops being read.
  std::size_t share() const { return share_; }

 private:
  const std::size_t limit_;
  const std::size_t share_;
  std::atomic<std::size_t> used_{0};
};

}  // namespace biomatch::server
