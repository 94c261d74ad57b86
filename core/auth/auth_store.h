// AuthStore: etcd 3.4's users, roles and range permissions (auth/store.go),
// as replicated state: the StateMachine changes it only by applying
// committed entries, so that every member decides every permission check
// the same way. Passwords arrive hashed (password_hasher.h).
//
// etcd's rules kept here: enabling needs user "root" holding role "root";
// a user with role "root" may do anything (the role need not exist as a
// role object); while enabled, the root user cannot be deleted, nor role
// root revoked from it, nor role root deleted ("invalid auth
// management"). Every change bumps the auth revision; a request checked at
// an older revision than the store's fails with "revision of auth store
// is old" (the client authenticates again and retries).
//
// Persistence (docs/server.md): the store lives in the backend under
//   auth/meta          u8 enabled, varint revision
//   auth/user/<name>   EncodeUser
//   auth/role/<name>   EncodeRole
// WriteChanges adds what changed since the last call to a batch; Load
// rebuilds an equal store from a backend.
//
// Pure core: single-threaded, no clocks, randomness or I/O.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/auth_types.h"
#include "core/storage/backend.h"
#include "core/util/result.h"

namespace cairn::auth {

inline constexpr std::string_view kRootUser = "root";
inline constexpr std::string_view kRootRole = "root";

inline constexpr std::string_view kAuthMetaKey = "auth/meta";
inline constexpr std::string_view kAuthUserPrefix = "auth/user/";
inline constexpr std::string_view kAuthRolePrefix = "auth/role/";

// etcd 3.4's auth errors as its gRPC layer reports them (rpctypes), with
// the Status code that maps onto the same gRPC code in core/api.
Status ErrRootUserNotExist();      // FailedPrecondition
Status ErrRootRoleNotExist();      // FailedPrecondition
Status ErrUserAlreadyExist();      // FailedPrecondition
Status ErrUserEmpty();             // InvalidArgument
Status ErrUserNotFound();          // FailedPrecondition
Status ErrRoleAlreadyExist();      // FailedPrecondition
Status ErrRoleNotFound();          // FailedPrecondition
Status ErrRoleEmpty();             // InvalidArgument
Status ErrAuthFailed();            // InvalidArgument
Status ErrPermissionDenied();      // PermissionDenied
Status ErrRoleNotGranted();        // FailedPrecondition
Status ErrPermissionNotGranted();  // FailedPrecondition
Status ErrAuthNotEnabled();        // FailedPrecondition
Status ErrInvalidAuthToken();      // Unauthenticated
Status ErrInvalidAuthMgmt();       // InvalidArgument
Status ErrAuthOldRevision();       // InvalidArgument

struct User {
  std::string name;
  std::string password_hash;  // empty with no_password
  bool no_password = false;
  std::vector<std::string> roles;  // sorted, unique
  bool operator==(const User&) const = default;
};

struct Role {
  std::string name;
  // Sorted by key (etcd inserts before an equal key); one per (key,
  // range_end).
  std::vector<api::Permission> perms;
  bool operator==(const Role&) const = default;
};

// Who sent a request: the user its token named and the auth revision at
// which the token was checked. revision 0: no token.
struct AuthInfo {
  std::string user;
  uint64_t revision = 0;
  bool operator==(const AuthInfo&) const = default;
};

class AuthStore {
 public:
  AuthStore() = default;
  // Errors: kCorruption for damaged records; kIOError.
  static Result<AuthStore> Load(const storage::Backend& backend);

  bool enabled() const { return enabled_; }
  // 1 for a store nothing ever changed (etcd starts at 1 too).
  uint64_t revision() const { return revision_; }
  const User* FindUser(std::string_view name) const;
  const Role* FindRole(std::string_view name) const;
  std::vector<std::string> UserNames() const;  // sorted
  std::vector<std::string> RoleNames() const;  // sorted

  // ---- Changes (apply path); each is etcd's, with its errors ------------

  Status Enable();   // no-op when enabled
  Status Disable();  // no-op when disabled
  Status UserAdd(const std::string& name, const std::string& password_hash,
                 bool no_password);
  Status UserDelete(const std::string& name);
  Status UserChangePassword(const std::string& name,
                            const std::string& password_hash);
  Status UserGrantRole(const std::string& user, const std::string& role);
  Status UserRevokeRole(const std::string& name, const std::string& role);
  Status RoleAdd(const std::string& name);
  Status RoleDelete(const std::string& name);
  Status RoleGrantPermission(const std::string& name,
                             const api::Permission& perm);
  Status RoleRevokePermission(const std::string& name, const std::string& key,
                              const std::string& range_end);

  // ---- Checks (etcd's isOpPermitted / IsAdminPermitted) -------------------

  // Whether `info` may access [key, range_end) (range_end as in a range
  // request; empty: the key alone) with `type`. OK whenever auth is
  // disabled. Errors: ErrUserEmpty (no token), ErrAuthOldRevision (checked
  // at an older revision), ErrPermissionDenied.
  Status CheckPermitted(const AuthInfo& info, std::string_view key,
                        std::string_view range_end,
                        api::Permission::Type type) const;
  // Whether `info` holds role root. OK whenever auth is disabled. Errors:
  // ErrUserEmpty, ErrUserNotFound, ErrPermissionDenied.
  Status CheckAdmin(const AuthInfo& info) const;
  bool HasRootRole(std::string_view user) const;

  // ---- Persistence --------------------------------------------------------

  // Adds every record changed since the last call to `batch`.
  void WriteChanges(storage::WriteBatch& batch);

  bool operator==(const AuthStore& o) const {
    return enabled_ == o.enabled_ && revision_ == o.revision_ &&
           users_ == o.users_ && roles_ == o.roles_;
  }

 private:
  void Bump() {
    revision_++;
    meta_dirty_ = true;
  }

  bool enabled_ = false;
  uint64_t revision_ = 1;
  std::map<std::string, User, std::less<>> users_;
  std::map<std::string, Role, std::less<>> roles_;
  bool meta_dirty_ = false;
  std::set<std::string> dirty_users_;
  std::set<std::string> dirty_roles_;
};

// Whether the union of `perms` of a type that grants `type` covers
// [key, range_end) (a single key when range_end is empty; to the end of
// the keyspace when it is "\0"). etcd merges permissions the same way.
bool PermsCover(const std::vector<const api::Permission*>& perms,
                std::string_view key, std::string_view range_end,
                api::Permission::Type type);

std::string EncodeUser(const User& u);
Result<User> DecodeUser(std::string_view bytes);
std::string EncodeRole(const Role& r);
Result<Role> DecodeRole(std::string_view bytes);

}  // namespace cairn::auth
