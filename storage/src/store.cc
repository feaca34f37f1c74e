#include "biomatch/storage/store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <iterator>
#include <thread>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include "biomatch/engine/mutex.h"
#include "codec.h"

namespace biomatch::storage {
namespace {

using engine::Status;
namespace fs = std::filesystem;

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  return Status::IoError(what + ": " + s.ToString());
}

// Every family the format defines, in a fixed order (Impl::cf indexes it).
std::vector<std::string> OurFamilies() {
  std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName,
                                    kMetaFamily,
                                    kPlatformsFamily,
                                    kCapabilitiesFamily,
                                    kRequestsFamily,
                                    kReservationsFamily,
                                    kEventsFamily,
                                    kMatchWatchFamily};
  for (const char* f : kRecordFamilies) names.emplace_back(f);
  return names;
}
enum FamilyIndex {
  kDefault, kMeta, kPlatforms, kCapabilities, kRequests, kReservations, kEvents, kMatchWatch, kFirstRecord
};

// The options every database of ours opens with; tuned for many small values
// written in synced group-committed batches and read back at start-up.
rocksdb::Options DbOptions() {
  rocksdb::Options o;
  o.create_missing_column_families = true;
  o.IncreaseParallelism(2);
  o.env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW);  // compactions yield to serving
  o.OptimizeLevelStyleCompaction(64 << 20);
  o.compression = rocksdb::kLZ4Compression;
  o.max_total_wal_size = 256 << 20;
  o.keep_log_file_num = 4;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  return o;
}

thread_local std::uint64_t tls_ticket = 0;
thread_local std::vector<RecordWrite> tls_staged;

struct Pending {
  std::uint64_t ticket = 0;
  engine::ChangeSet changes;
  std::vector<RecordWrite> records;
  std::vector<Event> events;

  std::size_t Records() const {
    const engine::ChangeSet& c = changes;
    return c.platforms.size() + c.capabilities.size() + c.requests.size() + c.reservations.size() +
           c.deleted_platforms.size() + c.deleted_capabilities.size() + c.deleted_requests.size() +
           c.deleted_reservations.size() + c.watch_states.size() + records.size() + events.size();
  }
};

// The writer groups commits into one RocksDB write up to about this many
// records.
constexpr std::size_t kGroupRecords = 4096;

}  // namespace

struct Store::Impl {
  Options options;
  engine::Engine* engine = nullptr;  // observed by this store (null in Verify)
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> cf;  // by FamilyIndex

  mutable Mutex mu;
  CondVar work_cv;     // the writer waits for commits
  CondVar durable_cv;  // WaitDurable waits for the writer
  std::deque<Pending> queue GUARDED_BY(mu);
  // Written under `mu`; atomic so that the read fence can find without
  // `mu` that it need not wait (the writer holds `mu` while it hands a
  // bulk's events to the listener).
  std::atomic<std::uint64_t> next_ticket = 1;
  std::atomic<std::uint64_t> done_ticket = 0;  // every ticket <= this is written or failed
  // The engine's change submitted but not yet published to readers (0 when
  // none): the engine observer submits it, the engine's publishing hook
  // clears it.
  std::atomic<std::uint64_t> unpublished = 0;
  std::atomic<std::uint64_t> failed_from = 0;  // first failed ticket, 0 when none
  Status failure GUARDED_BY(mu);
  std::uint64_t next_seq GUARDED_BY(mu) = 1;  // the next event number to hand out
  std::uint64_t first_seq GUARDED_BY(mu) = 0;
  std::uint64_t last_seq GUARDED_BY(mu) = 0;  // newest durable event
  std::vector<std::pair<std::uint64_t, std::function<void(const Status&)>>> waiters GUARDED_BY(mu);
  std::function<void(std::vector<Event>)> listener GUARDED_BY(mu);
  bool stopping GUARDED_BY(mu) = false;
  std::thread writer;

  ~Impl() { Close(); }

  void Close() {
    {
      MutexLock lock(&mu);
      stopping = true;
    }
    work_cv.SignalAll();
    if (writer.joinable()) writer.join();
    if (db == nullptr) return;
    for (auto* h : cf) {
      if (h != nullptr) (void)db->DestroyColumnFamilyHandle(h);
    }
    cf.clear();
    (void)db->Close();
    delete db;
    db = nullptr;
  }

  Status StatusOf(std::uint64_t ticket) const REQUIRES(mu) {  // REQUIRES: ticket <= done_ticket
    return failed_from != 0 && ticket >= failed_from ? failure : Status::Ok();
  }

  // WhenDurable for `ticket`, or (nullopt) for the newest ticket submitted.
  void Await(std::optional<std::uint64_t> ticket, std::function<void(const Status&)> done) {
    auto wanted_now = [&] {
      std::uint64_t wanted = ticket.value_or(next_ticket - 1);
      if (!ticket && wanted != 0 && wanted == unpublished) --wanted;  // newer ones are written after it anyway
      return wanted;
    };
    if (failed_from == 0 && done_ticket >= wanted_now()) return done(Status::Ok());
    Status status;
    {
      MutexLock lock(&mu);
      const std::uint64_t wanted = wanted_now();
      if (done_ticket < wanted) {
        waiters.emplace_back(wanted, std::move(done));
        return;
      }
      status = StatusOf(wanted);
    }
    done(status);
  }

  // Store::Submit; `unpublished` for the engine's change that readers
  // cannot see yet (the read fence leaves it out until it is published).
  std::uint64_t Enqueue(engine::ChangeSet changes, std::vector<RecordWrite> records, std::vector<EventDraft> events,
                        engine::Seconds at, bool unpublished_change) {
    std::uint64_t ticket;
    {
      MutexLock lock(&mu);
      Pending p;
      p.ticket = ticket = next_ticket++;
      p.changes = std::move(changes);
      p.records = std::move(records);
      p.events.reserve(events.size());
      for (EventDraft& d : events) p.events.push_back(Event{next_seq++, at, std::move(d.type), std::move(d.body)});
      queue.push_back(std::move(p));
      if (unpublished_change) unpublished = ticket;
    }
    work_cv.Signal();
    tls_ticket = ticket;
    return ticket;
  }

  void WriterLoop();
  Status WriteBatchOf(const std::vector<Pending>& batch);
  Status Load(engine::Engine* engine, OpenStats* stats);
};

void Store::Impl::WriterLoop() {
  for (;;) {
    std::vector<Pending> batch;
    {
      MutexLock lock(&mu);
      while (queue.empty() && !stopping) work_cv.Wait(&mu);
      if (queue.empty()) return;  // stopping and drained
      const std::size_t n = std::min(queue.size(), options.max_batch_commits);
      batch.reserve(n);
      // A large commit (a bulk) is written on its own, so that the small
      // ones before it, and the readers waiting for them, need not wait
      // for it.
      std::size_t records = 0;
      for (std::size_t i = 0; i < n; ++i) {
        records += queue.front().Records();
        if (!batch.empty() && records > kGroupRecords) break;
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    Status written;
    {
      MutexLock lock(&mu);
      written = failure;  // a failed store writes nothing more
    }
    if (written.ok()) written = WriteBatchOf(batch);

    std::vector<std::function<void(const Status&)>> ready;
    std::vector<Event> events;
    Status result;
    {
      MutexLock lock(&mu);
      if (!written.ok() && failed_from == 0) {
        failed_from = batch.front().ticket;
        failure = written;
      }
      done_ticket = batch.back().ticket;
      result = StatusOf(done_ticket);
      if (result.ok()) {
        for (Pending& p : batch) {
          if (events.empty()) {
            events = std::move(p.events);
          } else {
            events.insert(events.end(), std::make_move_iterator(p.events.begin()), std::make_move_iterator(p.events.end()));
          }
        }
        if (!events.empty()) {
          last_seq = events.back().seq;
          if (first_seq == 0) first_seq = events.front().seq;
        }
      }
      const std::uint64_t done = done_ticket;
      auto split = std::partition(waiters.begin(), waiters.end(), [done](const auto& w) { return w.first > done; });
      for (auto it = split; it != waiters.end(); ++it) ready.push_back(std::move(it->second));
      waiters.erase(split, waiters.end());
      if (!events.empty() && listener) listener(std::move(events));
    }
    durable_cv.SignalAll();
    for (auto& done : ready) done(result);
  }
}

namespace {

// Visits every write of `batch`, in the order RocksDB gets them, as
// write(family, key, value), a null value for a delete.
template <typename Write>
void ForEachWrite(const std::vector<Pending>& batch, const std::vector<rocksdb::ColumnFamilyHandle*>& cf,
                  Write&& write) {
  const auto put = [&](FamilyIndex family, std::string_view key, const std::string& value) {
    write(cf[family], key, &value);
  };
  const auto del = [&](FamilyIndex family, std::string_view key) { write(cf[family], key, nullptr); };
  std::uint64_t last_event = 0;
  for (const Pending& p : batch) {
    const engine::ChangeSet& c = p.changes;
    for (const auto& x : c.platforms) put(kPlatforms, x.id, EncodePlatform(x));
    for (const auto& x : c.capabilities) put(kCapabilities, x.id, EncodeCapability(x));
    for (const auto& x : c.requests) put(kRequests, x.id, EncodeRequest(x));
    for (const auto& x : c.reservations) put(kReservations, x.id, EncodeReservation(x));
    for (const auto& id : c.deleted_reservations) del(kReservations, id);
    for (const auto& x : c.deleted_requests) del(kRequests, x.id);
    for (const auto& x : c.deleted_capabilities) del(kCapabilities, x.id);
    for (const auto& x : c.deleted_platforms) del(kPlatforms, x.id);
    for (const auto& w : c.watch_states) {
      if (w.announced.empty()) {
        del(kMatchWatch, w.request_id);
      } else {
        put(kMatchWatch, w.request_id, EncodeWatchedPairs(w));
      }
    }
    for (const RecordWrite& r : p.records) {
      write(cf[kFirstRecord + static_cast<std::size_t>(r.family)], r.key, r.value ? &*r.value : nullptr);
    }
    for (const Event& e : p.events) {
      put(kEvents, EventKey(e.seq), EncodeEvent(e));
      last_event = e.seq;
    }
  }
  if (last_event != 0) put(kMeta, kNextSeqKey, EncodeFixed64(last_event + 1));
}

}  // namespace

// Encodes every value twice: once to size the batch, once into it. A
// batch grown by doubling instead copied and page-faulted about twice its
// size (a bulk's is hundreds of megabytes), which cost more than encoding.
Status Store::Impl::WriteBatchOf(const std::vector<Pending>& batch) {
  constexpr std::size_t kHeaderBytes = 12, kRecordOverheadBytes = 16;  // a tag and three varints at most
  std::size_t bytes = kHeaderBytes;
  ForEachWrite(batch, cf, [&](auto*, std::string_view key, const std::string* value) {
    bytes += kRecordOverheadBytes + key.size() + (value ? value->size() : 0);
  });
  rocksdb::WriteBatch wb(bytes);
  ForEachWrite(batch, cf, [&](rocksdb::ColumnFamilyHandle* family, std::string_view key, const std::string* value) {
    if (value) {
      wb.Put(family, key, *value);
    } else {
      wb.Delete(family, key);
    }
  });
  rocksdb::WriteOptions wo;
  wo.sync = options.durability == Durability::kFsync;
  return FromRocks(db->Write(wo, &wb), "writing a batch");
}

namespace {

// Opens the database in `dir` with every column family it has, refusing
// directories that are not ours. `created` reports a brand-new database.
engine::Result<bool> OpenDb(const std::string& dir, bool create_if_missing, bool read_only, rocksdb::DB** db,
                            std::vector<rocksdb::ColumnFamilyHandle*>* handles) {
  std::error_code ec;
  const bool exists = fs::exists(dir, ec);
  const bool has_db = fs::exists(fs::path(dir) / "CURRENT", ec);
  if (exists && !fs::is_directory(dir, ec)) return Status::InvalidArgument("data", dir + " is not a directory");
  if (exists && !has_db && !fs::is_empty(dir, ec)) {
    return Status::Corruption(dir + " is not a biomatch data directory (it holds files but no database)");
  }
  if (!has_db && (!create_if_missing || read_only)) return Status::NotFound("no database in " + dir);
  const std::vector<std::string> ours = OurFamilies();
  std::vector<std::string> existing;
  if (has_db) {
    Status s = FromRocks(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &existing), "reading " + dir);
    if (!s.ok()) return s;
    if (std::find(existing.begin(), existing.end(), kMetaFamily) == existing.end()) {
      return Status::Corruption(dir + " holds a RocksDB database that is not biomatch's");
    }
    for (const std::string& name : existing) {
      if (std::find(ours.begin(), ours.end(), name) == ours.end()) {
        return Status::Corruption(dir + " has column family '" + name + "' this version does not know");
      }
    }
  } else {
    fs::create_directories(dir, ec);
    if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  }
  rocksdb::Options options = DbOptions();
  options.create_if_missing = !has_db;
  // Read-only opens only the families there are (an older format lacks
  // some); their handles stay null.
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  std::vector<std::size_t> position;  // descriptors[i] is ours[position[i]]
  for (std::size_t i = 0; i < ours.size(); ++i) {
    if (read_only && std::find(existing.begin(), existing.end(), ours[i]) == existing.end()) continue;
    descriptors.emplace_back(ours[i], rocksdb::ColumnFamilyOptions(options));
    position.push_back(i);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> opened;
  rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(options, dir, descriptors, &opened, db)
                                : rocksdb::DB::Open(options, dir, descriptors, &opened, db);
  if (!s.ok()) return FromRocks(s, "opening " + dir);
  handles->assign(ours.size(), nullptr);
  for (std::size_t i = 0; i < opened.size(); ++i) (*handles)[position[i]] = opened[i];
  return !has_db;
}

// Reads and checks the format version; a new database gets ours.
Status CheckFormat(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta, bool created, bool read_only) {
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), meta, std::string(kFormatVersionKey), &value);
  if (s.IsNotFound()) {
    if (!created) return Status::Corruption("the database has no format version: not a biomatch data directory");
    rocksdb::WriteBatch wb;
    wb.Put(meta, std::string(kFormatVersionKey), EncodeFixed32(kFormatVersion));
    wb.Put(meta, std::string(kNextSeqKey), EncodeFixed64(1));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db->Write(wo, &wb), "initialising the database");
  }
  if (!s.ok()) return FromRocks(s, "reading the format version");
  std::uint32_t version = 0;
  if (!DecodeFixed32(value, &version)) return Status::Corruption("the stored format version is malformed");
  if (version > kFormatVersion) {
    return Status::Corruption("the data directory has format " + std::to_string(version) +
                              ", newer than this biomatch reads (" + std::to_string(kFormatVersion) + ")");
  }
  if (version < kFormatVersion && !read_only) {  // older formats lack families OpenDb has created
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db->Put(wo, meta, std::string(kFormatVersionKey), EncodeFixed32(kFormatVersion)),
                     "upgrading the format version");
  }
  return Status::Ok();
}

// Visits every value of a family; stops at the first error.
Status ScanFamily(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* h,
                  const std::function<Status(std::string_view key, std::string_view value)>& visit) {
  if (h == nullptr) return Status::Ok();  // a family an older format lacks (read-only)
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), h));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (Status s = visit(it->key().ToStringView(), it->value().ToStringView()); !s.ok()) return s;
  }
  return FromRocks(it->status(), "scanning " + h->GetName());
}

// Loads every entity of the database into `engine` in dependency order.
// A record that does not decode or load is handed to
// problem(family, key, value, status), whose answer is the scan's: an error
// stops the load, Ok goes on without the record (so do the records that
// depend on it: they load later and name it).
using LoadProblem = std::function<Status(rocksdb::ColumnFamilyHandle* family, std::string_view key,
                                         std::string_view value, const Status& problem)>;
Status LoadEntities(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cf, engine::Engine* e,
                    OpenStats* stats, const LoadProblem& problem) {
  auto scan = [&](FamilyIndex family, auto decode_and_insert, std::uint64_t* count) {
    return ScanFamily(db, cf[family], [&](std::string_view key, std::string_view value) {
      Status s = decode_and_insert(value);
      if (!s.ok()) return problem(cf[family], key, value, s);
      ++*count;
      return Status::Ok();
    });
  };
  Status s = scan(kPlatforms, [&](std::string_view v) {
    engine::Platform x;
    Status d = DecodePlatform(v, &x);
    return d.ok() ? e->LoadPlatform(std::move(x)) : d;
  }, &stats->platforms);
  if (s.ok()) s = scan(kCapabilities, [&](std::string_view v) {
    engine::Capability x;
    Status d = DecodeCapability(v, &x);
    return d.ok() ? e->LoadCapability(std::move(x)) : d;
  }, &stats->capabilities);
  if (s.ok()) s = scan(kRequests, [&](std::string_view v) {
    engine::Request x;
    Status d = DecodeRequest(v, &x);
    return d.ok() ? e->LoadRequest(std::move(x)) : d;
  }, &stats->requests);
  if (s.ok()) s = scan(kReservations, [&](std::string_view v) {
    engine::Reservation x;
    Status d = DecodeReservation(v, &x);
    return d.ok() ? e->LoadReservation(std::move(x)) : d;
  }, &stats->reservations);
  if (s.ok()) s = scan(kMatchWatch, [&](std::string_view v) {
    engine::WatchedPairs x;
    Status d = DecodeWatchedPairs(v, &x);
    return d.ok() ? e->LoadWatchedPairs(std::move(x)) : d;
  }, &stats->watched_requests);
  return s;
}

std::uint64_t EdgeEventSeq(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events, bool last) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), events));
  last ? it->SeekToLast() : it->SeekToFirst();
  return it->Valid() && it->key().size() == 8 ? DecodeEventKey(it->key().ToStringView()) : 0;
}

}  // namespace

engine::Result<std::unique_ptr<Store>> Store::Open(const Options& options, engine::Engine* engine,
                                                   engine::Seconds now, OpenStats* stats) {
  const auto start = std::chrono::steady_clock::now();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  auto created = OpenDb(options.dir, options.create_if_missing, false, &impl->db, &impl->cf);
  if (!created.ok()) return created.status();
  if (Status s = CheckFormat(impl->db, impl->cf[kMeta], *created, false); !s.ok()) return s;

  OpenStats local;
  OpenStats* st = stats ? stats : &local;
  *st = OpenStats{};
  const std::string dir = options.dir;
  const Status loaded = LoadEntities(impl->db, impl->cf, engine, st, [&](auto*, auto, auto, const Status& problem) {
    return Status::Corruption(problem.message() + " (`biomatch_verify --data " + dir +
                              " --repair` sets such records aside, into a file, and keeps the rest)");
  });
  if (!loaded.ok()) return loaded;

  std::string value;
  std::uint64_t next_seq = 1;
  rocksdb::Status rs = impl->db->Get(rocksdb::ReadOptions(), impl->cf[kMeta], std::string(kNextSeqKey), &value);
  if (rs.ok() && !DecodeFixed64(value, &next_seq)) return Status::Corruption("the stored next sequence number is malformed");
  if (!rs.ok() && !rs.IsNotFound()) return FromRocks(rs, "reading the next sequence number");
  {
    MutexLock lock(&impl->mu);  // nothing else runs yet; the lock says what the fields need
    impl->last_seq = EdgeEventSeq(impl->db, impl->cf[kEvents], true);
    impl->first_seq = EdgeEventSeq(impl->db, impl->cf[kEvents], false);
    impl->next_seq = std::max(next_seq, impl->last_seq + 1);
    st->events = impl->last_seq == 0 ? 0 : impl->last_seq - impl->first_seq + 1;
  }

  Impl* raw = impl.get();
  raw->engine = engine;
  raw->writer = std::thread([raw] { raw->WriterLoop(); });
  std::unique_ptr<Store> store(new Store(std::move(impl)));
  Store* observer = store.get();
  engine->SetChangeObserver(
      [observer](const engine::ChangeSet& changes, const engine::ChangeContext& context) {
        const EventMaker& make = observer->impl_->options.event_maker;
        (void)observer->impl_->Enqueue(changes, std::exchange(tls_staged, {}),
                                       make ? make(changes, context) : std::vector<EventDraft>{}, engine::NowSeconds(),
                                       true);
      },
      [observer] {
        MutexLock lock(&observer->impl_->mu);
        observer->impl_->unpublished = 0;
      });

  // Holds that expired while we were down expire now, durably.
  (void)TakeThreadTicket();  // a ticket of another store this thread used
  st->expired_on_load = engine->Sweep(now).reservations.size();
  if (Status s = store->WaitDurable(TakeThreadTicket()); !s.ok()) return s;
  st->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return store;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() {
  if (impl_->engine != nullptr) impl_->engine->SetChangeObserver({});
}

Status Store::Admit() const {
  MutexLock lock(&impl_->mu);
  if (!impl_->failure.ok()) return impl_->failure;
  if (impl_->stopping) return Status::Unavailable("the store is closing");
  if (impl_->queue.size() >= impl_->options.max_queued_commits) {
    return Status::Unavailable("too many writes are waiting for the disk");
  }
  return Status::Ok();
}

std::uint64_t Store::Submit(engine::ChangeSet changes, std::vector<RecordWrite> records,
                            std::vector<EventDraft> events, engine::Seconds at) {
  return impl_->Enqueue(std::move(changes), std::move(records), std::move(events), at, false);
}

void Store::StageRecords(std::vector<RecordWrite> records) { tls_staged = std::move(records); }

std::uint64_t Store::TakeThreadTicket() {
  tls_staged.clear();
  return std::exchange(tls_ticket, 0);
}

Status Store::WaitDurable(std::uint64_t ticket) {
  MutexLock lock(&impl_->mu);
  while (impl_->done_ticket < ticket) impl_->durable_cv.Wait(&impl_->mu);
  return impl_->StatusOf(ticket);
}

void Store::WhenDurable(std::uint64_t ticket, std::function<void(const Status&)> done) {
  impl_->Await(ticket, std::move(done));
}

void Store::WhenAllDurable(std::function<void(const Status&)> done) {
  impl_->Await(std::nullopt, std::move(done));  // one lock: every read answer comes through here
}

void Store::SetEventListener(std::function<void(std::vector<Event>)> listener) {
  MutexLock lock(&impl_->mu);
  impl_->listener = std::move(listener);
}

engine::Result<std::string> Store::GetRecord(Family family, const std::string& key) const {
  std::string value;
  const rocksdb::Status s =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kFirstRecord + static_cast<std::size_t>(family)], key, &value);
  if (s.IsNotFound()) return Status::NotFound("no record " + key);
  if (!s.ok()) return FromRocks(s, "reading a record");
  return value;
}

Status Store::ScanRecords(Family family,
                          const std::function<bool(const std::string& key, const std::string& value)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kFirstRecord + static_cast<std::size_t>(family)]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!visit(it->key().ToString(), it->value().ToString())) break;
  }
  return FromRocks(it->status(), "scanning records");
}

Status Store::ReadEvents(std::uint64_t from, const std::function<bool(const Event&)>& visit) const {
  const std::uint64_t last = last_seq();  // only durable events are visible
  if (last == 0 || from > last) return Status::Ok();
  const std::string upper = EventKey(last + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kEvents]));
  for (it->Seek(EventKey(from)); it->Valid(); it->Next()) {
    Event e;
    if (Status s = DecodeEvent(it->key().ToStringView(), it->value().ToStringView(), &e); !s.ok()) return s;
    if (!visit(e)) break;
  }
  return FromRocks(it->status(), "reading events");
}

std::uint64_t Store::first_seq() const {
  MutexLock lock(&impl_->mu);
  return impl_->first_seq;
}

std::uint64_t Store::last_seq() const {
  MutexLock lock(&impl_->mu);
  return impl_->last_seq;
}

Status Store::PruneEvents(engine::Seconds cutoff) {
  const std::uint64_t first = first_seq();
  const std::uint64_t last = last_seq();
  if (first == 0) return Status::Ok();
  std::uint64_t keep_from = first;
  Status s = ReadEvents(first, [&](const Event& e) {
    if (e.at >= cutoff || e.seq == last) return false;
    keep_from = e.seq + 1;
    return true;
  });
  if (!s.ok() || keep_from == first) return s;
  s = FromRocks(impl_->db->DeleteRange(rocksdb::WriteOptions(), impl_->cf[kEvents], EventKey(first), EventKey(keep_from)),
                "pruning events");
  if (!s.ok()) return s;
  MutexLock lock(&impl_->mu);
  impl_->first_seq = keep_from;
  return Status::Ok();
}

Status Store::Checkpoint(const std::string& dir) {
  // A path the caller got wrong is InvalidArgument("dir"); anything else the
  // file system refuses is an IoError.
  const auto path_error = [](const std::string& path, const std::error_code& ec) {
    if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory ||
        ec == std::errc::filename_too_long || ec == std::errc::too_many_symbolic_link_levels) {
      return Status::InvalidArgument("dir", path + ": " + ec.message());
    }
    return Status::IoError(path + ": " + ec.message());
  };
  if (dir.find('\0') != std::string::npos) return Status::InvalidArgument("dir", "contains a NUL byte");
  std::error_code ec;
  if (fs::symlink_status(dir, ec).type() != fs::file_type::not_found) {
    return ec ? path_error(dir, ec) : Status::Conflict(dir + " exists");
  }
  // RocksDB stages the copy in <dir>.tmp and empties that directory first if
  // it exists. Creating it here, atomically, keeps anyone else's out of reach.
  const std::string staging = dir.substr(0, dir.find_last_not_of('/') + 1) + ".tmp";
  if (!fs::create_directory(staging, ec)) {
    return !ec || ec == std::errc::file_exists ? Status::Conflict(staging + " exists") : path_error(staging, ec);
  }
  rocksdb::Checkpoint* raw = nullptr;
  Status s = FromRocks(rocksdb::Checkpoint::Create(impl_->db, &raw), "creating a checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  if (s.ok()) s = FromRocks(checkpoint->CreateCheckpoint(dir), "writing checkpoint " + dir);
  // RocksDB removes the staging directory when it fails after using it; this
  // removes it (if still empty) when it failed before.
  if (!s.ok()) fs::remove(staging, ec);
  return s;
}

std::vector<std::pair<std::string, std::uint64_t>> Store::DbStats() const {
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (const char* property : {"rocksdb.estimate-live-data-size", "rocksdb.total-sst-files-size",
                               "rocksdb.cur-size-all-mem-tables", "rocksdb.estimate-pending-compaction-bytes",
                               "rocksdb.num-running-compactions", "rocksdb.background-errors"}) {
    std::uint64_t v = 0;
    if (impl_->db->GetAggregatedIntProperty(property, &v)) out.emplace_back(property, v);
  }
  return out;
}

engine::Result<VerifyReport> Store::Verify(const std::string& dir) {
  Impl impl;  // only for the handles' lifetime
  auto created = OpenDb(dir, false, true, &impl.db, &impl.cf);
  if (!created.ok()) return created.status();
  if (Status s = CheckFormat(impl.db, impl.cf[kMeta], false, true); !s.ok()) return s;
  VerifyReport report;
  engine::Engine scratch;
  OpenStats counts;
  const Status loaded = LoadEntities(impl.db, impl.cf, &scratch, &counts, [&](auto*, auto, auto, const Status& s) {
    report.problems.push_back(s.ToString());
    return Status::Ok();  // keep going: report every problem
  });
  if (!loaded.ok()) return loaded;
  report.platforms = counts.platforms;
  report.capabilities = counts.capabilities;
  report.requests = counts.requests;
  report.reservations = counts.reservations;
  std::uint64_t expected = 0;
  const Status scanned = ScanFamily(impl.db, impl.cf[kEvents], [&](std::string_view key, std::string_view value) {
    Event e;
    if (Status s = DecodeEvent(key, value, &e); !s.ok()) {
      report.problems.push_back(s.ToString());
      return Status::Ok();
    }
    if (expected != 0 && e.seq != expected) {
      report.problems.push_back("event log gap: expected seq " + std::to_string(expected) + ", found " + std::to_string(e.seq));
    }
    if (report.first_seq == 0) report.first_seq = e.seq;
    report.last_seq = e.seq;
    expected = e.seq + 1;
    ++report.events;
    return Status::Ok();
  });
  if (!scanned.ok()) return scanned;
  std::string value;
  std::uint64_t next_seq = 0;
  if (impl.db->Get(rocksdb::ReadOptions(), impl.cf[kMeta], std::string(kNextSeqKey), &value).ok() &&
      DecodeFixed64(value, &next_seq) && next_seq <= report.last_seq) {
    report.problems.push_back("next_seq " + std::to_string(next_seq) + " is not past the last event " +
                              std::to_string(report.last_seq));
  }
  return report;
}

engine::Result<std::vector<SetAside>> Store::Repair(const std::string& dir,
                                                    const std::function<Status(const std::vector<SetAside>&)>& keep) {
  Impl impl;  // only for the handles' lifetime
  auto created = OpenDb(dir, false, false, &impl.db, &impl.cf);
  if (!created.ok()) return created.status();
  if (Status s = CheckFormat(impl.db, impl.cf[kMeta], false, false); !s.ok()) return s;
  engine::Engine scratch;
  OpenStats counts;
  std::vector<SetAside> set_aside;
  rocksdb::WriteBatch wb;
  const Status loaded = LoadEntities(impl.db, impl.cf, &scratch, &counts,
                                     [&](rocksdb::ColumnFamilyHandle* family, std::string_view key,
                                         std::string_view value, const Status& problem) {
    set_aside.push_back({family->GetName(), std::string(key), std::string(value), problem.message()});
    return FromRocks(wb.Delete(family, key), "deleting " + std::string(key));
  });
  if (!loaded.ok()) return loaded;
  if (set_aside.empty()) return set_aside;
  if (Status s = keep(set_aside); !s.ok()) return s;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (Status s = FromRocks(impl.db->Write(wo, &wb), "setting records aside"); !s.ok()) return s;
  return set_aside;
}

}  // namespace biomatch::storage
