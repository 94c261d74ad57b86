// A PKI for tests, made through OpenSSL's API: CAs and leaf certificates
// (SANs 127.0.0.1 and localhost), PEM files of them, and a TLS client's
// first flight (its ClientHello).
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace cairn::node {

struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertDeleter {
  void operator()(X509* x) const { X509_free(x); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

// A CA or a leaf certificate (SANs 127.0.0.1 and localhost), signed by
// `issuer` (itself when null).
struct Identity {
  Key key;
  Cert cert;
};

inline Identity MakeIdentity(const std::string& cn, const Identity* issuer,
                             int serial) {
  Identity id;
  id.key.reset(EVP_EC_gen("P-256"));
  id.cert.reset(X509_new());
  X509* x = id.cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, id.key.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()),
                             -1, -1, 0);
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : x;
  X509_set_issuer_name(x, X509_get_subject_name(issuer_cert));
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer_cert, x, nullptr, nullptr, 0);
  auto add = [&](int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  };
  if (issuer == nullptr) {
    add(NID_basic_constraints, "critical,CA:TRUE");
    add(NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add(NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    add(NID_ext_key_usage, "serverAuth,clientAuth");
  }
  X509_sign(x, issuer != nullptr ? issuer->key.get() : id.key.get(),
            EVP_sha256());
  return id;
}

// Writes `id`'s certificate to `cert_path` and its key to `key_path`;
// false when a file cannot be written.
inline bool WriteIdentity(const Identity& id, const std::string& cert_path,
                          const std::string& key_path) {
  std::FILE* c = std::fopen(cert_path.c_str(), "w");
  if (c == nullptr) return false;
  PEM_write_X509(c, id.cert.get());
  std::fclose(c);
  std::FILE* k = std::fopen(key_path.c_str(), "w");
  if (k == nullptr) return false;
  PEM_write_PrivateKey(k, id.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(k);
  return true;
}

// The first flight a TLS client offering `alpn` sends (its ClientHello
// record), capped at `max_version`.
inline std::string ClientHello(const std::vector<std::string>& alpn,
                               int max_version = TLS1_3_VERSION) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_max_proto_version(ctx, max_version);
  SSL* ssl = SSL_new(ctx);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl, in, out);  // ssl owns both
  if (!alpn.empty()) {
    std::string wire;
    for (const std::string& p : alpn) {
      wire += static_cast<char>(p.size());
      wire += p;
    }
    SSL_set_alpn_protos(ssl,
                        reinterpret_cast<const unsigned char*>(wire.data()),
                        static_cast<unsigned>(wire.size()));
  }
  SSL_set_tlsext_host_name(ssl, "localhost");
  (void)SSL_connect(ssl);  // -1: it waits for the server's answer
  ERR_clear_error();
  char* data = nullptr;
  const long n = BIO_get_mem_data(out, &data);
  std::string hello(data, static_cast<size_t>(n));
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return hello;
}

}  // namespace cairn::node
