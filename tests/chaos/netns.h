// Network namespaces for the chaos driver: one per member, each with a
// veth link into a hub namespace that holds a bridge, so that every member
// has its own address (10.213.0.<i+1>) and the same peer URLs are valid
// everywhere (the cluster ID is derived from them). The driver itself moves
// into the hub namespace, so its clients reach every member and nothing is
// added to the machine's own network namespace.
//
//   driver (hub ns, 10.213.0.254) -- bridge --+-- veth -- m0 ns 10.213.0.1
//                                             +-- veth -- m1 ns 10.213.0.2
//
// The hub also holds a proxy address per member, 10.213.0.<101+i>: the
// driver's peer proxy (peer_proxy.h) listens there for connections to
// member i, and connects onward from the source member's proxy address.
// So every packet a member sends to peer j, on any connection, is
// addressed to j's real or proxy address.
//
// Faults: a cut from member a to member b is a blackhole route for b's
// address and b's proxy address in a's namespace (a's packets to b are
// dropped; TCP between them stalls either way, as under a one-way
// firewall rule). A slow link is a
// qdisc on the member's veth: netem delay where the kernel has it, else a
// tbf rate limit (queueing delay). Edge code: runs `ip` and `tc`.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/util/result.h"

namespace cairn::chaos {

class Topology {
 public:
  // Namespaces are named "<prefix>-<driver pid>-hub" and "...-m<i>".
  Topology(std::string prefix, int members);
  ~Topology();  // Destroy()
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  // Deletes namespaces "<prefix>-<pid>-*" left behind by a driver whose
  // pid no longer runs (one killed by a test timeout).
  static void SweepStale(const std::string& prefix);

  // Creates the namespaces, links and addresses. An error (no root, no
  // CAP_NET_ADMIN, no veth/bridge support) means the caller should skip.
  Status Create();
  // Moves the calling thread into the hub namespace (call before starting
  // other threads: they inherit it).
  Status EnterHub();
  // Deletes every namespace this topology created. Idempotent.
  void Destroy();

  // "10.213.0.<i+1>".
  static std::string Address(int member);
  // "10.213.0.<101+i>", in the hub: where the peer proxy stands for i.
  static std::string ProxyAddress(int member);
  // The member at an address (real or proxy) of this topology, or -1.
  int MemberAt(const std::string& address) const;

  // Drops packets from `from` to `to` (until Heal).
  Status Cut(int from, int to);
  Status Heal(int from, int to);
  void HealAll();

  // Slows every packet a member sends. Which kind the kernel allows is
  // found by ProbeSlowLink; kNone means the fault is not available.
  enum class SlowKind { kNone, kNetem, kTbf };
  SlowKind ProbeSlowLink();
  Status Slow(int member);
  Status Unslow(int member);

  // Forks a child that enters member's namespace, gets SIGKILL when the
  // driver dies, appends stdout and stderr to `log`, and execs argv.
  // The caller must fork from one thread (the main one) only.
  Result<pid_t> Spawn(int member, const std::vector<std::string>& argv,
                      const std::string& log);

  const std::string& MemberNs(int member) const { return ns_[member]; }

 private:
  std::string prefix_;
  std::string hub_;
  std::vector<std::string> ns_;
  std::vector<std::vector<bool>> cut_;
  std::vector<bool> slow_;
  SlowKind slow_kind_ = SlowKind::kNone;
  bool created_ = false;
};

// Runs argv (no shell) and waits; returns its exit status, or an error
// with its stderr when it did not exit 0.
Status RunCommand(const std::vector<std::string>& argv);
// The same, returning its output (stdout and stderr) when it exits 0.
Result<std::string> CaptureCommand(const std::vector<std::string>& argv);

}  // namespace cairn::chaos
