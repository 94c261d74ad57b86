// Network: the simulated network between members. Simulator host code;
// single threaded, deterministic given the Random it is handed.
//
// The network does not hold messages. For each message sent it decides the
// fate: dropped (loss or a cut link), delivered once, or delivered twice
// (duplicated), each copy at a drawn time. The caller schedules deliveries
// on its event queue and asks again at delivery time whether the link is
// still up (IsCut), so a partition that begins while a message is in flight
// loses it, as a real one would.
//
// Links are directed: a cut from 1 to 2 leaves 2 to 1 working, which is how
// asymmetric partitions are modelled (TigerBeetle packet_simulator.zig).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/util/random.h"
#include "simulator/event_queue.h"

namespace cairn::sim {

using NodeId = uint64_t;

// Per directed link behaviour. Probabilities are parts per million.
struct LinkConfig {
  Micros latency_min = 1 * kMillis;
  Micros latency_max = 5 * kMillis;
  // With this probability a message takes tail_latency instead (a slow
  // packet that overtakes nothing unless reordering is on).
  uint32_t tail_ppm = 0;
  Micros tail_latency = 50 * kMillis;
  uint32_t drop_ppm = 0;
  uint32_t duplicate_ppm = 0;
  // When false, messages on the link arrive in the order sent (FIFO, like
  // one TCP connection). When true, each draws its latency independently.
  bool reorder = false;

  std::string ToString() const;
};

struct NetworkStats {
  uint64_t sent = 0;
  uint64_t dropped_loss = 0;
  uint64_t dropped_cut = 0;
  uint64_t duplicated = 0;
};

class Network {
 public:
  Network(Random& rng, LinkConfig defaults);
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // Link settings: the default for every link, or one directed link.
  void SetDefault(LinkConfig cfg);
  void SetLink(NodeId from, NodeId to, LinkConfig cfg);
  void ClearLinkOverrides();
  const LinkConfig& Link(NodeId from, NodeId to) const;

  // Connectivity. Cut and Restore act on one direction only. Cuts are
  // counted: a link cut by two overlapping faults is up again only after
  // both restore it, so fault episodes compose.
  void Cut(NodeId from, NodeId to);
  void Restore(NodeId from, NodeId to);
  // Cuts every link between members of different groups (both ways),
  // after healing all cuts. Members in no group keep all their links.
  void Partition(const std::vector<std::vector<NodeId>>& groups);
  // Cuts every link between `node` and each of `others`, both ways.
  void Isolate(NodeId node, const std::vector<NodeId>& others);
  // Restores every link.
  void Heal();
  bool IsCut(NodeId from, NodeId to) const;
  // The directed cuts in force, sorted, e.g. for traces and reports.
  std::vector<std::pair<NodeId, NodeId>> Cuts() const;

  // Decides the fate of one message sent at `now`: the delivery times of
  // its copies (empty when dropped). Updates the stats.
  std::vector<Micros> Route(NodeId from, NodeId to, Micros now);

  const NetworkStats& stats() const { return stats_; }

 private:
  Micros DrawLatency(const LinkConfig& cfg);

  Random& rng_;
  LinkConfig default_;
  std::map<std::pair<NodeId, NodeId>, LinkConfig> overrides_;
  std::map<std::pair<NodeId, NodeId>, int> cuts_;  // link -> cut count
  // For FIFO links: the latest delivery time handed out per link.
  std::map<std::pair<NodeId, NodeId>, Micros> last_delivery_;
  NetworkStats stats_;
};

}  // namespace cairn::sim
