// MemberIdentity: who this member is (its id and its cluster's id), as
// etcd 3.4 derives them, and the small file under the data directory that
// remembers them across restarts. Edge code (files; SHA-1 from OpenSSL).
//
// etcd's ids: a member of a new cluster is the first 8 bytes (big endian)
// of SHA-1(sorted peer URLs concatenated + initial cluster token); the
// cluster is SHA-1 of its sorted member ids, each 8 bytes big endian. So a
// cluster started with the same flags as an etcd cluster has the same ids.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/cairn/node_config.h"
#include "core/api/cluster_types.h"
#include "core/util/result.h"

namespace cairn::node {

struct MemberIdentity {
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;

  bool operator==(const MemberIdentity&) const = default;
};

uint64_t EtcdMemberId(std::vector<std::string> peer_urls,
                      const std::string& cluster_token);
uint64_t EtcdClusterId(std::vector<uint64_t> member_ids);

// The founding members of a new cluster, from --initial-cluster, with
// etcd's ids. Every founding member must start from the same membership,
// so client URLs are left out: each member publishes its own once running.
// Errors: kInvalidArgument when two members get the same id (the same
// peer URLs), as etcd refuses.
Result<std::vector<api::Member>> FoundingMembers(const NodeConfig& cfg);

// Reads the identity stored in `path`: nullopt when the file does not
// exist; kCorruption when it exists but does not parse.
Result<std::optional<MemberIdentity>> ReadIdentity(const std::string& path);
// Writes it durably (a temporary file, fsync, rename, fsync of the
// directory). Errors: kIOError.
Status WriteIdentity(const std::string& path, const MemberIdentity& id);

}  // namespace cairn::node
