#include "cli/cairn/node_metrics.h"

#include <cinttypes>
#include <cstdio>

namespace cairn::node {

std::vector<double> DiskDurationBuckets() {
  return ExponentialBuckets(0.001, 2, 14);
}

std::vector<double> PeerRttBuckets() {
  return ExponentialBuckets(0.0001, 2, 16);
}

std::string MemberIdHex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, id);
  return buf;
}

NodeMetrics::NodeMetrics(MetricsRegistry& r, uint64_t member_id,
                         const std::string& version)
    : has_leader(r.GetGauge(
          "etcd_server_has_leader",
          "Whether or not a leader exists. 1 is existence, 0 is not.")),
      is_leader(r.GetGauge(
          "etcd_server_is_leader",
          "Whether or not this member is a leader. 1 if is, 0 otherwise.")),
      is_learner(r.GetGauge(
          "etcd_server_is_learner",
          "Whether or not this member is a learner. 1 if is, 0 otherwise.")),
      leader_changes_seen(r.GetCounter("etcd_server_leader_changes_seen_total",
                                       "The number of leader changes seen.")),
      proposals_committed(
          r.GetGauge("etcd_server_proposals_committed_total",
                     "The total number of consensus proposals committed.")),
      proposals_applied(
          r.GetGauge("etcd_server_proposals_applied_total",
                     "The total number of consensus proposals applied.")),
      proposals_pending(
          r.GetGauge("etcd_server_proposals_pending",
                     "The current number of pending proposals to commit.")),
      proposals_failed(r.GetCounter("etcd_server_proposals_failed_total",
                                    "The total number of failed proposals "
                                    "seen.")),
      slow_apply(r.GetCounter("etcd_server_slow_apply_total",
                              "The total number of slow apply requests "
                              "(likely overloaded from slow disk).")),
      read_indexes_failed(
          r.GetCounter("etcd_server_read_indexes_failed_total",
                       "The total number of failed read indexes seen.")),
      heartbeat_send_failures(
          r.GetCounter("etcd_server_heartbeat_send_failures_total",
                       "The total number of leader heartbeat send failures "
                       "(likely overloaded from slow disk).")),
      quota_backend_bytes(
          r.GetGauge("etcd_server_quota_backend_bytes",
                     "Current backend storage quota size in bytes.")),
      wal_fsync_duration(
          r.GetHistogram("etcd_disk_wal_fsync_duration_seconds",
                         "The latency distributions of fsync called by WAL.",
                         DiskDurationBuckets())),
      backend_commit_duration(r.GetHistogram(
          "etcd_disk_backend_commit_duration_seconds",
          "The latency distributions of commit called by backend.",
          DiskDurationBuckets())),
      db_total_size(r.GetGauge("etcd_mvcc_db_total_size_in_bytes",
                               "Total size of the underlying database "
                               "physically allocated in bytes.")),
      keys_total(r.GetGauge("etcd_debugging_mvcc_keys_total",
                            "Total number of keys.")),
      client_received_bytes(r.GetCounter(
          "etcd_network_client_grpc_received_bytes_total",
          "The total number of bytes received from grpc clients.")),
      client_sent_bytes(
          r.GetCounter("etcd_network_client_grpc_sent_bytes_total",
                       "The total number of bytes sent to grpc clients.")),
      registry_(r) {
  r.GetGauge("etcd_server_id",
             "Server or member ID in hexadecimal format. 1 for 'server_id' "
             "label with current ID.",
             {{"server_id", MemberIdHex(member_id)}})
      .Set(1);
  r.GetGauge("etcd_server_version",
             "Which version is running. 1 for 'server_version' label with "
             "current version.",
             {{"server_version", version}})
      .Set(1);
}

Counter& NodeMetrics::PeerSentBytes(uint64_t peer) {
  return registry_.GetCounter("etcd_network_peer_sent_bytes_total",
                              "The total number of bytes sent to peers.",
                              {{"To", MemberIdHex(peer)}});
}

Counter& NodeMetrics::PeerReceivedBytes(uint64_t peer) {
  return registry_.GetCounter("etcd_network_peer_received_bytes_total",
                              "The total number of bytes received from peers.",
                              {{"From", MemberIdHex(peer)}});
}

Counter& NodeMetrics::PeerSentFailures(uint64_t peer) {
  return registry_.GetCounter("etcd_network_peer_sent_failures_total",
                              "The total number of send failures from peers.",
                              {{"To", MemberIdHex(peer)}});
}

Histogram& NodeMetrics::PeerRoundTrip(uint64_t peer) {
  return registry_.GetHistogram("etcd_network_peer_round_trip_time_seconds",
                                "Round-Trip-Time histogram between peers",
                                PeerRttBuckets(), {{"To", MemberIdHex(peer)}});
}

}  // namespace cairn::node
