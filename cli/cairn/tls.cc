#include "cli/cairn/tls.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/cairn/logger.h"
#include "core/util/result.h"

namespace cairn::node {

namespace {

// The first queued OpenSSL error's reason, and the queue cleared (a stale
// error would confuse the thread's next SSL_get_error).
std::string TakeOpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(e);
  if (reason != nullptr) return reason;
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

// Go's os.ReadFile error: "open F: no such file or directory".
Result<std::string> ReadFile(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string why = std::strerror(errno != 0 ? errno : ENOENT);
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(why[0]));
    return Status::InvalidArgument("open " + path + ": " + why);
  }
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) {
    return Status::InvalidArgument("read " + path + ": input/output error");
  }
  return s.str();
}

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CtxDeleter {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

std::unique_ptr<BIO, BioDeleter> MemBio(const std::string& data) {
  return std::unique_ptr<BIO, BioDeleter>(
      BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

Status LoadCa(SSL_CTX* ctx, const std::string& path, bool verify_clients) {
  Result<std::string> pem = ReadFile(path);
  if (!pem.ok()) return pem.status();
  if (pem.value().find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return Status::InvalidArgument(
        "tls: failed to find any certificate PEM data in trusted CA file " +
        path);
  }
  if (SSL_CTX_load_verify_locations(ctx, path.c_str(), nullptr) != 1) {
    return Status::InvalidArgument("x509: cannot load trusted CA file " + path +
                                   ": " + TakeOpenSslError());
  }
  if (verify_clients) {
    // Named in the CertificateRequest, so that a client holding several
    // certificates picks the right one.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(path.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(ctx, names);
    ERR_clear_error();
  }
  return Status::Ok();
}

std::string VerifyText(long result) {
  switch (result) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
      return "certificate signed by unknown authority";
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "certificate has expired or is not yet valid";
    default:
      return X509_verify_cert_error_string(result);
  }
}

// Go's names of the TLS alerts a peer sends when it refuses us.
std::string AlertText(int alert) {
  switch (alert) {
    case SSL_AD_BAD_CERTIFICATE:
      return "bad certificate";
    case SSL_AD_UNKNOWN_CA:
      return "unknown certificate authority";
    case SSL_AD_HANDSHAKE_FAILURE:
      return "handshake failure";
    case SSL_AD_CERTIFICATE_UNKNOWN:
      return "unknown certificate";
    case SSL_AD_CERTIFICATE_EXPIRED:
      return "expired certificate";
    case SSL_AD_CERTIFICATE_REQUIRED:
      return "certificate required";
    case SSL_AD_PROTOCOL_VERSION:
      return "protocol version not supported";
    default:
      return SSL_alert_desc_string_long(alert);
  }
}

// Why a server handshake failed, in Go's crypto/tls words where there
// is one. Peeks: the error stays queued for cpp-httplib's SSL_get_error.
std::string HandshakeError(const SSL* ssl) {
  const unsigned long e = ERR_peek_error();
  if (e == 0) return "EOF";
  if (ERR_GET_LIB(e) == ERR_LIB_SSL) {
    const int reason = ERR_GET_REASON(e);
    switch (reason) {
      case SSL_R_UNEXPECTED_EOF_WHILE_READING:
        return "EOF";
      case SSL_R_HTTP_REQUEST:
      case SSL_R_HTTPS_PROXY_REQUEST:
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_PACKET_LENGTH_TOO_LONG:
      case SSL_R_RECORD_LENGTH_MISMATCH:
        return "tls: first record does not look like a TLS handshake";
      case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        return "tls: client didn't provide a certificate";
      case SSL_R_CERTIFICATE_VERIFY_FAILED:
        return "tls: failed to verify client certificate: x509: " +
               VerifyText(SSL_get_verify_result(ssl));
      default:
        break;
    }
    if (reason > SSL_AD_REASON_OFFSET) {
      return "remote error: tls: " + AlertText(reason - SSL_AD_REASON_OFFSET);
    }
  }
  const char* reason = ERR_reason_error_string(e);
  return std::string("tls: ") + (reason != nullptr ? reason : "handshake");
}

std::string RemoteAddr(const SSL* ssl) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  const int fd = SSL_get_fd(ssl);
  if (fd < 0 ||
      getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return "";
  }
  char host[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
  }
  if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  return "";
}

// SSL_CTX's info callback: a server handshake that ended in an error
// (not in "want more bytes") is logged.
void OnHandshakeInfo(const SSL* ssl, int where, int ret) {
  if ((where & SSL_CB_ACCEPT_EXIT) != SSL_CB_ACCEPT_EXIT || ret > 0) return;
  const int err = SSL_get_error(ssl, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
  auto* logger =
      static_cast<JsonLogger*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (logger == nullptr) return;
  const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  logger->Warn("rejected connection",
               {{"remote-addr", RemoteAddr(ssl)},
                {"server-name", sni != nullptr ? sni : ""},
                {"error", HandshakeError(ssl)}});
}

}  // namespace

Status ConfigureServerContext(SSL_CTX* ctx, const TlsInfo& info) {
  if (info.cert_file.empty() || info.key_file.empty()) {
    return Status::InvalidArgument(
        "KeyFile and CertFile must both be present[key: " + info.key_file +
        ", cert: " + info.cert_file + "]");
  }
  Result<std::string> cert_pem = ReadFile(info.cert_file);
  if (!cert_pem.ok()) return cert_pem.status();
  Result<std::string> key_pem = ReadFile(info.key_file);
  if (!key_pem.ok()) return key_pem.status();
  if (cert_pem.value().find("-----BEGIN ") == std::string::npos) {
    return Status::InvalidArgument(
        "tls: failed to find any PEM data in certificate input");
  }
  if (key_pem.value().find("-----BEGIN ") == std::string::npos) {
    return Status::InvalidArgument(
        "tls: failed to find any PEM data in key input");
  }
  auto cert_bio = MemBio(cert_pem.value());
  std::unique_ptr<X509, X509Deleter> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return Status::InvalidArgument("tls: failed to parse certificate from " +
                                   info.cert_file + ": " + TakeOpenSslError());
  }
  auto key_bio = MemBio(key_pem.value());
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return Status::InvalidArgument("tls: failed to parse private key from " +
                                   info.key_file + ": " + TakeOpenSslError());
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument(
        "tls: private key does not match public key");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, info.cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) {
    return Status::InvalidArgument("tls: cannot use " + info.cert_file + ": " +
                                   TakeOpenSslError());
  }
  if (!info.trusted_ca_file.empty()) {
    Status s = LoadCa(ctx, info.trusted_ca_file, info.client_cert_auth);
    if (!s.ok()) return s;
  }
  if (info.client_cert_auth) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
  }
  return Status::Ok();
}

Status CheckTlsFiles(const TlsInfo& info) {
  if (info.Empty() && info.trusted_ca_file.empty()) return Status::Ok();
  std::unique_ptr<SSL_CTX, CtxDeleter> ctx(SSL_CTX_new(TLS_method()));
  if (ctx == nullptr) {
    return Status::InvalidArgument("tls: " + TakeOpenSslError());
  }
  if (info.Empty()) return LoadCa(ctx.get(), info.trusted_ca_file, false);
  return ConfigureServerContext(ctx.get(), info);
}

Status CheckClientTlsFiles(const TlsInfo& info) {
  if (!info.Empty()) {
    std::unique_ptr<SSL_CTX, CtxDeleter> ctx(SSL_CTX_new(TLS_method()));
    if (ctx == nullptr) {
      return Status::InvalidArgument("tls: " + TakeOpenSslError());
    }
    TlsInfo pair = info;
    pair.trusted_ca_file.clear();
    pair.client_cert_auth = false;
    if (Status s = ConfigureServerContext(ctx.get(), pair); !s.ok()) return s;
  }
  if (!info.trusted_ca_file.empty()) {
    Result<std::string> ca = ReadFile(info.trusted_ca_file);
    if (!ca.ok()) return ca.status();
  }
  return Status::Ok();
}

void LogRejectedHandshakes(SSL_CTX* ctx, JsonLogger* logger) {
  SSL_CTX_set_app_data(ctx, logger);
  SSL_CTX_set_info_callback(ctx, OnHandshakeInfo);
}

std::unique_ptr<httplib::Client> MakeClient(const std::string& url,
                                            const TlsInfo& info) {
  auto client =
      std::make_unique<httplib::Client>(url, info.cert_file, info.key_file);
  ApplyClientTls(*client, info);
  return client;
}

void ApplyClientTls(httplib::Client& client, const TlsInfo& info) {
  if (!info.trusted_ca_file.empty()) {
    client.set_ca_cert_path(info.trusted_ca_file);
  }
  client.enable_server_certificate_verification(true);
}

std::string ClientVerifyError(const httplib::Client& client) {
  const long result = client.get_openssl_verify_result();
  if (result <= X509_V_OK) return "";  // OK, or not a TLS client
  return "x509: " + VerifyText(result);
}

std::string VerifiedClientCommonName(const httplib::Request& req) {
  const SSL* ssl = req.ssl;
  if (ssl == nullptr || (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) == 0 ||
      SSL_get_verify_result(ssl) != X509_V_OK) {
    return "";
  }
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return "";
  X509_NAME* subject = X509_get_subject_name(cert);
  // Go's pkix.Name keeps the last CN of the subject.
  int index = -1;
  for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
    index = i;
  }
  if (index < 0) return "";
  ASN1_STRING* data =
      X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, data);
  if (len < 0) {
    ERR_clear_error();
    return "";
  }
  std::string cn(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return cn;
}

}  // namespace cairn::node
