#include "percolator.h"

#include <algorithm>

#include "biomatch/engine/tokenize.h"
#include "biomatch/engine/types.h"

namespace biomatch::server {
namespace {

constexpr char kPathSeparator = '\x1f';  // never in a validated path
constexpr std::string_view kMatchFound = "match.found";

bool Contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

std::vector<std::string> SortedTokens(std::string_view text) {
  std::vector<std::string> tokens;
  engine::Tokenize(text, &tokens);
  std::sort(tokens.begin(), tokens.end());
  tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
  return tokens;
}

// The prefixes of a path by whole segments, shortest first, and "" first of
// all: "a/b" gives "", "a", "a/b". An empty path gives only "".
std::vector<std::string_view> Prefixes(std::string_view path) {
  std::vector<std::string_view> out{std::string_view()};
  if (path.empty()) return out;
  for (std::size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', slash + 1)) {
    out.push_back(path.substr(0, slash));
  }
  out.push_back(path);
  return out;
}

void Erase(std::vector<const CompiledFilter*>* posting, const CompiledFilter* filter) {
  if (auto it = std::find(posting->begin(), posting->end(), filter); it != posting->end()) {
    *it = posting->back();
    posting->pop_back();
  }
}

}  // namespace

std::string PathKey(std::string_view category, std::string_view region) {
  std::string key;
  key.reserve(category.size() + region.size() + 1);
  key.append(category);
  key.push_back(kPathSeparator);
  key.append(region);
  return key;
}

CompiledFilter::CompiledFilter(std::shared_ptr<const Subscription> sub) : sub_(std::move(sub)) {
  if (sub_->types.empty()) {
    types_.set();
  } else {
    for (const std::string& t : sub_->types) {
      if (const std::size_t i = EventTypeIndex(t); i < kEventTypeCount) types_.set(i);
    }
  }
  for (const std::string& k : sub_->keywords) keyword_tokens_.push_back(SortedTokens(k));
}

bool CompiledFilter::Passes(std::string_view type, const EventFacets& f, unsigned proven) const {
  const Subscription& s = *sub_;
  if (!(proven & kPaths)) {
    if (s.category && (f.category.empty() || !engine::IsPathPrefix(*s.category, f.category))) return false;
    if (s.region && (f.region.empty() || !engine::IsPathPrefix(*s.region, f.region))) return false;
  }
  if (s.stages != 0 && (s.stages & f.stages) == 0) return false;
  if (!(proven & kPlatform) && !s.platform_ids.empty() &&
      (f.platform_id.empty() || !Contains(s.platform_ids, f.platform_id))) {
    return false;
  }
  if (!(proven & kRequester) && !s.requester_ids.empty() &&
      (f.requester_id.empty() || !Contains(s.requester_ids, f.requester_id))) {
    return false;
  }
  if (!keyword_tokens_.empty() &&
      std::none_of(keyword_tokens_.begin(), keyword_tokens_.end(), [&](const std::vector<std::string>& tokens) {
        return std::includes(f.tokens.begin(), f.tokens.end(), tokens.begin(), tokens.end());
      })) {
    return false;
  }
  if (s.min_score && type == kMatchFound && (!f.score || *f.score < *s.min_score)) return false;
  return true;
}

void Percolator::Put(std::shared_ptr<const Subscription> sub) {
  Remove(sub->id);
  const std::string id = sub->id;
  Entry& entry = filters_[id];
  entry.filter = std::make_unique<CompiledFilter>(std::move(sub));
  Post(&entry);
}

void Percolator::Remove(std::string_view id) {
  auto it = filters_.find(std::string(id));
  if (it == filters_.end()) return;
  for (Posting* posting : it->second.postings) Erase(posting, it->second.filter.get());
  filters_.erase(it);
}

const CompiledFilter* Percolator::Find(std::string_view id) const {
  auto it = filters_.find(std::string(id));
  return it == filters_.end() ? nullptr : it->second.filter.get();
}

void Percolator::Post(Entry* entry) {
  const CompiledFilter* f = entry->filter.get();
  const Subscription& s = f->sub();
  auto post = [&](Posting& posting) {
    posting.push_back(f);
    entry->postings.push_back(&posting);
  };
  for (std::size_t type = 0; type < kEventTypeCount; ++type) {
    if (!f->TakesType(type)) continue;
    TypeIndex& t = index_[type];
    if (!s.platform_ids.empty()) {
      for (const std::string& id : s.platform_ids) post(t.by_platform[id]);
    } else if (!s.requester_ids.empty()) {
      for (const std::string& id : s.requester_ids) post(t.by_requester[id]);
    } else if (s.category || s.region) {
      post(t.by_path[PathKey(s.category.value_or(""), s.region.value_or(""))]);
    } else if (!f->keyword_tokens().empty()) {
      for (const std::vector<std::string>& tokens : f->keyword_tokens()) {
        // The longest token is likely the rarest.
        post(t.by_token[*std::max_element(tokens.begin(), tokens.end(),
                                           [](const std::string& a, const std::string& b) { return a.size() < b.size(); })]);
      }
    } else if (s.stages != 0) {
      for (int st = 0; st < engine::kStageCount; ++st) {
        if (s.stages & (1u << st)) post(t.by_stage[static_cast<std::size_t>(st)]);
      }
    } else {
      post(t.any);
    }
  }
}

void Percolator::Match(std::string_view type, const EventFacets& facets, std::vector<const CompiledFilter*>* out) const {
  const std::size_t type_index = EventTypeIndex(type);
  if (type_index == kEventTypeCount) return;
  const TypeIndex& t = index_[type_index];
  const std::size_t first = out->size();
  auto check = [&](const Posting& posting, unsigned proven) {
    for (const CompiledFilter* f : posting) {
      if (f->Passes(type, facets, proven)) out->push_back(f);
    }
  };
  auto check_key = [&](const std::unordered_map<std::string, Posting>& map, const std::string& key, unsigned proven) {
    if (auto it = map.find(key); it != map.end()) check(it->second, proven);
  };
  if (!facets.platform_id.empty() && !t.by_platform.empty()) {
    check_key(t.by_platform, facets.platform_id, CompiledFilter::kPlatform);
  }
  if (!facets.requester_id.empty() && !t.by_requester.empty()) {
    check_key(t.by_requester, facets.requester_id, CompiledFilter::kRequester);
  }
  if (!t.by_path.empty()) {
    // A filter under (category, region) sets exactly those two paths, and
    // both are prefixes of the event's: its path fields pass.
    std::string key;
    for (const std::string_view category : Prefixes(facets.category)) {
      for (const std::string_view region : Prefixes(facets.region)) {
        if (category.empty() && region.empty()) continue;
        key.assign(category);
        key.push_back(kPathSeparator);
        key.append(region);
        check_key(t.by_path, key, CompiledFilter::kPaths);
      }
    }
  }
  // A filter anchored under several tokens or stages can be found once for
  // each of the event's.
  const std::size_t before_repeats = out->size();
  if (!t.by_token.empty()) {
    for (const std::string& token : facets.tokens) check_key(t.by_token, token, CompiledFilter::kNothing);
  }
  for (int st = 0; st < engine::kStageCount; ++st) {
    if (facets.stages & (1u << st)) check(t.by_stage[static_cast<std::size_t>(st)], CompiledFilter::kNothing);
  }
  const bool repeats = out->size() - before_repeats > 1;
  check(t.any, CompiledFilter::kNothing);
  if (repeats) {
    std::sort(out->begin() + static_cast<std::ptrdiff_t>(first), out->end());
    out->erase(std::unique(out->begin() + static_cast<std::ptrdiff_t>(first), out->end()), out->end());
  }
}

std::optional<double> Percolator::MatchFoundThreshold() const {
  const std::size_t match_found = EventTypeIndex(kMatchFound);
  std::optional<double> lowest;
  for (const auto& [id, entry] : filters_) {
    if (!entry.filter->TakesType(match_found)) continue;
    const double min = entry.filter->sub().min_score.value_or(0);
    if (!lowest || min < *lowest) lowest = min;
  }
  return lowest;
}

}  // namespace biomatch::server
