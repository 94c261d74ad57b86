// ProposalWindows: which client proposals the state machine has already
// applied, so that one the network delivered twice is applied once.
//
// A follower forwards a client's write to the leader as a MsgProp. Raft
// recognizes a repeated MsgApp or vote by its term and index, but a
// proposal carries neither: a MsgProp delivered twice is appended twice,
// and the second copy, applied after later writes, would bring an old
// value back (a linearizability failure the simulator found, seed
// 469966634279). etcd relies on its TCP streams never repeating a message;
// cairn's simulated network does repeat them, and nothing in the log's
// contract rules a repeat out, so the apply rule does (Raft dissertation
// §6.3, client sessions).
//
// Every Server incarnation proposes under its own random session id, with
// request ids that only grow. For each session the window keeps the
// highest id applied and which of the 63 ids below it were applied too
// (as IPsec's anti-replay window does), so proposals that arrive out of
// order are still applied once each:
//   - an id above the highest is new;
//   - an id in the window is new unless its bit is set;
//   - an id below the window is refused as too old (its proposer answers
//     ErrTimeout; it was not applied).
// At most kMaxSessions sessions are kept; a new one evicts the session
// whose last proposal is oldest in the log (ties: the lower id), so a
// repeat of a proposal from an evicted session would be applied again.
// That needs kMaxSessions newer incarnations to propose between the two
// copies.
//
// Deterministic: the verdicts and the state depend only on the entries
// applied, in log order. Persisted with the rest of the state machine:
//
//   cluster/session/<session: 8 B BE>   u64 LE highest id, u64 LE bitmap
//                                       (bit i: highest - i applied),
//                                       u64 LE index of its last entry
//
// Pure core: no I/O beyond the Backend interface.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string_view>

#include "core/raft/types.h"
#include "core/storage/backend.h"
#include "core/util/result.h"

namespace cairn::server {

inline constexpr std::string_view kSessionPrefix = "cluster/session/";

class ProposalWindows {
 public:
  static constexpr size_t kMaxSessions = 256;
  static constexpr uint64_t kWindow = 64;

  enum class Verdict { kNew, kDuplicate, kTooOld };

  // The sessions stored in `backend`. Errors: kCorruption for a bad
  // record; kIOError.
  static Result<ProposalWindows> Load(const storage::Backend& backend);

  // Decides on request `id` of `session` in the entry at `index` and,
  // when it is new, records it. REQUIRES: session != 0.
  Verdict Admit(uint64_t session, uint64_t id, raft::Index index);

  // Adds the sessions changed or evicted since the last call to `batch`.
  void WriteChanges(storage::WriteBatch& batch);

  size_t size() const { return windows_.size(); }

 private:
  struct Window {
    uint64_t highest = 0;
    uint64_t seen = 0;  // bit i: highest - i was applied
    raft::Index last_index = 0;
  };

  void EvictOldest();

  std::map<uint64_t, Window> windows_;
  std::set<uint64_t> changed_;
  std::set<uint64_t> evicted_;
};

}  // namespace cairn::server
