#include "cli/cairn/snapshot_restore.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "cli/cairn/member_identity.h"
#include "cli/cairn/node_config.h"
#include "cli/common/sha256.h"
#include "core/api/url_check.h"
#include "core/storage/leveldb_backend.h"

namespace cairn::node {

namespace {

namespace fs = std::filesystem;

// Go's fmt of a byte slice: [1 2 255].
std::string GoBytes(std::string_view b) {
  std::string out = "[";
  for (size_t i = 0; i < b.size(); ++i) {
    if (i != 0) out += " ";
    out += std::to_string(static_cast<unsigned char>(b[i]));
  }
  return out + "]";
}

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Result<NodeConfig> RestoreConfig(const RestoreOptions& o) {
  NodeConfig cfg;
  cfg.name = o.name;
  cfg.initial_cluster_token = o.initial_cluster_token;
  cfg.initial_advertise_peer_urls = SplitComma(o.initial_advertise_peer_urls);
  if (Status s = api::CheckUrls(cfg.initial_advertise_peer_urls); !s.ok()) {
    return s;
  }
  Result<std::vector<PeerSpec>> cluster =
      ParseInitialCluster(o.initial_cluster);
  if (!cluster.ok()) return cluster.status();
  cfg.initial_cluster = std::move(cluster).value();
  if (Status s = CheckLocalMember(cfg); !s.ok()) return s;
  cfg.data_dir = o.data_dir.empty() ? o.name + ".cairn" : o.data_dir;
  return cfg;
}

struct NewMember {
  MemberIdentity identity;
  std::vector<api::Member> founders;
};

Result<NewMember> NewIdentity(const NodeConfig& cfg) {
  Result<std::vector<api::Member>> founding = FoundingMembers(cfg);
  if (!founding.ok()) return founding.status();
  NewMember out{.founders = founding.value()};
  std::vector<uint64_t> ids;
  for (const api::Member& m : out.founders) {
    ids.push_back(m.id);
    if (m.name == cfg.name) out.identity.member_id = m.id;
  }
  out.identity.cluster_id = EtcdClusterId(ids);
  return out;
}

Status WriteDataDir(const NodeConfig& cfg, const NewMember& id,
                    std::string_view dump) {
  const std::string member = cfg.data_dir + "/member";
  std::error_code ec;
  fs::create_directories(member, ec);
  if (ec) return Status::IOError("mkdir " + member + ": " + ec.message());
  {
    auto backend = storage::LevelDbBackend::Open(member + "/kv");
    if (!backend.ok()) return backend.status();
    Status s =
        server::RestoreForNewCluster(*backend.value(), dump, id.founders);
    if (!s.ok()) return s;
  }
  return WriteIdentity(member + "/identity", id.identity);
}

}  // namespace

Result<std::string> ReadSnapshotFile(const std::string& path,
                                     bool skip_hash_check) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IOError("open " + path + ": " + std::strerror(errno));
  }
  std::string bytes(std::istreambuf_iterator<char>(in), {});
  if (in.bad()) {
    return Status::IOError("read " + path + ": " + std::strerror(errno));
  }
  const size_t h = server::kSnapshotHashBytes;
  if (bytes.size() > h) {
    std::string_view dump(bytes.data(), bytes.size() - h);
    const std::string_view want(bytes.data() + dump.size(), h);
    const std::string got = Sha256::Of(dump);
    if (got == want) return std::string(dump);
    // Not a hash: a whole dump without one, or a damaged file.
    if (!server::InspectSnapshot(bytes).ok()) {
      if (skip_hash_check) return Status::Corruption("invalid database");
      return Status::InvalidArgument("expected sha256 " + GoBytes(want) +
                                     ", got " + GoBytes(got));
    }
  }
  if (!skip_hash_check) {
    return Status::InvalidArgument(
        "snapshot missing hash but --skip-hash-check=false");
  }
  return bytes;
}

Status RestoreSnapshot(const RestoreOptions& o) {
  Result<NodeConfig> cfg = RestoreConfig(o);
  if (!cfg.ok()) return cfg.status();
  const std::string& dir = cfg.value().data_dir;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    return Status::InvalidArgument("data-dir \"" + dir + "\" exists");
  }
  Result<NewMember> id = NewIdentity(cfg.value());
  if (!id.ok()) return id.status();
  Result<std::string> dump =
      ReadSnapshotFile(o.snapshot_path, o.skip_hash_check);
  if (!dump.ok()) return dump.status();
  Status s = WriteDataDir(cfg.value(), id.value(), dump.value());
  if (!s.ok()) fs::remove_all(dir, ec);  // it did not exist before
  return s;
}

}  // namespace cairn::node
