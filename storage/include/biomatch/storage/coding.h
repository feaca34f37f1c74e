// Byte coding shared by the stored formats (storage/src/codec.h, and the
// server's event bodies): little-endian fixed-width numbers, LEB128 varints,
// zigzag times, length-prefixed strings. Keys use big-endian integers
// instead (codec.h), so that they sort.
//
// Value types, no synchronisation.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "biomatch/engine/time.h"
#include "biomatch/engine/types.h"

namespace biomatch::storage {

// Appends encoded values to a string.
class Writer {
 public:
  void U8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Time(engine::Seconds t) { Varint((static_cast<std::uint64_t>(t) << 1) ^ static_cast<std::uint64_t>(t >> 63)); }
  void F64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(bits >> (8 * i)));
  }
  void Str(std::string_view s) {
    Varint(s.size());
    out_.append(s);
  }
  void Meta(const engine::EntityMeta& m) {
    Varint(m.version);
    Time(m.created_at);
    Time(m.updated_at);
  }
  template <typename T, typename F>
  void Opt(const std::optional<T>& v, F write) {
    U8(v ? 1 : 0);
    if (v) write(*v);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads encoded values from a view. A read past the end or of a bad value
// returns a zero value and fails the reader; the failure sticks, so
// decoders check ok() once at the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool at_end() const { return in_.empty(); }
  std::string_view rest() const { return in_; }  // what is not read yet

  std::uint8_t U8() {
    if (in_.empty()) return Fail(), 0;
    const auto v = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  std::uint64_t Varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (in_.empty()) return Fail(), 0;
      const auto b = static_cast<std::uint8_t>(in_[0]);
      in_.remove_prefix(1);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail(), 0;
  }
  engine::Seconds Time() {
    const std::uint64_t z = Varint();
    return static_cast<engine::Seconds>((z >> 1) ^ (~(z & 1) + 1));
  }
  double F64() {
    if (in_.size() < 8) return Fail(), 0;
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[static_cast<std::size_t>(i)])) << (8 * i);
    in_.remove_prefix(8);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  std::string Str() {
    std::string s;
    Str(&s);
    return s;
  }
  // Into *out, whose capacity a caller may reuse.
  void Str(std::string* out) {
    const std::uint64_t n = Varint();
    if (n > in_.size()) return Fail();
    out->assign(in_.substr(0, n));
    in_.remove_prefix(n);
  }
  // A count of following items, each at least one byte long.
  std::size_t Count() {
    const std::uint64_t n = Varint();
    if (n > in_.size()) return Fail(), 0;
    return static_cast<std::size_t>(n);
  }
  bool Flag() { return U8() != 0; }
  template <typename E>
  E Enum(int count) {
    const std::uint8_t v = U8();
    if (v >= count) Fail();
    return static_cast<E>(v);
  }
  void Meta(engine::EntityMeta* m) {
    m->version = Varint();
    m->created_at = Time();
    m->updated_at = Time();
  }
  void Fail() { ok_ = false, in_ = {}; }

 private:
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace biomatch::storage
