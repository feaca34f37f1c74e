#include "biomatch/engine/validate.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace biomatch::engine {
namespace {

std::string Field(std::string_view base, std::string_view name) {
  std::string f(base);
  if (!f.empty()) f += '.';
  f += name;
  return f;
}

std::string Indexed(std::string_view base, std::size_t i) {
  std::string f(base);
  f += '[';
  f += std::to_string(i);
  f += ']';
  return f;
}

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

Status CheckText(std::string_view text, std::string_view field, std::size_t max_bytes, bool required) {
  if (required && text.empty()) return Status::InvalidArgument(std::string(field), "must not be empty");
  if (text.size() > max_bytes) {
    return Status::InvalidArgument(std::string(field),
                                   "is longer than " + std::to_string(max_bytes) + " bytes");
  }
  return Status::Ok();
}

Status CheckPath(std::string_view path, std::string_view field, bool allow_upper) {
  if (path.empty()) return Status::InvalidArgument(std::string(field), "must not be empty");
  if (path.size() > kMaxPathBytes) {
    return Status::InvalidArgument(std::string(field), "is longer than 256 bytes");
  }
  std::size_t segments = 1;
  char prev = '/';
  for (const char c : path) {
    if (c == '/') {
      if (prev == '/') return Status::InvalidArgument(std::string(field), "has an empty path segment");
      ++segments;
    } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                 (allow_upper && c >= 'A' && c <= 'Z'))) {
      return Status::InvalidArgument(
          std::string(field), allow_upper ? "segments may hold only letters, digits and . _ -"
                                          : "segments may hold only lowercase letters, digits and . _ -");
    }
    prev = c;
  }
  if (prev == '/') return Status::InvalidArgument(std::string(field), "has an empty path segment");
  if (segments > kMaxPathSegments) {
    return Status::InvalidArgument(std::string(field), "has more than 16 segments");
  }
  return Status::Ok();
}

Status CheckFiniteRange(double v, double lo, double hi, std::string_view field) {
  if (!std::isfinite(v)) return Status::InvalidArgument(std::string(field), "must be a finite number");
  if (v < lo || v > hi) {
    return Status::InvalidArgument(std::string(field), "must be between " + std::to_string(lo) + " and " +
                                                           std::to_string(hi));
  }
  return Status::Ok();
}

Status CheckLocation(const GeoPoint& p, std::string_view field) {
  if (Status s = CheckFiniteRange(p.lat, -90, 90, Field(field, "lat")); !s.ok()) return s;
  return CheckFiniteRange(p.lon, -180, 180, Field(field, "lon"));
}

Status CheckTime(Seconds t, std::string_view field) {
  if (t < kMinTime || t > kMaxTime) {
    return Status::InvalidArgument(std::string(field), "must lie between 1970 and 9999");
  }
  return Status::Ok();
}

Status CheckStrings(const std::vector<std::string>& items, std::string_view field, std::size_t max_bytes) {
  if (items.size() > kMaxListItems) {
    return Status::InvalidArgument(std::string(field), "has more than 1024 items");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].empty() && items[i].size() <= max_bytes) continue;
    if (Status s = CheckText(items[i], Indexed(field, i), max_bytes, true); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Status ValidateId(std::string_view id, std::string_view field) {
  if (id.empty()) return Status::InvalidArgument(std::string(field), "must not be empty");
  if (id.size() > kMaxIdBytes) return Status::InvalidArgument(std::string(field), "is longer than 128 bytes");
  const char first = id.front();
  if (first == '.' || first == '_' || first == ':' || first == '-') {
    return Status::InvalidArgument(std::string(field), "must start with a letter or digit");
  }
  if (!std::all_of(id.begin(), id.end(), IsIdChar)) {
    return Status::InvalidArgument(std::string(field), "may hold only letters, digits and . _ : -");
  }
  return Status::Ok();
}

Status ValidateCategory(std::string_view path, std::string_view field) { return CheckPath(path, field, false); }
Status ValidateRegion(std::string_view path, std::string_view field) { return CheckPath(path, field, true); }

Status ValidateWeights(const WeightOverrides& o, std::string_view field) {
  for (const FactorSpec& f : kFactors) {
    const std::optional<double>& value = o.*f.override_weight;
    if (!value) continue;
    if (!std::isfinite(*value) || *value < 0 || *value > 1e6) {
      return Status::InvalidArgument(Field(field, f.name), "must be a finite number from 0 to 1e6");
    }
  }
  const Weights w = ApplyOverrides(DefaultWeights(), o);
  double sum = 0;
  for (const FactorSpec& f : kFactors) sum += w.*f.weight;
  if (sum <= 0) return Status::InvalidArgument(std::string(field), "weights must not all be 0");
  return Status::Ok();
}

Status ValidateSlots(const std::vector<Slot>& slots, std::string_view field) {
  if (slots.size() > kMaxSlots) return Status::InvalidArgument(std::string(field), "has more than 100000 slots");
  auto in_range = [](Seconds t) { return t >= kMinTime && t <= kMaxTime; };
  bool sorted = true;  // by start
  Seconds first_start = kMaxTime, last_start = kMinTime;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    const bool ok = in_range(s.start) && in_range(s.end) && s.end > s.start && s.end - s.start <= kMaxSlotSeconds &&
                    s.units >= 0 && s.units <= kMaxUnits;
    if (!ok) {  // the common case builds no field name
      const std::string f = Indexed(field, i);
      if (Status st = CheckTime(s.start, Field(f, "start")); !st.ok()) return st;
      if (Status st = CheckTime(s.end, Field(f, "end")); !st.ok()) return st;
      if (s.end <= s.start) return Status::InvalidArgument(Field(f, "end"), "end must be after start");
      if (s.end - s.start > kMaxSlotSeconds) {
        return Status::InvalidArgument(Field(f, "end"), "a slot may last at most 100 years");
      }
      return Status::InvalidArgument(Field(f, "units"), "must be an integer from 0 to 1000000000");
    }
    sorted = sorted && (i == 0 || slots[i - 1].start <= s.start);
    first_start = std::min(first_start, s.start);
    last_start = std::max(last_start, s.start);
  }
  // The calendar stores starts as offsets from its first slot.
  if (!slots.empty() && last_start - first_start > kMaxSlotSeconds) {
    return Status::InvalidArgument(std::string(field), "slots may span at most 100 years");
  }
  // Overlaps show between neighbours in start order (ties by position).
  // Slots usually come sorted: then that order is their own.
  std::vector<std::size_t> order;
  if (!sorted) {
    order.resize(slots.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return slots[a].start < slots[b].start || (slots[a].start == slots[b].start && a < b);
    });
  }
  for (std::size_t k = 1; k < slots.size(); ++k) {
    const std::size_t a = sorted ? k - 1 : order[k - 1];
    const std::size_t b = sorted ? k : order[k];
    if (slots[b].start < slots[a].end) {
      return Status::InvalidArgument(Indexed(field, std::max(a, b)),
                                     "overlaps slot " + std::to_string(std::min(a, b)));
    }
  }
  return Status::Ok();
}

Status ValidatePlatform(const Platform& p) {
  if (!p.id.empty()) {
    if (Status s = ValidateId(p.id); !s.ok()) return s;
  }
  if (Status s = CheckText(p.name, "name", kMaxNameBytes, true); !s.ok()) return s;
  if (Status s = ValidateRegion(p.region, "region"); !s.ok()) return s;
  if (Status s = CheckLocation(p.location, "location"); !s.ok()) return s;
  if (p.qualifications.size() > kMaxListItems) {
    return Status::InvalidArgument("qualifications", "has more than 1024 items");
  }
  for (std::size_t i = 0; i < p.qualifications.size(); ++i) {
    const Qualification& q = p.qualifications[i];
    const std::string f = Indexed("qualifications", i);
    if (Status s = CheckText(q.name, Field(f, "name"), 256, true); !s.ok()) return s;
    if (q.valid_until) {
      if (Status s = CheckTime(*q.valid_until, Field(f, "valid_until")); !s.ok()) return s;
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (p.qualifications[j].name == q.name) {
        return Status::InvalidArgument(Field(f, "name"), "repeats qualification " + q.name);
      }
    }
  }
  if (p.evaluation) {
    const Evaluation& e = *p.evaluation;
    const std::pair<double, std::string_view> dims[] = {{e.service_capability, "service_capability"},
                                                        {e.management, "management"},
                                                        {e.output, "output"},
                                                        {e.basic_conditions, "basic_conditions"}};
    for (const auto& [v, name] : dims) {
      if (Status s = CheckFiniteRange(v, 0, 100, Field("evaluation", name)); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

Status ValidateCapability(const Capability& c) {
  if (!c.id.empty()) {
    if (Status s = ValidateId(c.id); !s.ok()) return s;
  }
  if (Status s = ValidateId(c.platform_id, "platform_id"); !s.ok()) return s;
  if (Status s = ValidateCategory(c.category); !s.ok()) return s;
  if (Status s = CheckText(c.title, "title", kMaxNameBytes, true); !s.ok()) return s;
  if (Status s = CheckText(c.description, "description", kMaxTextBytes, false); !s.ok()) return s;
  if (Status s = CheckStrings(c.keywords, "keywords", 256); !s.ok()) return s;
  if (c.stages == 0) return Status::InvalidArgument("stages", "must name at least one stage");
  if (c.stages >= (1u << kStageCount)) return Status::InvalidArgument("stages", "names an unknown stage");
  if (static_cast<int>(c.unit) >= kUnitCount) return Status::InvalidArgument("unit", "is not a known unit");
  if (Status s = CheckFiniteRange(c.price_per_unit, 0, kMaxMoney, "price_per_unit"); !s.ok()) return s;
  return ValidateSlots(c.slots);
}

Status ValidateRequest(const Request& r) {
  if (!r.id.empty()) {
    if (Status s = ValidateId(r.id); !s.ok()) return s;
  }
  if (Status s = ValidateId(r.requester.id, "requester.id"); !s.ok()) return s;
  if (Status s = ValidateCategory(r.category); !s.ok()) return s;
  if (Status s = CheckText(r.text, "text", kMaxTextBytes, false); !s.ok()) return s;
  if (Status s = CheckStrings(r.keywords, "keywords", 256); !s.ok()) return s;
  if (static_cast<int>(r.stage) >= kStageCount) return Status::InvalidArgument("stage", "is not a known stage");
  if (static_cast<int>(r.unit) >= kUnitCount) return Status::InvalidArgument("unit", "is not a known unit");
  if (r.quantity < 1 || r.quantity > kMaxUnits) {
    return Status::InvalidArgument("quantity", "must be an integer from 1 to 1000000000");
  }
  if (r.budget_max) {
    if (Status s = CheckFiniteRange(*r.budget_max, 0, kMaxMoney, "budget_max"); !s.ok()) return s;
  }
  if (Status s = CheckTime(r.window.earliest_start, "window.earliest_start"); !s.ok()) return s;
  if (Status s = CheckTime(r.window.deadline, "window.deadline"); !s.ok()) return s;
  if (r.window.deadline <= r.window.earliest_start) {
    return Status::InvalidArgument("window.deadline", "deadline is not after earliest_start");
  }
  if (r.location) {
    if (Status s = CheckLocation(*r.location, "location"); !s.ok()) return s;
  }
  if (r.max_distance_km) {
    if (!r.location) return Status::InvalidArgument("max_distance_km", "needs a location");
    if (!std::isfinite(*r.max_distance_km) || *r.max_distance_km <= 0 || *r.max_distance_km > kMaxDistanceKm) {
      return Status::InvalidArgument("max_distance_km", "must be a finite number above 0 and at most 40075");
    }
  }
  if (r.region) {
    if (Status s = ValidateRegion(*r.region, "region"); !s.ok()) return s;
  }
  if (Status s = CheckStrings(r.required_qualifications, "required_qualifications", 256); !s.ok()) return s;
  if (r.weights) {
    if (Status s = ValidateWeights(*r.weights); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace biomatch::engine
