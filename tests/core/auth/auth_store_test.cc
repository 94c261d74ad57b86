#include "core/auth/auth_store.h"

#include <gtest/gtest.h>

#include "core/auth/bcrypt_hasher.h"
#include "core/auth/token_store.h"
#include "core/storage/memory_backend.h"

namespace cairn::auth {
namespace {

using Type = api::Permission::Type;

api::Permission Perm(Type t, std::string key, std::string end = "") {
  return api::Permission{.perm_type = t, .key = key, .range_end = end};
}

const std::string kZero("\0", 1);

// root (role root) and alice (role r: READ [/foo, /fop), WRITE "a",
// READWRITE from "m" on), auth enabled.
AuthStore Fixture() {
  AuthStore s;
  EXPECT_TRUE(s.UserAdd("root", "h-root", false).ok());
  EXPECT_TRUE(s.UserGrantRole("root", "root").ok());
  EXPECT_TRUE(s.UserAdd("alice", "h-alice", false).ok());
  EXPECT_TRUE(s.RoleAdd("r").ok());
  EXPECT_TRUE(
      s.RoleGrantPermission("r", Perm(Type::kRead, "/foo", "/fop")).ok());
  EXPECT_TRUE(s.RoleGrantPermission("r", Perm(Type::kWrite, "a")).ok());
  EXPECT_TRUE(
      s.RoleGrantPermission("r", Perm(Type::kReadWrite, "m", kZero)).ok());
  EXPECT_TRUE(s.UserGrantRole("alice", "r").ok());
  EXPECT_TRUE(s.Enable().ok());
  return s;
}

TEST(AuthStore, EnableNeedsRootUserWithRootRole) {
  AuthStore s;
  EXPECT_EQ(s.Enable(), ErrRootUserNotExist());
  ASSERT_TRUE(s.UserAdd("root", "h", false).ok());
  EXPECT_EQ(s.Enable(), ErrRootRoleNotExist());
  // Role root need not exist as a role to be granted.
  ASSERT_TRUE(s.UserGrantRole("root", "root").ok());
  const uint64_t rev = s.revision();
  ASSERT_TRUE(s.Enable().ok());
  EXPECT_TRUE(s.enabled());
  EXPECT_EQ(s.revision(), rev + 1);
  EXPECT_TRUE(s.Enable().ok());  // again: ignored
  EXPECT_EQ(s.revision(), rev + 1);
}

TEST(AuthStore, UserAndRoleErrors) {
  AuthStore s = Fixture();
  EXPECT_EQ(s.UserAdd("", "h", false), ErrUserEmpty());
  EXPECT_EQ(s.UserAdd("alice", "h", false), ErrUserAlreadyExist());
  EXPECT_EQ(s.RoleAdd(""), ErrRoleEmpty());
  EXPECT_EQ(s.RoleAdd("r"), ErrRoleAlreadyExist());
  EXPECT_EQ(s.UserDelete("nobody"), ErrUserNotFound());
  EXPECT_EQ(s.UserChangePassword("nobody", "h"), ErrUserNotFound());
  EXPECT_EQ(s.UserGrantRole("nobody", "r"), ErrUserNotFound());
  EXPECT_EQ(s.UserGrantRole("alice", "nope"), ErrRoleNotFound());
  EXPECT_EQ(s.UserRevokeRole("alice", "nope"), ErrRoleNotGranted());
  EXPECT_EQ(s.RoleDelete("nope"), ErrRoleNotFound());
  EXPECT_EQ(s.RoleGrantPermission("nope", Perm(Type::kRead, "a")),
            ErrRoleNotFound());
  EXPECT_EQ(s.RoleRevokePermission("r", "zz", ""), ErrPermissionNotGranted());
  // Root is protected while enabled.
  EXPECT_EQ(s.UserDelete("root"), ErrInvalidAuthMgmt());
  EXPECT_EQ(s.UserRevokeRole("root", "root"), ErrInvalidAuthMgmt());
  EXPECT_EQ(s.RoleDelete("root"), ErrInvalidAuthMgmt());
  ASSERT_TRUE(s.Disable().ok());
  EXPECT_TRUE(s.UserRevokeRole("root", "root").ok());
  EXPECT_TRUE(s.UserDelete("root").ok());
}

TEST(AuthStore, GrantIsIdempotentAndSorted) {
  AuthStore s = Fixture();
  const uint64_t rev = s.revision();
  EXPECT_TRUE(s.UserGrantRole("alice", "r").ok());
  EXPECT_EQ(s.revision(), rev);  // already granted: no change
  ASSERT_TRUE(s.RoleAdd("b").ok());
  ASSERT_TRUE(s.UserGrantRole("alice", "b").ok());
  EXPECT_EQ(s.FindUser("alice")->roles, (std::vector<std::string>{"b", "r"}));
  // A grant on the same key and end replaces the type; others sort by key.
  ASSERT_TRUE(s.RoleGrantPermission("b", Perm(Type::kRead, "a")).ok());
  ASSERT_TRUE(s.RoleGrantPermission("b", Perm(Type::kReadWrite, "a")).ok());
  ASSERT_TRUE(s.RoleGrantPermission("b", Perm(Type::kRead, kZero, kZero)).ok());
  ASSERT_TRUE(s.RoleGrantPermission("b", Perm(Type::kRead, "", kZero)).ok());
  const std::vector<api::Permission> want = {Perm(Type::kRead, "", kZero),
                                             Perm(Type::kRead, kZero, kZero),
                                             Perm(Type::kReadWrite, "a")};
  EXPECT_EQ(s.FindRole("b")->perms, want);
  // Deleting a role takes it from its users.
  ASSERT_TRUE(s.RoleDelete("b").ok());
  EXPECT_EQ(s.FindUser("alice")->roles, (std::vector<std::string>{"r"}));
}

TEST(AuthStore, PermissionsOnKeysRangesAndPrefixes) {
  AuthStore s = Fixture();
  const AuthInfo alice{"alice", s.revision()};
  // READ on [/foo, /fop): the prefix /foo.
  EXPECT_TRUE(s.CheckPermitted(alice, "/foo", "", Type::kRead).ok());
  EXPECT_TRUE(s.CheckPermitted(alice, "/foo/bar", "", Type::kRead).ok());
  EXPECT_TRUE(s.CheckPermitted(alice, "/foo", "/fop", Type::kRead).ok());
  EXPECT_TRUE(s.CheckPermitted(alice, "/foo/a", "/foo/b", Type::kRead).ok());
  EXPECT_EQ(s.CheckPermitted(alice, "/foo", "/foq", Type::kRead),
            ErrPermissionDenied());
  EXPECT_EQ(s.CheckPermitted(alice, "/foo", "", Type::kWrite),
            ErrPermissionDenied());
  // WRITE on the key "a" alone.
  EXPECT_TRUE(s.CheckPermitted(alice, "a", "", Type::kWrite).ok());
  EXPECT_EQ(s.CheckPermitted(alice, "a", "", Type::kRead),
            ErrPermissionDenied());
  EXPECT_EQ(s.CheckPermitted(alice, "ab", "", Type::kWrite),
            ErrPermissionDenied());
  EXPECT_EQ(s.CheckPermitted(alice, "a", "b", Type::kWrite),
            ErrPermissionDenied());
  // READWRITE from "m" to the end of the keyspace.
  EXPECT_TRUE(s.CheckPermitted(alice, "zzz", "", Type::kRead).ok());
  EXPECT_TRUE(s.CheckPermitted(alice, "m", kZero, Type::kWrite).ok());
  EXPECT_TRUE(s.CheckPermitted(alice, "n", "p", Type::kWrite).ok());
  EXPECT_EQ(s.CheckPermitted(alice, "l", kZero, Type::kWrite),
            ErrPermissionDenied());
  // Adjacent intervals merge.
  ASSERT_TRUE(
      s.RoleGrantPermission("r", Perm(Type::kRead, "/fop", "/fz")).ok());
  const AuthInfo alice2{"alice", s.revision()};
  EXPECT_TRUE(s.CheckPermitted(alice2, "/foo", "/fy", Type::kRead).ok());
  // Root may do anything; no token, an old revision, no user.
  EXPECT_TRUE(
      s.CheckPermitted({"root", s.revision()}, "", kZero, Type::kWrite).ok());
  EXPECT_EQ(s.CheckPermitted({}, "a", "", Type::kWrite), ErrUserEmpty());
  EXPECT_EQ(s.CheckPermitted(alice, "a", "", Type::kWrite),
            ErrAuthOldRevision());
  EXPECT_EQ(s.CheckPermitted({"ghost", s.revision()}, "a", "", Type::kWrite),
            ErrPermissionDenied());
  // Disabled: everything goes.
  ASSERT_TRUE(s.Disable().ok());
  EXPECT_TRUE(s.CheckPermitted({}, "x", "", Type::kWrite).ok());
}

TEST(AuthStore, UnknownPermTypeGrantsNothingAndPersists) {
  // jsonpb accepts any int32 for an enum; etcd stores it as given.
  AuthStore s = Fixture();
  ASSERT_TRUE(
      s.RoleGrantPermission("r", Perm(static_cast<Type>(7), "c", "d")).ok());
  ASSERT_TRUE(
      s.RoleGrantPermission("r", Perm(static_cast<Type>(-3), "e")).ok());
  const AuthInfo alice{"alice", s.revision()};
  EXPECT_EQ(s.CheckPermitted(alice, "c", "", Type::kRead),
            ErrPermissionDenied());
  EXPECT_EQ(s.CheckPermitted(alice, "e", "", Type::kWrite),
            ErrPermissionDenied());
  storage::MemoryBackend backend;
  storage::WriteBatch batch;
  s.WriteChanges(batch);
  ASSERT_TRUE(backend.Commit(batch, true).ok());
  Result<AuthStore> loaded = AuthStore::Load(backend);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded.value() == s);
}

TEST(AuthStore, AdminCheck) {
  AuthStore s = Fixture();
  EXPECT_TRUE(s.CheckAdmin({"root", 1}).ok());
  EXPECT_EQ(s.CheckAdmin({"alice", 1}), ErrPermissionDenied());
  EXPECT_EQ(s.CheckAdmin({"ghost", 1}), ErrUserNotFound());
  EXPECT_EQ(s.CheckAdmin({}), ErrUserEmpty());
}

TEST(AuthStore, PersistsAndLoadsEqual) {
  storage::MemoryBackend backend;
  AuthStore s = Fixture();
  storage::WriteBatch batch;
  s.WriteChanges(batch);
  ASSERT_TRUE(backend.Commit(batch, true).ok());
  Result<AuthStore> loaded = AuthStore::Load(backend);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded.value() == s);
  // Deletions reach the backend too.
  ASSERT_TRUE(s.Disable().ok());
  ASSERT_TRUE(s.UserDelete("alice").ok());
  ASSERT_TRUE(s.RoleDelete("r").ok());
  batch.Clear();
  s.WriteChanges(batch);
  ASSERT_TRUE(backend.Commit(batch, true).ok());
  loaded = AuthStore::Load(backend);
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded.value() == s);
  EXPECT_EQ(loaded.value().FindUser("alice"), nullptr);
  // A damaged record is corruption, not a crash.
  batch.Clear();
  batch.Put("auth/user/bob", "\x01\x05zz");
  ASSERT_TRUE(backend.Commit(batch, true).ok());
  EXPECT_EQ(AuthStore::Load(backend).status().code(), Code::kCorruption);
}

TEST(TokenStore, TtlRefreshAndInvalidation) {
  TokenStore t(300'000);
  t.Assign("abc.5", "alice", 1000);
  t.Assign("def.6", "bob", 1000);
  EXPECT_EQ(t.Resolve("abc.5", 200'000), "alice");
  // Used at 200 s: alive until 500 s.
  EXPECT_EQ(t.Resolve("abc.5", 499'000), "alice");
  EXPECT_EQ(t.Resolve("def.6", 301'000), std::nullopt);  // expired
  EXPECT_EQ(t.Resolve("nope", 1), std::nullopt);
  t.InvalidateUser("alice");
  EXPECT_EQ(t.Resolve("abc.5", 499'001), std::nullopt);
  t.Assign("x.1", "a", 0);
  t.Expire(300'000);
  EXPECT_EQ(t.size(), 0u);
}

TEST(TokenStore, PrefixIsSixteenLetters) {
  Random r(7);
  const std::string p = GenTokenPrefix(r);
  ASSERT_EQ(p.size(), 16u);
  for (char c : p) EXPECT_TRUE(isalpha(static_cast<unsigned char>(c)));
  Random r2(7);
  EXPECT_EQ(GenTokenPrefix(r2), p);  // deterministic for a seed
}

TEST(BcryptHasher, HashesAndVerifies) {
  BcryptHasher h(4);  // the lowest cost, for speed
  Result<std::string> a = h.Hash("secret");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a.value().substr(0, 7), "$2b$04$");
  EXPECT_TRUE(h.Verify("secret", a.value()));
  EXPECT_FALSE(h.Verify("Secret", a.value()));
  EXPECT_FALSE(h.Verify("secret", "not-a-hash"));
  EXPECT_FALSE(h.Verify("secret", ""));
  Result<std::string> b = h.Hash("secret");
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a.value(), b.value());  // salted
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "ab"));
}

}  // namespace
}  // namespace cairn::auth
