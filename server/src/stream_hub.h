// StreamHub: the broadcast hub of the live event stream.
//
// Committed events arrive from the store's writer thread (Publish), in seq
// order, after they are durable. The hub's own thread decodes each event's
// facets, percolates it through the SubscriptionBook, serialises it once
// (EventFrame) and hands every stream that streams a passing subscription
// its message. Streams register with the subscriptions they stream and learn
// `live_from`: every later event reaches them live, every earlier one they
// read back from the store (Replay), so the seam has no gap and no duplicate.
//
// Bounds: at most Options::max_pending events wait for the hub thread; past
// that the hub drops them and every stream is told (StreamSink::Lost) so it
// closes with "lagging; resume from N" and its client resumes from storage.
// Replay reads a bounded chunk at a time, on the hub's replay thread, never
// on an I/O thread.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "biomatch/storage/store.h"
#include "metrics.h"
#include "subscription_book.h"

namespace biomatch::server {

// One event serialised for every stream at once: the JSON text before and
// after the per-stream "subscriptions" list.
struct EventFrame {
  std::uint64_t seq = 0;
  // Live frames: when the hub was handed the committed event (replayed
  // frames and stream.gap: the epoch, not timed).
  std::chrono::steady_clock::time_point published{};
  std::string head;  // {"seq":N,"type":..,"at":..,"subscriptions":
  std::string tail;  // ,"data":{..}}
};

// One message of one stream: a shared frame and that stream's list of
// subscriptions (a JSON array, shared by every stream the same subscriptions
// passed; null for frames without one, stream.gap).
struct StreamMessage {
  std::shared_ptr<const EventFrame> frame;
  std::shared_ptr<const std::string> subscriptions;
  std::uint64_t seq() const { return frame->seq; }
};

// A stream as the hub sees it (a WebSocket session). Each method may be
// called from the hub's threads and must only queue work for the stream.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Live messages, in seq order.
  virtual void Deliver(std::vector<StreamMessage> messages) = 0;
  // Replayed messages (Replay); `next` is the first seq not replayed yet,
  // `done` when the replay reached live_from.
  virtual void DeliverReplay(std::vector<StreamMessage> messages, std::uint64_t next, bool done) = 0;
  // The hub dropped events from `from` on: the stream must close and its
  // client resume from `from` at the latest.
  virtual void Lost(std::uint64_t from) = 0;
  // The server is stopping: close with 1001.
  virtual void Shutdown() = 0;
};

class StreamHub {
 public:
  struct Options {
    // Dispatch rounds start at most this often: under load a round carries
    // the events of the whole interval, so a stream gets several messages
    // per socket write (at the price of up to this much latency); the first
    // event after a quiet interval goes out at once.
    std::chrono::milliseconds dispatch_interval{20};
    std::size_t max_pending = 1 << 20;  // events waiting for the hub thread
    std::size_t replay_chunk = 512;     // messages per replay chunk
    std::size_t replay_scan = 16384;    // stored events read per replay chunk at most
  };
  struct Counters {
    std::uint64_t events = 0;    // events percolated
    std::uint64_t messages = 0;  // live messages handed to streams
    std::uint64_t sent = 0;      // messages written to clients, replayed ones included
    std::uint64_t lagging = 0;   // streams closed with 4008
    std::uint64_t overruns = 0;  // times the pending queue overflowed
  };

  // Events with seq >= next_seq are dispatched live.
  StreamHub(const storage::Store& store, const SubscriptionBook& book, std::uint64_t next_seq, Options options);
  StreamHub(const StreamHub&) = delete;
  StreamHub& operator=(const StreamHub&) = delete;
  ~StreamHub();  // stops the threads; streams still registered are released

  // The store's event listener: must be quick (copies and queues).
  void Publish(const std::vector<storage::Event>& events);

  // Registers a stream of `subscriptions`; returns live_from, the first seq
  // it will get live.
  std::uint64_t Register(std::shared_ptr<StreamSink> sink, const std::vector<std::string>& subscriptions);
  void Unregister(const StreamSink* sink);
  // Reads the stored events in [from, until) that pass `subscriptions`, a
  // chunk of at most `room` messages at a time (and Options::replay_chunk):
  // sink->DeliverReplay answers each call. When `from` is older than the
  // oldest retained event, the first chunk opens with a stream.gap frame and
  // the replay starts at the oldest.
  void Replay(std::shared_ptr<StreamSink> sink, std::vector<std::string> subscriptions, std::uint64_t from,
              std::uint64_t until, bool first_chunk, std::size_t room);
  // Asks every registered stream to close (Shutdown).
  void ShutdownAll();
  std::size_t streams() const;  // registered
  Counters counters() const;
  // WebSocket connections alive, registered or not (closing ones too): a
  // session counts itself in and out.
  void CountConnection(int delta) { connections_.fetch_add(delta, std::memory_order_relaxed); }
  std::int64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  void CountSent(std::size_t n) { sent_.fetch_add(n, std::memory_order_relaxed); }
  // From a live event's commit (its publication to the hub) to the socket
  // write of one of its messages: biomatch_stream_delivery_seconds.
  LatencyHistogram& delivery() { return delivery_; }
  void CountLaggingClose() { lagging_.fetch_add(1, std::memory_order_relaxed); }

 private:
  struct Stream {
    std::shared_ptr<StreamSink> sink;
    std::vector<std::string> subscriptions;
  };
  struct Pending {
    std::vector<storage::Event> events;
    std::vector<std::chrono::steady_clock::time_point> published;  // per event
    std::uint64_t lost_from = 0, lost_to = 0;  // a dropped range after `events` (0: none)
  };

  void Run();
  void ReplayLoop();
  void Dispatch(const Pending& batch);

  const storage::Store& store_;
  const SubscriptionBook& book_;
  const Options options_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  Pending pending_;            // GUARDED_BY(queue_mu_)
  bool stopping_ = false;      // GUARDED_BY(queue_mu_)

  mutable std::mutex mu_;      // registrations and the live position
  std::uint64_t next_seq_;     // GUARDED_BY(mu_): the first event not yet dispatched
  std::unordered_map<const StreamSink*, Stream> streams_;                          // GUARDED_BY(mu_)
  // The streams of one subscription.
  struct Listeners {
    std::vector<const StreamSink*> sinks;
    std::shared_ptr<const std::string> alone;  // ["<id>"]: the list when it is the only one that passed
  };
  // Looks up by string_view without building a string.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using ListenerMap = std::unordered_map<std::string, Listeners, IdHash, std::equal_to<>>;
  ListenerMap by_subscription_;  // GUARDED_BY(mu_)

  std::mutex replay_mu_;
  std::condition_variable replay_cv_;
  std::deque<std::function<void()>> replays_;  // GUARDED_BY(replay_mu_): at most one per stream
  bool replay_stopping_ = false;               // GUARDED_BY(replay_mu_)

  std::atomic<std::uint64_t> events_{0}, messages_{0}, sent_{0}, lagging_{0}, overruns_{0};
  LatencyHistogram delivery_;
  std::atomic<std::int64_t> connections_{0};
  std::thread thread_;
  std::thread replay_thread_;
};

// The frame of a stored event: "seq", "type", "at", the subscriptions list
// added per stream, and "data".
std::shared_ptr<const EventFrame> MakeEventFrame(const storage::Event& e, std::string_view data,
                                                 std::chrono::steady_clock::time_point published = {});

}  // namespace biomatch::server
