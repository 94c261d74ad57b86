#include "simulator/server_node.h"

#include <algorithm>
#include <utility>

#include "core/util/check.h"

namespace cairn::sim {

// The Raft log store the Server sees: the simulated disk, with the write
// crash points and a synchronous fsync (the Server syncs inside Save).
class ServerNode::LogStore : public storage::RaftLogStore {
 public:
  explicit LogStore(ServerNode& node) : node_(node), disk_(node.disk_) {}

  Result<raft::InitialState> GetInitialState() const override {
    return disk_.GetInitialState();
  }
  Result<std::vector<raft::Entry>> Entries(raft::Index lo, raft::Index hi,
                                           uint64_t max_bytes) const override {
    return disk_.Entries(lo, hi, max_bytes);
  }
  Result<raft::Term> TermAt(raft::Index i) const override {
    return disk_.TermAt(i);
  }
  raft::Index LastIndex() const override { return disk_.LastIndex(); }
  raft::Index FirstIndex() const override { return disk_.FirstIndex(); }
  Result<raft::Snapshot> GetSnapshot() const override {
    return disk_.GetSnapshot();
  }

  // A dead process still "writes" (into the page cache, which the crash
  // loses), so that the Server's view stays whole until the host drops
  // it; it never syncs.
  Status Save(const raft::HardState* hs,
              const std::vector<raft::Entry>& entries,
              const raft::Snapshot* snap, bool must_sync) override {
    node_.Hit(CrashPoint::kBeforeWrite);
    Status s = disk_.Save(hs, entries, snap, must_sync);
    CAIRN_CHECK(s.ok(), "simulated disk write: %s", s.ToString().c_str());
    node_.Hit(CrashPoint::kAfterWrite);
    if (node_.dead_ || !(must_sync || snap != nullptr)) return Status::Ok();
    if (!disk_.Sync().ok()) {
      // The disk's state is unknown after a failed fsync: fail-stop
      // (STYLE.md E5).
      node_.Die("fsync-failed");
      return Status::Ok();
    }
    node_.Hit(CrashPoint::kAfterSync);
    return Status::Ok();
  }
  Status Compact(raft::Index compact_index) override {
    return disk_.Compact(compact_index);
  }

 private:
  ServerNode& node_;
  SimLogStore& disk_;
};

// The backend the Server sees: the MemoryBackend, with the apply crash
// points around each batch (the Server writes one per applied Ready).
class ServerNode::BackendStore : public storage::Backend {
 public:
  explicit BackendStore(ServerNode& node)
      : node_(node), backend_(node.backend_) {}

  Status Commit(const storage::WriteBatch& batch, bool sync) override {
    node_.Hit(CrashPoint::kMidApply);
    Status s = backend_.Commit(batch, sync && !node_.dead_);
    node_.Hit(CrashPoint::kAfterApply);
    return s;
  }
  Result<std::string> Get(std::string_view key) const override {
    return backend_.Get(key);
  }
  Status Scan(
      std::string_view begin, std::string_view end,
      const std::function<bool(std::string_view key, std::string_view value)>&
          fn) const override {
    return backend_.Scan(begin, end, fn);
  }

 private:
  ServerNode& node_;
  storage::MemoryBackend& backend_;
};

// Collects sent messages for the host, checking the persistence contract
// against the durable disk as each one leaves.
class ServerNode::Transport : public server::Transport {
 public:
  explicit Transport(ServerNode& node) : node_(node) {}

  void Send(std::vector<raft::Message> msgs) override {
    if (node_.dead_) return;
    for (raft::Message& m : msgs) {
      if (!node_.violation_.has_value()) {
        node_.violation_ =
            CheckPersistenceContract(m, node_.disk_.durable_hard_state(),
                                     node_.disk_.durable_last_index());
      }
      node_.outbox_.push_back(std::move(m));
    }
    node_.Hit(CrashPoint::kAfterSend);
  }

 private:
  ServerNode& node_;
};

class ServerNode::Logger : public server::Logger {
 public:
  explicit Logger(ServerNode& node) : node_(node) {}
  void Log(std::string_view line) override {
    if (node_.options_.logger && !node_.dead_) node_.options_.logger(line);
  }

 private:
  ServerNode& node_;
};

ServerNode::ServerNode(ServerNodeOptions options)
    : options_(std::move(options)),
      seeds_(options_.seed),
      disk_(/*defer_sync=*/true),
      log_store_(std::make_unique<LogStore>(*this)),
      backend_store_(std::make_unique<BackendStore>(*this)),
      transport_(std::make_unique<Transport>(*this)),
      logger_(std::make_unique<Logger>(*this)) {
  Start();
}

ServerNode::~ServerNode() = default;

void ServerNode::Start() {
  random_ = std::make_unique<Random>(seeds_.Fork());
  server_ = std::make_unique<server::Server>(options_.config, *log_store_,
                                             *backend_store_, *transport_,
                                             *logger_, *random_);
}

void ServerNode::Disarm() {
  armed_.reset();
  disk_.ClearFailures();
}

void ServerNode::Hit(CrashPoint point) {
  if (dead_ || !armed_.has_value() || *armed_ != point) return;
  armed_.reset();
  Die(CrashPointName(point));
}

void ServerNode::Die(const char* cause) {
  if (dead_) return;
  dead_ = true;
  cause_ = cause;
  log_unsynced_at_death_ = disk_.unsynced_bytes();
  backend_unsynced_at_death_ = backend_.unsynced_batches();
}

std::vector<raft::Message> ServerNode::TakeMessages() {
  return std::exchange(outbox_, {});
}

ServerCrashReport ServerNode::Crash(Random& rng, bool torn_writes) {
  // Of the writes made before the process died, the OS may have flushed
  // any prefix; nothing written after it died survives.
  const uint64_t log_limit =
      dead_ ? log_unsynced_at_death_ : disk_.unsynced_bytes();
  uint64_t tear = 0;
  if (torn_writes && log_limit > 0 && rng.OneIn(1, 2)) {
    tear = rng.Uniform(log_limit + 1);
  }
  const size_t backend_limit =
      dead_ ? backend_unsynced_at_death_ : backend_.unsynced_batches();
  storage::MemoryBackend::CrashOptions opts;
  opts.keep_unsynced = static_cast<size_t>(rng.Uniform(backend_limit + 1));
  if (torn_writes && opts.keep_unsynced < backend_limit && rng.OneIn(1, 2)) {
    opts.torn_bytes = 1 + static_cast<size_t>(rng.Uniform(64));
  }
  return Crash(tear, opts);
}

ServerCrashReport ServerNode::Crash(
    uint64_t log_tear_bytes, storage::MemoryBackend::CrashOptions backend) {
  CAIRN_CHECK(!crashed(), "Crash of a crashed member");
  server_.reset();
  random_.reset();
  outbox_.clear();
  const uint64_t log_limit =
      dead_ ? log_unsynced_at_death_ : disk_.unsynced_bytes();
  const size_t unsynced = backend_.unsynced_batches();
  const size_t backend_limit = dead_ ? backend_unsynced_at_death_ : unsynced;
  backend.keep_unsynced = std::min(backend.keep_unsynced, backend_limit);
  if (backend.keep_unsynced >= backend_limit) backend.torn_bytes = 0;
  ServerCrashReport report;
  report.log = disk_.Crash(std::min(log_tear_bytes, log_limit));
  report.backend_kept = backend.keep_unsynced;
  report.backend_lost = unsynced - backend.keep_unsynced;
  report.backend_torn = backend.torn_bytes > 0;
  backend_.Crash(backend);
  incarnation_++;
  dead_ = false;
  cause_ = "";
  armed_.reset();
  return report;
}

RecoveryReport ServerNode::Restart() {
  CAIRN_CHECK(crashed(), "Restart of a running member");
  RecoveryReport report = disk_.Recover();
  Start();
  return report;
}

}  // namespace cairn::sim
