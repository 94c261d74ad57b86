// A TCP proxy on every peer link, for added latency where the kernel has
// no netem (issue #12: "a fault-injecting TCP proxy on every peer link").
//
// The driver runs it in the hub namespace. Member i advertises the peer
// URL of a proxy listener (Listen(i, ...)) instead of its own, so every
// connection between members goes member -> proxy -> member. A connection
// knows its link: the source member from the connecting address
// (member_of), the destination from the listener. Each direction of a
// connection is pumped by one thread with a bounded queue: a chunk read
// from one side is written to the other once the delay of its link (from
// the reading side's member to the other's) has passed, plus a random
// jitter, never before the chunk read ahead of it (order is kept).
//
// The outgoing leg is bound to bind_for(source member) (a hub address per
// member), so the destination's answers are addressed per source member
// and a blackhole route in the destination's namespace still cuts them.
// Edge code: owns threads and sockets; public methods are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/util/result.h"

namespace cairn::chaos {

class PeerProxy {
 public:
  // member_of: the member at a connecting IPv4 address, or -1.
  // bind_for: the local address for outgoing legs from a member ("" for
  // any).
  PeerProxy(int members, std::function<int(const std::string&)> member_of,
            std::function<std::string(int)> bind_for);
  ~PeerProxy();  // Stop()
  PeerProxy(const PeerProxy&) = delete;
  PeerProxy& operator=(const PeerProxy&) = delete;

  // Listens on listen_ip:listen_port (0: any free port) for connections
  // to member `member`, whose real listener is dest_ip:dest_port. Returns
  // the port listened on.
  Result<uint16_t> Listen(int member, const std::string& listen_ip,
                          uint16_t listen_port, const std::string& dest_ip,
                          uint16_t dest_port);

  // Bytes from `from` to `to` wait delay_ms + [0, jitter_ms] (0: none).
  void SetDelay(int from, int to, uint32_t delay_ms, uint32_t jitter_ms);
  void ClearDelays();

  // Closes the listeners and every connection, and joins the threads.
  void Stop();

  uint64_t connections() const { return connections_.load(); }
  uint64_t bytes() const { return bytes_.load(); }

 private:
  struct Listener {
    int fd = -1;
    int member = 0;
    std::string dest_ip;
    uint16_t dest_port = 0;
    std::thread thread;
  };
  struct Conn;

  void AcceptLoop(Listener* l);
  void Serve(std::shared_ptr<Conn> c, std::string dest_ip, uint16_t dest_port);
  void Pump(std::shared_ptr<Conn> c, bool forward);
  // Delay for one chunk on from -> to (ms), jitter drawn with `rnd`.
  uint32_t DelayFor(int from, int to, uint64_t* rnd) const;
  void Finished();

  const int members_;
  std::function<int(const std::string&)> member_of_;
  std::function<std::string(int)> bind_for_;
  // [from * members + to]: delay and jitter in ms.
  std::unique_ptr<std::atomic<uint32_t>[]> delay_;
  std::unique_ptr<std::atomic<uint32_t>[]> jitter_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> bytes_{0};

  std::mutex mu_;
  std::condition_variable done_;
  int active_threads_ = 0;                  // detached connection threads
  std::vector<std::weak_ptr<Conn>> conns_;  // to shut down on Stop
};

}  // namespace cairn::chaos
