#include "size_class_pool.h"

#include <new>

namespace biomatch::engine {

void* SizeClassPool::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (!Pooled(bytes, alignment)) return upstream_->allocate(bytes, alignment);
  const std::size_t c = Class(bytes);
  if (FreeBlock* block = free_[c]) {
    free_[c] = block->next;
    return block;
  }
  const std::size_t size = c * kGranule;
  if (left_ < size) {
    // The rest of the current slab (less than one block) is left unused.
    slabs_.push_back(std::make_unique_for_overwrite<std::byte[]>(slab_bytes_));
    cursor_ = slabs_.back().get();
    left_ = slab_bytes_;
  }
  void* p = cursor_;
  cursor_ += size;
  left_ -= size;
  return p;
}

void SizeClassPool::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  if (!Pooled(bytes, alignment)) return upstream_->deallocate(p, bytes, alignment);
  const std::size_t c = Class(bytes);
  free_[c] = ::new (p) FreeBlock{free_[c]};
}

}  // namespace biomatch::engine
