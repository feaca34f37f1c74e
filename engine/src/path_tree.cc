#include "path_tree.h"

#include <algorithm>

namespace biomatch::engine {

std::uint16_t PathDepth(std::string_view path) {
  if (path.empty()) return 0;
  return static_cast<std::uint16_t>(1 + std::count(path.begin(), path.end(), '/'));
}

std::uint32_t PathTree::Intern(std::string_view path) {
  if (auto id = ids_.Find(path)) return *id;
  std::uint32_t parent = kNoNode;
  if (const std::size_t slash = path.rfind('/'); slash != std::string_view::npos) {
    parent = Intern(path.substr(0, slash));
  }
  const auto id = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back(Node{std::string(path), parent, PathDepth(path), {}});
  if (parent != kNoNode) nodes_[parent].children.push_back(id);
  ids_.Insert(path, id);
  return id;
}

std::optional<std::uint32_t> PathTree::Find(std::string_view path) const { return ids_.Find(path); }

std::optional<std::uint32_t> PathTree::FindDeepestPrefix(std::string_view path) const {
  while (!path.empty()) {
    if (auto id = Find(path)) return id;
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) break;
    path = path.substr(0, slash);
  }
  return std::nullopt;
}

void PathTree::AppendSubtree(std::uint32_t id, std::vector<std::uint32_t>* out) const {
  out->push_back(id);
  for (const std::uint32_t child : nodes_[id].children) AppendSubtree(child, out);
}

void PathTree::AppendRelated(std::uint32_t id, std::vector<std::uint32_t>* out) const {
  AppendSubtree(id, out);
  for (std::uint32_t up = nodes_[id].parent; up != kNoNode; up = nodes_[up].parent) out->push_back(up);
}

}  // namespace biomatch::engine
