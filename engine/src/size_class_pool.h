// SizeClassPool: a std::pmr::memory_resource for the engine's many small,
// long-lived arrays (calendars, text terms, texts). Sizes round up to 16
// bytes; each size class keeps a list of returned blocks and carves new ones
// from slabs (1 MiB unless told otherwise); larger blocks come from the
// upstream resource.
//
// Why: the engine's records are built while a bulk load frees the documents
// they came from. Through malloc, the records' small blocks land among that
// garbage and keep its pages resident; here they sit packed in slabs, with no
// per-block header. The cost: a slab is returned to upstream only when the
// pool is destroyed (a freed block serves later allocations of its class).
//
// Not thread safe: every allocation and deallocation needs external
// synchronisation (the engine allocates only under its exclusive lock).
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <memory_resource>
#include <vector>

namespace biomatch::engine {

class SizeClassPool final : public std::pmr::memory_resource {
 public:
  static constexpr std::size_t kGranule = 16;
  static constexpr std::size_t kLargestPooled = 4096;
  static constexpr std::size_t kDefaultSlabBytes = std::size_t{1} << 20;

  // REQUIRES: slab_bytes >= kLargestPooled.
  explicit SizeClassPool(std::size_t slab_bytes = kDefaultSlabBytes,
                         std::pmr::memory_resource* upstream = std::pmr::get_default_resource())
      : slab_bytes_(slab_bytes), upstream_(upstream) {}
  SizeClassPool(const SizeClassPool&) = delete;
  SizeClassPool& operator=(const SizeClassPool&) = delete;

  std::size_t slab_bytes() const { return slab_bytes_; }
  // Bytes taken from upstream in slabs.
  std::size_t allocated_bytes() const { return slabs_.size() * slab_bytes_; }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  static bool Pooled(std::size_t bytes, std::size_t alignment) {
    return bytes <= kLargestPooled && alignment <= kGranule;
  }
  static std::size_t Class(std::size_t bytes) { return bytes == 0 ? 1 : (bytes + kGranule - 1) / kGranule; }

  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

  std::size_t slab_bytes_;
  std::pmr::memory_resource* upstream_;
  std::array<FreeBlock*, kLargestPooled / kGranule + 1> free_{};  // by class
  std::vector<std::unique_ptr<std::byte[]>> slabs_;
  std::byte* cursor_ = nullptr;  // the unused rest of the last slab
  std::size_t left_ = 0;
};

}  // namespace biomatch::engine
