// POST /v1/reservations (a hold, with Idempotency-Key), GET one or a list,
// and the transitions confirm, cancel and complete.
#include "api/handlers.h"
#include "api/params.h"

namespace biomatch::server {
namespace {

void ReplyReservation(Api& api, Call& c, const engine::Reservation& r, unsigned status, bool durable) {
  std::string body;
  AppendReservationJson(r, &body);
  HttpResponse res = MakeJson(status, std::move(body));
  SetEtag(res, r.meta.version);
  if (durable) return api.ReplyWhenDurable(c, std::move(res));
  api.Reply(c, std::move(res));
}

using Transition = engine::Result<engine::Reservation> (engine::Engine::*)(std::string_view, engine::Seconds);

void Move(Api& api, Call& c, Transition transition) {
  if (!api.Admit(c)) return;
  BIOMATCH_TRY(api, c, r, (api.engine().*transition)(c.param(), engine::NowSeconds()));
  ReplyReservation(api, c, *r, 200, true);
}

}  // namespace

void CreateReservation(Api& api, Call& c) {
  if (!api.ReadJsonBody(c)) return;
  engine::HoldSpec spec;
  BIOMATCH_CHECK(api, c, api.Reader().ReadHold(c.body, &spec));
  const std::string key = std::string(c.request["Idempotency-Key"]);
  if (key.size() > 256) {
    return api.Reply(c, MakeError(engine::Status::InvalidArgument("Idempotency-Key", "is longer than 256 bytes")));
  }
  if (!api.Admit(c)) return;
  spec.reservation_id = "rsv-" + RandomHex(8);
  if (key.empty()) {
    BIOMATCH_TRY(api, c, r, api.engine().Hold(spec, engine::NowSeconds()));
    return ReplyReservation(api, c, *r, 201, true);
  }
  // Same key and body: the original reservation; same key, other body: 409.
  // The key is recorded in the same commit as the hold.
  const std::string scoped = c.caller->name + ":" + key;
  const std::string digest = Sha256Hex(c.body);
  std::unique_lock lock(api.idempotency_mu());
  auto& records = api.idempotency();
  if (auto it = records.find(scoped); it != records.end()) {
    const Api::IdempotencyRecord record = it->second;
    lock.unlock();
    if (record.digest != digest) {
      return api.Reply(c, MakeError(ErrorCode::kConflict, "Idempotency-Key was used with a different body"));
    }
    BIOMATCH_TRY(api, c, r, api.engine().GetReservation(record.reservation_id));
    return ReplyReservation(api, c, *r, 200, false);
  }
  storage::Store::StageRecords({{storage::Family::kIdempotency, scoped, digest + "\n" + spec.reservation_id}});
  auto r = api.engine().Hold(spec, engine::NowSeconds());
  if (!r.ok()) {
    (void)storage::Store::TakeThreadTicket();  // drops the staged record
    return api.Reply(c, MakeError(r.status()));
  }
  records[scoped] = {digest, r->id};
  lock.unlock();
  ReplyReservation(api, c, *r, 201, true);
}

void GetReservation(Api& api, Call& c) {
  BIOMATCH_TRY(api, c, r, api.engine().GetReservation(c.param()));
  ReplyReservation(api, c, *r, 200, false);
}

void ListReservations(Api& api, Call& c) {
  BIOMATCH_TRY(api, c, q, ListQueryOf(c));
  if (q->request_status && !q->reservation_status) {
    return api.Reply(c, MakeError(engine::Status::InvalidArgument("status", "is not a reservation status")));
  }
  const auto page = api.engine().ListReservations(*q);
  std::string body;
  AppendPageJson(page.items, page.next_after.empty() ? std::string() : EncodeCursor(page.next_after),
                 [](const engine::Reservation& r, std::string* out) { AppendReservationJson(r, out); }, &body);
  api.Reply(c, MakeJson(200, std::move(body)));
}

void ConfirmReservation(Api& api, Call& c) { Move(api, c, &engine::Engine::Confirm); }
void CancelReservation(Api& api, Call& c) { Move(api, c, &engine::Engine::CancelReservation); }
void CompleteReservation(Api& api, Call& c) { Move(api, c, &engine::Engine::Complete); }

}  // namespace biomatch::server
