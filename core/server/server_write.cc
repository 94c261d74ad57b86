// Server: the write path. A write is encoded with a request id, proposed,
// and answered when this member applies the entry carrying that id.

#include <utility>

#include "core/mvcc/request_check.h"
#include "core/raft/codec.h"
#include "core/raft/describe.h"
#include "core/server/server.h"
#include "core/util/check.h"
#include "core/util/strings.h"

namespace cairn::server {

namespace {

using U = unsigned long long;

// The raft proposal errors as etcd's clients see them.
Status ProposeError(const Status& s) {
  switch (s.code()) {
    case Code::kNoLeader:
      return ErrNoLeader();
    case Code::kResourceExhausted:
      return ErrTooManyRequests();
    default:
      // Dropped by a follower that cannot forward (no leader known, a
      // leadership transfer in progress): etcd reports a timeout.
      return ErrTimeout();
  }
}

// Checks a client write at the edge of the core, before it costs a log
// entry (etcd checks these in its gRPC layer).
Status CheckWrite(const WriteRequest& req, size_t max_txn_ops) {
  if (const auto* p = std::get_if<mvcc::PutRequest>(&req)) {
    return mvcc::CheckPutRequest(*p);
  }
  if (const auto* d = std::get_if<mvcc::DeleteRangeRequest>(&req)) {
    return mvcc::CheckDeleteRequest(*d);
  }
  if (const auto* t = std::get_if<mvcc::TxnRequest>(&req)) {
    return mvcc::CheckTxnRequest(*t, max_txn_ops);
  }
  return Status::Ok();
}

// The WriteRequest a client write Request becomes.
WriteRequest ToWrite(const Request& r) {
  if (const auto* p = std::get_if<mvcc::PutRequest>(&r)) return *p;
  if (const auto* d = std::get_if<mvcc::DeleteRangeRequest>(&r)) return *d;
  if (const auto* t = std::get_if<mvcc::TxnRequest>(&r)) return *t;
  if (const auto* c = std::get_if<mvcc::CompactionRequest>(&r)) return *c;
  if (const auto* g = std::get_if<api::LeaseGrantRequest>(&r)) return *g;
  if (const auto* v = std::get_if<api::LeaseRevokeRequest>(&r)) return *v;
  if (const auto* a = std::get_if<api::AlarmRequest>(&r)) return *a;
  return std::get<api::MemberUpdateRequest>(r);
}

}  // namespace

uint64_t Server::NextRequestId() {
  // Never 0: 0 marks internal entries nobody waits for.
  if (++next_request_id_ == 0) ++next_request_id_;
  return next_request_id_;
}

void Server::SubmitWrite(uint64_t token, const Request& request,
                         std::optional<auth::AuthInfo> auth) {
  WriteRequest req = ToWrite(request);
  if (Status s = CheckWrite(req, config_.max_txn_ops); !s.ok()) {
    return Respond(token, s);
  }
  if (const auto* u = std::get_if<api::MemberUpdateRequest>(&req)) {
    if (sm_->FindMember(u->id) == nullptr) {
      return Respond(token, ErrMemberNotFound());
    }
  }
  ProposeWrite(token, std::move(req), std::move(auth));
}

void Server::ProposeWrite(uint64_t token, WriteRequest req,
                          std::optional<auth::AuthInfo> auth) {
  const bool needs_space = NeedsSpace(req);
  // Refused at apply anyway; refused here, the request costs no log entry
  // on any member (etcd's quota check before proposing).
  if (needs_space && sm_->NoSpace()) return Respond(token, ErrNoSpace());
  const uint64_t id = NextRequestId();
  std::string data = EncodeEntryPayload(EntryPayload{.request_id = id,
                                                     .session = session_,
                                                     .request = req,
                                                     .auth = std::move(auth)});
  if (needs_space) {
    const int64_t cost = 2 * static_cast<int64_t>(data.size());
    if (disk_headroom_ < cost) {
      disk_short_ = true;
      MaybeRaiseDiskAlarm();
      return Respond(token, ErrNoSpace());
    }
    disk_headroom_ -= cost;
  }
  Status s = raw_->Propose(std::move(data));
  if (!s.ok()) return Respond(token, ProposeError(s));
  writes_[id] =
      PendingWrite{.client_token = token,
                   .deadline_ms = now_ms_ + config_.request_timeout_ms};
}

void Server::ProposeMemberChange(uint64_t token, MemberChange change) {
  const uint64_t id = NextRequestId();
  change.request_id = id;
  raft::ConfChangeSingle single{.node_id = change.member.id};
  switch (change.kind) {
    case MemberChange::Kind::kAdd:
      single.type = change.member.is_learner
                        ? raft::ConfChangeType::kAddLearnerNode
                        : raft::ConfChangeType::kAddNode;
      break;
    case MemberChange::Kind::kRemove:
      single.type = raft::ConfChangeType::kRemoveNode;
      break;
    case MemberChange::Kind::kPromote:
      single.type = raft::ConfChangeType::kAddNode;
      break;
  }
  raft::ConfChange cc;
  cc.changes.push_back(single);
  cc.context = EncodeMemberChange(change);
  Status s = raw_->ProposeConfChange(cc);
  if (!s.ok()) return Respond(token, ProposeError(s));
  writes_[id] =
      PendingWrite{.client_token = token,
                   .deadline_ms = now_ms_ + config_.request_timeout_ms};
}

Status Server::ProposeInternal(WriteRequest req) {
  return raw_->Propose(
      EncodeEntryPayload(EntryPayload{.request_id = 0, .request = req}));
}

// Learns the log position of this member's own proposals (they appear in
// the leader's Ready), so that an entry overwritten by a later leader can
// be answered at once instead of timing out.
void Server::NoteProposed(const std::vector<raft::Entry>& entries) {
  if (writes_.empty()) return;
  for (const raft::Entry& e : entries) {
    uint64_t id = 0;
    if (e.type == raft::EntryType::kNormal && !e.data.empty()) {
      Result<EntryPayload> p = DecodeEntryPayload(e.data);
      const bool ours =
          p.ok() && (p.value().session == session_ || p.value().session == 0);
      if (ours) id = p.value().request_id;
    } else if (e.type == raft::EntryType::kConfChange) {
      Result<raft::ConfChange> cc = raft::DecodeConfChange(e.data);
      if (cc.ok() && !cc.value().context.empty()) {
        Result<MemberChange> mc = DecodeMemberChange(cc.value().context);
        if (mc.ok()) id = mc.value().request_id;
      }
    }
    // A proposal the network duplicated (a follower's forwarded MsgProp
    // delivered twice) lands at two indexes: the request is answered by
    // the first, so the first is the one to note.
    auto it = writes_.find(id);
    if (id != 0 && it != writes_.end() &&
        (it->second.index == 0 || e.index < it->second.index)) {
      it->second.index = e.index;
      it->second.term = e.term;
    }
  }
}

void Server::ApplyEntries(const std::vector<raft::Entry>& entries) {
  bool conf_changed = false;
  for (const raft::Entry& e : entries) {
    CAIRN_CHECK(e.index == sm_->applied_index() + 1,
                "apply gap: entry %llu after applied %llu", U(e.index),
                U(sm_->applied_index()));
    if (e.type == raft::EntryType::kConfChange) {
      ApplyConfChange(e);
      conf_changed = true;
    } else {
      ApplyNormal(e);
    }
    sm_->SetApplied(e.index, e.term);
    // A pending write whose index is now applied by another entry was
    // overwritten by a later leader: it will never apply.
    for (auto it = writes_.begin(); it != writes_.end();) {
      if (it->second.index != 0 && it->second.index <= e.index) {
        Respond(it->second.client_token, ErrLeaderChanged());
        it = writes_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // After a membership change the host snapshots, so that a member added
  // now is sent a snapshot whose configuration includes it (raft ignores
  // snapshots that exclude the receiver; docs/raft.md). A snapshot needs
  // the batch synced first: it lets the log before it go.
  const bool snapshot = conf_changed || SnapshotDueAt(sm_->applied_index());
  PersistApplied(/*sync=*/snapshot);
  if (snapshot) CreateSnapshot();
}

void Server::ApplyNormal(const raft::Entry& e) {
  // The empty entry a new leader appends carries no request.
  if (e.data.empty()) return;
  Result<EntryPayload> p = DecodeEntryPayload(e.data);
  // Entries are checksummed by the log store and by this codec; an entry
  // that committed but does not decode means corrupt replicas: fail-stop.
  CAIRN_CHECK(p.ok(), "entry %llu: %s", U(e.index),
              p.status().ToString().c_str());
  // Only this incarnation's own proposals answer its pending writes.
  const bool ours = p.value().session == session_ || p.value().session == 0;
  if (p.value().session != 0) {
    switch (
        sm_->AdmitProposal(p.value().session, p.value().request_id, e.index)) {
      case ProposalWindows::Verdict::kNew:
        break;
      case ProposalWindows::Verdict::kDuplicate:
        // Its first copy was applied (and answered) already.
        return;
      case ProposalWindows::Verdict::kTooOld:
        if (ours) FinishWrite(p.value().request_id, e.index, ErrTimeout());
        return;
    }
  }
  Result<Response> r =
      sm_->ApplyWrite(p.value().request, p.value().auth, e.index, now_ms_);
  if (const auto* a = std::get_if<AuthWriteRequest>(&p.value().request);
      a != nullptr && r.ok()) {
    AfterAuthApplied(*a, r.value());
  }
  if (const auto* v = std::get_if<api::LeaseRevokeRequest>(&p.value().request);
      v != nullptr && p.value().request_id == 0 && r.ok()) {
    Log(StrFormat("revoked expired lease %lld", (long long)v->id));
  }
  if (ours) FinishWrite(p.value().request_id, e.index, std::move(r));
}

void Server::ApplyConfChange(const raft::Entry& e) {
  Result<raft::ConfChange> cc = raft::DecodeConfChange(e.data);
  CAIRN_CHECK(cc.ok(), "conf change %llu: %s", U(e.index),
              cc.status().ToString().c_str());
  raft::ConfChange change = std::move(cc).value();
  Result<MemberChange> mc = DecodeMemberChange(change.context);
  CAIRN_CHECK(mc.ok(), "conf change %llu context: %s", U(e.index),
              mc.status().ToString().c_str());
  const MemberChange& m = mc.value();
  // Validate against the replicated membership, as etcd's
  // ValidateConfigurationChange: every member decides the same. An
  // invalid change is applied to raft as a no-op (node id 0).
  Status valid = sm_->CheckMemberChange(m);
  if (!valid.ok()) {
    for (raft::ConfChangeSingle& s : change.changes) s.node_id = raft::kNone;
  }
  conf_state_ = raw_->ApplyConfChange(change);
  if (!valid.ok()) return FinishWrite(m.request_id, e.index, valid);
  sm_->ApplyMemberChange(m);
  static constexpr const char* kKinds[] = {"add", "remove", "promote"};
  Log(StrFormat("applied member %s of %llx; config %s",
                kKinds[static_cast<int>(m.kind)], U(m.member.id),
                raft::DescribeConfState(conf_state_).c_str()));
  if (m.kind == MemberChange::Kind::kRemove &&
      m.member.id == config_.member_id) {
    removed_ = true;
    Log("this member was removed from the cluster");
  }
  Response resp;
  switch (m.kind) {
    case MemberChange::Kind::kAdd:
      resp =
          api::MemberAddResponse{.member = m.member, .members = sm_->Members()};
      break;
    case MemberChange::Kind::kRemove:
      resp = api::MemberRemoveResponse{.members = sm_->Members()};
      break;
    case MemberChange::Kind::kPromote:
      resp = api::MemberPromoteResponse{.members = sm_->Members()};
      break;
  }
  FinishWrite(m.request_id, e.index, std::move(resp));
}

void Server::FinishWrite(uint64_t request_id, raft::Index index,
                         Result<Response> result) {
  if (request_id == 0) return;
  auto it = writes_.find(request_id);
  if (it == writes_.end()) return;  // another member's, or timed out
  // The entry at the index noted for it must be this very request.
  CAIRN_DCHECK(it->second.index == 0 || it->second.index == index,
               "request at %llu noted at %llu", U(index), U(it->second.index));
  Respond(it->second.client_token, std::move(result));
  writes_.erase(it);
}

Response Server::AddHeader(Response resp) const {
  const api::ResponseHeader h = Header();
  std::visit(
      [&h](auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<decltype(T::header),
                                     api::ResponseHeader>) {
          r.header = h;
        }
      },
      resp);
  return resp;
}

}  // namespace cairn::server
