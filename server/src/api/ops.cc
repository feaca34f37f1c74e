// Operations: GET /healthz, GET /metrics, GET /openapi.json and
// POST /v1/admin/checkpoint.
#include "api/api.h"
#include "api/params.h"
#include "openapi.h"
#include "routes.h"

namespace biomatch::server {

void Healthz(Api& api, Call& c) {
  std::string body;
  const bool serving = api.ready() && !api.draining();
  AppendHealthJson(serving ? "ok" : api.draining() ? "stopping" : "starting", &body);
  api.Reply(c, MakeJson(serving ? 200 : 503, std::move(body)));
}

void MetricsText(Api& api, Call& c) {
  std::vector<Metrics::Sample> samples;
  const engine::Overview o = api.engine().GetOverview();
  samples.push_back({"biomatch_platforms", static_cast<double>(o.platforms), false, "Platforms in the catalogue."});
  samples.push_back({"biomatch_capabilities", static_cast<double>(o.capabilities), false, "Capabilities in the catalogue."});
  samples.push_back({"biomatch_open_requests", static_cast<double>(o.open_requests), false, "Requests with status open."});
  samples.push_back({"biomatch_held_reservations", static_cast<double>(o.held_reservations), false, "Reservations held, not yet confirmed."});
  samples.push_back({"biomatch_confirmed_reservations", static_cast<double>(o.confirmed_reservations), false, "Reservations confirmed, not yet completed."});
  samples.push_back({"biomatch_events_first_seq", static_cast<double>(api.store().first_seq()), false, "Sequence number of the oldest retained event (0 when none)."});
  samples.push_back({"biomatch_events_last_seq", static_cast<double>(api.store().last_seq()), false, "Sequence number of the newest durable event (0 when none)."});
  samples.push_back({"biomatch_subscriptions", static_cast<double>(api.book().size()), false, "Stored subscriptions."});
  samples.push_back({"biomatch_stream_connections", static_cast<double>(api.hub().connections()), false, "WebSocket stream slots held (open streams)."});
  samples.push_back({"biomatch_output_buffered_bytes", static_cast<double>(api.output_budget().used()), false, "Bytes of answers and stream messages waiting to be written."});
  const StreamHub::Counters stream = api.hub().counters();
  samples.push_back({"biomatch_stream_events_total", static_cast<double>(stream.events), true, "Events percolated to the streams."});
  samples.push_back({"biomatch_stream_messages_total", static_cast<double>(stream.messages), true, "Live messages handed to streams."});
  samples.push_back({"biomatch_stream_sent_total", static_cast<double>(stream.sent), true, "Stream messages written to clients, replayed ones included."});
  samples.push_back({"biomatch_stream_lagging_closes_total", static_cast<double>(stream.lagging), true, "Streams closed with 4008 lagging."});
  samples.push_back({"biomatch_stream_overruns_total", static_cast<double>(stream.overruns), true, "Times a stream's pending queue overflowed."});
  samples.push_back({"biomatch_stream_replay_chunks_total", static_cast<double>(stream.replay_chunks), true, "Replay chunks read from the store."});
  for (const auto& [name, value] : api.store().DbStats()) {
    std::string metric = "biomatch_" + name;
    for (char& ch : metric) {
      if (ch == '.' || ch == '-') ch = '_';
    }
    samples.push_back({std::move(metric), static_cast<double>(value), false, "RocksDB property " + name + ", summed over column families."});
  }
  std::string body;
  api.metrics().Render(samples, &body);
  body += "# HELP biomatch_stream_delivery_seconds From a live event's commit to a stream's socket write of it.\n"
          "# TYPE biomatch_stream_delivery_seconds histogram\n";
  api.hub().delivery().Render("biomatch_stream_delivery_seconds", "", &body);
  api.Reply(c, MakeText(200, std::move(body), "text/plain; version=0.0.4"));
}

void OpenApiDocument(Api& api, Call& c) {
  static const std::string document = [] {
    std::vector<OpenApiOperation> ops;
    for (const Route& r : Routes()) {
      ops.push_back({http::to_string(r.method), r.path, r.authenticated, &r.api});
    }
    return BuildOpenApi(ops);
  }();
  api.Reply(c, MakeJson(200, document));
}

void Checkpoint(Api& api, Call& c) {
  if (!api.ReadJsonBody(c)) return;
  std::string dir;
  BIOMATCH_CHECK(api, c, api.Reader().ReadCheckpoint(c.body, &dir));
  if (dir.empty() || dir.front() != '/') {
    return api.Reply(c, MakeError(engine::Status::InvalidArgument("dir", "must be an absolute path")));
  }
  // RocksDB flushes and links files: run it off the I/O threads.
  api.RunInBackground([&api, self = c.shared_from_this(), dir] {
    if (const engine::Status st = api.store().Checkpoint(dir); !st.ok()) return api.Reply(*self, MakeError(st));
    std::string body;
    AppendCheckpointJson(dir, api.store().last_seq(), &body);
    api.Reply(*self, MakeJson(201, std::move(body)));
  });
}

}  // namespace biomatch::server
