// TokenStore: etcd 3.4's simple tokens (auth/simple_token.go) on one
// member. A token "<16 random letters>.<raft index>" names a user; it
// lives for a TTL after its last use (etcd's --auth-token-ttl, 300 s by
// default) and dies when its user's password changes, its user is deleted
// or auth is disabled. Tokens are per member and not persisted (etcd keeps
// them in memory too): every member applies the Authenticate entry and
// assigns the same token, so that any member accepts it.
//
// Pure core: time comes in as now_ms.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/util/random.h"

namespace cairn::auth {

class TokenStore {
 public:
  explicit TokenStore(int64_t ttl_ms) : ttl_ms_(ttl_ms) {}

  void Assign(const std::string& token, const std::string& user,
              int64_t now_ms);
  // The user of a live token, whose TTL starts over; nullopt for an
  // unknown or expired one.
  std::optional<std::string> Resolve(std::string_view token, int64_t now_ms);
  void InvalidateUser(std::string_view user);
  void Clear() { tokens_.clear(); }
  // Drops the tokens whose TTL ran out.
  void Expire(int64_t now_ms);
  size_t size() const { return tokens_.size(); }

 private:
  struct Entry {
    std::string user;
    int64_t expires_ms = 0;
  };
  int64_t ttl_ms_;
  std::map<std::string, Entry, std::less<>> tokens_;
};

// etcd's simple token prefix: 16 letters [a-zA-Z].
std::string GenTokenPrefix(Random& random);

}  // namespace cairn::auth
