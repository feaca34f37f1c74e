#include "stream_hub.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <iterator>

#include "biomatch/server/json_codec.h"
#include "events.h"

namespace biomatch::server {
namespace {

// The JSON array of `ids`.
template <typename Ids, typename IdOf>
std::shared_ptr<const std::string> SubscriptionList(const Ids& ids, IdOf id_of) {
  auto out = std::make_shared<std::string>();
  AppendJsonStringArray(ids, id_of, out.get());
  return out;
}

std::shared_ptr<const EventFrame> GapFrame(std::uint64_t earliest) {
  auto frame = std::make_shared<EventFrame>();
  frame->seq = earliest;
  AppendStreamGapJson(earliest, &frame->head);
  return frame;
}

}  // namespace

std::shared_ptr<const EventFrame> MakeEventFrame(const storage::Event& e, std::string_view data,
                                                 std::chrono::steady_clock::time_point published) {
  auto frame = std::make_shared<EventFrame>();
  frame->seq = e.seq;
  frame->published = published;
  AppendEventMessageHead(e.seq, e.type, e.at, &frame->head);
  frame->tail.reserve(data.size() + 10);
  AppendEventMessageTail(data, &frame->tail);
  return frame;
}

StreamHub::StreamHub(const storage::Store& store, const SubscriptionBook& book, std::uint64_t next_seq,
                     Options options)
    : store_(store), book_(book), options_(options), next_seq_(next_seq) {
  thread_ = std::thread([this] { Run(); });
  replay_thread_ = std::thread([this] { ReplayLoop(); });
}

StreamHub::~StreamHub() {
  {
    MutexLock lock(&queue_mu_);
    stopping_ = true;
  }
  queue_cv_.SignalAll();
  {
    MutexLock lock(&replay_mu_);
    replay_stopping_ = true;
  }
  replay_cv_.SignalAll();
  thread_.join();
  replay_thread_.join();
}

void StreamHub::Publish(std::vector<storage::Event> events) {
  {
    MutexLock lock(&queue_mu_);
    Pending& p = pending_;
    if (p.lost_from != 0 || p.events.size() + events.size() > options_.max_pending) {
      // Overrun: drop until the hub thread has caught up, and tell the streams.
      if (p.lost_from == 0) {
        p.lost_from = events.front().seq;
        ++overruns_;
      }
      p.lost_to = events.back().seq;
    } else {
      p.published.insert(p.published.end(), events.size(), std::chrono::steady_clock::now());
      if (p.events.empty()) {
        p.events = std::move(events);
      } else {
        p.events.insert(p.events.end(), std::make_move_iterator(events.begin()), std::make_move_iterator(events.end()));
      }
    }
  }
  queue_cv_.Signal();
}

void StreamHub::Run() {
  auto last_round = std::chrono::steady_clock::now() - options_.dispatch_interval;
  for (;;) {
    Pending batch;
    {
      MutexLock lock(&queue_mu_);
      while (!stopping_ && pending_.events.empty() && pending_.lost_from == 0) queue_cv_.Wait(&queue_mu_);
      // Gather what else arrives until the interval since the last round is over.
      const auto gathered = last_round + options_.dispatch_interval;
      while (!stopping_ && queue_cv_.WaitUntil(&queue_mu_, gathered)) {
      }
      if (stopping_) return;
      batch = std::exchange(pending_, Pending{});
    }
    last_round = std::chrono::steady_clock::now();
    Dispatch(batch);
  }
}

void StreamHub::Dispatch(const Pending& batch) {
  // Each stream's messages of this batch. Every event is matched and the
  // live position moved past it under mu_, so a stream registering between
  // two events gets the later one live and the earlier one from storage.
  std::unordered_map<const StreamSink*, std::pair<std::shared_ptr<StreamSink>, std::vector<StreamMessage>>> out;
  std::vector<std::pair<const StreamSink*, const ListenerMap::value_type*>> hits;  // of one event, by stream
  EventFacets facets;  // reused: its strings keep their capacity
  for (std::size_t n = 0; n < batch.events.size(); ++n) {
    const storage::Event& e = batch.events[n];
    std::string_view data;
    const engine::Status decoded = DecodeEventBody(e.body, &facets, &data);
    MutexLock lock(&mu_);
    if (e.seq < next_seq_) continue;
    next_seq_ = e.seq + 1;
    ++events_;
    if (!decoded.ok()) {
      std::fprintf(stderr, "biomatch: stream: event %llu: %s\n", static_cast<unsigned long long>(e.seq),
                   decoded.ToString().c_str());
      continue;
    }
    hits.clear();
    book_.Match(e.type, facets, [&](const Subscription& s) REQUIRES(mu_) {  // called before Match returns
      auto it = by_subscription_.find(std::string_view(s.id));
      if (it == by_subscription_.end() || it->second.owner_id != s.owner_id) return;
      for (const StreamSink* sink : it->second.sinks) hits.emplace_back(sink, &*it);
    });
    if (hits.empty()) continue;
    std::sort(hits.begin(), hits.end());
    const std::shared_ptr<const EventFrame> frame = MakeEventFrame(e, data, batch.published[n]);
    for (std::size_t i = 0; i < hits.size();) {
      std::size_t end = i + 1;
      while (end < hits.size() && hits[end].first == hits[i].first) ++end;
      std::shared_ptr<const std::string> list = hits[i].second->second.alone;
      if (end - i > 1) {
        std::vector<std::string_view> ids;
        for (std::size_t k = i; k < end; ++k) ids.push_back(hits[k].second->first);
        std::sort(ids.begin(), ids.end());
        list = SubscriptionList(ids, [](std::string_view id) { return id; });
      }
      auto& slot = out[hits[i].first];
      if (!slot.first) slot.first = streams_.at(hits[i].first).sink;
      slot.second.push_back({frame, std::move(list)});
      i = end;
    }
  }
  std::vector<std::shared_ptr<StreamSink>> lost;
  if (batch.lost_from != 0) {
    MutexLock lock(&mu_);
    next_seq_ = std::max(next_seq_, batch.lost_to + 1);
    for (auto& [key, stream] : streams_) lost.push_back(stream.sink);
    streams_.clear();
    by_subscription_.clear();
  }
  for (auto& [key, delivery] : out) {
    messages_ += delivery.second.size();
    delivery.first->Deliver(std::move(delivery.second));
  }
  for (const auto& sink : lost) sink->Lost(batch.lost_from);
}

StreamHub::Slot::~Slot() { hub_->CloseSlot(key_id_); }

std::shared_ptr<StreamHub::Slot> StreamHub::OpenSlot(const std::string& key_id, Admission* admission) {
  MutexLock lock(&mu_);
  auto key = by_key_.find(key_id);
  const std::size_t open = key == by_key_.end() ? 0 : key->second.open;
  if (slots_ >= options_.max_streams || open >= options_.max_streams_per_key) {
    *admission = slots_ >= options_.max_streams ? Admission::kServerFull : Admission::kKeyFull;
    return nullptr;
  }
  *admission = Admission::kAdmitted;
  ++slots_;
  ++by_key_[key_id].open;
  return std::shared_ptr<Slot>(new Slot(this, key_id));
}

void StreamHub::CloseSlot(const std::string& key_id) {
  MutexLock lock(&mu_);
  --slots_;
  auto it = by_key_.find(key_id);
  if (--it->second.open == 0) by_key_.erase(it);
}

std::size_t StreamHub::connections() const {
  MutexLock lock(&mu_);
  return slots_;
}

std::uint64_t StreamHub::Register(std::shared_ptr<StreamSink> sink, const std::string& key_id,
                                  std::vector<SubscriptionRef> subscriptions) {
  std::uint64_t live_from = 0;
  std::optional<CloseCode> refused;
  {
    MutexLock lock(&mu_);
    live_from = next_seq_;
    std::erase_if(subscriptions, [&](const SubscriptionRef& ref) {
      const std::shared_ptr<const Subscription> now = book_.Get(ref.id);
      return now == nullptr || now->owner_id != ref.owner_id;
    });
    if (auto key = by_key_.find(key_id); key != by_key_.end() && key->second.revoked) {
      refused = CloseCode::kKeyDeleted;
    } else if (subscriptions.empty()) {
      refused = CloseCode::kSubscriptionsDeleted;
    } else {
      const StreamSink* handle = sink.get();
      for (const SubscriptionRef& ref : subscriptions) {
        Listeners& listeners = by_subscription_[ref.id];
        if (listeners.sinks.empty()) listeners.owner_id = ref.owner_id;
        assert(listeners.owner_id == ref.owner_id);
        if (!listeners.alone) {
          listeners.alone = SubscriptionList(std::vector<std::string>{ref.id}, [](const std::string& x) { return x; });
        }
        listeners.sinks.push_back(handle);
      }
      streams_[handle] = Stream{sink, key_id, std::move(subscriptions), std::nullopt};
    }
  }
  if (refused) sink->Revoke(*refused);
  return live_from;
}

std::shared_ptr<StreamSink> StreamHub::EraseStream(StreamMap::iterator it) {
  for (const SubscriptionRef& ref : it->second.subscriptions) {
    auto listeners = by_subscription_.find(std::string_view(ref.id));
    std::erase(listeners->second.sinks, it->first);
    if (listeners->second.sinks.empty()) by_subscription_.erase(listeners);
  }
  std::shared_ptr<StreamSink> sink = std::move(it->second.sink);
  streams_.erase(it);
  return sink;
}

void StreamHub::Unregister(const StreamSink* sink) {
  std::shared_ptr<StreamSink> released;  // destroyed after the lock is let go
  MutexLock lock(&mu_);
  if (auto it = streams_.find(sink); it != streams_.end()) released = EraseStream(it);
}

void StreamHub::RemoveSubscription(std::string_view id) {
  std::vector<std::shared_ptr<StreamSink>> emptied;
  {
    MutexLock lock(&mu_);
    auto listeners = by_subscription_.find(id);
    if (listeners == by_subscription_.end()) return;
    const std::vector<const StreamSink*> sinks = std::move(listeners->second.sinks);
    by_subscription_.erase(listeners);
    for (const StreamSink* sink : sinks) {
      auto it = streams_.find(sink);
      std::erase_if(it->second.subscriptions, [&](const SubscriptionRef& ref) { return ref.id == id; });
      if (it->second.subscriptions.empty()) emptied.push_back(EraseStream(it));
    }
  }
  for (const auto& sink : emptied) sink->Revoke(CloseCode::kSubscriptionsDeleted);
}

void StreamHub::RevokeKey(const std::string& key_id) {
  std::vector<std::shared_ptr<StreamSink>> revoked;
  {
    MutexLock lock(&mu_);
    if (auto key = by_key_.find(key_id); key != by_key_.end()) key->second.revoked = true;
    for (auto it = streams_.begin(); it != streams_.end();) {
      auto next = std::next(it);
      if (it->second.key_id == key_id) revoked.push_back(EraseStream(it));
      it = next;
    }
  }
  for (const auto& sink : revoked) sink->Revoke(CloseCode::kKeyDeleted);
}

void StreamHub::Replay(const StreamSink* sink, std::uint64_t from, std::uint64_t until, bool first_chunk,
                       std::size_t room) {
  {
    MutexLock lock(&mu_);
    auto it = streams_.find(sink);
    if (it == streams_.end()) return;  // closed: nothing to read for it
    it->second.replay = ReplayRequest{from, until, first_chunk, std::max<std::size_t>(1, std::min(room, options_.replay_chunk))};
  }
  {
    MutexLock lock(&replay_mu_);
    replay_queue_.push_back(sink);
  }
  replay_cv_.Signal();
}

void StreamHub::ReplayLoop() {
  for (;;) {
    const StreamSink* next = nullptr;
    {
      MutexLock lock(&replay_mu_);
      while (!replay_stopping_ && replay_queue_.empty()) replay_cv_.Wait(&replay_mu_);
      if (replay_stopping_) return;
      next = replay_queue_.front();
      replay_queue_.pop_front();
    }
    std::optional<Stream> stream;  // a copy: the stream may unregister while the chunk is read
    ReplayRequest request;
    {
      MutexLock lock(&mu_);
      auto it = streams_.find(next);
      if (it == streams_.end() || !it->second.replay) continue;  // closed, or served already
      request = *std::exchange(it->second.replay, std::nullopt);
      stream.emplace(Stream{it->second.sink, it->second.key_id, it->second.subscriptions, std::nullopt});
    }
    ReplayChunk(*stream, request);
  }
}

void StreamHub::ReplayChunk(const Stream& stream, const ReplayRequest& request) {
  ++replay_chunks_;
  std::vector<StreamMessage> messages;
  std::uint64_t next = std::max<std::uint64_t>(request.from, 1);
  if (request.first_chunk) {
    const std::uint64_t oldest = store_.first_seq();
    if (oldest > next) {
      messages.push_back({GapFrame(oldest), {}});
      next = oldest;
    }
  }
  bool done = next >= request.until;
  bool limited = false;  // stopped by the chunk's bounds, not by `until` or the log's end
  std::size_t scanned = 0;
  std::vector<std::string> passing;
  EventFacets facets;
  const engine::Status read = done ? engine::Status::Ok() : store_.ReadEvents(next, [&](const storage::Event& e) {
    if (e.seq >= request.until) return false;
    next = e.seq + 1;
    std::string_view data;
    passing.clear();
    if (DecodeEventBody(e.body, &facets, &data).ok()) book_.MatchAmong(stream.subscriptions, e.type, facets, &passing);
    if (!passing.empty()) {
      messages.push_back({MakeEventFrame(e, data), SubscriptionList(passing, [](const std::string& x) { return x; })});
    }
    limited = messages.size() >= request.chunk || ++scanned >= options_.replay_scan;
    return !limited;
  });
  if (!read.ok()) std::fprintf(stderr, "biomatch: stream replay: %s\n", read.ToString().c_str());
  // Every event before `until` is durable, so a read that was not cut short
  // has seen them all (any missing were pruned meanwhile).
  done = done || !limited || next >= request.until;
  stream.sink->DeliverReplay(std::move(messages), done ? request.until : next, done);
}

void StreamHub::ShutdownAll() {
  std::vector<std::shared_ptr<StreamSink>> sinks;
  {
    MutexLock lock(&mu_);
    for (auto& [key, stream] : streams_) sinks.push_back(stream.sink);
  }
  for (const auto& sink : sinks) sink->Shutdown();
}

void StreamHub::ReleaseStreams() {
  StreamMap released;  // destroyed after the lock is let go: a session's slot takes it
  MutexLock lock(&mu_);
  released.swap(streams_);
  by_subscription_.clear();
}

std::size_t StreamHub::streams() const {
  MutexLock lock(&mu_);
  return streams_.size();
}

StreamHub::Counters StreamHub::counters() const {
  return {events_.load(), messages_.load(), sent_.load(), lagging_.load(), overruns_.load(), replay_chunks_.load()};
}

}  // namespace biomatch::server
