#include "core/auth/auth_store.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "core/util/coding.h"

namespace cairn::auth {

Status ErrRootUserNotExist() {
  return Status(Code::kFailedPrecondition,
                "etcdserver: root user does not exist");
}
Status ErrRootRoleNotExist() {
  return Status(Code::kFailedPrecondition,
                "etcdserver: root user does not have root role");
}
Status ErrUserAlreadyExist() {
  return Status(Code::kFailedPrecondition,
                "etcdserver: user name already exists");
}
Status ErrUserEmpty() {
  return Status(Code::kInvalidArgument, "etcdserver: user name is empty");
}
Status ErrUserNotFound() {
  return Status(Code::kFailedPrecondition, "etcdserver: user name not found");
}
Status ErrRoleAlreadyExist() {
  return Status(Code::kFailedPrecondition,
                "etcdserver: role name already exists");
}
Status ErrRoleNotFound() {
  return Status(Code::kFailedPrecondition, "etcdserver: role name not found");
}
Status ErrRoleEmpty() {
  return Status(Code::kInvalidArgument, "etcdserver: role name is empty");
}
Status ErrAuthFailed() {
  return Status(
      Code::kAuthFailed,
      "etcdserver: authentication failed, invalid user ID or password");
}
Status ErrPermissionDenied() {
  return Status(Code::kPermissionDenied, "etcdserver: permission denied");
}
Status ErrRoleNotGranted() {
  return Status(Code::kFailedPrecondition,
                "etcdserver: role is not granted to the user");
}
Status ErrPermissionNotGranted() {
  return Status(Code::kFailedPrecondition,
                "etcdserver: permission is not granted to the role");
}
Status ErrAuthNotEnabled() {
  return Status(Code::kFailedPrecondition,
                "etcdserver: authentication is not enabled");
}
Status ErrInvalidAuthToken() {
  return Status(Code::kUnauthenticated, "etcdserver: invalid auth token");
}
Status ErrInvalidAuthMgmt() {
  return Status(Code::kInvalidArgument, "etcdserver: invalid auth management");
}
Status ErrAuthOldRevision() {
  return Status(Code::kInvalidArgument,
                "etcdserver: revision of auth store is old");
}

const User* AuthStore::FindUser(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

const Role* AuthStore::FindRole(std::string_view name) const {
  auto it = roles_.find(name);
  return it == roles_.end() ? nullptr : &it->second;
}

std::vector<std::string> AuthStore::UserNames() const {
  std::vector<std::string> out;
  for (const auto& [name, u] : users_) out.push_back(name);
  return out;
}

std::vector<std::string> AuthStore::RoleNames() const {
  std::vector<std::string> out;
  for (const auto& [name, r] : roles_) out.push_back(name);
  return out;
}

bool AuthStore::HasRootRole(std::string_view user) const {
  const User* u = FindUser(user);
  return u != nullptr && std::binary_search(u->roles.begin(), u->roles.end(),
                                            std::string(kRootRole));
}

Status AuthStore::Enable() {
  if (enabled_) return Status::Ok();
  if (FindUser(kRootUser) == nullptr) return ErrRootUserNotExist();
  if (!HasRootRole(kRootUser)) return ErrRootRoleNotExist();
  enabled_ = true;
  Bump();
  return Status::Ok();
}

Status AuthStore::Disable() {
  if (!enabled_) return Status::Ok();
  enabled_ = false;
  Bump();
  return Status::Ok();
}

Status AuthStore::UserAdd(const std::string& name,
                          const std::string& password_hash, bool no_password) {
  if (name.empty()) return ErrUserEmpty();
  if (FindUser(name) != nullptr) return ErrUserAlreadyExist();
  users_[name] = User{.name = name,
                      .password_hash = no_password ? "" : password_hash,
                      .no_password = no_password};
  dirty_users_.insert(name);
  Bump();
  return Status::Ok();
}

Status AuthStore::UserDelete(const std::string& name) {
  if (enabled_ && name == kRootUser) return ErrInvalidAuthMgmt();
  if (users_.erase(name) == 0) return ErrUserNotFound();
  dirty_users_.insert(name);
  Bump();
  return Status::Ok();
}

Status AuthStore::UserChangePassword(const std::string& name,
                                     const std::string& password_hash) {
  auto it = users_.find(name);
  if (it == users_.end()) return ErrUserNotFound();
  it->second.password_hash = password_hash;
  it->second.no_password = false;
  dirty_users_.insert(name);
  Bump();
  return Status::Ok();
}

Status AuthStore::UserGrantRole(const std::string& user,
                                const std::string& role) {
  auto it = users_.find(user);
  if (it == users_.end()) return ErrUserNotFound();
  // Role root may be granted before it exists as a role (etcd too).
  if (role != kRootRole && FindRole(role) == nullptr) return ErrRoleNotFound();
  std::vector<std::string>& roles = it->second.roles;
  auto pos = std::lower_bound(roles.begin(), roles.end(), role);
  if (pos != roles.end() && *pos == role) return Status::Ok();  // ignored
  roles.insert(pos, role);
  dirty_users_.insert(user);
  Bump();
  return Status::Ok();
}

Status AuthStore::UserRevokeRole(const std::string& name,
                                 const std::string& role) {
  if (enabled_ && name == kRootUser && role == kRootRole) {
    return ErrInvalidAuthMgmt();
  }
  auto it = users_.find(name);
  if (it == users_.end()) return ErrUserNotFound();
  std::vector<std::string>& roles = it->second.roles;
  auto pos = std::lower_bound(roles.begin(), roles.end(), role);
  if (pos == roles.end() || *pos != role) return ErrRoleNotGranted();
  roles.erase(pos);
  dirty_users_.insert(name);
  Bump();
  return Status::Ok();
}

Status AuthStore::RoleAdd(const std::string& name) {
  if (name.empty()) return ErrRoleEmpty();
  if (FindRole(name) != nullptr) return ErrRoleAlreadyExist();
  roles_[name] = Role{.name = name};
  dirty_roles_.insert(name);
  Bump();
  return Status::Ok();
}

Status AuthStore::RoleDelete(const std::string& name) {
  if (enabled_ && name == kRootRole) return ErrInvalidAuthMgmt();
  if (roles_.erase(name) == 0) return ErrRoleNotFound();
  dirty_roles_.insert(name);
  // The role leaves every user that held it.
  for (auto& [uname, u] : users_) {
    auto pos = std::lower_bound(u.roles.begin(), u.roles.end(), name);
    if (pos != u.roles.end() && *pos == name) {
      u.roles.erase(pos);
      dirty_users_.insert(uname);
    }
  }
  Bump();
  return Status::Ok();
}

Status AuthStore::RoleGrantPermission(const std::string& name,
                                      const api::Permission& perm) {
  auto it = roles_.find(name);
  if (it == roles_.end()) return ErrRoleNotFound();
  std::vector<api::Permission>& perms = it->second.perms;
  auto pos = std::find_if(perms.begin(), perms.end(),
                          [&](const auto& p) { return p.key >= perm.key; });
  auto same = std::find_if(pos, perms.end(), [&](const auto& p) {
    return p.key == perm.key && p.range_end == perm.range_end;
  });
  if (same != perms.end() && same->key == perm.key) {
    same->perm_type = perm.perm_type;
  } else {
    perms.insert(pos, perm);
  }
  dirty_roles_.insert(name);
  Bump();
  return Status::Ok();
}

Status AuthStore::RoleRevokePermission(const std::string& name,
                                       const std::string& key,
                                       const std::string& range_end) {
  auto it = roles_.find(name);
  if (it == roles_.end()) return ErrRoleNotFound();
  std::vector<api::Permission>& perms = it->second.perms;
  auto pos = std::find_if(perms.begin(), perms.end(), [&](const auto& p) {
    return p.key == key && p.range_end == range_end;
  });
  if (pos == perms.end()) return ErrPermissionNotGranted();
  perms.erase(pos);
  dirty_roles_.insert(name);
  Bump();
  return Status::Ok();
}

namespace {

bool Grants(api::Permission::Type have, api::Permission::Type want) {
  return have == want || have == api::Permission::Type::kReadWrite;
}

// A permission's key interval [begin, end); end empty means unbounded.
struct Interval {
  std::string begin;
  std::string end;
  bool unbounded = false;
};

Interval IntervalOf(const api::Permission& p) {
  if (p.range_end.empty()) return {p.key, p.key + std::string(1, '\0')};
  if (p.range_end == std::string_view("\0", 1)) return {p.key, "", true};
  return {p.key, p.range_end};
}

}  // namespace

bool PermsCover(const std::vector<const api::Permission*>& perms,
                std::string_view key, std::string_view range_end,
                api::Permission::Type type) {
  std::vector<Interval> ivs;
  for (const api::Permission* p : perms) {
    if (Grants(p->perm_type, type)) ivs.push_back(IntervalOf(*p));
  }
  if (range_end.empty()) {  // one key: some interval holds it
    for (const Interval& iv : ivs) {
      if (iv.begin <= key && (iv.unbounded || key < iv.end)) return true;
    }
    return false;
  }
  const bool to_end = range_end == std::string_view("\0", 1);
  // Sweep from key: extend the covered prefix with every interval that
  // starts inside it, until it reaches range_end.
  std::sort(ivs.begin(), ivs.end(), [](const Interval& a, const Interval& b) {
    return a.begin < b.begin;
  });
  std::string cur(key);
  if (!to_end && cur >= range_end) return false;
  for (const Interval& iv : ivs) {
    if (iv.begin > cur) break;
    if (iv.unbounded) return true;
    if (iv.end > cur) cur = iv.end;
    if (!to_end && cur >= range_end) return true;
  }
  return false;
}

Status AuthStore::CheckPermitted(const AuthInfo& info, std::string_view key,
                                 std::string_view range_end,
                                 api::Permission::Type type) const {
  if (!enabled_) return Status::Ok();
  if (info.revision == 0) return ErrUserEmpty();
  if (info.revision < revision_) return ErrAuthOldRevision();
  const User* u = FindUser(info.user);
  if (u == nullptr) return ErrPermissionDenied();
  if (HasRootRole(info.user)) return Status::Ok();
  std::vector<const api::Permission*> perms;
  for (const std::string& rname : u->roles) {
    const Role* r = FindRole(rname);
    if (r == nullptr) continue;
    for (const api::Permission& p : r->perms) perms.push_back(&p);
  }
  if (PermsCover(perms, key, range_end, type)) return Status::Ok();
  return ErrPermissionDenied();
}

Status AuthStore::CheckAdmin(const AuthInfo& info) const {
  if (!enabled_) return Status::Ok();
  if (info.user.empty()) return ErrUserEmpty();
  if (FindUser(info.user) == nullptr) return ErrUserNotFound();
  if (!HasRootRole(info.user)) return ErrPermissionDenied();
  return Status::Ok();
}

// ---- Records --------------------------------------------------------------

namespace {

constexpr uint8_t kRecordVersion = 1;

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();
  }
  uint8_t U8() {
    if (pos_ >= in_.size()) return static_cast<uint8_t>(Fail());
    return static_cast<uint8_t>(in_[pos_++]);
  }
  std::string Bytes() {
    const uint64_t n = Varint();
    if (!ok_ || n > in_.size() - pos_) {
      Fail();
      return std::string();
    }
    std::string out(in_.substr(pos_, n));
    pos_ += n;
    return out;
  }
  uint64_t Count() {
    const uint64_t n = Varint();
    if (ok_ && n > in_.size() - pos_) return Fail();
    return n;
  }
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  bool ok() const { return ok_ && pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void PutBytes(std::string& out, std::string_view b) {
  AppendVarint(out, b.size());
  out.append(b);
}

Status Corrupt(const char* what) {
  return Status::Corruption(std::string("auth store: bad ") + what + " record");
}

std::string EncodeMeta(bool enabled, uint64_t revision) {
  std::string out;
  out.push_back(static_cast<char>(kRecordVersion));
  out.push_back(enabled ? 1 : 0);
  AppendVarint(out, revision);
  return out;
}

}  // namespace

std::string EncodeUser(const User& u) {
  std::string out;
  out.push_back(static_cast<char>(kRecordVersion));
  PutBytes(out, u.name);
  PutBytes(out, u.password_hash);
  out.push_back(u.no_password ? 1 : 0);
  AppendVarint(out, u.roles.size());
  for (const std::string& r : u.roles) PutBytes(out, r);
  return out;
}

Result<User> DecodeUser(std::string_view bytes) {
  Reader r(bytes);
  if (r.U8() != kRecordVersion) return Corrupt("user");
  User u;
  u.name = r.Bytes();
  u.password_hash = r.Bytes();
  const uint8_t np = r.U8();
  u.no_password = np == 1;
  u.roles.resize(r.Count());
  for (std::string& role : u.roles) role = r.Bytes();
  if (!r.ok() || np > 1 || !std::is_sorted(u.roles.begin(), u.roles.end())) {
    return Corrupt("user");
  }
  return u;
}

std::string EncodeRole(const Role& role) {
  std::string out;
  out.push_back(static_cast<char>(kRecordVersion));
  PutBytes(out, role.name);
  AppendVarint(out, role.perms.size());
  for (const api::Permission& p : role.perms) {
    AppendVarint(out, static_cast<uint32_t>(p.perm_type));
    PutBytes(out, p.key);
    PutBytes(out, p.range_end);
  }
  return out;
}

Result<Role> DecodeRole(std::string_view bytes) {
  Reader r(bytes);
  if (r.U8() != kRecordVersion) return Corrupt("role");
  Role role;
  role.name = r.Bytes();
  role.perms.resize(r.Count());
  bool bad = false;
  for (api::Permission& p : role.perms) {
    const uint64_t t = r.Varint();
    bad |= t > UINT32_MAX;
    p.perm_type = static_cast<api::Permission::Type>(static_cast<uint32_t>(t));
    p.key = r.Bytes();
    p.range_end = r.Bytes();
  }
  if (!r.ok() || bad) return Corrupt("role");
  return role;
}

void AuthStore::WriteChanges(storage::WriteBatch& batch) {
  if (meta_dirty_) {
    batch.Put(std::string(kAuthMetaKey), EncodeMeta(enabled_, revision_));
    meta_dirty_ = false;
  }
  for (const std::string& name : dirty_users_) {
    std::string key = std::string(kAuthUserPrefix) + name;
    const User* u = FindUser(name);
    if (u != nullptr) {
      batch.Put(std::move(key), EncodeUser(*u));
    } else {
      batch.Delete(std::move(key));
    }
  }
  dirty_users_.clear();
  for (const std::string& name : dirty_roles_) {
    std::string key = std::string(kAuthRolePrefix) + name;
    const Role* r = FindRole(name);
    if (r != nullptr) {
      batch.Put(std::move(key), EncodeRole(*r));
    } else {
      batch.Delete(std::move(key));
    }
  }
  dirty_roles_.clear();
}

namespace {

std::string PrefixEndOf(std::string_view prefix) {
  std::string end(prefix);
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

}  // namespace

Result<AuthStore> AuthStore::Load(const storage::Backend& backend) {
  AuthStore store;
  Result<std::string> meta = backend.Get(kAuthMetaKey);
  if (meta.ok()) {
    Reader r(meta.value());
    const uint8_t version = r.U8();
    const uint8_t enabled = r.U8();
    const uint64_t rev = r.Varint();
    if (!r.ok() || version != kRecordVersion || enabled > 1 || rev == 0) {
      return Corrupt("meta");
    }
    store.enabled_ = enabled == 1;
    store.revision_ = rev;
  } else if (meta.status().code() != Code::kNotFound) {
    return meta.status();
  }
  Status bad;
  Status s = backend.Scan(
      kAuthUserPrefix, PrefixEndOf(kAuthUserPrefix),
      [&](std::string_view key, std::string_view value) {
        Result<User> u = DecodeUser(value);
        if (!u.ok() || key.substr(kAuthUserPrefix.size()) != u.value().name) {
          bad = Corrupt("user");
          return false;
        }
        store.users_[u.value().name] = std::move(u).value();
        return true;
      });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  s = backend.Scan(
      kAuthRolePrefix, PrefixEndOf(kAuthRolePrefix),
      [&](std::string_view key, std::string_view value) {
        Result<Role> r = DecodeRole(value);
        if (!r.ok() || key.substr(kAuthRolePrefix.size()) != r.value().name) {
          bad = Corrupt("role");
          return false;
        }
        store.roles_[r.value().name] = std::move(r).value();
        return true;
      });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return store;
}

}  // namespace cairn::auth
