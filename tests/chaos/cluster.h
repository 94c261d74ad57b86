// The real cairn processes of a chaos run: one per member namespace, with
// their data directories and logs in the run's work directory. Started,
// killed (SIGKILL), paused (SIGSTOP/SIGCONT) and stopped by PID only.
// Used from the driver's main thread; clients read `up()` to skip members
// that were killed (a paused member looks alive to them, as it would).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cairnctl/gateway_client.h"
#include "tests/chaos/netns.h"

namespace cairn::chaos {

class Cluster {
 public:
  Cluster(Topology* topology, std::string cairn, std::string work_dir,
          int members);
  ~Cluster();  // StopAll()
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Members listen for peers on <address>:kPeerPort and advertise
  // <proxy address>:kPeerPort, where the driver's peer proxy forwards.
  static constexpr uint16_t kPeerPort = 2380;

  int size() const { return static_cast<int>(members_.size()); }
  static std::string ClientUrl(int member);
  std::vector<std::string> ClientEndpoints() const;

  Status Start(int member);
  void Kill(int member);    // SIGKILL and reap
  void Pause(int member);   // SIGSTOP
  void Resume(int member);  // SIGCONT
  void StopAll();           // SIGKILL every member and reap

  bool running(int member) const { return members_[member].pid > 0; }
  bool paused(int member) const { return members_[member].paused; }
  // Read by client threads: running (possibly paused).
  bool up(int member) const { return members_[member].up->load(); }
  pid_t pid(int member) const { return members_[member].pid; }

  // Reaps members that exited by themselves (a crash: a finding). Returns
  // a line per such member.
  std::vector<std::string> ReapExited();

  // POSTs to one member with a short timeout.
  Result<ctl::Json> Call(int member, std::string_view path,
                         const ctl::Json& body);
  // The member (index) that reports itself leader, among the members that
  // are up and answer; nullopt if none.
  std::optional<int> Leader();
  // Every member answered /v3/maintenance/status with the same leader.
  bool AllAgreeOnLeader();
  const std::string& Log(int member) const { return members_[member].log; }

 private:
  struct Member {
    std::string name;
    std::string data_dir;
    std::string log;
    pid_t pid = -1;
    bool paused = false;
    std::unique_ptr<std::atomic<bool>> up;
    std::unique_ptr<ctl::GatewayClient> client;
  };
  std::vector<std::string> Argv(int member) const;

  Topology* topology_;
  std::string cairn_;
  std::string initial_cluster_;
  std::vector<Member> members_;
};

}  // namespace cairn::chaos
