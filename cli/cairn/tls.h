// TLS for the node's listeners and dialers, as etcd 3.4 sets it up
// (pkg/transport.TLSInfo): a listener whose URL is https:// serves with
// a certificate and key; with client-cert-auth it requires a client
// certificate signed by the trusted CA (the handshake fails otherwise).
// Dialers (peer transport, member fetch, leader forwarding) present the
// same certificate as a client certificate and verify the server against
// the trusted CA. Edge code over OpenSSL and cpp-httplib; the functions
// are thread-safe.
//
// Errors carry etcd's texts: "open F: no such file or directory",
// "tls: failed to find any PEM data in certificate input",
// "tls: private key does not match public key".
#pragma once

#include <memory>
#include <string>

#include "core/util/status.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace httplib {
class Client;
struct Request;
}  // namespace httplib

namespace cairn::node {

class JsonLogger;

// etcd's TLSInfo: --cert-file, --key-file, --trusted-ca-file and
// --client-cert-auth (or their --peer-* forms).
struct TlsInfo {
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  bool client_cert_auth = false;

  // etcd's TLSInfo.Empty(): no certificate and no key.
  bool Empty() const { return cert_file.empty() && key_file.empty(); }
  bool operator==(const TlsInfo&) const = default;
};

// Sets up `ctx` to serve with `info`: the certificate chain and the key
// (which must match), and, with client_cert_auth, verification of client
// certificates against trusted_ca_file (a client without one is refused).
// Errors: kInvalidArgument with etcd's texts; "KeyFile and CertFile must
// both be present[key: K, cert: C]" when one is missing.
Status ConfigureServerContext(ssl_ctx_st* ctx, const TlsInfo& info);

// Loads every file `info` names once, as a check at startup; the errors
// of ConfigureServerContext. An Empty() info with no CA file is fine.
Status CheckTlsFiles(const TlsInfo& info);

// clientv3's checks of a client's --cert, --key and --cacert (as
// etcdctl makes them): both or neither of the certificate and key, which
// must load and match; the CA file must open (a CA file without
// certificates is not refused here: no server then verifies).
Status CheckClientTlsFiles(const TlsInfo& info);

// Logs each handshake `ctx` rejects, as etcd does: warn "rejected
// connection" with remote-addr, server-name and error (e.g. "tls: first
// record does not look like a TLS handshake" for plain HTTP). `logger`
// must outlive `ctx`; null logs nothing.
void LogRejectedHandshakes(ssl_ctx_st* ctx, JsonLogger* logger);

// A client for `url` ("http://h:p" or "https://h:p"). Over https it
// presents info's certificate and key when given and verifies the server
// (chain and host name) against trusted_ca_file, or the system's CAs when
// that is empty.
std::unique_ptr<httplib::Client> MakeClient(const std::string& url,
                                            const TlsInfo& info);
// The same settings for a client already built from `url`.
void ApplyClientTls(httplib::Client& client, const TlsInfo& info);

// Why the last TLS connection of `client` failed verification ("x509:
// certificate signed by unknown authority"), or "" when it did not.
std::string ClientVerifyError(const httplib::Client& client);

// The common name of the client certificate verified on `req`'s
// connection: "" over plain HTTP, when the client sent no certificate, or
// when it was not verified (no --client-cert-auth). etcd takes it as the
// user name for auth when the request carries no token.
std::string VerifiedClientCommonName(const httplib::Request& req);

}  // namespace cairn::node
