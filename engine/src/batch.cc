// The checks of puts and deletes, alone or in a batch, and ApplyBatch. A
// batch checks every operation against the state the earlier ones leave,
// then applies them all (records.cc's Apply*), and reports their net effect.
#include <algorithm>
#include <cassert>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/validate.h"
#include "mutation.h"
#include "replicas.h"
#include "state.h"
#include "string_index.h"

namespace biomatch::engine {
namespace {

// Values by id for the ids a batch touches: a StringIndex naming slots of a
// vector (a flat table: a bulk load touches a million ids).
template <typename V>
class BatchMap {
 public:
  void Reserve(std::size_t n) {
    slots_.Reserve(n, 0);
    values_.reserve(n);
  }
  const V* Find(std::string_view id) const {
    const auto slot = slots_.Find(id);
    return slot ? &values_[*slot].value : nullptr;
  }
  // The value of `id`, value-initialised when it had none.
  V& operator[](std::string_view id) {
    const auto [slot, added] = slots_.FindOrInsert(id, static_cast<std::uint32_t>(values_.size()));
    if (added) values_.emplace_back();
    return values_[slot].value;
  }

 private:
  struct Value {
    V value{};  // wrapped: no std::vector<bool>
  };
  StringIndex slots_;
  std::vector<Value> values_;
};

// Where the check of a capability put found its platform: an index in the
// engine, or (with kPutInBatch) the index of the operation of the batch that
// puts it, whose engine index is known once that operation is applied.
using PlatformRef = std::uint32_t;
constexpr PlatformRef kPutInBatch = 0x80000000;

// What the earlier operations of a batch did, so later ones are checked
// against the state they will meet. Empty for a single operation. Values
// view the batch's operations and the engine's state, which stay put while
// the batch is checked.
struct Overlay {
  BatchMap<std::optional<std::uint32_t>> platforms;  // id -> the operation that last put it; none once deleted
  BatchMap<std::optional<std::string_view>> capabilities;  // id -> platform, if it exists
  BatchMap<bool> requests;
  BatchMap<std::int64_t> capabilities_per_platform;  // change in count
  // Deleted earlier in the batch: their stored reservations no longer apply.
  BatchMap<bool> deleted_capabilities, deleted_requests;

  std::optional<PlatformRef> FindPlatform(const EngineState& s, std::string_view id) const {
    if (const auto* op = platforms.Find(id)) {
      if (!*op) return std::nullopt;
      return **op | kPutInBatch;
    }
    return s.platforms.Find(id);
  }
  std::optional<std::string_view> CapabilityPlatform(const EngineState& s, std::string_view id) const {
    if (const auto* platform = capabilities.Find(id)) return *platform;
    if (auto idx = s.capabilities.Find(id)) return s.platforms.id(s.capabilities.at(*idx).platform);
    return std::nullopt;
  }
  bool RequestExists(const EngineState& s, std::string_view id) const {
    if (const bool* exists = requests.Find(id)) return *exists;
    return s.requests.Find(id).has_value();
  }
  // The stored capability or request `id`, unless the batch deleted it earlier.
  template <typename Rec>
  static const Rec* Stored(const Table<Rec>& table, const BatchMap<bool>& deleted, std::string_view id) {
    if (deleted.Find(id)) return nullptr;
    const auto idx = table.Find(id);
    return idx ? &table.at(*idx) : nullptr;
  }
};

// Sets *platform to where the capability's platform is.
Status CheckPutCapability(const EngineState& s, const Overlay& o, const Capability& c, PlatformRef* platform) {
  const auto found = o.FindPlatform(s, c.platform_id);
  if (!found) return Status::InvalidArgument("platform_id", Quoted("platform", c.platform_id) + " does not exist");
  *platform = *found;
  // Only reserved units can make the new slots conflict with the old.
  const CapabilityRec* prev = o.Stored(s.capabilities, o.deleted_capabilities, c.id);
  if (prev && prev->calendar.total_reserved() > 0) {
    if (auto carried = CarryReservations(prev->calendar, c.slots); !carried.ok()) return carried.status();
  }
  return Status::Ok();
}

Status CheckPutRequest(const EngineState& s, const Overlay& o, const Request& r) {
  if (const RequestRec* prev = o.Stored(s.requests, o.deleted_requests, r.id)) {
    if (prev->live_units + prev->completed_units > r.quantity) {
      return Status::Conflict("quantity " + std::to_string(r.quantity) + " is below the " +
                              std::to_string(prev->live_units + prev->completed_units) +
                              " units already reserved or completed");
    }
  }
  return Status::Ok();
}

Status CheckDeletePlatform(const EngineState& s, const Overlay& o, std::string_view id) {
  if (!o.FindPlatform(s, id)) return Status::NotFound(Quoted("platform", id) + " does not exist");
  std::int64_t count = 0;
  if (auto idx = s.platforms.Find(id)) count += s.platform_capabilities[*idx];
  if (const std::int64_t* change = o.capabilities_per_platform.Find(id)) count += *change;
  if (count > 0) return Status::Conflict(Quoted("platform", id) + " still has " + std::to_string(count) + " capabilities");
  return Status::Ok();
}

Status CheckDeleteCapability(const EngineState& s, const Overlay& o, std::string_view id) {
  if (!o.CapabilityPlatform(s, id)) return Status::NotFound(Quoted("capability", id) + " does not exist");
  if (const CapabilityRec* rec = o.Stored(s.capabilities, o.deleted_capabilities, id); rec && rec->live_reservations > 0) {
    return Status::Conflict(Quoted("capability", id) + " has " + std::to_string(rec->live_reservations) +
                            " live reservations");
  }
  return Status::Ok();
}

Status CheckDeleteRequest(const EngineState& s, const Overlay& o, std::string_view id) {
  if (!o.RequestExists(s, id)) return Status::NotFound(Quoted("request", id) + " does not exist");
  if (const RequestRec* rec = o.Stored(s.requests, o.deleted_requests, id); rec && rec->live_units > 0) {
    return Status::Conflict(Quoted("request", id) + " has " + std::to_string(rec->live_units) +
                            " units in live reservations");
  }
  return Status::Ok();
}

// A batch may delete an id and put it again, or put and then delete it;
// its change set then lists the id among both the puts and the deletes, and
// a reader of the change set (storage writes puts before deletes; events
// are derived puts first) would get the order wrong. Keeps the net effect:
// each id once, in its final state: the last put of an id that exists at
// the end, the last delete of one that does not.
template <typename T, typename Rec>
void KeepNetEffect(const Table<Rec>& table, std::vector<T>* puts, std::vector<T>* deletes) {
  auto keep_last = [](std::vector<T>* list, auto wanted) {
    BatchMap<bool> seen;
    std::vector<T> kept;
    for (auto it = list->rbegin(); it != list->rend(); ++it) {
      bool& was_seen = seen[it->id];
      if (!was_seen && wanted(it->id)) kept.push_back(std::move(*it));
      was_seen = true;
    }
    std::reverse(kept.begin(), kept.end());
    *list = std::move(kept);
  };
  keep_last(puts, [&](std::string_view id) { return table.Find(id).has_value(); });
  keep_last(deletes, [&](std::string_view id) { return !table.Find(id).has_value(); });
}

void KeepNetEffect(const EngineState& s, ChangeSet* c) {
  KeepNetEffect(s.platforms, &c->platforms, &c->deleted_platforms);
  KeepNetEffect(s.capabilities, &c->capabilities, &c->deleted_capabilities);
  KeepNetEffect(s.requests, &c->requests, &c->deleted_requests);
}

}  // namespace

Status CheckPutCapability(const EngineState& s, const Capability& c, std::uint32_t* platform) {
  return CheckPutCapability(s, Overlay{}, c, platform);  // without a batch, an engine index
}
Status CheckPutRequest(const EngineState& s, const Request& r) { return CheckPutRequest(s, Overlay{}, r); }
Status CheckDeletePlatform(const EngineState& s, std::string_view id) {
  return CheckDeletePlatform(s, Overlay{}, id);
}
Status CheckDeleteCapability(const EngineState& s, std::string_view id) {
  return CheckDeleteCapability(s, Overlay{}, id);
}
Status CheckDeleteRequest(const EngineState& s, std::string_view id) { return CheckDeleteRequest(s, Overlay{}, id); }

Result<std::size_t> Engine::ApplyBatch(std::vector<BatchOp> ops, Seconds now, std::vector<BatchError>* errors,
                                      const std::function<void()>& before_publish) {
  errors->clear();
  // Document validation needs no lock. The same pass counts puts per type
  // (and their id bytes), to size the tables once.
  struct Puts {
    std::size_t n = 0, id_bytes = 0;
    void Add(const BatchOp& op) { ++n, id_bytes += op.id.size(); }
  } platform_puts, capability_puts, request_puts;
  bool has_deletes = false;
  // Each document is validated without its id, checked on its own above (a
  // document's own id is ignored: the operation's replaces it).
  auto validate = [](auto* doc, const std::string& id, auto check) {
    doc->id.clear();
    Status st = check(*doc);
    doc->id = id;
    return st;
  };
  std::vector<BatchError> invalid;  // in operation order
  for (std::size_t i = 0; i < ops.size(); ++i) {
    BatchOp& op = ops[i];
    has_deletes |= op.kind != BatchOp::Kind::kPut;
    Status st = ValidateId(op.id);
    if (!st.ok()) {
      invalid.push_back({i, std::move(st)});
      continue;
    }
    if (auto* p = std::get_if<Platform>(&op.doc)) {
      platform_puts.Add(op);
      st = validate(p, op.id, ValidatePlatform);
    } else if (auto* c = std::get_if<Capability>(&op.doc)) {
      capability_puts.Add(op);
      st = validate(c, op.id, ValidateCapability);
    } else if (auto* r = std::get_if<Request>(&op.doc)) {
      request_puts.Add(op);
      st = validate(r, op.id, ValidateRequest);
    } else if (op.kind == BatchOp::Kind::kPut) {
      st = Status::InvalidArgument("doc", "is required for a put");
    }
    if (!st.ok()) invalid.push_back({i, std::move(st)});
  }
  bool applied = false;  // by the first run
  return replicas_->Write(
      [&](EngineState& s, bool last) -> Result<std::size_t> {
    // Each run of the check reports into `reported`: the first into *errors.
    std::vector<BatchError> discarded;
    std::vector<BatchError>* reported = last ? &discarded : errors;
    // Only a delete asks whether a capability or request exists, or where a
    // capability is (a put needs its platform and nothing else): a batch of
    // puts records platforms alone.
    Overlay o;
    o.platforms.Reserve(platform_puts.n);
    if (has_deletes) o.capabilities.Reserve(capability_puts.n);
    assert(ops.size() < kPutInBatch);
    std::vector<PlatformRef> platform_of(ops.size());  // by operation: see PlatformRef
    std::size_t next_invalid = 0;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (next_invalid < invalid.size() && invalid[next_invalid].index == i) {
        reported->push_back(invalid[next_invalid++]);
        continue;
      }
      const BatchOp& op = ops[i];
      Status st;
      switch (op.kind) {
        case BatchOp::Kind::kPut:
          if (const auto* c = std::get_if<Capability>(&op.doc)) st = CheckPutCapability(s, o, *c, &platform_of[i]);
          if (const auto* r = std::get_if<Request>(&op.doc)) st = CheckPutRequest(s, o, *r);
          break;
        case BatchOp::Kind::kDeletePlatform: st = CheckDeletePlatform(s, o, op.id); break;
        case BatchOp::Kind::kDeleteCapability: st = CheckDeleteCapability(s, o, op.id); break;
        case BatchOp::Kind::kDeleteRequest: st = CheckDeleteRequest(s, o, op.id); break;
      }
      if (!st.ok()) {
        reported->push_back({i, std::move(st)});
        continue;
      }
      // Record what this operation leaves behind for the ones after it.
      auto move_capability = [&](std::string_view id, std::optional<std::string_view> platform) {
        if (auto old = o.CapabilityPlatform(s, id)) --o.capabilities_per_platform[*old];
        if (platform) ++o.capabilities_per_platform[*platform];
        o.capabilities[id] = platform;
      };
      switch (op.kind) {
        case BatchOp::Kind::kPut:
          if (std::holds_alternative<Platform>(op.doc)) o.platforms[op.id] = static_cast<std::uint32_t>(i);
          if (!has_deletes) break;
          if (const auto* c = std::get_if<Capability>(&op.doc)) move_capability(op.id, std::string_view(c->platform_id));
          if (std::holds_alternative<Request>(op.doc)) o.requests[op.id] = true;
          break;
        case BatchOp::Kind::kDeletePlatform: o.platforms[op.id] = std::nullopt; break;
        case BatchOp::Kind::kDeleteCapability:
          move_capability(op.id, std::nullopt);
          o.deleted_capabilities[op.id] = true;
          break;
        case BatchOp::Kind::kDeleteRequest:
          o.requests[op.id] = false;
          o.deleted_requests[op.id] = true;
          break;
      }
    }
    if (!reported->empty()) {
      return Status::InvalidArgument("", std::to_string(reported->size()) + " operations are invalid");
    }

    ChangeSet changes;
    ChangeSet* sink = s.observer ? &changes : nullptr;  // nobody observes: copy nothing
    s.platforms.Reserve(platform_puts.n, platform_puts.id_bytes);
    s.capabilities.Reserve(capability_puts.n, capability_puts.id_bytes);
    s.requests.Reserve(request_puts.n, request_puts.id_bytes);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      BatchOp& op = ops[i];
      switch (op.kind) {
        case BatchOp::Kind::kPut:
          if (auto* p = std::get_if<Platform>(&op.doc)) {
            ApplyPutPlatform(s, Take(*p, last), now, sink);
            platform_of[i] = *s.platforms.Find(op.id);  // for the capabilities that follow
          }
          if (auto* c = std::get_if<Capability>(&op.doc)) {
            const PlatformRef ref = platform_of[i];
            const std::uint32_t platform = ref & kPutInBatch ? platform_of[ref & ~kPutInBatch] : ref;
            ApplyPutCapability(s, Take(*c, last), platform, now, sink, false);
          }
          if (auto* r = std::get_if<Request>(&op.doc)) ApplyPutRequest(s, Take(*r, last), now, sink);
          break;
        case BatchOp::Kind::kDeletePlatform: ApplyDeletePlatform(s, op.id, sink); break;
        case BatchOp::Kind::kDeleteCapability: ApplyDeleteCapability(s, op.id, sink); break;
        case BatchOp::Kind::kDeleteRequest: ApplyDeleteRequest(s, op.id, sink); break;
      }
    }
    if (has_deletes && sink) KeepNetEffect(s, sink);  // without deletes no id is both put and deleted
    if (!sink) s.unmet.Invalidate();  // it cannot follow changes it does not see
    Notify(s, changes, now);
    applied = true;
    return ops.size();
  },
      [&] {
        if (applied && before_publish) before_publish();
      });
}

}  // namespace biomatch::engine
