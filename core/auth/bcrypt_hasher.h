// BcryptHasher: PasswordHasher over libxcrypt's bcrypt ("$2b$"), etcd's
// algorithm, with etcd's default cost 10. Edge code (it links libcrypt and
// reads the kernel's random bytes for salts); lives in its own library,
// cairn_auth_bcrypt, so that the pure core does not link it.
#pragma once

#include "core/auth/password_hasher.h"

namespace cairn::auth {

class BcryptHasher : public PasswordHasher {
 public:
  // cost: bcrypt's log2 rounds, 4..31 (etcd: bcrypt.DefaultCost = 10).
  explicit BcryptHasher(int cost = 10) : cost_(cost) {}
  Result<std::string> Hash(std::string_view password) const override;
  bool Verify(std::string_view password, std::string_view hash) const override;

 private:
  int cost_;
};

}  // namespace cairn::auth
