#include "cli/cairn/store_check.h"

#include <string_view>

#include "core/server/backend_layout.h"
#include "core/storage/leveldb_verify.h"
#include "core/util/strings.h"

namespace cairn::node {
namespace {

using U = unsigned long long;

// `s` with the damaged file of `dir` named, when one is found.
Status WithDamagedFile(const std::string& dir, const Status& s) {
  Status v = storage::VerifyLevelDbFiles(dir);
  if (v.code() != Code::kCorruption) return s;
  return Status(s.code(), s.message() + "; damaged file: " + v.message());
}

// Reads every key and value once, so that a damaged table is found now.
Status ScanAll(const storage::Backend& backend) {
  return backend.Scan("", "",
                      [](std::string_view, std::string_view) { return true; });
}

}  // namespace

Result<Stores> OpenStores(const std::string& member_dir) {
  const std::string raft_dir = member_dir + "/raft";
  const std::string kv_dir = member_dir + "/kv";
  Stores st;
  auto log = storage::LevelDbRaftLogStore::Open(raft_dir);
  if (!log.ok()) return WithDamagedFile(raft_dir, log.status());
  st.log = std::move(log).value();
  auto backend = storage::LevelDbBackend::Open(kv_dir);
  if (!backend.ok()) return WithDamagedFile(kv_dir, backend.status());
  st.backend = std::move(backend).value();
  if (Status s = ScanAll(*st.backend); !s.ok()) {
    return WithDamagedFile(kv_dir, s);
  }
  Result<std::string> applied = st.backend->Get(server::kAppliedKey);
  if (applied.ok()) {
    auto a = server::DecodeApplied(applied.value());
    if (!a.ok()) return a.status();
    const raft::Index index = a.value().first;
    if (index > st.log->LastIndex()) {
      return Status::Corruption(StrFormat(
          "raft log store %s ends at index %llu but the keyspace in %s "
          "applied index %llu: the log lost entries it had synced (a "
          "truncated or missing file)",
          raft_dir.c_str(), U(st.log->LastIndex()), kv_dir.c_str(), U(index)));
    }
  } else if (applied.status().code() != Code::kNotFound) {
    return WithDamagedFile(kv_dir, applied.status());
  }
  return st;
}

}  // namespace cairn::node
