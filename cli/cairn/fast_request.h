// The fast path of a GuardedServer (connection_guard.h): the unary
// requests it answers without cpp-httplib and without a worker waiting
// for their answer. Edge code.
//
// Most of the client API's traffic is small POSTs of JSON to a handful
// of paths (/v3/kv/range, /v3/kv/put, ...). Served through cpp-httplib,
// each holds a worker thread while the host loop works on it, and that
// thread sleeps and wakes once per request: on this 2-core machine, a
// third of a member's CPU went to such switches. A request the fast path
// takes is parsed here and handed to the handler, by the waiting room
// (or a worker, for a large body), with a way to answer later; the
// thread that answers writes a small answer itself, and a worker writes
// a large one.
//
// It takes only what it can answer exactly as cpp-httplib would: an
// HTTP/1.1 POST with a Content-Length body already received, to a path
// the handler accepts (no query, no escapes), without the headers that
// change cpp-httplib's answer or its reading (Transfer-Encoding, Expect,
// Connection, Accept-Encoding, Range). Anything else goes to
// cpp-httplib as before.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cairn::node {

// A request the fast path serves.
struct FastRequest {
  std::string_view path;
  std::string_view body;
  // The first Authorization header's value; "" when there is none.
  std::string_view authorization;
};

// Its answer, written as cpp-httplib writes a handler's response.
struct FastAnswer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// Gives a request's answer: call it once, from any thread. With `here`,
// `make` runs on the calling thread and the answer is sent from it when
// the socket takes it at once (no other thread wakes for it): for small
// answers. Else `make` runs on a worker of the server, so that a large
// answer is encoded and written there, not on the caller's thread.
using FastRespond =
    std::function<void(std::function<FastAnswer()> make, bool here)>;
using FastHandler = std::function<void(const FastRequest&, FastRespond)>;

// Where the request at the start of `data` stands for the fast path.
struct FastParse {
  enum class Kind {
    kNo,        // not for the fast path: cpp-httplib serves it
    kNeedBody,  // would be, once `need` bytes are buffered
    kYes,       // `request` (viewing `data`) is whole: `need` bytes
  };
  Kind kind = Kind::kNo;
  size_t need = 0;
  FastRequest request;
};

// `accepts` says which paths the fast path serves; a body longer than
// `max_body` is cpp-httplib's to refuse.
FastParse ParseFastRequest(
    std::string_view data, size_t max_body,
    const std::function<bool(std::string_view path)>& accepts);

// The bytes of `answer`'s response, head and body, as cpp-httplib 0.11
// writes them on a kept-alive connection.
std::string FormatFastAnswer(const FastAnswer& answer);

}  // namespace cairn::node
