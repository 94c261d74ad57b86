#include "core/auth/token_store.h"

#include "core/auth/password_hasher.h"

namespace cairn::auth {

void TokenStore::Assign(const std::string& token, const std::string& user,
                        int64_t now_ms) {
  tokens_[token] = Entry{.user = user, .expires_ms = now_ms + ttl_ms_};
}

std::optional<std::string> TokenStore::Resolve(std::string_view token,
                                               int64_t now_ms) {
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return std::nullopt;
  if (it->second.expires_ms <= now_ms) {
    tokens_.erase(it);
    return std::nullopt;
  }
  it->second.expires_ms = now_ms + ttl_ms_;
  return it->second.user;
}

void TokenStore::InvalidateUser(std::string_view user) {
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    it = it->second.user == user ? tokens_.erase(it) : std::next(it);
  }
}

void TokenStore::Expire(int64_t now_ms) {
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    it = it->second.expires_ms <= now_ms ? tokens_.erase(it) : std::next(it);
  }
}

std::string GenTokenPrefix(Random& random) {
  static constexpr char kLetters[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string out;
  for (int i = 0; i < 16; i++) out.push_back(kLetters[random.Uniform(52)]);
  return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); i++) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace cairn::auth
