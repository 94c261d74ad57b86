#include "core/server/backend_layout.h"

#include "core/util/coding.h"

namespace cairn::server {

namespace {

void AppendBigEndian(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

uint64_t ReadBigEndian(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return v;
}

uint64_t ReadLittleEndian(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(b[i])) << (8 * i);
  }
  return v;
}

std::string KeyWithId(std::string_view prefix, uint64_t id) {
  std::string key(prefix);
  AppendBigEndian(key, id);
  return key;
}

}  // namespace

std::string MemberKey(uint64_t id) { return KeyWithId(kMemberPrefix, id); }
std::string RemovedKey(uint64_t id) { return KeyWithId(kRemovedPrefix, id); }

std::string AlarmKey(uint64_t member_id, api::AlarmType type) {
  std::string key = KeyWithId(kAlarmPrefix, member_id);
  key.push_back(static_cast<char>(type));
  return key;
}

Result<uint64_t> IdOfKey(std::string_view key, std::string_view prefix) {
  if (key.size() != prefix.size() + 8 ||
      key.substr(0, prefix.size()) != prefix) {
    return Status::Corruption("server backend: bad key under " +
                              std::string(prefix));
  }
  return ReadBigEndian(key.substr(prefix.size()));
}

Result<std::pair<uint64_t, api::AlarmType>> AlarmOfKey(std::string_view key) {
  const size_t n = kAlarmPrefix.size();
  if (key.size() != n + 9 || key.substr(0, n) != kAlarmPrefix) {
    return Status::Corruption("server backend: bad alarm key");
  }
  const uint8_t type = static_cast<uint8_t>(key[n + 8]);
  if (type == 0 || type > 2) {
    return Status::Corruption("server backend: bad alarm type");
  }
  return std::make_pair(ReadBigEndian(key.substr(n, 8)),
                        static_cast<api::AlarmType>(type));
}

std::string EncodeApplied(raft::Index index, raft::Term term) {
  std::string out;
  AppendFixed(out, index, 8);
  AppendFixed(out, term, 8);
  return out;
}

Result<std::pair<raft::Index, raft::Term>> DecodeApplied(
    std::string_view value) {
  if (value.size() != 16) {
    return Status::Corruption("server backend: bad applied index record");
  }
  return std::make_pair(ReadLittleEndian(value.substr(0, 8)),
                        ReadLittleEndian(value.substr(8, 8)));
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

}  // namespace cairn::server
