#include "core/raft/raw_node.h"

#include "core/raft/codec.h"
#include "core/util/check.h"

namespace cairn::raft {

RawNode::RawNode(const Config& config)
    : raft_(config),
      prev_soft_state_(raft_.GetSoftState()),
      prev_hard_state_(raft_.GetHardState()) {}

void RawNode::Tick() { raft_.Tick(); }

void RawNode::Campaign() {
  Status s = raft_.Step(NewMsg(MessageType::kHup, kNone, raft_.id()));
  (void)s;  // a local MsgHup never fails
}

Status RawNode::Propose(std::string data) {
  Message m = NewMsg(MessageType::kProp, kNone, raft_.id());
  m.entries.push_back(NewEntry(std::move(data)));
  return raft_.Step(std::move(m));
}

Status RawNode::ProposeBatch(std::vector<std::string> batch) {
  if (batch.empty()) return Status::InvalidArgument("empty proposal batch");
  Message m = NewMsg(MessageType::kProp, kNone, raft_.id());
  m.entries.reserve(batch.size());
  for (std::string& data : batch)
    m.entries.push_back(NewEntry(std::move(data)));
  return raft_.Step(std::move(m));
}

Status RawNode::ProposeConfChange(const ConfChange& cc) {
  Message m = NewMsg(MessageType::kProp, kNone, raft_.id());
  m.entries.push_back(NewEntry(EncodeConfChange(cc), EntryType::kConfChange));
  return raft_.Step(std::move(m));
}

ConfState RawNode::ApplyConfChange(const ConfChange& cc) {
  return raft_.ApplyConfChange(cc);
}

namespace {

// Shapes the core relies on; a peer (or a corrupt byte that still passed
// the checksum) must not be able to crash the node with anything else.
Status ValidatePeerMessage(const Message& m) {
  switch (m.type) {
    case MessageType::kProp:
      if (m.entries.empty()) return Status::InvalidArgument("empty MsgProp");
      break;
    case MessageType::kReadIndex:
    case MessageType::kReadIndexResp:
      if (m.entries.size() != 1) {
        return Status::InvalidArgument("read index needs one entry");
      }
      break;
    case MessageType::kSnap:
      if (!m.snapshot || m.snapshot->empty()) {
        return Status::InvalidArgument("MsgSnap without snapshot");
      }
      break;
    case MessageType::kApp:
      for (size_t i = 0; i < m.entries.size(); i++) {
        if (m.entries[i].index != m.index + 1 + i) {
          return Status::InvalidArgument("MsgApp entries not contiguous");
        }
      }
      break;
    default:
      break;
  }
  return Status::Ok();
}

}  // namespace

Status RawNode::CheckPeerMessage(const Message& m) const {
  // Local messages come only from the node itself, never the network.
  if (IsLocalMsg(m.type)) {
    return Status::InvalidArgument("raft: cannot step raft local message");
  }
  if (Status s = ValidatePeerMessage(m); !s.ok()) return s;
  // Responses from nodes we do not track (e.g. removed) are dropped.
  if (IsResponseMsg(m.type) && raft_.tracker().Get(m.from) == nullptr) {
    return Status::InvalidArgument("raft: cannot step as peer not found");
  }
  return Status::Ok();
}

Status RawNode::Step(const Message& m) {
  if (Status s = CheckPeerMessage(m); !s.ok()) return s;
  return raft_.Step(m);
}

Status RawNode::Step(Message&& m) {
  if (Status s = CheckPeerMessage(m); !s.ok()) return s;
  return raft_.Step(std::move(m));
}

void RawNode::ReadIndex(std::string ctx) {
  Message m = NewMsg(MessageType::kReadIndex, kNone, raft_.id());
  m.entries.push_back(NewEntry(std::move(ctx)));
  Status s = raft_.Step(std::move(m));
  (void)s;  // reads are never refused with an error; they are dropped
}

void RawNode::TransferLeader(NodeId transferee) {
  Status s =
      raft_.Step(NewMsg(MessageType::kTransferLeader, kNone, transferee));
  (void)s;  // transfers never fail with an error; they are ignored
}

void RawNode::ReportUnreachable(NodeId id) {
  Status s = raft_.Step(NewMsg(MessageType::kUnreachable, kNone, id));
  (void)s;  // local, never fails
}

void RawNode::ReportSnapshot(NodeId id, SnapshotStatus status) {
  Message m = NewMsg(MessageType::kSnapStatus, kNone, id);
  m.reject = status == SnapshotStatus::kFailure;
  Status s = raft_.Step(std::move(m));
  (void)s;  // local, never fails
}

bool RawNode::HasReady() const {
  if (in_progress_) return false;
  const Raft& r = raft_;
  if (r.GetSoftState() != prev_soft_state_) return true;
  const HardState hs = r.GetHardState();
  if (!hs.empty() && hs != prev_hard_state_) return true;
  const RaftLog& log = r.log();
  if (log.HasPendingSnapshot()) return true;
  if (!raft_.log().unstable().entries().empty()) return true;
  if (!raft_.msgs().empty()) return true;
  if (log.HasNextCommittedEnts()) return true;
  return !raft_.read_states().empty();
}

Ready RawNode::TakeReady() {
  CAIRN_CHECK(!in_progress_, "TakeReady before the last Ready was advanced");
  Ready rd;
  RaftLog& log = raft_.log();
  rd.entries = log.unstable().entries();
  rd.committed_entries = log.NextCommittedEnts();
  rd.messages = std::move(raft_.msgs());
  raft_.msgs().clear();
  rd.read_states = std::move(raft_.read_states());
  raft_.read_states().clear();
  const SoftState ss = raft_.GetSoftState();
  if (ss != prev_soft_state_) {
    rd.soft_state = ss;
    prev_soft_state_ = ss;
  }
  const HardState hs = raft_.GetHardState();
  if (!hs.empty() && hs != prev_hard_state_) {
    rd.hard_state = hs;
    rd.must_sync =
        hs.term != prev_hard_state_.term || hs.vote != prev_hard_state_.vote;
    prev_hard_state_ = hs;
  }
  if (log.unstable().snapshot()) rd.snapshot = *log.unstable().snapshot();
  rd.must_sync = rd.must_sync || !rd.entries.empty();
  // Remember what was handed out; Advance acknowledges exactly that.
  InProgress ip;
  if (!rd.entries.empty()) {
    ip.last_index = rd.entries.back().index;
    ip.last_term = rd.entries.back().term;
  }
  if (rd.snapshot) {
    ip.snapshot_index = rd.snapshot->metadata.index;
    ip.applied = rd.snapshot->metadata.index;
  }
  if (!rd.committed_entries.empty()) {
    ip.applied = rd.committed_entries.back().index;
    ip.applied_bytes = PayloadBytes(rd.committed_entries);
  }
  in_progress_ = ip;
  return rd;
}

void RawNode::Advance() {
  CAIRN_CHECK(in_progress_.has_value(), "Advance without a Ready");
  const InProgress ip = *in_progress_;
  in_progress_.reset();
  if (ip.last_index > 0) raft_.StableTo(ip.last_index, ip.last_term);
  if (ip.snapshot_index) raft_.StableSnapTo(*ip.snapshot_index);
  if (ip.applied > 0) raft_.AppliedTo(ip.applied, ip.applied_bytes);
}

}  // namespace cairn::raft
