#include "core/raft/describe.h"

#include "core/raft/codec.h"
#include "core/util/strings.h"

namespace cairn::raft {

namespace {

unsigned long long U(uint64_t v) { return static_cast<unsigned long long>(v); }

std::string Ids(const std::vector<NodeId>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); i++) {
    if (i > 0) out += " ";
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

}  // namespace

std::string_view MessageTypeName(MessageType t) {
  static constexpr std::string_view kNames[kNumMessageTypes] = {
      "MsgHup",           "MsgBeat",           "MsgProp",
      "MsgApp",           "MsgAppResp",        "MsgVote",
      "MsgVoteResp",      "MsgSnap",           "MsgHeartbeat",
      "MsgHeartbeatResp", "MsgUnreachable",    "MsgSnapStatus",
      "MsgCheckQuorum",   "MsgTransferLeader", "MsgTimeoutNow",
      "MsgReadIndex",     "MsgReadIndexResp",  "MsgPreVote",
      "MsgPreVoteResp"};
  const size_t i = static_cast<size_t>(t);
  return i < kNumMessageTypes ? kNames[i] : "MsgUnknown";
}

std::string_view StateTypeName(StateType s) {
  switch (s) {
    case StateType::kFollower:
      return "StateFollower";
    case StateType::kCandidate:
      return "StateCandidate";
    case StateType::kLeader:
      return "StateLeader";
    case StateType::kPreCandidate:
      return "StatePreCandidate";
  }
  return "StateUnknown";
}

std::string DescribeConfChange(const ConfChange& cc) {
  std::string out;
  for (const ConfChangeSingle& c : cc.changes) {
    if (!out.empty()) out += " ";
    switch (c.type) {
      case ConfChangeType::kAddNode:
        out += "v";
        break;
      case ConfChangeType::kRemoveNode:
        out += "r";
        break;
      case ConfChangeType::kAddLearnerNode:
        out += "l";
        break;
    }
    out += std::to_string(c.node_id);
  }
  if (cc.transition == ConfChangeTransition::kJointImplicit) {
    out += out.empty() ? "implicit" : " implicit";
  } else if (cc.transition == ConfChangeTransition::kJointExplicit) {
    out += out.empty() ? "explicit" : " explicit";
  }
  return out;
}

std::string DescribeEntry(const Entry& e) {
  std::string out = StrFormat("%llu/%llu ", U(e.term), U(e.index));
  if (e.type == EntryType::kNormal) {
    return out + "EntryNormal \"" + EscapeBytes(e.data) + "\"";
  }
  out += "EntryConfChange";
  Result<ConfChange> cc = DecodeConfChange(e.data);
  if (!cc.ok()) return out + " <corrupt>";
  const std::string desc = DescribeConfChange(cc.value());
  return desc.empty() ? out : out + " " + desc;
}

std::string DescribeEntries(const std::vector<Entry>& ents) {
  std::string out = "[";
  for (size_t i = 0; i < ents.size(); i++) {
    if (i > 0) out += ", ";
    out += DescribeEntry(ents[i]);
  }
  return out + "]";
}

std::string DescribeConfState(const ConfState& cs) {
  return "Voters:" + Ids(cs.voters) +
         " VotersOutgoing:" + Ids(cs.voters_outgoing) +
         " Learners:" + Ids(cs.learners) +
         " LearnersNext:" + Ids(cs.learners_next) +
         " AutoLeave:" + (cs.auto_leave ? "true" : "false");
}

std::string DescribeHardState(const HardState& hs) {
  return StrFormat("Term:%llu Vote:%llu Commit:%llu", U(hs.term), U(hs.vote),
                   U(hs.commit));
}

std::string DescribeSoftState(const SoftState& ss) {
  return StrFormat("Lead:%llu State:%s", U(ss.lead),
                   std::string(StateTypeName(ss.state)).c_str());
}

std::string DescribeSnapshot(const Snapshot& s) {
  return StrFormat("Index:%llu Term:%llu ConfState:%s DataBytes:%zu",
                   U(s.metadata.index), U(s.metadata.term),
                   DescribeConfState(s.metadata.conf_state).c_str(),
                   s.data.size());
}

std::string DescribeMessage(const Message& m) {
  std::string out =
      StrFormat("%llu->%llu %s Term:%llu Log:%llu/%llu", U(m.from), U(m.to),
                std::string(MessageTypeName(m.type)).c_str(), U(m.term),
                U(m.log_term), U(m.index));
  if (m.reject) out += StrFormat(" Rejected (Hint: %llu)", U(m.reject_hint));
  if (m.commit != 0) out += StrFormat(" Commit:%llu", U(m.commit));
  if (!m.context.empty()) out += " Context:\"" + EscapeBytes(m.context) + "\"";
  if (!m.entries.empty()) out += " Entries:" + DescribeEntries(m.entries);
  if (m.snapshot) out += " Snapshot: " + DescribeSnapshot(*m.snapshot);
  return out;
}

std::string DescribeReady(const Ready& rd) {
  std::string out =
      StrFormat("Ready MustSync=%s:\n", rd.must_sync ? "true" : "false");
  if (rd.soft_state) out += DescribeSoftState(*rd.soft_state) + "\n";
  if (rd.hard_state) {
    out += "HardState " + DescribeHardState(*rd.hard_state) + "\n";
  }
  if (!rd.read_states.empty()) {
    out += "ReadStates:\n";
    for (const ReadState& rs : rd.read_states) {
      out += StrFormat("Index:%llu RequestCtx:\"%s\"\n", U(rs.index),
                       EscapeBytes(rs.request_ctx).c_str());
    }
  }
  if (!rd.entries.empty()) {
    out += "Entries:\n";
    for (const Entry& e : rd.entries) out += DescribeEntry(e) + "\n";
  }
  if (rd.snapshot) out += "Snapshot " + DescribeSnapshot(*rd.snapshot) + "\n";
  if (!rd.committed_entries.empty()) {
    out += "CommittedEntries:\n";
    for (const Entry& e : rd.committed_entries) out += DescribeEntry(e) + "\n";
  }
  if (!rd.messages.empty()) {
    out += "Messages:\n";
    for (const Message& m : rd.messages) out += DescribeMessage(m) + "\n";
  }
  return out;
}

}  // namespace cairn::raft
