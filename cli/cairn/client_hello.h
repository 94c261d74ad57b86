// What a TLS client asks for by ALPN in its ClientHello, read before the
// handshake begins. Edge code.
//
// A TLS client listener serves two protocols on one port, as etcd's
// does: gRPC (HTTP/2) and the JSON gateway (HTTP/1.1). gRPC's server
// must do the handshake of its own connections itself, so which one
// gets a connection is decided from the ClientHello alone (peeked, not
// read): a client that offers "h2" by ALPN and not "http/1.1" is a gRPC
// client (grpc-go, as in etcdctl, offers exactly "h2"; gRPC's C core
// "grpc-exp" and "h2"); any other (curl, browsers, cairnctl, a hello
// without ALPN) is served HTTP/1.1.
#pragma once

#include <string_view>

namespace cairn::node {

enum class HelloKind {
  kIncomplete,  // the first TLS record has not all arrived yet
  kHttp2Only,   // a ClientHello offering h2 and not http/1.1
  kOther,       // anything else, including what is not a ClientHello
};

// Classifies the first bytes a client sent on a TLS connection. A
// ClientHello split over several TLS records (not seen from the
// clients above) is kOther.
HelloKind ClassifyClientHello(std::string_view data);

}  // namespace cairn::node
