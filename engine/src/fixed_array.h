// FixedArray<T>: an array of trivially copyable T whose size is fixed when it
// is made, allocated from a std::pmr::memory_resource (the engine's pool, or
// the default resource), value-initialised. Moves hand over the block; copies
// allocate from the same resource. 24 bytes and one block, against a
// std::vector's 24 bytes and an allocation it cannot direct.
//
// Value type, copyable on purpose. Thread safety: const methods may be called
// concurrently; making, copying and destroying one allocates from or returns
// to its resource, whose own rules apply.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <memory_resource>
#include <type_traits>
#include <utility>

namespace biomatch::engine {

template <typename T>
class FixedArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  FixedArray() = default;
  explicit FixedArray(std::size_t n, std::pmr::memory_resource* mr = std::pmr::get_default_resource())
      : size_(static_cast<std::uint32_t>(n)), mr_(mr) {
    assert(n <= std::numeric_limits<std::uint32_t>::max());
    if (n == 0) return;
    data_ = static_cast<T*>(mr_->allocate(n * sizeof(T), alignof(T)));
    std::uninitialized_value_construct_n(data_, n);
  }
  ~FixedArray() { Reset(); }
  FixedArray(FixedArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)), mr_(other.mr_) {}
  FixedArray& operator=(FixedArray&& other) noexcept {
    if (this != &other) {
      Reset();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      mr_ = other.mr_;
    }
    return *this;
  }
  FixedArray(const FixedArray& other) : FixedArray(other.size_, other.mr_) {
    if (size_ > 0) std::memcpy(data_, other.data_, size_ * sizeof(T));
  }
  FixedArray& operator=(const FixedArray& other) {
    if (this != &other) *this = FixedArray(other);
    return *this;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

 private:
  void Reset() {
    if (data_ != nullptr) mr_->deallocate(data_, size_ * sizeof(T), alignof(T));
    data_ = nullptr;
    size_ = 0;
  }

  T* data_ = nullptr;
  std::uint32_t size_ = 0;
  std::pmr::memory_resource* mr_ = nullptr;  // set whenever data_ is
};

}  // namespace biomatch::engine
