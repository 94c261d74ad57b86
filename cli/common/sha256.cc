#include "cli/common/sha256.h"

#include <openssl/evp.h>

#include "core/util/check.h"

namespace cairn {

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  CAIRN_CHECK(ctx_->md != nullptr, "EVP_MD_CTX_new");
  CAIRN_CHECK(EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) == 1,
              "sha256 init");
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_->md); }

void Sha256::Update(std::string_view bytes) {
  CAIRN_CHECK(EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size()) == 1,
              "sha256 update");
}

std::string Sha256::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  CAIRN_CHECK(EVP_DigestFinal_ex(ctx_->md, out, &n) == 1, "sha256 final");
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string Sha256::Of(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.Finish();
}

}  // namespace cairn
