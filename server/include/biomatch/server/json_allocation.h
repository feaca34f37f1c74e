// The JSON of POST /v1/allocate (API.md, "Allocation"): its request body and
// its answer.
//
// Request body grammar (every field but `select` optional):
//   {"select":{"category":<path>,"region":<path>,"request_ids":[<id>,..],"limit":<int>},
//    "apply":<bool>,"hold_seconds":<int>,"candidates":<int>}
// `select` must name at least one of category, region, request_ids (an empty
// selection is refused: allocating the whole market is a category away);
// request_ids, when given, is not empty. `candidates` (an extension, default
// 16) is the number of best feasible capabilities each request may use.
// Semantic ranges (limit, candidates, hold_seconds, paths, ids) are the
// engine's to check.
//
// JsonReader::ReadAllocateSpec (json_codec.h) reads it by the codec's rules
// (kMalformed for bad JSON, else kInvalidArgument naming the field, unknown
// and duplicate fields included). Writing is pure. Thread safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "biomatch/engine/allocation.h"
#include "biomatch/engine/status.h"
#include "biomatch/engine/types.h"

namespace biomatch::server {

struct AllocateSpec {
  engine::AllocationSelect select;
  engine::AllocationOptions options;  // candidates only; the caller sets now and threads
  bool apply = false;
  std::int64_t hold_seconds = 900;
};

// {"plan":[{"request_id","capability_id","score","quantity","allocations":[..]
// [,"reservation_id"]}],"unplaced":[{"request_id","reason"}],
// "totals":{"requests","placed","units","score"},
// "baselines":{"first_come":{"placed","units","score"},"best_first":{..}},
// "upper_bound","exact","candidate_pairs","took_ms","applied"}.
// `reservations`, when applied, are the holds of plan.plan in order.
void AppendAllocationJson(const engine::AllocationPlan& plan, const std::vector<engine::Reservation>* reservations,
                          std::int64_t took_ms, std::string* out);

}  // namespace biomatch::server
