// ServerNode: one simulated member running the full replicated server
// (core/server::Server) over a simulated disk. Simulator host code; single
// threaded and deterministic (randomness comes from the seed it is given
// and the Random its caller passes to Crash).
//
// The disk is a SimLogStore (the Raft log, checksummed records, torn
// writes, fsync failures) and a storage::MemoryBackend (the keyspace, with
// its own crash model: unsynced batches are lost, a prefix may survive,
// the next one torn). Both outlive the Server: a crash drops the Server
// and its volatile state; a restart recovers both stores and constructs a
// new Server over what they hold.
//
// The Server's persistence steps happen inside its calls (Process writes,
// syncs, sends and applies synchronously), so a crash point cannot be an
// event between them. Instead the node wraps the stores and the transport
// and lets an armed crash point "kill the process" at the named step:
// from then on nothing the Server does leaves it (no message is sent, no
// write becomes durable; later writes stay in the page cache, which the
// crash then loses), and the host crashes the member when the call
// returns. An fsync failure kills it the same way (fail-stop).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/server/server.h"
#include "core/storage/memory_backend.h"
#include "core/util/random.h"
#include "simulator/fault_plan.h"
#include "simulator/invariant_checker.h"
#include "simulator/sim_log_store.h"

namespace cairn::sim {

struct ServerNodeOptions {
  server::Config config;  // member_id and initial_members set
  uint64_t seed = 0;
  // Receives the Server's log lines (may be empty: no lines are built).
  std::function<void(std::string_view)> logger;
};

// What a crash did to the member's two stores.
struct ServerCrashReport {
  CrashReport log;
  size_t backend_kept = 0;  // unsynced backend batches that survived
  size_t backend_lost = 0;
  bool backend_torn = false;
};

class ServerNode {
 public:
  // Boots the member on empty stores (the founding snapshot).
  explicit ServerNode(ServerNodeOptions options);
  ~ServerNode();
  ServerNode(const ServerNode&) = delete;
  ServerNode& operator=(const ServerNode&) = delete;

  uint64_t id() const { return options_.config.member_id; }
  bool crashed() const { return server_ == nullptr; }
  // Bumped by every crash.
  uint64_t incarnation() const { return incarnation_; }
  // REQUIRES: !crashed().
  server::Server& server() { return *server_; }
  const server::Server& server() const { return *server_; }

  // Arms a crash at `point`; it lands the next time a Server call reaches
  // that step. Disarm clears it (and an armed fsync failure).
  void ArmCrash(CrashPoint point) { armed_ = point; }
  void Disarm();
  // Whether the process died inside the last call (a crash point landed
  // or an fsync failed); the host must then Crash the member. `cause` is
  // the crash point's name or "fsync-failed".
  bool dead() const { return dead_; }
  const char* cause() const { return cause_; }
  // The first persistence-contract violation a sent message showed.
  const std::optional<Violation>& violation() const { return violation_; }

  // The messages the Server sent since the last call (none after death).
  std::vector<raft::Message> TakeMessages();

  // Drops the Server. Of what was written but not synced before the
  // process died, a random prefix reaches the disks: the log may keep a
  // torn tail, the backend some batches and a torn one (when
  // `torn_writes`). REQUIRES: !crashed().
  ServerCrashReport Crash(Random& rng, bool torn_writes);
  // The same with the survivors chosen by the caller: `log_tear_bytes` of
  // the log's page cache reach the file, and `backend` says which
  // unsynced batches survive (both capped at what was written before the
  // process died).
  ServerCrashReport Crash(uint64_t log_tear_bytes,
                          storage::MemoryBackend::CrashOptions backend);
  // Recovers both stores and constructs a new Server over them.
  // REQUIRES: crashed().
  RecoveryReport Restart();

  SimLogStore& disk() { return disk_; }
  storage::MemoryBackend& backend() { return backend_; }

 private:
  class LogStore;
  class BackendStore;
  class Transport;
  class Logger;

  void Start();
  // The process dies here: see the file comment.
  void Die(const char* cause);
  // Kills the process if `point` is armed.
  void Hit(CrashPoint point);

  ServerNodeOptions options_;
  Random seeds_;  // one child seed per life of the Server
  SimLogStore disk_;
  storage::MemoryBackend backend_;
  std::unique_ptr<LogStore> log_store_;
  std::unique_ptr<BackendStore> backend_store_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<Logger> logger_;
  std::unique_ptr<Random> random_;
  std::unique_ptr<server::Server> server_;
  std::vector<raft::Message> outbox_;
  std::optional<CrashPoint> armed_;
  bool dead_ = false;
  const char* cause_ = "";
  // What had been written, unsynced, when the process died: no later
  // write may survive the crash.
  uint64_t log_unsynced_at_death_ = 0;
  size_t backend_unsynced_at_death_ = 0;
  std::optional<Violation> violation_;
  uint64_t incarnation_ = 0;
};

}  // namespace cairn::sim
