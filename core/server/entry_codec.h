// The binary encoding of what the server puts in the Raft log: the payload
// of a normal entry (a request id plus a write request, internal ones
// included) and the context of a conf change entry (a request id plus the
// member being added, removed or promoted). Also the encoding of one
// member record, which the backend layout reuses.
//
// Format: a 4-byte little-endian CRC-32C of the rest, a kind byte, a
// version byte, then fields as varints (signed values as their two's
// complement bit pattern), length-prefixed bytes and single bytes for
// enums and booleans. Encoding is deterministic: equal values give equal
// bytes on every platform.
//
// Pure core, stateless. Decoding is strict: a bad checksum, an unknown
// kind/version/enum value, a truncated field, trailing bytes, a
// non-minimal varint or a txn nested deeper than kMaxTxnDepth all give
// kCorruption. Counts are checked against the bytes left before anything
// is allocated, so a corrupt count never causes a large allocation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/api/cluster_types.h"
#include "core/auth/auth_store.h"
#include "core/server/request.h"
#include "core/util/result.h"

namespace cairn::server {

// Txns nested deeper than this do not decode (etcd bounds them only by
// request size; a bound keeps the decoder's recursion finite).
inline constexpr int kMaxTxnDepth = 64;

// A normal entry's payload. request_id 0 marks a request nobody waits for
// (internal: a revoke of an expired lease, a checkpoint).
// A client's request carries who sent it (the user of its token and the
// auth revision it was checked at) when auth was enabled or a token was
// given: every member checks its permissions against the replicated auth
// store when applying it. Internal requests carry none and are never
// checked. Payloads with auth info are written as version 2; version 1
// (none) still decodes.
//
// A client's request also carries its proposer's session (a random id per
// Server incarnation, under which request ids only grow), so that a
// proposal delivered twice is applied once (proposal_windows.h); payloads
// with a session are written as version 3. Internal requests, and entries
// written before sessions, carry session 0 and are applied as they come.
struct EntryPayload {
  uint64_t request_id = 0;
  uint64_t session = 0;
  WriteRequest request;
  std::optional<auth::AuthInfo> auth;
};

// A conf change entry's context.
struct MemberChange {
  enum class Kind : uint8_t { kAdd = 0, kRemove = 1, kPromote = 2 };
  uint64_t request_id = 0;
  Kind kind = Kind::kAdd;
  // For kAdd the new member (is_learner tells how it joins); for kRemove
  // and kPromote only member.id is meaningful.
  api::Member member;
};

std::string EncodeEntryPayload(const EntryPayload& payload);
// Errors: kCorruption (see the file comment).
Result<EntryPayload> DecodeEntryPayload(std::string_view bytes);

std::string EncodeMemberChange(const MemberChange& change);
// Errors: kCorruption.
Result<MemberChange> DecodeMemberChange(std::string_view bytes);

std::string EncodeMember(const api::Member& member);
// Errors: kCorruption.
Result<api::Member> DecodeMember(std::string_view bytes);

}  // namespace cairn::server
