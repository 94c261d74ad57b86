// Sha256: an incremental SHA-256 (OpenSSL's EVP digest), for the hash etcd
// appends to a snapshot (/v3/maintenance/snapshot, cairnctl snapshot).
// Edge code; one object per stream, not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace cairn {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // The 32-byte digest of everything given to Update. Call once.
  std::string Finish();

  static std::string Of(std::string_view bytes);

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace cairn
