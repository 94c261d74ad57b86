#include "core/auth/bcrypt_hasher.h"

#include <crypt.h>

#include <memory>
#include <string>

namespace cairn::auth {

Result<std::string> BcryptHasher::Hash(std::string_view password) const {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  // A null random buffer makes libxcrypt draw the salt from the OS.
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost_), nullptr, 0,
                       salt, sizeof(salt)) == nullptr) {
    return Status::IOError("bcrypt: cannot make a salt");
  }
  auto data = std::make_unique<crypt_data>();
  const std::string pw(password);
  const char* out = crypt_rn(pw.c_str(), salt, data.get(), sizeof(*data));
  if (out == nullptr || out[0] == '*') {
    return Status::IOError("bcrypt: hashing failed");
  }
  return std::string(out);
}

bool BcryptHasher::Verify(std::string_view password,
                          std::string_view hash) const {
  if (hash.substr(0, 4) != "$2b$" && hash.substr(0, 4) != "$2a$" &&
      hash.substr(0, 4) != "$2y$") {
    return false;
  }
  auto data = std::make_unique<crypt_data>();
  const std::string pw(password);
  const std::string setting(hash);
  const char* out =
      crypt_rn(pw.c_str(), setting.c_str(), data.get(), sizeof(*data));
  if (out == nullptr || out[0] == '*') return false;
  return ConstantTimeEqual(out, hash);
}

}  // namespace cairn::auth
