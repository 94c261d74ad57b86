// Reading one HTTP/1.1 answer from the bytes a connection gave so far, for
// the benchmarks' event loop (bench_events.h), which keeps many plain-HTTP
// connections on one thread and so cannot block in cpp-httplib. Pure: no
// I/O. It reads what etcd's gateway (Go's net/http) and cairn send: a
// Content-Length body, a chunked body (with trailers: etcd ends its error
// answers with one), no body for 1xx/204/304, or a body that ends when the
// connection closes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cairn::ctl {

struct HttpAnswer {
  int status = 0;
  std::string body;
  // The server will close the connection after this answer
  // ("Connection: close", or HTTP/1.0 without keep-alive).
  bool close = false;
  // The bytes of `in` this answer took.
  size_t used = 0;
};

enum class HttpParse {
  kIncomplete,  // more bytes are needed
  kDone,        // *out holds the answer
  kBad,         // not an HTTP answer this reader understands; *error says why
};

// Parses the answer at the start of `in`. `at_eof`: the connection has
// closed and `in` is all there will be (ends a body without a length).
HttpParse ParseHttpAnswer(std::string_view in, bool at_eof, HttpAnswer* out,
                          std::string* error);

}  // namespace cairn::ctl
