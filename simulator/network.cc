#include "simulator/network.h"

#include <algorithm>

#include "core/util/strings.h"

namespace cairn::sim {

std::string LinkConfig::ToString() const {
  return StrFormat(
      "latency=%llu-%lluus tail=%uppm@%lluus drop=%uppm dup=%uppm reorder=%d",
      static_cast<unsigned long long>(latency_min),
      static_cast<unsigned long long>(latency_max), tail_ppm,
      static_cast<unsigned long long>(tail_latency), drop_ppm, duplicate_ppm,
      reorder ? 1 : 0);
}

Network::Network(Random& rng, LinkConfig defaults)
    : rng_(rng), default_(defaults) {
  CAIRN_CHECK(defaults.latency_min <= defaults.latency_max,
              "latency_min > latency_max");
}

void Network::SetDefault(LinkConfig cfg) {
  CAIRN_CHECK(cfg.latency_min <= cfg.latency_max, "latency_min > latency_max");
  default_ = cfg;
}

void Network::SetLink(NodeId from, NodeId to, LinkConfig cfg) {
  CAIRN_CHECK(cfg.latency_min <= cfg.latency_max, "latency_min > latency_max");
  overrides_[{from, to}] = cfg;
}

void Network::ClearLinkOverrides() { overrides_.clear(); }

const LinkConfig& Network::Link(NodeId from, NodeId to) const {
  auto it = overrides_.find({from, to});
  return it == overrides_.end() ? default_ : it->second;
}

void Network::Cut(NodeId from, NodeId to) { cuts_[{from, to}]++; }

void Network::Restore(NodeId from, NodeId to) {
  auto it = cuts_.find({from, to});
  if (it == cuts_.end()) return;  // restoring an up link is a no-op
  if (--it->second == 0) cuts_.erase(it);
}

void Network::Partition(const std::vector<std::vector<NodeId>>& groups) {
  Heal();
  for (size_t g = 0; g < groups.size(); g++) {
    for (size_t h = 0; h < groups.size(); h++) {
      if (g == h) continue;
      for (NodeId a : groups[g]) {
        for (NodeId b : groups[h]) Cut(a, b);
      }
    }
  }
}

void Network::Isolate(NodeId node, const std::vector<NodeId>& others) {
  for (NodeId other : others) {
    if (other == node) continue;
    Cut(node, other);
    Cut(other, node);
  }
}

void Network::Heal() { cuts_.clear(); }

bool Network::IsCut(NodeId from, NodeId to) const {
  return cuts_.count({from, to}) > 0;
}

std::vector<std::pair<NodeId, NodeId>> Network::Cuts() const {
  std::vector<std::pair<NodeId, NodeId>> out;
  for (const auto& [link, count] : cuts_) out.push_back(link);
  return out;
}

Micros Network::DrawLatency(const LinkConfig& cfg) {
  if (cfg.tail_ppm > 0 && rng_.OneIn(cfg.tail_ppm, 1000000)) {
    return cfg.tail_latency;
  }
  return rng_.Range(cfg.latency_min, cfg.latency_max);
}

std::vector<Micros> Network::Route(NodeId from, NodeId to, Micros now) {
  stats_.sent++;
  if (IsCut(from, to)) {
    stats_.dropped_cut++;
    return {};
  }
  const LinkConfig& cfg = Link(from, to);
  // Draw every random decision in a fixed order whatever the outcome, so
  // that one fault's setting does not shift the stream for the next one.
  const bool drop = cfg.drop_ppm > 0 && rng_.OneIn(cfg.drop_ppm, 1000000);
  const bool dup =
      cfg.duplicate_ppm > 0 && rng_.OneIn(cfg.duplicate_ppm, 1000000);
  if (drop) {
    stats_.dropped_loss++;
    return {};
  }
  std::vector<Micros> times{now + DrawLatency(cfg)};
  if (dup) {
    stats_.duplicated++;
    times.push_back(now + DrawLatency(cfg));
  }
  if (!cfg.reorder) {
    // FIFO: never deliver before an earlier message on the same link.
    Micros& last = last_delivery_[{from, to}];
    std::sort(times.begin(), times.end());
    for (Micros& t : times) {
      t = std::max(t, last);
      last = t;
    }
  }
  return times;
}

}  // namespace cairn::sim
