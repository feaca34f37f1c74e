// Fuzz target: every document type JsonReader reads. The first byte picks
// the type, the rest is the document. Findings: crashes and sanitizer
// reports; and for the types the codec also writes (platform, capability,
// request, subscription, a bulk put line), a document that reads and
// validates must write text that reads back and writes the same text again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "biomatch/engine/validate.h"
#include "biomatch/server/json_allocation.h"
#include "biomatch/server/json_codec.h"
#include "biomatch/server/subscription.h"
#include "server_harness.h"

namespace biomatch::fuzz {
namespace {

using engine::Status;
using server::DocForm;
using server::JsonReader;

// The write-read-write check for one type: `read(json, T*)`, `validate(T)`
// and `write(T, std::string*)`.
template <typename T, typename Read, typename Validate, typename Write>
void CheckRoundTrip(std::string_view json, Read read, Validate validate, Write write) {
  T value{};
  if (!read(json, &value).ok() || !validate(value).ok()) return;
  std::string first;
  write(value, &first);
  T again{};
  if (Status st = read(first, &again); !st.ok()) {
    Die("the codec wrote " + first + " from " + std::string(json) + ", which reads as " + st.ToString());
  }
  std::string second;
  write(again, &second);
  if (second != first) Die("the codec wrote " + first + ", read it and wrote " + second);
}

// A put line's document, its id set as ApplyBatch sets it.
Status ValidateBulkLine(engine::BatchOp& op) {
  if (op.kind != engine::BatchOp::Kind::kPut) return Status::InvalidArgument("op", "not a put");
  return std::visit(
      [&](auto& doc) -> Status {
        using Doc = std::decay_t<decltype(doc)>;
        if constexpr (std::is_same_v<Doc, std::monostate>) {
          return Status::InvalidArgument("doc", "missing");
        } else {
          doc.id = op.id;
          if constexpr (std::is_same_v<Doc, engine::Platform>) return engine::ValidatePlatform(doc);
          if constexpr (std::is_same_v<Doc, engine::Capability>) return engine::ValidateCapability(doc);
          if constexpr (std::is_same_v<Doc, engine::Request>) return engine::ValidateRequest(doc);
        }
      },
      op.doc);
}

void WriteBulkLine(const engine::BatchOp& op, std::string* out) {
  std::visit(
      [&](const auto& doc) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(doc)>, std::monostate>) server::AppendBulkPutLine(doc, out);
      },
      op.doc);
}

void Run(std::uint8_t type, std::string_view json) {
  static JsonReader reader(1 << 20);
  switch (type % 10) {
    case 0:
      return CheckRoundTrip<engine::Platform>(
          json, [](std::string_view j, engine::Platform* p) { return reader.ReadPlatform(j, p); },
          engine::ValidatePlatform,
          [](const engine::Platform& p, std::string* out) { server::AppendPlatformJson(p, DocForm::kClient, out); });
    case 1:
      return CheckRoundTrip<engine::Capability>(
          json, [](std::string_view j, engine::Capability* c) { return reader.ReadCapability(j, c); },
          engine::ValidateCapability,
          [](const engine::Capability& c, std::string* out) { server::AppendCapabilityJson(c, DocForm::kClient, out); });
    case 2:
      return CheckRoundTrip<engine::Request>(
          json, [](std::string_view j, engine::Request* r) { return reader.ReadRequest(j, r); },
          engine::ValidateRequest,
          [](const engine::Request& r, std::string* out) { server::AppendRequestJson(r, DocForm::kClient, out); });
    case 3:
      return CheckRoundTrip<server::Subscription>(
          json, [](std::string_view j, server::Subscription* s) { return reader.ReadSubscription(j, s); },
          server::ValidateSubscription,
          [](const server::Subscription& s, std::string* out) {
            server::AppendSubscriptionJson(s, DocForm::kClient, out);
          });
    case 4:
      return CheckRoundTrip<engine::BatchOp>(
          json,
          [](std::string_view j, engine::BatchOp* op) {
            Status st = reader.ReadBulkLine(j, op);
            return st.ok() ? ValidateBulkLine(*op) : st;
          },
          [](const engine::BatchOp&) { return Status::Ok(); }, WriteBulkLine);
    case 5: {
      std::vector<engine::Slot> slots;
      (void)reader.ReadSlots(json, &slots);
      return;
    }
    case 6: {
      engine::HoldSpec hold;
      (void)reader.ReadHold(json, &hold);
      return;
    }
    case 7: {
      std::string name, role;
      (void)reader.ReadKeySpec(json, &name, &role);
      return;
    }
    case 8: {
      std::string dir;
      (void)reader.ReadCheckpoint(json, &dir);
      return;
    }
    default: {
      server::AllocateSpec spec;
      (void)reader.ReadAllocateSpec(json, &spec);
      return;
    }
  }
}

}  // namespace
}  // namespace biomatch::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  biomatch::fuzz::Run(data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
