// PasswordHasher: how user passwords become the hashes the auth store keeps
// and how a password is checked against one. The store only ever sees
// hashes: the edge hashes a new password before the request is proposed
// (as etcd hashes in its API layer), so the replicated log and the backend
// never hold a password.
//
// The node uses BcryptHasher (bcrypt_hasher.h, libxcrypt); tests and the
// simulator pass a cheap deterministic fake. Implementations must be
// thread-safe (the node hashes on its HTTP threads).
#pragma once

#include <string>
#include <string_view>

#include "core/util/result.h"

namespace cairn::auth {

class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;
  // A new hash of `password` (salted). Errors: kIOError when the hashing
  // library fails.
  virtual Result<std::string> Hash(std::string_view password) const = 0;
  // Whether `password` matches `hash`, compared in constant time. A hash
  // this hasher did not make never matches.
  virtual bool Verify(std::string_view password,
                      std::string_view hash) const = 0;
};

// Compares two byte strings in time that depends only on their lengths.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

}  // namespace cairn::auth
