// The backend keys core/server owns (docs/server.md), next to the
// keyspace's "kv/", "meta/kv" and the leases' "lease/", "meta/lease"
// (docs/storage.md):
//
//   meta/applied                     u64 LE index, u64 LE term
//   cluster/member/<id: 8 B BE>      EncodeMember (entry_codec.h)
//   cluster/removed/<id: 8 B BE>     "" (ids that may never rejoin)
//   cluster/alarm/<id: 8 B BE><type: u8>  ""
//   cluster/session/<id: 8 B BE>     a proposer's applied requests
//                                    (proposal_windows.h)
//   auth/meta, auth/user/<name>, auth/role/<name>   the auth store
//                                    (core/auth/auth_store.h)
//
// Big-endian ids make a prefix scan return members in id order. Values
// are checksummed by the backend itself (stored values) and members again
// by their codec.
//
// Pure core: stateless helpers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/api/cluster_types.h"
#include "core/raft/types.h"
#include "core/util/result.h"

namespace cairn::server {

inline constexpr std::string_view kAppliedKey = "meta/applied";
inline constexpr std::string_view kMemberPrefix = "cluster/member/";
inline constexpr std::string_view kRemovedPrefix = "cluster/removed/";
inline constexpr std::string_view kAlarmPrefix = "cluster/alarm/";

std::string MemberKey(uint64_t id);
std::string RemovedKey(uint64_t id);
std::string AlarmKey(uint64_t member_id, api::AlarmType type);

// The id after `prefix` in a key. Errors: kCorruption when the rest is
// not exactly 8 bytes.
Result<uint64_t> IdOfKey(std::string_view key, std::string_view prefix);
// The (member, alarm) of an alarm key. Errors: kCorruption.
Result<std::pair<uint64_t, api::AlarmType>> AlarmOfKey(std::string_view key);

std::string EncodeApplied(raft::Index index, raft::Term term);
// Errors: kCorruption unless exactly 16 bytes.
Result<std::pair<raft::Index, raft::Term>> DecodeApplied(
    std::string_view value);

// The end of a prefix's key range (the prefix with its last byte + 1).
std::string PrefixEnd(std::string_view prefix);

}  // namespace cairn::server
