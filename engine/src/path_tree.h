// PathTree: interned '/'-separated paths (categories) as a tree of nodes, so
// "compatible with a/b" (one path a whole-segment prefix of the other) is the
// subtree of a/b plus its ancestors. Nodes are never removed; ids are stable.
//
// Thread safety: const methods may be called concurrently; Intern needs
// external synchronisation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "string_index.h"

namespace biomatch::engine {

class PathTree {
 public:
  static constexpr std::uint32_t kNoNode = 0xFFFFFFFF;

  struct Node {
    std::string path;
    std::uint32_t parent = kNoNode;
    std::uint16_t depth = 0;  // number of segments
    std::vector<std::uint32_t> children;
  };

  // The node for `path`, creating it and its ancestors as needed.
  std::uint32_t Intern(std::string_view path);
  std::optional<std::uint32_t> Find(std::string_view path) const;
  // The deepest existing node whose path is `path` or a prefix of it.
  std::optional<std::uint32_t> FindDeepestPrefix(std::string_view path) const;

  const Node& node(std::uint32_t id) const { return nodes_[id]; }
  std::size_t size() const { return nodes_.size(); }

  // True when `ancestor` is `id` or above it. False for kNoNode.
  bool Contains(std::uint32_t ancestor, std::uint32_t id) const {
    for (; id != kNoNode; id = nodes_[id].parent) {
      if (id == ancestor) return true;
    }
    return false;
  }

  // Appends `id` and every node below it (pre-order).
  void AppendSubtree(std::uint32_t id, std::vector<std::uint32_t>* out) const;
  // Appends every node whose path is a prefix of `id`'s or has it as one:
  // AppendSubtree(id), then `id`'s ancestors, nearest first.
  void AppendRelated(std::uint32_t id, std::vector<std::uint32_t>* out) const;

 private:
  std::vector<Node> nodes_;
  StringIndex ids_;  // path -> node id
};

// Number of segments in a path ("a/b/c" -> 3).
std::uint16_t PathDepth(std::string_view path);

}  // namespace biomatch::engine
