// The Engine's construction, its observer and match watch, and the helpers
// every mutation shares (mutation.h). The methods live by idea in
// records.cc, batch.cc, reservations.cc and recovery.cc; matching in
// matcher.cc, statistics in stats.cc.
#include "biomatch/engine/engine.h"

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "mutation.h"
#include "replicas.h"
#include "state.h"

namespace biomatch::engine {
namespace {

// What an observer may read during its call (the exclusive lock is held).
class StateContext final : public ChangeContext {
 public:
  explicit StateContext(const EngineState& s) : s_(s) {}
  const Platform* FindPlatform(std::string_view id) const override {
    const auto idx = s_.platforms.Find(id);
    return idx ? &s_.platforms.at(*idx).doc : nullptr;
  }
  std::optional<Capability> FindCapability(std::string_view id) const override {
    const auto idx = s_.capabilities.Find(id);
    return idx ? std::optional(CapabilitySnapshot(s_, *idx, false)) : std::nullopt;
  }
  const Request* FindRequest(std::string_view id) const override {
    const auto idx = s_.requests.Find(id);
    return idx ? &s_.requests.at(*idx).doc : nullptr;
  }

 private:
  const EngineState& s_;
};

}  // namespace

std::string Quoted(std::string_view kind, std::string_view id) {
  std::string s(kind);
  s += ' ';
  s += id;
  return s;
}

Status CheckIfMatch(const EntityMeta* current, IfMatch if_match) {
  if (!if_match) return Status::Ok();
  if (current == nullptr) return Status::PreconditionFailed("If-Match given but the entity does not exist");
  if (current->version != *if_match) {
    return Status::PreconditionFailed("If-Match version " + std::to_string(*if_match) +
                                      " does not match current version " + std::to_string(current->version));
  }
  return Status::Ok();
}

void Stamp(EntityMeta* meta, const EntityMeta* previous, Seconds now) {
  meta->version = previous ? previous->version + 1 : 1;
  meta->created_at = previous ? previous->created_at : now;
  meta->updated_at = now;
}

void Notify(EngineState& s, ChangeSet& changes, std::optional<Seconds> now) {
  s.unmet.Update(s, now, &changes);
  if (!s.observer) return;
  s.watch.Update(s, now, &changes);
  if (!changes.empty() && !s.observer_muted) s.observer(changes, StateContext(s));
}

Capability CapabilitySnapshot(const EngineState& s, std::uint32_t idx, bool slots) {
  const CapabilityRec& rec = s.capabilities.at(idx);
  Capability c;
  c.id = s.capabilities.id(idx);
  c.platform_id = s.platforms.id(rec.platform);
  c.category = s.categories.node(rec.node).path;
  c.title = rec.texts[0];
  c.description = rec.texts[1];
  for (std::size_t i = 2; i < rec.texts.size(); ++i) c.keywords.emplace_back(rec.texts[i]);
  c.stages = rec.stages;
  c.unit = rec.unit;
  c.price_per_unit = rec.price_per_unit;
  if (slots) c.slots = rec.calendar.Slots();
  c.meta = rec.meta;
  return c;
}

Engine::Engine() : replicas_(std::make_unique<Replicas>()) {}
Engine::~Engine() = default;

void Engine::SetChangeObserver(ChangeObserver observer, std::function<void()> publishing) {
  replicas_->Write([&](EngineState& s, bool last) {
    s.observer = Take(observer, last);
    s.publishing = Take(publishing, last);
  });
}

void Engine::SetMatchWatch(const MatchWatchOptions& options) {
  replicas_->Write([&](EngineState& s, bool) { s.watch.Configure(options); });
}
}  // namespace biomatch::engine
