// ElectionAdvance: etcd's --initial-election-tick-advance. A starting
// member waits a whole randomized election timeout (1-2 s by default)
// before its first election; when every member starts at once, that is
// most of the time to the first answer. Once enough peers answer that an
// election could win (with this member, a quorum of the voters), a helper
// thread asks the host to advance all but two of the election ticks, which
// leaves a leader, if there is one, a tick or two to be heard first. A
// one-voter cluster advances all but one tick at once. After
// `give_up` (etcd's 5 s) without enough peers it does nothing: the member
// then waits the whole timeout, as without the option.
//
// Edge code: owns one thread, for at most `give_up`; the destructor stops
// and joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

namespace cairn::node {

struct ElectionAdvanceOptions {
  int election_ticks = 10;
  std::chrono::milliseconds poll{50};
  std::chrono::milliseconds give_up{5000};
};

struct ElectionAdvanceHooks {
  // The peers that must answer: a quorum of the voters less this member;
  // 0 when this member is the only voter.
  std::function<size_t()> peers_needed;
  // How many peers answer now, each asked with the given timeout.
  std::function<size_t(std::chrono::milliseconds)> peers_answering;
  // Advances this many ticks (NodeHost::AdvanceTicks); `peers` answered.
  std::function<void(int ticks, size_t peers)> advance;
};

class ElectionAdvance {
 public:
  ElectionAdvance(ElectionAdvanceOptions options, ElectionAdvanceHooks hooks);
  ~ElectionAdvance();
  ElectionAdvance(const ElectionAdvance&) = delete;
  ElectionAdvance& operator=(const ElectionAdvance&) = delete;

 private:
  void Run();
  // Waits `d`; false once stopping.
  bool Sleep(std::chrono::milliseconds d);

  const ElectionAdvanceOptions options_;
  const ElectionAdvanceHooks hooks_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace cairn::node
