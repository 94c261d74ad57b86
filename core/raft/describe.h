// Stable, human-readable renderings of Raft values (etcd-io/raft util.go),
// used by transcripts, logs and the simulator's traces (STYLE.md T3).
// Formats are fixed: changing one is a behaviour change of every golden
// file. Nothing rendered depends on pointers, time or unordered iteration.
//
// Pure core, stateless.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/raft/ready.h"
#include "core/raft/types.h"

namespace cairn::raft {

std::string_view MessageTypeName(MessageType t);
std::string_view StateTypeName(StateType s);

// "1/3 EntryNormal \"data\"" or "2/5 EntryConfChange v2 l3".
std::string DescribeEntry(const Entry& e);
// "[1/3 EntryNormal \"\", 1/4 ...]".
std::string DescribeEntries(const std::vector<Entry>& ents);
// "v2 r3 l4" for add voter 2, remove 3, add learner 4; plus the
// transition when not auto.
std::string DescribeConfChange(const ConfChange& cc);
// "Voters:[1 2 3] VotersOutgoing:[1 2] Learners:[4] LearnersNext:[]
// AutoLeave:false".
std::string DescribeConfState(const ConfState& cs);
// "Term:1 Vote:1 Commit:3".
std::string DescribeHardState(const HardState& hs);
// "Lead:1 State:StateLeader".
std::string DescribeSoftState(const SoftState& ss);
// "Index:5 Term:2 ConfState:..." (data length only).
std::string DescribeSnapshot(const Snapshot& s);
// "1->2 MsgApp Term:1 Log:1/2 Commit:2 Entries:[...]".
std::string DescribeMessage(const Message& m);
// A multi-line rendering of a whole Ready, each line indented by nothing;
// empty fields are left out.
std::string DescribeReady(const Ready& rd);

}  // namespace cairn::raft
