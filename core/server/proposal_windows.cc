#include "core/server/proposal_windows.h"

#include <string>

#include "core/server/backend_layout.h"
#include "core/util/coding.h"

namespace cairn::server {

namespace {

std::string SessionKey(uint64_t session) {
  std::string key(kSessionPrefix);
  AppendBigEndian64(key, session);
  return key;
}

}  // namespace

Result<ProposalWindows> ProposalWindows::Load(const storage::Backend& backend) {
  ProposalWindows w;
  Status bad;
  Status s = backend.Scan(
      kSessionPrefix, PrefixEnd(kSessionPrefix),
      [&](std::string_view key, std::string_view value) {
        Result<uint64_t> session = IdOfKey(key, kSessionPrefix);
        ByteReader r(value);
        Window win{.highest = r.Fixed(8),
                   .seen = r.Fixed(8),
                   .last_index = r.Fixed(8)};
        if (!session.ok() || session.value() == 0 || !r.done() ||
            (win.seen & 1) == 0) {
          bad = Status::Corruption("server backend: bad session record");
          return false;
        }
        w.windows_[session.value()] = win;
        return true;
      });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  if (w.windows_.size() > kMaxSessions) {
    return Status::Corruption("server backend: too many sessions");
  }
  return w;
}

ProposalWindows::Verdict ProposalWindows::Admit(uint64_t session, uint64_t id,
                                                raft::Index index) {
  auto it = windows_.find(session);
  if (it == windows_.end()) {
    if (windows_.size() >= kMaxSessions) EvictOldest();
    windows_[session] = Window{.highest = id, .seen = 1, .last_index = index};
    changed_.insert(session);
    evicted_.erase(session);
    return Verdict::kNew;
  }
  Window& w = it->second;
  if (id > w.highest) {
    const uint64_t shift = id - w.highest;
    w.seen = shift >= kWindow ? 1 : (w.seen << shift) | 1;
    w.highest = id;
  } else {
    const uint64_t back = w.highest - id;
    if (back >= kWindow) return Verdict::kTooOld;
    const uint64_t bit = uint64_t{1} << back;
    if ((w.seen & bit) != 0) return Verdict::kDuplicate;
    w.seen |= bit;
  }
  w.last_index = index;
  changed_.insert(session);
  return Verdict::kNew;
}

void ProposalWindows::EvictOldest() {
  auto oldest = windows_.begin();
  for (auto it = windows_.begin(); it != windows_.end(); ++it) {
    if (it->second.last_index < oldest->second.last_index) oldest = it;
  }
  changed_.erase(oldest->first);
  evicted_.insert(oldest->first);
  windows_.erase(oldest);
}

void ProposalWindows::WriteChanges(storage::WriteBatch& batch) {
  for (uint64_t session : evicted_) batch.Delete(SessionKey(session));
  for (uint64_t session : changed_) {
    const Window& w = windows_.at(session);
    std::string value;
    AppendFixed(value, w.highest, 8);
    AppendFixed(value, w.seen, 8);
    AppendFixed(value, w.last_index, 8);
    batch.Put(SessionKey(session), std::move(value));
  }
  evicted_.clear();
  changed_.clear();
}

}  // namespace cairn::server
