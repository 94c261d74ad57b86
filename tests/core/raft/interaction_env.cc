#include "tests/core/raft/interaction_env.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "core/raft/codec.h"
#include "core/raft/describe.h"
#include "core/util/strings.h"

namespace cairn::raft {

namespace {

std::string Indent(const std::string& text, const std::string& prefix) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out += prefix + line + "\n";
  return out;
}

std::string JoinState(const std::vector<std::string>& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) out += (i ? " " : "") + s[i];
  return out;
}

std::vector<std::string> SplitState(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

bool ParseChanges(const std::string& text, ConfChange* cc) {
  std::istringstream in(text);
  std::string w;
  while (in >> w) {
    if (w.size() < 2) return false;
    ConfChangeSingle c;
    switch (w[0]) {
      case 'v':
        c.type = ConfChangeType::kAddNode;
        break;
      case 'l':
        c.type = ConfChangeType::kAddLearnerNode;
        break;
      case 'r':
        c.type = ConfChangeType::kRemoveNode;
        break;
      default:
        return false;
    }
    c.node_id = std::stoull(w.substr(1));
    cc->changes.push_back(c);
  }
  return true;
}

std::vector<NodeId> ToIds(const std::vector<std::string>& vals) {
  std::vector<NodeId> out;
  for (const std::string& v : vals) out.push_back(std::stoull(v));
  return out;
}

}  // namespace

InteractionEnv::Node& InteractionEnv::N(NodeId id) {
  CAIRN_CHECK(id >= 1 && id <= nodes_.size(), "no node %llu",
              (unsigned long long)id);
  return nodes_[id - 1];
}

std::vector<NodeId> InteractionEnv::Ids(const testing::TestData& d) const {
  std::vector<NodeId> ids;
  for (const std::string& p : d.Positionals()) ids.push_back(std::stoull(p));
  return ids;
}

std::string InteractionEnv::Handle(const testing::TestData& d) {
  std::string out;
  out_ = &out;
  const std::vector<NodeId> ids = Ids(d);
  const NodeId first = ids.empty() ? 0 : ids[0];
  if (d.cmd == "add-nodes") {
    out += AddNodes(d);
  } else if (d.cmd == "log-level") {
    log_enabled_ = d.Positionals().at(0) != "none";
    out += "ok\n";
  } else if (d.cmd == "campaign") {
    N(first).raw->Campaign();
  } else if (d.cmd == "tick") {
    out += Tick(first, static_cast<int>(d.ArgUint("n", 1)));
  } else if (d.cmd == "tick-heartbeat") {
    out += Tick(first, static_cast<int>(d.ArgUint("n", 1)) * heartbeat_tick_);
  } else if (d.cmd == "tick-election") {
    const Raft& r = N(first).raw->raft();
    // A leader ticks one election timeout (check-quorum); anyone else
    // exactly as many ticks as its randomized timeout still needs.
    const int n = r.state() == StateType::kLeader
                      ? election_tick_
                      : std::max(1, r.randomized_election_timeout() -
                                        r.election_elapsed());
    out += Tick(first, n);
  } else if (d.cmd == "propose") {
    Status s = N(first).raw->Propose(d.Positionals().at(1));
    if (!s.ok()) out += "error: " + s.ToString() + "\n";
  } else if (d.cmd == "propose-many") {
    const uint64_t count = d.ArgUint("count", 1);
    const uint64_t size = d.ArgUint("size", 0);
    for (uint64_t i = 0; i < count; i++) {
      std::string data = StrFormat("p%llu", (unsigned long long)i);
      if (data.size() < size) data.resize(size, '.');
      Status s = N(first).raw->Propose(data);
      if (!s.ok()) {
        out += StrFormat("proposal %llu: ", (unsigned long long)i) +
               s.ToString() + "\n";
      }
    }
  } else if (d.cmd == "propose-conf-change") {
    out += ProposeConfChange(d);
  } else if (d.cmd == "process-ready") {
    for (NodeId id : ids) {
      if (ids.size() > 1)
        out += StrFormat("> %llu handling Ready\n", (unsigned long long)id);
      out += Indent(ProcessReady(id), ids.size() > 1 ? "  " : "");
    }
  } else if (d.cmd == "deliver-msgs") {
    out += DeliverMsgs(d);
  } else if (d.cmd == "stabilize") {
    out += Stabilize(ids);
  } else if (d.cmd == "raft-state") {
    out += RaftState();
  } else if (d.cmd == "raft-log") {
    out += RaftLogOf(first);
  } else if (d.cmd == "status") {
    out += StatusOf(first);
  } else if (d.cmd == "state") {
    out += StateOf(first);
  } else if (d.cmd == "compact") {
    out += Compact(first, std::stoull(d.Positionals().at(1)));
  } else if (d.cmd == "transfer-leadership") {
    N(d.ArgUint("from")).raw->TransferLeader(d.ArgUint("to"));
  } else if (d.cmd == "read-index") {
    N(first).raw->ReadIndex(d.Positionals().at(1));
  } else if (d.cmd == "report-unreachable") {
    N(first).raw->ReportUnreachable(ids.at(1));
  } else if (d.cmd == "report-snapshot") {
    N(first).raw->ReportSnapshot(ids.at(1), d.HasArg("failure")
                                                ? SnapshotStatus::kFailure
                                                : SnapshotStatus::kFinish);
  } else if (d.cmd == "isolate") {
    group_[first] = -static_cast<int>(first);
    out += "ok\n";
  } else if (d.cmd == "partition") {
    // partition g1=(1,2) g2=(3): nodes in different groups are cut off.
    group_.clear();
    int g = 1;
    for (const testing::CmdArg& a : d.args) {
      for (NodeId id : ToIds(a.vals)) group_[id] = g;
      g++;
    }
    out += "ok\n";
  } else if (d.cmd == "heal") {
    group_.clear();
    out += "ok\n";
  } else {
    ADD_FAILURE() << d.pos << ": unknown command " << d.cmd;
  }
  out_ = nullptr;
  if (out.empty()) out = "ok\n";
  return out;
}

std::string InteractionEnv::AddNodes(const testing::TestData& d) {
  const uint64_t n = std::stoull(d.Positionals().at(0));
  Snapshot snap;
  snap.metadata.conf_state.voters = ToIds(d.Args("voters"));
  snap.metadata.conf_state.learners = ToIds(d.Args("learners"));
  snap.metadata.index = d.ArgUint("index", 0);
  snap.metadata.term = snap.metadata.index > 0 ? 1 : 0;
  election_tick_ = static_cast<int>(d.ArgUint("election", 3));
  heartbeat_tick_ = static_cast<int>(d.ArgUint("heartbeat", 1));
  for (uint64_t i = 0; i < n; i++) {
    Node node;
    const NodeId id = nodes_.size() + 1;
    node.storage = std::make_unique<MemoryStorage>();
    node.random = std::make_unique<Random>(d.ArgUint("seed", 1) * 1000 + id);
    if (snap.metadata.index > 0) {
      CAIRN_CHECK(node.storage->ApplySnapshot(snap).ok(), "bootstrap");
      node.conf_state = snap.metadata.conf_state;
      node.conf_at[snap.metadata.index] = node.conf_state;
      node.state_at[snap.metadata.index] = {};
    }
    Config c;
    c.id = id;
    c.election_tick = election_tick_;
    c.heartbeat_tick = heartbeat_tick_;
    c.storage = node.storage.get();
    c.random = node.random.get();
    c.applied = snap.metadata.index;
    c.max_size_per_msg = d.ArgUint("max-size-per-msg", kNoLimit);
    c.max_inflight_msgs = d.ArgUint("max-inflight", 256);
    c.max_inflight_bytes = d.ArgUint("max-inflight-bytes", 0);
    c.max_uncommitted_entries_size =
        d.ArgUint("max-uncommitted-size", kNoLimit);
    c.check_quorum = d.Arg("checkquorum") == "true";
    c.pre_vote = d.Arg("prevote") == "true";
    c.step_down_on_removal = d.Arg("step-down-on-removal", "true") == "true";
    c.logger = [this](const std::string& line) {
      if (out_ != nullptr && log_enabled_) *out_ += line + "\n";
    };
    node.raw = std::make_unique<RawNode>(c);
    nodes_.push_back(std::move(node));
  }
  return "";
}

bool InteractionEnv::Cut(NodeId a, NodeId b) const {
  auto ga = group_.find(a);
  auto gb = group_.find(b);
  const int x = ga == group_.end() ? 0 : ga->second;
  const int y = gb == group_.end() ? 0 : gb->second;
  return x != y;
}

void InteractionEnv::Enqueue(std::vector<Message> msgs, std::string* out) {
  for (Message& m : msgs) {
    if (Cut(m.from, m.to)) {
      *out += "dropped (partition): " + DescribeMessage(m) + "\n";
      continue;
    }
    inflight_.push_back(std::move(m));
  }
}

std::string InteractionEnv::ProcessReady(NodeId id) {
  Node& n = N(id);
  if (!n.raw->HasReady()) return "<empty Ready>\n";
  Ready rd = n.raw->TakeReady();
  std::string out = DescribeReady(rd);
  out_ = &out;
  // (1) persist: snapshot, entries, hard state.
  if (rd.snapshot) {
    CAIRN_CHECK(n.storage->ApplySnapshot(*rd.snapshot).ok(), "snapshot");
  }
  n.storage->Append(rd.entries);
  if (rd.hard_state) n.storage->SetHardState(*rd.hard_state);
  // (2) send.
  Enqueue(std::move(rd.messages), &out);
  // (3) apply.
  if (rd.snapshot) {
    n.state = SplitState(rd.snapshot->data);
    n.conf_state = rd.snapshot->metadata.conf_state;
    n.state_at[rd.snapshot->metadata.index] = n.state;
    n.conf_at[rd.snapshot->metadata.index] = n.conf_state;
  }
  for (const Entry& e : rd.committed_entries) Apply(n, e);
  // (4) advance.
  n.raw->Advance();
  out_ = nullptr;
  return out;
}

void InteractionEnv::Apply(Node& n, const Entry& e) {
  if (e.type == EntryType::kConfChange) {
    Result<ConfChange> cc = DecodeConfChange(e.data);
    CAIRN_CHECK(cc.ok(), "committed conf change does not decode");
    n.conf_state = n.raw->ApplyConfChange(cc.value());
  } else if (!e.data.empty()) {
    n.state.push_back(e.data);
  }
  n.state_at[e.index] = n.state;
  n.conf_at[e.index] = n.conf_state;
}

std::string InteractionEnv::DeliverMsgs(const testing::TestData& d) {
  std::string out;
  const std::vector<NodeId> drop = ToIds(d.Args("drop"));
  if (!drop.empty()) {
    std::vector<Message> keep;
    for (Message& m : inflight_) {
      if (std::find(drop.begin(), drop.end(), m.to) != drop.end()) {
        out += "dropped: " + DescribeMessage(m) + "\n";
      } else {
        keep.push_back(std::move(m));
      }
    }
    inflight_ = std::move(keep);
  }
  const std::vector<NodeId> ids = Ids(d);
  for (NodeId id : ids) {
    std::string got = Deliver(id, d.Arg("type"));
    if (ids.size() > 1 && !got.empty()) {
      out += StrFormat("> %llu receiving messages\n", (unsigned long long)id);
      got = Indent(got, "  ");
    }
    out += got;
  }
  return out;
}

std::string InteractionEnv::Deliver(NodeId id, const std::string& type_filter) {
  std::vector<Message> mine;
  std::vector<Message> rest;
  for (Message& m : inflight_) {
    const bool match = m.to == id && (type_filter.empty() ||
                                      MessageTypeName(m.type) ==
                                          std::string_view(type_filter));
    (match ? mine : rest).push_back(std::move(m));
  }
  inflight_ = std::move(rest);
  std::string out;
  out_ = &out;
  for (const Message& m : mine) {
    out += DescribeMessage(m) + "\n";
    // Every message crosses the wire format, as in the simulator.
    Result<Message> wire = DecodeMessage(EncodeMessage(m));
    CAIRN_CHECK(wire.ok() && wire.value() == m, "codec round trip");
    Status s = N(id).raw->Step(wire.value());
    if (!s.ok()) out += "error: " + s.ToString() + "\n";
  }
  out_ = nullptr;
  return out;
}

std::string InteractionEnv::Stabilize(const std::vector<NodeId>& only) {
  std::vector<NodeId> ids = only;
  if (ids.empty()) {
    for (NodeId id = 1; id <= nodes_.size(); id++) ids.push_back(id);
  }
  std::string out;
  for (bool progress = true; progress;) {
    progress = false;
    for (NodeId id : ids) {
      if (!N(id).raw->HasReady()) continue;
      progress = true;
      out += StrFormat("> %llu handling Ready\n", (unsigned long long)id);
      out += Indent(ProcessReady(id), "  ");
    }
    for (NodeId id : ids) {
      std::string got = Deliver(id, "");
      if (got.empty()) continue;
      progress = true;
      out += StrFormat("> %llu receiving messages\n", (unsigned long long)id);
      out += Indent(got, "  ");
    }
  }
  return out;
}

std::string InteractionEnv::Tick(NodeId id, int n) {
  for (int i = 0; i < n; i++) N(id).raw->Tick();
  return "";
}

std::string InteractionEnv::RaftState() {
  std::string out;
  for (NodeId id = 1; id <= nodes_.size(); id++) {
    const Raft& r = N(id).raw->raft();
    const Progress* self = r.tracker().Get(id);
    const char* role = self == nullptr    ? "(Non-Voter)"
                       : self->is_learner ? "(Learner)"
                                          : "(Voter)";
    out +=
        StrFormat("%llu: %s %s Term:%llu Lead:%llu\n", (unsigned long long)id,
                  std::string(StateTypeName(r.state())).c_str(), role,
                  (unsigned long long)r.term(), (unsigned long long)r.lead());
  }
  return out;
}

std::string InteractionEnv::RaftLogOf(NodeId id) {
  const MemoryStorage& s = *N(id).storage;
  const Index fi = s.FirstIndex();
  const Index li = s.LastIndex();
  if (li < fi) {
    return StrFormat("log is empty: first index=%llu, last index=%llu\n",
                     (unsigned long long)fi, (unsigned long long)li);
  }
  std::string out;
  Result<std::vector<Entry>> ents = s.Entries(fi, li + 1, kNoLimit);
  for (const Entry& e : ents.value()) {
    out += DescribeEntry(e) + "\n";
  }
  return out;
}

std::string InteractionEnv::StatusOf(NodeId id) {
  const RaftStatus st = N(id).raw->GetStatus();
  std::string out = StrFormat(
      "%s %s applied=%llu %s\n", DescribeHardState(st.hard_state).c_str(),
      DescribeSoftState(st.soft_state).c_str(), (unsigned long long)st.applied,
      st.config.ToString().c_str());
  for (const auto& [pid, pr] : st.progress) {
    out += StrFormat("%llu: %s\n", (unsigned long long)pid, pr.c_str());
  }
  return out;
}

std::string InteractionEnv::StateOf(NodeId id) {
  const Node& n = N(id);
  return StrFormat("applied=%llu state=[%s] conf=%s\n",
                   (unsigned long long)n.raw->raft().log().applied(),
                   JoinState(n.state).c_str(),
                   DescribeConfState(n.conf_state).c_str());
}

std::string InteractionEnv::Compact(NodeId id, Index index) {
  Node& n = N(id);
  auto st = n.state_at.find(index);
  if (st == n.state_at.end()) return "error: index not applied\n";
  Result<Snapshot> snap = n.storage->CreateSnapshot(index, n.conf_at.at(index),
                                                    JoinState(st->second));
  if (!snap.ok()) return "error: " + snap.status().ToString() + "\n";
  Status s = n.storage->Compact(index);
  if (!s.ok()) return "error: " + s.ToString() + "\n";
  return RaftLogOf(id);
}

std::string InteractionEnv::ProposeConfChange(const testing::TestData& d) {
  ConfChange cc;
  const std::string t = d.Arg("transition", "auto");
  if (t == "implicit") cc.transition = ConfChangeTransition::kJointImplicit;
  if (t == "explicit") cc.transition = ConfChangeTransition::kJointExplicit;
  if (!ParseChanges(d.input, &cc)) {
    ADD_FAILURE() << d.pos << ": bad conf change " << d.input;
    return "";
  }
  Status s = N(Ids(d).at(0)).raw->ProposeConfChange(cc);
  return s.ok() ? "" : "error: " + s.ToString() + "\n";
}

}  // namespace cairn::raft
