// The chaos run's clients: closed-loop KV clients over the JSON gateway
// that record every operation (invoke and complete times, unknown outcomes
// included) for the linearizability checker, and watchers that follow the
// whole key prefix across reconnects. Edge code: threads, sockets, clocks.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cli/cairnctl/gateway_client.h"
#include "simulator/linearizability.h"

namespace cairn::chaos {

// Every key the run writes starts with this.
inline constexpr char kKeyPrefix[] = "chaos/";

// Microseconds since the run began (steady clock).
class RunClock {
 public:
  RunClock() : start_(std::chrono::steady_clock::now()) {}
  uint64_t NowUs() const;

 private:
  std::chrono::steady_clock::time_point start_;
};

// A write the cluster acknowledged, with the revision it answered; it must
// appear in the event history at that revision.
struct AckedWrite {
  std::string key;
  std::optional<std::string> value;  // nullopt: a delete
  int64_t revision = 0;
};

// One watch event.
struct WatchEvent {
  int64_t revision = 0;
  std::string key;
  std::optional<std::string> value;  // nullopt: a delete
};

class History {
 public:
  void Add(const sim::KvOp& op);
  void Ack(AckedWrite write);
  std::vector<sim::KvOp> ops() const;
  std::vector<AckedWrite> acked() const;
  uint64_t size() const;

 private:
  mutable std::mutex mu_;
  std::vector<sim::KvOp> ops_;
  std::vector<AckedWrite> acked_;
};

// Shared by the clients.
struct WorkloadContext {
  const RunClock* clock = nullptr;
  std::vector<std::string> endpoints;
  // Member i is running (not killed): clients skip killed members, which
  // refuse connections anyway, to keep unknown outcomes to real ones.
  std::function<bool(int)> up;
  std::atomic<bool>* stop = nullptr;
  History* history = nullptr;
  int keys = 8;
};

// The body of one client thread: puts 40 %, gets 40 %, deletes 5 %,
// compare-and-sets (a txn) 15 %, on `keys` keys, until *stop.
void RunClient(const WorkloadContext& ctx, uint64_t client, uint64_t seed);

// One operation through `client` (used by the driver's recovery probe).
// Returns whether it was acknowledged; records it either way.
bool PutRecorded(const WorkloadContext& ctx, ctl::GatewayClient& client,
                 uint64_t client_id, const std::string& key,
                 const std::string& value);

// A watcher: follows the whole prefix from revision 1, on one member at a
// time, reconnecting to the next with start_revision = last seen + 1.
// Checks as it goes that revisions come in order, without gaps or
// duplicates (every revision of the run changes exactly one key).
class Watcher {
 public:
  Watcher(const WorkloadContext& ctx, int first_member);
  // The thread body; returns after Stop().
  void Run();
  void Stop();
  int64_t last_revision() const { return last_revision_.load(); }
  // After Run returned.
  const std::vector<WatchEvent>& events() const { return events_; }
  const std::vector<std::string>& anomalies() const { return anomalies_; }
  int reconnects() const { return reconnects_; }
  // When its last event came (RunClock µs; 0: none yet).
  uint64_t last_event_us() const { return last_event_us_.load(); }
  // The member it watches now (or tries next).
  int member() const { return member_.load(); }
  // One line per stream opened: "12.3 s: m1 from revision 4567" (after Run
  // returned).
  const std::vector<std::string>& connections() const { return connections_; }

 private:
  const WorkloadContext& ctx_;
  std::atomic<int> member_;
  std::vector<std::string> connections_;
  // A fresh cluster is at revision 1; the run's first write makes 2.
  std::atomic<int64_t> last_revision_{1};
  std::atomic<uint64_t> last_event_us_{0};
  std::vector<WatchEvent> events_;
  std::vector<std::string> anomalies_;
  int reconnects_ = 0;
  std::mutex mu_;
  ctl::StreamCancel* cancel_ = nullptr;  // guarded by mu_
  bool stopped_ = false;                 // guarded by mu_
};

// Reads the event history of the prefix from `from_revision` up to
// `until_revision` through a watch on `endpoint`, within `timeout`.
Result<std::vector<WatchEvent>> ReadEventHistory(
    const std::string& endpoint, int64_t from_revision, int64_t until_revision,
    std::chrono::milliseconds timeout);

// Parses the events of one watch response message {"result":{...}}.
Result<std::vector<WatchEvent>> ParseWatchEvents(const ctl::Json& msg);

// An answer's header.revision; 0 when missing, -1 when not a number.
int64_t HeaderRevision(const ctl::Json& answer);

// The key range end of the prefix, base64 (for range and watch requests).
std::string PrefixKeyB64();
std::string PrefixRangeEndB64();

}  // namespace cairn::chaos
