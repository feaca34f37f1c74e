// POST /v1/bulk: an all-or-nothing NDJSON batch of puts and deletes. Parsed
// and applied off the I/O threads, one bulk after another, a few waiting at
// most (Api::kMaxBulks; more answer 503). Readers never wait for a bulk:
// they see none of it until it is durable, then all of it (Engine::ApplyBatch's
// before_publish); other writes wait meanwhile.
#include "api/api.h"
#include "api/params.h"

namespace biomatch::server {
namespace {

void ApplyBulk(Api& api, Call& c) {
  const std::string_view body = c.request.body();
  std::vector<engine::BatchOp> ops;
  std::vector<std::size_t> line_of;  // ops[i] came from line line_of[i]
  std::vector<BulkLineError> bad;
  auto add_bad = [&](std::size_t line, const engine::Status& st) {
    bad.push_back({line, KindOf(ErrorCodeOf(st.code())).name, st.message(), st.field()});
  };
  JsonReader& reader = api.Reader();
  std::size_t line = 0;
  for (std::size_t pos = 0; pos < body.size();) {
    const std::size_t nl = body.find('\n', pos);
    std::string_view text = body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? body.size() : nl + 1;
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // blank lines are ignored
    engine::BatchOp op;
    if (engine::Status st = reader.ReadBulkLine(text, &op); !st.ok()) {
      add_bad(line, st);
      continue;
    }
    ops.push_back(std::move(op));
    line_of.push_back(line);
  }
  if (bad.empty()) {
    if (!api.Admit(c)) return;
    std::vector<engine::BatchError> errors;
    const std::size_t n = ops.size();
    // Readers see the bulk only once it is durable, so that none of them
    // waits for it (the read fence waits only for what an answer shows).
    std::uint64_t ticket = 0;
    auto applied = api.engine().ApplyBatch(std::move(ops), engine::NowSeconds(), &errors, [&] {
      ticket = storage::Store::TakeThreadTicket();
      (void)api.store().WaitDurable(ticket);  // its status is the answer's, below
    });
    if (applied.ok()) {
      std::string out;
      AppendBulkAppliedJson(n, &out);
      return api.ReplyWhenDurable(c, ticket, MakeJson(200, std::move(out)));
    }
    for (const auto& e : errors) add_bad(line_of[e.index], e.status);
  }
  std::string out;
  AppendBulkRejectedJson(
      std::to_string(bad.size()) + (bad.size() == 1 ? " line is" : " lines are") + " invalid; nothing was applied",
      bad, &out);
  api.Reply(c, MakeJson(KindOf(ErrorCode::kInvalidArgument).http_status, std::move(out)));
}

}  // namespace

void Bulk(Api& api, Call& c) {
  const std::string_view type = c.request[http::field::content_type];
  if (type.substr(0, type.find(';')) != "application/x-ndjson") {
    return api.Reply(c, MakeError(ErrorCode::kUnsupportedMediaType, "Content-Type application/x-ndjson is required"));
  }
  if (!api.TryStartBulk()) {
    return api.Reply(c, MakeError(engine::Status::Unavailable(std::to_string(Api::kMaxBulks) +
                                                              " bulk loads are under way; retry later")));
  }
  api.RunInBackground([&api, self = c.shared_from_this()] {
    api.Run(*self, &ApplyBulk);
    api.EndBulk();
  });
}

}  // namespace biomatch::server
