#include "cli/cairn/member_identity.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "core/util/strings.h"

namespace cairn::node {

namespace {

uint64_t Sha1Prefix(const std::string& bytes) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
       digest);
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | digest[i];
  return v;
}

Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return Status::IOError(path + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError(path + ": " + std::strerror(errno));
  return Status::Ok();
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

uint64_t EtcdMemberId(std::vector<std::string> peer_urls,
                      const std::string& cluster_token) {
  std::sort(peer_urls.begin(), peer_urls.end());
  std::string b;
  for (const std::string& u : peer_urls) b += u;
  return Sha1Prefix(b + cluster_token);
}

uint64_t EtcdClusterId(std::vector<uint64_t> member_ids) {
  std::sort(member_ids.begin(), member_ids.end());
  std::string b;
  for (uint64_t id : member_ids) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      b.push_back(static_cast<char>((id >> shift) & 0xff));
    }
  }
  return Sha1Prefix(b);
}

Result<std::vector<api::Member>> FoundingMembers(const NodeConfig& cfg) {
  std::map<uint64_t, api::Member> by_id;
  for (const PeerSpec& p : cfg.initial_cluster) {
    api::Member m{.id = EtcdMemberId(p.peer_urls, cfg.initial_cluster_token),
                  .name = p.name,
                  .peer_urls = p.peer_urls};
    std::sort(m.peer_urls.begin(), m.peer_urls.end());
    if (m.id == 0 || !by_id.emplace(m.id, m).second) {
      return Status::InvalidArgument(
          StrFormat("member exists with identical ID: %s", p.name.c_str()));
    }
  }
  std::vector<api::Member> out;
  for (auto& [id, m] : by_id) out.push_back(std::move(m));
  return out;
}

Result<std::optional<MemberIdentity>> ReadIdentity(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::optional<MemberIdentity>();
    return Status::IOError(path + ": " + std::strerror(errno));
  }
  std::string member_hex, cluster_hex, extra;
  in >> member_hex >> cluster_hex >> extra;
  MemberIdentity id;
  char* end = nullptr;
  id.member_id = std::strtoull(member_hex.c_str(), &end, 16);
  const bool member_ok = member_hex.size() == 16 && *end == '\0';
  id.cluster_id = std::strtoull(cluster_hex.c_str(), &end, 16);
  const bool cluster_ok = cluster_hex.size() == 16 && *end == '\0';
  if (!member_ok || !cluster_ok || !extra.empty() || id.member_id == 0) {
    return Status::Corruption(path + ": not a member identity file");
  }
  return std::optional<MemberIdentity>(id);
}

Status WriteIdentity(const std::string& path, const MemberIdentity& id) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << StrFormat("%016llx %016llx\n", (unsigned long long)id.member_id,
                     (unsigned long long)id.cluster_id);
    out.flush();
    if (!out) return Status::IOError(tmp + ": cannot write");
  }
  if (Status s = SyncPath(tmp, O_RDONLY); !s.ok()) return s;
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError(path + ": " + std::strerror(errno));
  }
  return SyncPath(DirOf(path), O_RDONLY | O_DIRECTORY);
}

}  // namespace cairn::node
