// Writes the seed corpora of the fuzz targets: a handful of small, valid
// inputs per target, in each target's input format (see the comment at the
// top of each *_fuzz.cc). Run once by hand when a format changes:
//
//   cmake --build --preset fuzz --target fuzz_make_corpus
//   build/fuzz/tests/fuzz/fuzz_make_corpus tests/fuzz/corpus
//
// and commit the files; CI never runs it. Every seed is checked to decode
// before it is written.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/api/cluster_types.h"
#include "core/api/request_decoder.h"
#include "core/api/watch_codec.h"
#include "core/lease/lessor.h"
#include "core/lease/lessor_codec.h"
#include "core/lease/lessor_persist.h"
#include "core/mvcc/kv_persist.h"
#include "core/mvcc/kv_store.h"
#include "core/raft/codec.h"
#include "core/server/backend_layout.h"
#include "core/server/entry_codec.h"
#include "core/server/snapshot_file.h"
#include "core/storage/backend_snapshot.h"
#include "core/storage/memory_backend.h"
#include "core/storage/stored_value.h"
#include "core/util/check.h"
#include "core/util/coding.h"
#include "simulator/sim_log_store.h"

namespace cairn::fuzz {
namespace {

namespace fs = std::filesystem;

fs::path g_root;

void Write(const std::string& target, const std::string& name,
           std::string_view bytes) {
  const fs::path dir = g_root / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  CAIRN_CHECK(out.good(), "writing %s/%s", target.c_str(), name.c_str());
}

std::string Byte(int b) { return std::string(1, static_cast<char>(b)); }

// ---- gateway_request: path index byte, then the body -------------------

void Gateway() {
  // Indexes into gateway_request_fuzz.cc's kPaths.
  const std::vector<std::tuple<int, std::string, std::string>> seeds = {
      {0, "range",
       R"({"key":"Zm9v","range_end":"Zm9w","limit":"10",)"
       R"("sort_order":"DESCEND","sort_target":"MOD"})"},
      {1, "put", R"({"key":"Zm9v","value":"YmFy"})"},
      {1, "put_lease",
       R"({"key":"Zm9v","value":"YmFy","lease":"7587",)"
       R"("prev_kv":true})"},
      {2, "deleterange", R"({"key":"AA==","range_end":"AA==","prevKv":true})"},
      {3, "txn",
       R"({"compare":[{"result":"EQUAL","target":"VALUE","key":"Zm9v",)"
       R"("value":"YmFy"}],"success":[{"request_put":{"key":"Zm9v",)"
       R"("value":"YmF6"}}],"failure":[{"request_range":{"key":"Zm9v"}},)"
       R"({"request_txn":{"compare":[{"target":"MOD","key":"YQ==",)"
       R"("mod_revision":"3","result":"LESS"}]}}]})"},
      {4, "compaction", R"({"revision":"5","physical":true})"},
      {5, "lease_grant", R"({"TTL":"60","ID":"0"})"},
      {6, "lease_revoke", R"({"ID":"7587"})"},
      {8, "lease_timetolive", R"({"ID":"7587","keys":true})"},
      {10, "lease_leases", R"({})"},
      {12, "lease_keepalive", R"({"ID":7587})"},
      {13, "member_add",
       R"({"peerURLs":["http://127.0.0.1:2380"],)"
       R"("isLearner":true})"},
      {14, "member_remove", R"({"ID":"10276657743932975437"})"},
      {15, "member_update",
       R"({"ID":"1","peerURLs":["http://10.0.0.1:2380"]})"},
      {16, "member_list", R"({"linearizable":true})"},
      {17, "member_promote", R"({"ID":"1"})"},
      {18, "status", R"({})"},
      {19, "hash", R"({})"},
      {20, "hashkv", R"({"revision":"4"})"},
      {21, "alarm",
       R"({"action":"ACTIVATE","memberID":"1","alarm":"NOSPACE"})"},
      {22, "defragment", R"({})"},
      {23, "transfer_leadership", R"({"targetID":"2"})"},
  };
  for (const auto& [index, name, body] : seeds) {
    Result<api::GatewayRequest> r =
        api::DecodeRequest(std::string_view(std::vector<std::string_view>{
                               "/v3/kv/range",
                               "/v3/kv/put",
                               "/v3/kv/deleterange",
                               "/v3/kv/txn",
                               "/v3/kv/compaction",
                               "/v3/lease/grant",
                               "/v3/lease/revoke",
                               "/v3/kv/lease/revoke",
                               "/v3/lease/timetolive",
                               "/v3/kv/lease/timetolive",
                               "/v3/lease/leases",
                               "/v3/kv/lease/leases",
                               "/v3/lease/keepalive",
                               "/v3/cluster/member/add",
                               "/v3/cluster/member/remove",
                               "/v3/cluster/member/update",
                               "/v3/cluster/member/list",
                               "/v3/cluster/member/promote",
                               "/v3/maintenance/status",
                               "/v3/maintenance/hash",
                               "/v3/maintenance/hashkv",
                               "/v3/maintenance/alarm",
                               "/v3/maintenance/defragment",
                               "/v3/maintenance/transfer-leadership"}[index]),
                           body);
    CAIRN_CHECK(r.ok(), "seed %s: %s", name.c_str(),
                r.status().ToString().c_str());
    Write("gateway_request", name, Byte(index) + body);
  }
  // /v3/watch (index 24): a split offset byte, then the stream.
  const std::string watch =
      R"({"create_request":{"key":"Zm9v","range_end":"Zm9w",)"
      R"("start_revision":"3","prev_kv":true,"filters":["NOPUT"]}})"
      "\n"
      R"({"progress_request":{}} {"cancel_request":{"watch_id":"1"}})";
  CAIRN_CHECK(
      api::DecodeWatchRequest(R"({"create_request":{"key":"Zm9v"}})").ok(),
      "watch seed");
  Write("gateway_request", "watch_stream", Byte(24) + Byte(40) + watch);
  // An unserved path (404).
  Write("gateway_request", "not_found", Byte(25) + "{}");
}

// ---- raft_codec: selector byte, then the body after kind+version -------

raft::Entry MakeEntry(raft::Index i, raft::EntryType type, std::string data) {
  raft::Entry e;
  e.term = 2;
  e.index = i;
  e.type = type;
  e.data = std::move(data);
  return e;
}

raft::Snapshot MakeSnapshot() {
  raft::Snapshot s;
  s.metadata.index = 40;
  s.metadata.term = 3;
  s.metadata.conf_state.voters = {1, 2, 3};
  s.metadata.conf_state.learners = {4};
  s.metadata.conf_state.voters_outgoing = {1, 2};
  s.metadata.conf_state.learners_next = {3};
  s.metadata.conf_state.auto_leave = true;
  s.data = "state machine bytes";
  return s;
}

void Raft() {
  // Framed: the encoding minus its CRC, kind and version (6 bytes).
  auto framed = [](int which, const std::string& encoded) {
    return Byte(which) + encoded.substr(6);
  };
  raft::Message app;
  app.type = raft::MessageType::kApp;
  app.to = 2;
  app.from = 1;
  app.term = 2;
  app.log_term = 2;
  app.index = 9;
  app.commit = 9;
  app.entries = {MakeEntry(10, raft::EntryType::kNormal, "put foo"),
                 MakeEntry(11, raft::EntryType::kNormal, "")};
  const std::string app_bytes = raft::EncodeMessage(app);
  CAIRN_CHECK(raft::DecodeMessage(app_bytes).ok(), "message seed");
  Write("raft_codec", "message_app", framed(0, app_bytes));
  Write("raft_codec", "message_app_raw", Byte(0x80) + app_bytes);

  raft::Message snap_msg;
  snap_msg.type = raft::MessageType::kSnap;
  snap_msg.to = 4;
  snap_msg.from = 1;
  snap_msg.term = 3;
  snap_msg.reject = true;
  snap_msg.reject_hint = 7;
  snap_msg.context = "ctx";
  snap_msg.snapshot = MakeSnapshot();
  Write("raft_codec", "message_snap", framed(0, raft::EncodeMessage(snap_msg)));

  raft::ConfChange cc;
  cc.transition = raft::ConfChangeTransition::kJointExplicit;
  cc.changes = {{raft::ConfChangeType::kAddNode, 5},
                {raft::ConfChangeType::kRemoveNode, 2},
                {raft::ConfChangeType::kAddLearnerNode, 6}};
  cc.context = "member context";
  const std::string cc_bytes = raft::EncodeConfChange(cc);
  Write("raft_codec", "entry_normal",
        framed(1, raft::EncodeEntry(
                      MakeEntry(300, raft::EntryType::kNormal, "payload"))));
  Write("raft_codec", "entry_conf_change",
        framed(1, raft::EncodeEntry(
                      MakeEntry(301, raft::EntryType::kConfChange, cc_bytes))));
  raft::HardState hs;
  hs.term = 5;
  hs.vote = 3;
  hs.commit = 1ull << 40;
  Write("raft_codec", "hard_state", framed(2, raft::EncodeHardState(hs)));
  Write("raft_codec", "hard_state_raw", Byte(0x82) + raft::EncodeHardState(hs));
  Write("raft_codec", "snapshot",
        framed(3, raft::EncodeSnapshot(MakeSnapshot())));
  Write("raft_codec", "conf_change", framed(4, cc_bytes));
}

// ---- persist_record: selector byte, then per-decoder input -------------

void Persist() {
  auto entry_framed = [](int which, const std::string& encoded) {
    return Byte(which) + encoded.substr(6);
  };
  server::EntryPayload put;
  put.request_id = 42;
  put.request = mvcc::PutRequest{.key = "foo", .value = "bar", .lease = 7};
  const std::string put_bytes = server::EncodeEntryPayload(put);
  CAIRN_CHECK(server::DecodeEntryPayload(put_bytes).ok(), "payload seed");
  Write("persist_record", "payload_put", entry_framed(0, put_bytes));
  Write("persist_record", "payload_put_raw", Byte(0x80) + put_bytes);

  mvcc::TxnRequest txn;
  mvcc::Compare cmp;
  cmp.result = mvcc::Compare::Result::kGreater;
  cmp.target = mvcc::Compare::Target::kMod;
  cmp.key = "a";
  cmp.mod_revision = 3;
  txn.compare = {cmp};
  txn.success = {mvcc::RequestOp{mvcc::PutRequest{.key = "a", .value = "1"}},
                 mvcc::RequestOp{mvcc::DeleteRangeRequest{.key = "b"}}};
  mvcc::TxnRequest inner;
  inner.failure = {mvcc::RequestOp{mvcc::RangeRequest{.key = "c"}}};
  txn.failure = {mvcc::RequestOp{inner}};
  Write("persist_record", "payload_txn",
        entry_framed(0, server::EncodeEntryPayload(server::EntryPayload{
                            .request_id = 1, .request = txn})));
  Write("persist_record", "payload_checkpoint",
        entry_framed(0, server::EncodeEntryPayload(server::EntryPayload{
                            .request = server::LeaseCheckpointRequest{
                                .checkpoints = {{5, 30}, {9, 0}}}})));
  Write("persist_record", "payload_member_attributes",
        entry_framed(0, server::EncodeEntryPayload(server::EntryPayload{
                            .request_id = 3,
                            .request = server::MemberAttributesRequest{
                                .id = 2,
                                .name = "m2",
                                .client_urls = {"http://127.0.0.1:2379"}}})));

  const api::Member member{.id = 0x8e9e05c52164694d,
                           .name = "m1",
                           .peer_urls = {"http://127.0.0.1:2380"},
                           .client_urls = {"http://127.0.0.1:2379"},
                           .is_learner = true};
  server::MemberChange change;
  change.request_id = 9;
  change.kind = server::MemberChange::Kind::kAdd;
  change.member = member;
  Write("persist_record", "member_change",
        entry_framed(1, server::EncodeMemberChange(change)));
  Write("persist_record", "member",
        entry_framed(2, server::EncodeMember(member)));

  // Stored value: key length, key, value (the target adds the CRC).
  Write("persist_record", "stored_value", Byte(3) + Byte(3) + "foo" + "bar");
  Write(
      "persist_record", "stored_value_raw",
      Byte(0x83) + Byte(3) + "foo" + storage::EncodeStoredValue("foo", "bar"));

  // Lessor image: max_leases byte, then the image minus magic and CRC.
  lease::LessorImage image;
  image.auto_id_counter = 12;
  image.leases = {{.id = -5, .ttl_s = 10, .remaining_ttl_s = 4, .keys = {"a"}},
                  {.id = 7, .ttl_s = 60, .keys = {"b", "c"}}};
  const std::string image_bytes = lease::EncodeLessorImage(image);
  CAIRN_CHECK(lease::DecodeLessorImage(image_bytes, 10).ok(), "image seed");
  Write("persist_record", "lessor_image",
        Byte(4) + Byte(10) + image_bytes.substr(4, image_bytes.size() - 8));

  // Kv record: 16 revision bytes, then the record minus its CRC.
  for (const mvcc::KvRecord& rec :
       {mvcc::KvRecord{.rev = {5, 1},
       .kv = {.key = "foo",
             .create_revision = 3,
             .mod_revision = 5,
             .version = 2,
             .value = "bar",
             .lease = 7}},
        mvcc::KvRecord{
            .rev = {6, 0}, .tombstone = true, .kv = {.key = "foo"}}}) {
    const std::string key = mvcc::KvRecordKey(rec.rev);
    const std::string value = mvcc::EncodeKvRecord(rec);
    CAIRN_CHECK(mvcc::DecodeKvRecord(key, value).ok(), "kv seed");
    Write("persist_record", rec.tombstone ? "kv_tombstone" : "kv_put",
          Byte(5) + key.substr(3) + value.substr(0, value.size() - 4));
  }
  Write("persist_record", "applied", Byte(6) + server::EncodeApplied(77, 4));
  Write("persist_record", "alarm_key",
        Byte(6) + server::AlarmKey(3, api::AlarmType::kNoSpace)
                      .substr(server::kAlarmPrefix.size()));
}

// ---- backend_snapshot: a dump, raw and as framed records ---------------

void Snapshot() {
  storage::MemoryBackend backend;
  storage::WriteBatch batch;
  mvcc::KvStore kv(mvcc::KvStoreOptions{.track_changes = true});
  lease::Lessor lessor(lease::Config{});
  CAIRN_CHECK(lessor.Grant(7587, 60, 0).ok(), "grant");
  CAIRN_CHECK(lessor.Grant(-3, 10, 0).ok(), "grant");
  CAIRN_CHECK(kv.Put({.key = "foo", .value = "bar"}).ok(), "put");
  CAIRN_CHECK(kv.Put({.key = "foo", .value = "baz", .lease = 7587}).ok(),
              "put");
  CAIRN_CHECK(kv.Put({.key = "k2", .value = "v"}).ok(), "put");
  CAIRN_CHECK(kv.DeleteRange({.key = "k2"}).ok(), "delete");
  CAIRN_CHECK(kv.Compact({.revision = 2}).ok(), "compact");
  mvcc::WriteKvChanges(kv.TakeChanges(), batch);
  lease::WriteLessor(lessor, batch);
  batch.Put(
      server::MemberKey(1),
      server::EncodeMember(
          {.id = 1, .name = "m1", .peer_urls = {"http://127.0.0.1:2380"}}));
  batch.Put(server::RemovedKey(9), "");
  batch.Put(server::AlarmKey(1, api::AlarmType::kNoSpace), "");
  batch.Put(std::string(server::kAppliedKey), server::EncodeApplied(12, 2));
  CAIRN_CHECK(backend.Commit(batch, true).ok(), "commit");
  Result<std::string> dump = storage::DumpBackend(backend);
  CAIRN_CHECK(dump.ok(), "dump");
  Result<server::SnapshotInfo> info = server::InspectSnapshot(dump.value());
  CAIRN_CHECK(info.ok(), "dump seed: %s", info.status().ToString().c_str());
  Write("backend_snapshot", "dump_raw", Byte(0x80) + dump.value());

  // Framed: fix, key, value per record (backend_snapshot_fuzz.cc).
  std::string framed = Byte(0);
  Status s = backend.Scan({}, {}, [&](std::string_view k, std::string_view v) {
    int fix = 0;
    std::string_view body = v;
    if (k.starts_with("kv/") || k.starts_with("lease/") || k == "meta/kv" ||
        k == "meta/lease") {
      fix = 1;
      body = v.substr(0, v.size() - 4);
    } else if (k.starts_with(server::kMemberPrefix)) {
      fix = 2;
      body = v.substr(4);
    }
    CAIRN_CHECK(k.size() < 256 && body.size() < 256, "record too long");
    framed += Byte(fix) + Byte(static_cast<int>(k.size())) + std::string(k) +
              Byte(static_cast<int>(body.size())) + std::string(body);
    return true;
  });
  CAIRN_CHECK(s.ok(), "scan");
  Write("backend_snapshot", "dump_framed", framed);
  Write("backend_snapshot", "empty_framed", Byte(0));
}

// ---- sim_log_store: the durable file ------------------------------------

raft::HardState Hs(raft::Term term, raft::Index commit) {
  raft::HardState hs;
  hs.term = term;
  hs.vote = 1;
  hs.commit = commit;
  return hs;
}

std::vector<raft::Entry> Entries(raft::Index lo, raft::Index hi,
                                 raft::Term term) {
  std::vector<raft::Entry> out;
  for (raft::Index i = lo; i <= hi; i++) {
    out.push_back(MakeEntry(i, raft::EntryType::kNormal, "e"));
    out.back().term = term;
  }
  return out;
}

void SimLog() {
  sim::SimLogStore log(/*defer_sync=*/false);
  const raft::HardState hs1 = Hs(1, 0);
  const raft::HardState hs2 = Hs(2, 3);
  CAIRN_CHECK(log.Save(&hs1, Entries(1, 3, 1), nullptr, true).ok(), "save");
  CAIRN_CHECK(log.Save(&hs2, Entries(4, 5, 2), nullptr, true).ok(), "save");
  CAIRN_CHECK(log.Compact(2).ok() && log.Sync().ok(), "compact");
  Write("sim_log_store", "log_clean", log.file_for_test());
  // An unsynced save torn by a crash: 10 of its bytes reached the file.
  CAIRN_CHECK(log.Save(nullptr, Entries(6, 7, 2), nullptr, false).ok(), "save");
  log.Crash(10);
  Write("sim_log_store", "log_torn", log.file_for_test());

  sim::SimLogStore snap_log(/*defer_sync=*/false);
  raft::Snapshot snap = MakeSnapshot();
  const raft::HardState hs3 = Hs(3, 40);
  CAIRN_CHECK(snap_log.Save(&hs3, {}, &snap, true).ok(), "save snapshot");
  CAIRN_CHECK(snap_log.Save(nullptr, Entries(41, 42, 3), nullptr, true).ok(),
              "save");
  Write("sim_log_store", "log_snapshot", snap_log.file_for_test());
}

}  // namespace
}  // namespace cairn::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_corpus tests/fuzz/corpus\n");
    return 2;
  }
  cairn::fuzz::g_root = argv[1];
  cairn::fuzz::Gateway();
  cairn::fuzz::Raft();
  cairn::fuzz::Persist();
  cairn::fuzz::Snapshot();
  cairn::fuzz::SimLog();
  return 0;
}
