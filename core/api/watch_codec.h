// The /v3/watch stream of etcd's JSON gateway: decoding the stream of
// WatchRequest messages a client sends (one JSON object after another, as
// Go's json.Decoder reads them) and encoding each WatchResponse as the
// gateway prints it: {"result":{...}} and a newline. Pure core: no threads,
// no I/O, never throws; WatchStreamDecoder is a plain single-threaded value.
//
// Observed on etcd 3.4.23 (curl -N on loopback):
//   - the members of the WatchRequest oneof are "create_request",
//     "cancel_request", "progress_request" (or their JSON names
//     "createRequest", ...); a message with none of them (e.g. {} or
//     {"bogus":1}) is ignored;
//   - when a message holds several members, etcd picks one at random (Go
//     map order); cairn takes the last in proto order, one of etcd's
//     outcomes;
//   - if the FIRST message does not decode, the gateway answers HTTP 500
//     with code 2 and the decoder's text (api::ToStreamDecodeError); a
//     later bad message ends the request stream and the responses go on;
//   - "fragment" is read (and type-checked) but cairn never fragments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/api/response_header.h"
#include "core/mvcc/watch_hub.h"
#include "core/util/result.h"

namespace cairn::api {

struct WatchCancelRequest {
  int64_t watch_id = 0;
};
struct WatchProgressRequest {};

// One WatchRequest: monostate for a message that sets no member.
using WatchRequest = std::variant<std::monostate, mvcc::WatchCreateRequest,
                                  WatchCancelRequest, WatchProgressRequest>;

// Decodes one WatchRequest JSON message. Errors: kInvalidArgument with Go's
// texts, as DecodeRequest gives them.
Result<WatchRequest> DecodeWatchRequest(std::string_view message);

// {"result":{"header":...,"watch_id":..,"created":true,"events":[...]}}
// followed by "\n". `header` gives cluster, member and term; the revision
// is resp.header.revision (0, and so left out, on a compacted cancel, as
// etcd prints it). A watch_id of 0 is left out like every default.
std::string EncodeWatchResponse(const mvcc::WatchResponse& resp,
                                const ResponseHeader& header);

// A one-line rendering of a request for transcripts and logs, e.g.
// `watch-create key="foo" start_revision=3 prev_kv`.
std::string DescribeWatchRequest(const WatchRequest& req);

// Splits a request body arriving in pieces into WatchRequest messages.
//
//   WatchStreamDecoder d(limit);
//   d.Feed(piece);  ...  d.Close();
//   while (auto r = d.Next(); r.ok() && r.value()) { use *r.value(); }
//
// Next returns the next complete message, nullopt when none is complete
// yet (or, once finished(), when the stream has ended), or the decode
// error of the first bad message; after an error the decoder is finished
// and ignores further input, as the gateway stops reading.
class WatchStreamDecoder {
 public:
  // A message still incomplete after `max_message_bytes` bytes is an error
  // (cairn's bound; etcd's gRPC layer has its own).
  explicit WatchStreamDecoder(size_t max_message_bytes);

  void Feed(std::string_view bytes);
  // No more input will come: a trailing incomplete message is an error
  // ("unexpected EOF", as Go reports it).
  void Close();

  Result<std::optional<WatchRequest>> Next();

  // True after the end of input has been consumed or after an error.
  bool finished() const { return finished_; }
  // Messages handed out so far.
  size_t messages() const { return messages_; }

 private:
  std::optional<size_t> FindMessageEnd() const;
  Result<std::optional<WatchRequest>> Fail(Status s);

  size_t max_message_bytes_;
  std::string buf_;  // unread input; buf_[0] is never blank
  bool closed_ = false;
  bool finished_ = false;
  size_t messages_ = 0;
};

}  // namespace cairn::api
