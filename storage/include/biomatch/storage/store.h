// Store: durable RocksDB persistence of everything biomatch knows, the global
// event log, recovery into an Engine, and checkpoints.
//
// One RocksDB database per data directory, one column family per kind of
// record (see src/codec.h for the key and value grammar). Every logical change
// is one Commit: the ChangeSet an Engine mutation produced, the server-owned
// records it touched (subscriptions, API keys, idempotency keys) and the
// events it caused, written as one atomic WriteBatch. Commits are persisted in
// the order they were submitted by a single writer thread that gathers every
// waiting commit into one batch and one WAL sync (group commit).
//
// Ordering with the Engine: Open makes the Store the Engine's ChangeObserver.
// The observer runs under the Engine's exclusive lock, so commits are
// submitted in exactly the order the Engine applied them. The mutating
// thread then learns its ticket with TakeThreadTicket() and waits
// (WaitDurable) or registers a callback (WhenDurable) before acknowledging.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "biomatch/engine/engine.h"
#include "biomatch/engine/status.h"
#include "biomatch/engine/time.h"

namespace biomatch::storage {

enum class Durability {
  kFsync,  // a commit is acknowledged once its WAL record is fsynced (default)
  kOs,     // written to the OS: survives a process crash, not a power cut
};

// Server-owned record families, stored as opaque bytes. Never renumber.
enum class Family : std::uint8_t { kSubscriptions = 0, kApiKeys = 1, kIdempotency = 2 };

struct RecordWrite {
  Family family = Family::kSubscriptions;
  std::string key;
  std::optional<std::string> value;  // nullopt deletes the record
};

// An event before it is numbered. `type` is the API's event type name; `body`
// is opaque to storage (the server's encoding).
struct EventDraft {
  std::string type;
  std::string body;
};

struct Event {
  std::uint64_t seq = 0;  // global, gap-free, increasing from 1
  engine::Seconds at = 0;
  std::string type;
  std::string body;
  bool operator==(const Event&) const = default;
};

// Derives the events of a change set (the server's rules); called under the
// Engine's lock, so it must not call back into the Engine (`context` reads
// the state the change left).
using EventMaker =
    std::function<std::vector<EventDraft>(const engine::ChangeSet&, const engine::ChangeContext& context)>;

struct Options {
  std::string dir;                         // the data directory
  Durability durability = Durability::kFsync;
  bool create_if_missing = true;
  // Commits gathered into one batch at most (bounds a batch's memory).
  std::size_t max_batch_commits = 4096;
  // Admit refuses (kUnavailable) past this many unwritten commits.
  std::size_t max_queued_commits = 65536;
  EventMaker event_maker;                  // may be empty: no events
};

struct OpenStats {
  std::uint64_t platforms = 0, capabilities = 0, requests = 0, reservations = 0, events = 0;
  std::uint64_t watched_requests = 0;  // match watch states
  std::uint64_t expired_on_load = 0;  // holds that expired while the process was down
  double seconds = 0;
};

struct VerifyReport {
  std::uint64_t platforms = 0, capabilities = 0, requests = 0, reservations = 0, events = 0;
  std::uint64_t first_seq = 0, last_seq = 0;
  std::vector<std::string> problems;  // empty when every invariant holds
};

// A record Repair took out of the database: its column family, key and
// stored bytes (storage/src/codec.h), and why it could not be loaded.
struct SetAside {
  std::string family;
  std::string key;
  std::string value;
  std::string reason;
};

class Store {
 public:
  // Opens (or creates) the data directory and loads every entity into
  // `engine`, which must be empty, and becomes its change observer: every
  // engine change set is then submitted as a commit with the events
  // options.event_maker derives. Then expires holds whose time passed at
  // `now` and commits that. A directory from a newer format, one that is not
  // a biomatch database, or a corrupt one is an error, never an empty store.
  // `engine` must outlive the Store.
  static engine::Result<std::unique_ptr<Store>> Open(const Options& options, engine::Engine* engine,
                                                     engine::Seconds now, OpenStats* stats = nullptr);
  ~Store();  // drains the queue, then closes the database
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Whether a new write may start: kUnavailable while the queue holds
  // max_queued_commits unwritten commits, or the error that failed the store.
  // Check before mutating the engine: a change once applied cannot be refused.
  engine::Status Admit() const;
  // Queues a commit and returns its ticket; never refuses (see Admit). Events
  // are numbered here, in submission order.
  std::uint64_t Submit(engine::ChangeSet changes, std::vector<RecordWrite> records,
                       std::vector<EventDraft> events, engine::Seconds at);
  // Server-owned records to commit with the next change set this thread's
  // engine call produces (through the engine observer), atomically with it.
  static void StageRecords(std::vector<RecordWrite> records);
  // The ticket of the last commit this thread submitted since the previous
  // call (0 when none), e.g. through the engine observer. Drops records
  // staged but not committed (the engine call failed).
  static std::uint64_t TakeThreadTicket();
  // Blocks until the ticket is durable; its status (an I/O error fails every
  // later commit too). Ticket 0 is durable at once.
  engine::Status WaitDurable(std::uint64_t ticket);
  // Calls `done` once the ticket is durable, from the writer thread (or
  // inline when it already is). `done` must be quick.
  void WhenDurable(std::uint64_t ticket, std::function<void(const engine::Status&)> done);
  // WhenDurable for every commit submitted so far but the engine's change
  // that readers cannot see yet (one that waits in Engine::ApplyBatch's
  // before_publish): a reader that read the engine calls it before
  // answering, so that it never shows a change that a crash could still
  // undo (the read fence), and never waits for a bulk it cannot see.
  void WhenAllDurable(std::function<void(const engine::Status&)> done);
  // Listener for committed events, called on the writer thread in seq order
  // after each durable batch (the live stream hangs here), which it may
  // keep. Must be quick.
  void SetEventListener(std::function<void(std::vector<Event>)> listener);

  // Reads a server-owned record.
  engine::Result<std::string> GetRecord(Family family, const std::string& key) const;
  // Visits every record of a family in key order; stop by returning false.
  engine::Status ScanRecords(Family family,
                             const std::function<bool(const std::string& key, const std::string& value)>& visit) const;

  // Visits stored events with seq >= from in order until `visit` returns false.
  engine::Status ReadEvents(std::uint64_t from, const std::function<bool(const Event&)>& visit) const;
  std::uint64_t first_seq() const;  // the oldest retained event (0 when none)
  std::uint64_t last_seq() const;   // the newest durable event (0 when none)
  // Deletes events older than `cutoff`, never the newest one. Does not block writers.
  engine::Status PruneEvents(engine::Seconds cutoff);

  // A consistent, openable copy of the database in `dir`. Neither `dir` nor
  // its staging sibling `<dir>.tmp` may exist (Conflict; nothing is touched).
  // InvalidArgument("dir") for a NUL byte or a missing parent; IoError when
  // the file system refuses (no space, no permission).
  engine::Status Checkpoint(const std::string& dir);
  // RocksDB figures for /metrics: name and value.
  std::vector<std::pair<std::string, std::uint64_t>> DbStats() const;

  // Opens a data directory on its own and checks its invariants: every record
  // decodes, references resolve, reserved <= units per slot, the event log has
  // no gap. Does not modify the directory.
  static engine::Result<VerifyReport> Verify(const std::string& dir);
  // Makes a directory that Open refuses for inconsistent entities openable:
  // deletes every entity record that does not decode or load (names a
  // missing entity, is stored twice, over-reserves a slot; and so whatever
  // names such a record) in one synced batch, and returns them. `keep` gets
  // them first and must store them durably (biomatch_verify writes a file);
  // when it fails nothing is deleted. Leaves the rest, and the event log,
  // as they are. The directory must not be open elsewhere.
  static engine::Result<std::vector<SetAside>> Repair(
      const std::string& dir, const std::function<engine::Status(const std::vector<SetAside>&)>& keep);

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace biomatch::storage
