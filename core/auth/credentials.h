// Credentials: who a client request says it comes from, as etcd reads it
// (etcdserver's AuthInfoFromCtx): the token of the Authorization header
// first; without one, and only with --client-cert-auth, the CN of the
// client certificate verified on the TLS connection.
#pragma once

#include <string>

namespace cairn::auth {

struct Credentials {
  std::string token;  // "" when none
  // The verified client certificate's CN; "" over plain HTTP, without
  // --client-cert-auth, or for a certificate without a CN.
  std::string cert_common_name;
};

}  // namespace cairn::auth
