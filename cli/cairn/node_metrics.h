// NodeMetrics: the etcd-named metrics a cairn node keeps (names, help
// texts, types and histogram buckets as etcd 3.4.23's /metrics shows
// them), registered in the node's MetricsRegistry. Edge code; the
// references are as thread-safe as the metric types.
#pragma once

#include <cstdint>
#include <string>

#include "cli/cairn/metrics.h"

namespace cairn::node {

// etcd's disk latency histograms: 0.001 s doubling to 8.192 s.
std::vector<double> DiskDurationBuckets();
// etcd's peer round-trip histogram: 0.0001 s doubling, 16 buckets.
std::vector<double> PeerRttBuckets();

struct NodeMetrics {
  // Registers the metrics; `member_id` labels etcd_server_id (hex) and
  // `version` labels etcd_server_version.
  NodeMetrics(MetricsRegistry& registry, uint64_t member_id,
              const std::string& version);

  Gauge& has_leader;
  Gauge& is_leader;
  Gauge& is_learner;
  Counter& leader_changes_seen;
  Gauge& proposals_committed;  // etcd exposes these two as gauges
  Gauge& proposals_applied;
  Gauge& proposals_pending;
  Counter& proposals_failed;
  Counter& slow_apply;
  Counter& read_indexes_failed;
  Counter& heartbeat_send_failures;
  Gauge& quota_backend_bytes;
  Histogram& wal_fsync_duration;
  Histogram& backend_commit_duration;
  Gauge& db_total_size;
  Gauge& keys_total;
  Counter& client_received_bytes;
  Counter& client_sent_bytes;

  // Per-peer metrics, labelled with the peer's hex id as etcd labels them
  // ("To" for sent, "From" for received).
  Counter& PeerSentBytes(uint64_t peer);
  Counter& PeerReceivedBytes(uint64_t peer);
  Counter& PeerSentFailures(uint64_t peer);
  Histogram& PeerRoundTrip(uint64_t peer);

 private:
  MetricsRegistry& registry_;
};

// A member id as etcd prints it: 16 lower-case hex digits.
std::string MemberIdHex(uint64_t id);

}  // namespace cairn::node
