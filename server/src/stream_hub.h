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
// Tenancy: a stream belongs to a key identity and names its subscriptions
// with their owner's identity (SubscriptionRef). It gets an event only
// through a subscription that exists at delivery time with that owner, so a
// subscription id deleted and re-created by another key never routes that
// key's events to it. RemoveSubscription takes a deleted subscription out
// of every open stream (one left with none is closed with 4004);
// RevokeKey closes the streams of a deleted key (4001).
//
// Bounds: at most Options::max_pending events wait for the hub thread; past
// that the hub drops them and every stream is told (StreamSink::Lost) so it
// closes with "lagging; resume from N" and its client resumes from storage.
// Replay reads a bounded chunk at a time, on the hub's replay thread, never
// on an I/O thread: the streams waiting for a chunk take turns, one chunk
// each per round, and a stream that closes drops its request at once.
// Open streams are bounded in all and per key (Slot).
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "biomatch/engine/mutex.h"
#include "biomatch/engine/thread_annotations.h"
#include "biomatch/storage/store.h"
#include "close_codes.h"
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
  // The stream may have no more events (its key or its subscriptions were
  // deleted): close with `code` (kKeyDeleted or kSubscriptionsDeleted).
  virtual void Revoke(CloseCode code) = 0;
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
    // Stored events read per replay chunk at most: the work one replaying
    // stream does per round, so what another stream's replay may wait for
    // a chunk is this times the streams replaying.
    std::size_t replay_scan = 4096;
    // Open streams at most (--max-streams), and per key identity
    // (--max-streams-per-key): OpenSlot refuses more.
    std::size_t max_streams = 10000;
    std::size_t max_streams_per_key = 64;
  };
  struct Counters {
    std::uint64_t events = 0;    // events percolated
    std::uint64_t messages = 0;  // live messages handed to streams
    std::uint64_t sent = 0;      // messages written to clients, replayed ones included
    std::uint64_t lagging = 0;   // streams closed with 4008
    std::uint64_t overruns = 0;  // times the pending queue overflowed
    std::uint64_t replay_chunks = 0;  // replay chunks read from the store
  };

  // A place among the open streams, held from the upgrade's acceptance until
  // the stream's connection ends; destroying it gives the place back.
  // REQUIRES: destroyed before the hub.
  class Slot {
   public:
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    friend class StreamHub;
    Slot(StreamHub* hub, std::string key_id) : hub_(hub), key_id_(std::move(key_id)) {}
    StreamHub* const hub_;
    const std::string key_id_;
  };
  enum class Admission { kAdmitted, kServerFull, kKeyFull };

  // Events with seq >= next_seq are dispatched live.
  StreamHub(const storage::Store& store, const SubscriptionBook& book, std::uint64_t next_seq, Options options);
  StreamHub(const StreamHub&) = delete;
  StreamHub& operator=(const StreamHub&) = delete;
  ~StreamHub();  // stops the threads; streams still registered are released

  // The store's event listener: must be quick (queues what it is given).
  void Publish(std::vector<storage::Event> events);

  // A slot for a stream of the key identity `key_id`; nullptr, with
  // *admission saying which bound was reached, when there is none.
  std::shared_ptr<Slot> OpenSlot(const std::string& key_id, Admission* admission);
  // Registers a stream of the key identity `key_id` holding a Slot of it;
  // returns live_from, the first seq it will get live. Subscriptions no
  // longer there with their owner are left out; when none is left, or the
  // key was revoked since its slot was taken, the stream is not registered
  // and sink->Revoke is called.
  std::uint64_t Register(std::shared_ptr<StreamSink> sink, const std::string& key_id,
                         std::vector<SubscriptionRef> subscriptions);
  void Unregister(const StreamSink* sink);
  // Takes subscription `id` out of every registered stream; the streams left
  // with none are unregistered and revoked (4004). Call after removing it
  // from the book.
  void RemoveSubscription(std::string_view id);
  // Unregisters and revokes (4001) every stream of the key identity
  // `key_id`; streams of it that register later are revoked too. Call after
  // the key stopped authenticating.
  void RevokeKey(const std::string& key_id);
  // Reads the stored events in [from, until) that pass the stream's
  // subscriptions, a chunk of at most `room` messages (and
  // Options::replay_chunk), on the replay thread: sink->DeliverReplay
  // answers. A stream has at most one request outstanding; it is dropped
  // when the stream unregisters. When `from` is older than the oldest
  // retained event, the first chunk opens with a stream.gap frame and the
  // replay starts at the oldest.
  void Replay(const StreamSink* sink, std::uint64_t from, std::uint64_t until, bool first_chunk, std::size_t room);
  // Asks every registered stream to close (Shutdown).
  void ShutdownAll();
  // Lets go of every stream still registered, for the server's shutdown once
  // its I/O threads are stopped: they die with their io_context, before the
  // hub their slots return to.
  void ReleaseStreams();
  std::size_t streams() const;  // registered
  Counters counters() const;
  // Slots held: open WebSocket streams, closing ones too.
  std::size_t connections() const;
  void CountSent(std::size_t n) { sent_.fetch_add(n, std::memory_order_relaxed); }
  // From a live event's commit (its publication to the hub) to the socket
  // write of one of its messages: biomatch_stream_delivery_seconds.
  LatencyHistogram& delivery() { return delivery_; }
  void CountLaggingClose() { lagging_.fetch_add(1, std::memory_order_relaxed); }

 private:
  struct ReplayRequest {
    std::uint64_t from = 0, until = 0;
    bool first_chunk = false;
    std::size_t chunk = 0;  // messages at most
  };
  struct Stream {
    std::shared_ptr<StreamSink> sink;
    std::string key_id;
    std::vector<SubscriptionRef> subscriptions;
    std::optional<ReplayRequest> replay;  // a chunk asked for and not read yet
  };
  using StreamMap = std::unordered_map<const StreamSink*, Stream>;
  // The slots of one key identity.
  struct KeySlots {
    std::size_t open = 0;
    bool revoked = false;
  };
  struct Pending {
    std::vector<storage::Event> events;
    std::vector<std::chrono::steady_clock::time_point> published;  // per event
    std::uint64_t lost_from = 0, lost_to = 0;  // a dropped range after `events` (0: none)
  };

  void Run();
  void ReplayLoop();
  // Reads one chunk for `stream`, a copy of a registered stream taken with
  // its request; delivers it.
  void ReplayChunk(const Stream& stream, const ReplayRequest& request);
  void Dispatch(const Pending& batch);
  // Unlinks a stream from its subscriptions and forgets it; returns its sink.
  std::shared_ptr<StreamSink> EraseStream(StreamMap::iterator it) REQUIRES(mu_);
  void CloseSlot(const std::string& key_id);

  const storage::Store& store_;
  const SubscriptionBook& book_;
  const Options options_;

  Mutex queue_mu_;
  CondVar queue_cv_;
  Pending pending_ GUARDED_BY(queue_mu_);
  bool stopping_ GUARDED_BY(queue_mu_) = false;

  mutable Mutex mu_;  // registrations and the live position
  std::uint64_t next_seq_ GUARDED_BY(mu_);  // the first event not yet dispatched
  StreamMap streams_ GUARDED_BY(mu_);
  std::size_t slots_ GUARDED_BY(mu_) = 0;  // held in all
  std::unordered_map<std::string, KeySlots> by_key_ GUARDED_BY(mu_);  // keys holding slots
  // The streams of one subscription: all name it with the same owner (a
  // deleted subscription leaves every stream before its id can be reused).
  struct Listeners {
    std::string owner_id;
    std::vector<const StreamSink*> sinks;
    std::shared_ptr<const std::string> alone;  // ["<id>"]: the list when it is the only one that passed
  };
  // Looks up by string_view without building a string.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using ListenerMap = std::unordered_map<std::string, Listeners, IdHash, std::equal_to<>>;
  ListenerMap by_subscription_ GUARDED_BY(mu_);

  Mutex replay_mu_;
  CondVar replay_cv_;
  // Streams whose Stream::replay waits, in request order; an entry whose
  // stream is gone, or has no request any more, is skipped.
  std::deque<const StreamSink*> replay_queue_ GUARDED_BY(replay_mu_);
  bool replay_stopping_ GUARDED_BY(replay_mu_) = false;

  std::atomic<std::uint64_t> events_{0}, messages_{0}, sent_{0}, lagging_{0}, overruns_{0}, replay_chunks_{0};
  LatencyHistogram delivery_;
  std::thread thread_;
  std::thread replay_thread_;
};

// The frame of a stored event: "seq", "type", "at", the subscriptions list
// added per stream, and "data".
std::shared_ptr<const EventFrame> MakeEventFrame(const storage::Event& e, std::string_view data,
                                                 std::chrono::steady_clock::time_point published = {});

}  // namespace biomatch::server
