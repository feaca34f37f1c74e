// Supervision statistics computed from the live state, read in steps under
// the shared lock (stepped_reader.h).
#include <algorithm>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "biomatch/engine/engine.h"
#include "replicas.h"
#include "state.h"
#include "stepped_reader.h"

namespace biomatch::engine {
namespace {

// The first `depth` segments of `path`.
std::string_view CutPath(std::string_view path, std::size_t depth) {
  std::size_t end = 0;
  for (std::size_t seg = 0; seg < depth; ++seg) {
    const std::size_t slash = path.find('/', end == 0 ? 0 : end + 1);
    if (slash == std::string_view::npos) return path;
    end = slash;
  }
  return path.substr(0, end);
}

// The rows of one statistics answer, found by group name, and which row
// each path-tree node falls into (computed once per node).
template <typename Row>
class Grouping {
 public:
  static constexpr std::size_t kExcluded = static_cast<std::size_t>(-1);

  explicit Grouping(const StatsQuery& q)
      : depth_(std::max<std::size_t>(q.depth, PathDepth(q.prefix))), prefix_(q.prefix) {}

  // The row of the path of `node` in `tree`, or kExcluded when the path is
  // not under the prefix. `memo` is this tree's memo.
  std::size_t RowOfNode(const PathTree& tree, std::uint32_t node, std::vector<std::size_t>* memo) {
    if (memo->size() <= node) memo->resize(tree.size(), kUnset);
    std::size_t& row = (*memo)[node];
    if (row == kUnset) {
      const std::string& path = tree.node(node).path;
      row = prefix_.empty() || IsPathPrefix(prefix_, path) ? RowOf(CutPath(path, depth_)) : kExcluded;
    }
    return row;
  }
  // The row named `group` (made on first use), or kExcluded when a prefix
  // is given: such a group (a platform id, "unknown") is under no path.
  std::size_t RowOfName(std::string_view group) { return prefix_.empty() ? RowOf(group) : kExcluded; }
  // RowOfName(platform's id), memoised by platform index in `memo`; the
  // memo is checked against the id, since a stepped read may see an index
  // reused by another platform.
  std::size_t RowOfPlatform(const EngineState& s, std::uint32_t platform, std::vector<std::size_t>* memo) {
    if (!prefix_.empty()) return kExcluded;
    if (memo->size() <= platform) memo->resize(s.platforms.slots(), kUnset);
    std::size_t& row = (*memo)[platform];
    const std::string_view id = s.platforms.id(platform);
    if (row == kUnset || rows_[row].group != id) row = RowOf(id);
    return row;
  }

  Row& row(std::size_t i) { return rows_[i]; }
  std::vector<Row> Take() {
    std::sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) { return a.group < b.group; });
    return std::move(rows_);
  }

 private:
  static constexpr std::size_t kUnset = static_cast<std::size_t>(-2);

  std::size_t RowOf(std::string_view group) {
    if (const auto it = index_.find(group); it != index_.end()) return it->second;
    index_.emplace(std::string(group), rows_.size());
    rows_.emplace_back();
    rows_.back().group = group;
    return rows_.size() - 1;
  }

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::size_t depth_;
  std::string prefix_;
  std::vector<Row> rows_;
  std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> index_;  // looked up without a copy
};

// The row of capability `idx` in `g`: by category, its platform's region,
// or its platform id. `memo` is by node of the grouping's tree, or by
// platform.
template <typename Row>
std::size_t CapabilityRow(const EngineState& s, const StatsQuery& q, std::uint32_t idx, Grouping<Row>* g,
                          std::vector<std::size_t>* memo) {
  const CapabilityRec& c = s.capabilities.at(idx);
  switch (q.by) {
    case GroupBy::kCategory: return g->RowOfNode(s.categories, c.node, memo);
    case GroupBy::kRegion: return g->RowOfNode(s.regions, s.platform_facts[c.platform].region, memo);
    case GroupBy::kPlatform: return g->RowOfPlatform(s, c.platform, memo);
  }
  return Grouping<Row>::kExcluded;
}

// The capability pass of a statistic, shared by this many threads.
constexpr std::uint32_t kCapabilityThreads = 2;

// Calls add(state, capability index, its row) for every live capability of
// a group, on kCapabilityThreads threads (interleaved steps of the reader),
// each into its own grouping, and returns each thread's rows, sorted by
// group name.
template <typename Row, typename Add>
std::vector<std::vector<Row>> GroupCapabilities(const SteppedReader& reader, const StatsQuery& q, const Add& add) {
  std::vector<std::vector<Row>> parts(kCapabilityThreads);
  auto run = [&](std::uint32_t part) {
    Grouping<Row> g(q);
    std::vector<std::size_t> memo;
    reader.ForEachCapability(
        [&](const EngineState& s, std::uint32_t idx) {
          const std::size_t row = CapabilityRow(s, q, idx, &g, &memo);
          if (row != g.kExcluded) add(s, idx, &g.row(row));
        },
        part, kCapabilityThreads);
    parts[part] = g.Take();
  };
  {
    std::vector<std::jthread> helpers;
    for (std::uint32_t part = 1; part < kCapabilityThreads; ++part) helpers.emplace_back(run, part);
    run(0);
  }
  return parts;
}

// Rows sorted by group name, in parts, as one answer sorted by group name;
// rows of the same group are summed by sum(&into, from).
template <typename Row, typename Sum>
std::vector<Row> MergeRows(std::vector<std::vector<Row>> parts, const Sum& sum) {
  std::vector<Row> all;
  const auto by_group = [](const Row& a, const Row& b) { return a.group < b.group; };
  for (std::vector<Row>& rows : parts) {
    const auto middle = static_cast<std::ptrdiff_t>(all.size());
    all.insert(all.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
    std::inplace_merge(all.begin(), all.begin() + middle, all.end(), by_group);
  }
  std::vector<Row> out;
  for (Row& r : all) {
    if (!out.empty() && out.back().group == r.group) {
      sum(&out.back(), r);
    } else {
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace

Overview Engine::GetOverview() const {
  const Replicas::Read read(*replicas_);
  const EngineState& s = *read;
  Overview o;
  o.platforms = s.platforms.size();
  o.capabilities = s.capabilities.size();
  o.requests = s.requests.size();
  o.open_requests = s.open_requests;
  o.held_reservations = s.held;
  o.confirmed_reservations = s.confirmed;
  o.offered_units = s.offered_units;
  o.reserved_units = s.reserved_units;
  o.unmatched_requests = s.unmet.unmatched_count();
  return o;
}

std::vector<BalanceRow> Engine::Balance(const StatsQuery& query, Seconds now) const {
  StatsQuery q = query;
  if (q.by == GroupBy::kPlatform) q.by = GroupBy::kRegion;
  const SteppedReader reader(replicas_.get());
  std::vector<std::vector<BalanceRow>> parts =
      GroupCapabilities<BalanceRow>(reader, q, [&](const EngineState& s, std::uint32_t idx, BalanceRow* b) {
        const SlotCalendar& calendar = s.capabilities.at(idx).calendar;
        const auto [lo, hi] = calendar.Inside(std::max(q.from, now), q.to);
        b->free_supply_units += calendar.FreeIn(lo, hi);
      });
  Grouping<BalanceRow> g(q);      // demand
  std::vector<std::size_t> memo;  // by node of the grouping's tree
  std::optional<std::size_t> unknown;  // the row of demand without a region, once there is some
  reader.ForEachOpenRequest([&](const EngineState& s, std::uint32_t idx) {
    const RequestRec& r = s.requests.at(idx);
    std::size_t row = g.kExcluded;
    if (q.by == GroupBy::kCategory) {
      row = g.RowOfNode(s.categories, r.plan.node, &memo);
    } else {
      if (r.plan.region) {
        row = g.RowOfNode(s.regions, *r.plan.region, &memo);
      } else {
        if (!unknown) unknown = g.RowOfName("unknown");
        row = *unknown;
      }
    }
    if (row == g.kExcluded) return;
    BalanceRow& b = g.row(row);
    const std::int64_t units = r.doc.quantity - r.live_units - r.completed_units;
    ++b.open_requests;
    b.open_demand_units += units;
    if (s.unmet.Unmatched(s, idx, now)) {
      ++b.unmatched_requests;
      b.unmatched_demand_units += units;
    }
  });
  parts.push_back(g.Take());
  return MergeRows(std::move(parts), [](BalanceRow* into, const BalanceRow& from) {
    into->open_requests += from.open_requests;
    into->open_demand_units += from.open_demand_units;
    into->unmatched_requests += from.unmatched_requests;
    into->unmatched_demand_units += from.unmatched_demand_units;
    into->free_supply_units += from.free_supply_units;
  });
}

std::vector<UtilizationRow> Engine::Utilization(const StatsQuery& q) const {
  const SteppedReader reader(replicas_.get());
  std::vector<std::vector<UtilizationRow>> parts =
      GroupCapabilities<UtilizationRow>(reader, q, [&](const EngineState& s, std::uint32_t idx, UtilizationRow* u) {
        const CapabilityRec& c = s.capabilities.at(idx);
        const auto [lo, hi] = c.calendar.Inside(q.from, q.to);
        const std::int64_t offered = c.calendar.UnitsIn(lo, hi);
        u->offered_units += offered;
        u->reserved_units += offered - c.calendar.FreeIn(lo, hi);
        for (const std::uint32_t res : c.reservations) {
          const Reservation& r = s.reservations.at(res).doc;
          if (r.status != ReservationStatus::kCompleted) continue;
          for (const Allocation& a : r.allocations) {
            if (a.start >= q.from && a.end <= q.to) u->completed_units += a.units;
          }
        }
      });
  return MergeRows(std::move(parts), [](UtilizationRow* into, const UtilizationRow& from) {
    into->offered_units += from.offered_units;
    into->reserved_units += from.reserved_units;
    into->completed_units += from.completed_units;
  });
}

std::vector<Request> Engine::UnmatchedRequests() const {
  const Replicas::Read read(*replicas_);
  const EngineState& s = *read;
  std::vector<Request> out;
  for (const std::string& id : s.unmet.unmatched()) out.push_back(s.requests.at(*s.requests.Find(id)).doc);
  std::sort(out.begin(), out.end(), [](const Request& a, const Request& b) { return a.id < b.id; });
  return out;
}

}  // namespace biomatch::engine
