// A memory resource for tests: counts the blocks it passes to the default
// resource and not yet back.
#pragma once

#include <memory_resource>

namespace biomatch::engine::testutil {

class CountingResource : public std::pmr::memory_resource {
 public:
  int live = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    ++live;
    return std::pmr::get_default_resource()->allocate(bytes, alignment);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    --live;
    std::pmr::get_default_resource()->deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

}  // namespace biomatch::engine::testutil
