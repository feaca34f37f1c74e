#include "subscription_book.h"

#include <charconv>

#include "biomatch/server/json_codec.h"

namespace biomatch::server {
namespace {

using engine::Status;

constexpr std::string_view kRecordTag = "S2";
constexpr std::string_view kRecordTagWithoutOwnerId = "S1";

// Splits off the text before the next '\n'; false when there is none.
bool NextLine(std::string_view* in, std::string_view* line) {
  const std::size_t nl = in->find('\n');
  if (nl == std::string_view::npos) return false;
  *line = in->substr(0, nl);
  in->remove_prefix(nl + 1);
  return true;
}

template <typename Int>
bool ParseInt(std::string_view text, Int* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string EncodeSubscriptionRecord(const Subscription& s) {
  std::string out(kRecordTag);
  out += '\n' + s.owner + '\n' + s.owner_id + '\n' + std::to_string(s.meta.version) + '\n' + std::to_string(s.meta.created_at) + '\n' +
         std::to_string(s.meta.updated_at) + '\n';
  AppendSubscriptionJson(s, DocForm::kClient, &out);
  return out;
}

Status DecodeSubscriptionRecord(std::string_view id, std::string_view value, Subscription* s) {
  const Status bad = Status::Corruption("stored subscription " + std::string(id) + " is malformed");
  std::string_view tag, owner, owner_id, version, created, updated;
  if (!NextLine(&value, &tag) || (tag != kRecordTag && tag != kRecordTagWithoutOwnerId) ||
      !NextLine(&value, &owner)) {
    return bad;
  }
  if (tag == kRecordTagWithoutOwnerId) {
    owner_id = owner;
  } else if (!NextLine(&value, &owner_id) || owner_id.empty()) {
    return bad;
  }
  if (!NextLine(&value, &version) || !NextLine(&value, &created) || !NextLine(&value, &updated)) return bad;
  JsonReader reader(value.size());
  if (!reader.ReadSubscription(value, s).ok()) return bad;
  s->id = std::string(id);
  s->owner = std::string(owner);
  s->owner_id = std::string(owner_id);
  if (!ParseInt(version, &s->meta.version) || !ParseInt(created, &s->meta.created_at) ||
      !ParseInt(updated, &s->meta.updated_at)) {
    return bad;
  }
  return Status::Ok();
}

Status SubscriptionBook::Load(const storage::Store& store) {
  Status decoded;
  const Status scanned =
      store.ScanRecords(storage::Family::kSubscriptions, [&](const std::string& id, const std::string& value) {
        Subscription s;
        decoded = DecodeSubscriptionRecord(id, value, &s);
        if (decoded.ok()) Put(std::move(s));
        return decoded.ok();
      });
  return scanned.ok() ? decoded : scanned;
}

std::shared_ptr<const Subscription> SubscriptionBook::Get(std::string_view id) const {
  ReaderLock lock(&mu_);
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const Subscription>> SubscriptionBook::List(const std::string& owner_id,
                                                                        const std::string& after, std::size_t limit,
                                                                        bool* more) const {
  ReaderLock lock(&mu_);
  std::vector<std::shared_ptr<const Subscription>> out;
  *more = false;
  for (auto it = after.empty() ? by_id_.begin() : by_id_.upper_bound(after); it != by_id_.end(); ++it) {
    if (!owner_id.empty() && it->second->owner_id != owner_id) continue;
    if (out.size() == limit) {
      *more = true;
      break;
    }
    out.push_back(it->second);
  }
  return out;
}

std::vector<std::string> SubscriptionBook::OwnedBy(std::string_view owner_id) const {
  ReaderLock lock(&mu_);
  std::vector<std::string> ids;
  for (const auto& [id, s] : by_id_) {
    if (s->owner_id == owner_id) ids.push_back(id);
  }
  return ids;
}

void SubscriptionBook::Put(Subscription s) {
  auto shared = std::make_shared<const Subscription>(std::move(s));
  WriterLock lock(&mu_);
  by_id_[shared->id] = shared;
  percolator_.Put(std::move(shared));
}

void SubscriptionBook::Remove(std::string_view id) {
  WriterLock lock(&mu_);
  if (auto it = by_id_.find(id); it != by_id_.end()) by_id_.erase(it);
  percolator_.Remove(id);
}

std::size_t SubscriptionBook::size() const {
  ReaderLock lock(&mu_);
  return by_id_.size();
}

void SubscriptionBook::Match(std::string_view type, const EventFacets& facets,
                             const std::function<void(const Subscription&)>& visit) const {
  thread_local std::vector<const CompiledFilter*> found;
  found.clear();
  ReaderLock lock(&mu_);
  percolator_.Match(type, facets, &found);
  for (const CompiledFilter* f : found) visit(f->sub());
}

void SubscriptionBook::MatchAmong(const std::vector<SubscriptionRef>& candidates, std::string_view type,
                                  const EventFacets& facets, std::vector<std::string>* ids) const {
  ReaderLock lock(&mu_);
  const std::size_t type_index = EventTypeIndex(type);
  if (type_index == kEventTypeCount) return;
  for (const SubscriptionRef& ref : candidates) {
    const CompiledFilter* f = percolator_.Find(ref.id);
    if (f != nullptr && f->sub().owner_id == ref.owner_id && f->TakesType(type_index) && f->Passes(type, facets)) {
      ids->push_back(ref.id);
    }
  }
}

std::optional<double> SubscriptionBook::MatchFoundThreshold() const {
  ReaderLock lock(&mu_);
  return percolator_.MatchFoundThreshold();
}

}  // namespace biomatch::server
