// PeerStreamReader: one /raft/stream request read by the host loop
// itself. Edge code.
//
// A peer sends its messages as the chunked body of one long POST to
// /raft/stream (peer_transport.h). On a plain peer listener the guard
// hands such a request's socket over once its head has arrived and
// PeerTransport has accepted it (GuardedServer::set_plain_handoff), and
// the host loop reads it when the socket is readable (loop_poller.h):
// a message then wakes only the loop, not a worker that would wake the
// loop in turn.
//
// It reads without blocking and answers as a worker-read stream is
// answered: 204 at the body's end; 400 for a bad chunk or frame; else
// as its owner ends it (End: 410 once the sender was removed, 503 when
// the loop stops); the connection closes after the answer. A sender that
// hangs up, or says nothing for the idle timeout, is closed unanswered.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/raft/types.h"

namespace cairn::node {

class Counter;

class PeerStreamReader {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    size_t max_frame = 64 << 20;  // a longer frame is refused
    // A sender's stream carries heartbeats: one this quiet is dead.
    std::chrono::milliseconds idle_timeout{5000};
  };

  // Takes `fd` (made non-blocking) from a request by member `from`.
  // `read` holds the bytes already taken off the socket: the request
  // starts with them and goes on with what the socket holds. Its head
  // has arrived whole (the guard saw it). `received_bytes` (may be null)
  // counts the body's bytes.
  PeerStreamReader(int fd, std::string read, uint64_t from, Options options,
                   Counter* received_bytes);
  ~PeerStreamReader();  // End(503) when not ended
  PeerStreamReader(const PeerStreamReader&) = delete;
  PeerStreamReader& operator=(const PeerStreamReader&) = delete;

  // Called when the reader is destroyed (the socket closed).
  void OnClose(std::function<void()> fn) { on_close_ = std::move(fn); }

  int fd() const { return fd_; }
  uint64_t from() const { return from_; }
  bool ended() const { return ended_; }

  // Takes what has arrived (at most a bound per call, so that one busy
  // stream cannot hold the loop; the socket stays readable for the
  // rest), and appends the messages of the frames it completes to `out`,
  // in order. May end the stream (see above).
  void Read(std::vector<raft::Message>* out);
  // Answers `status` (0: none) with `text` as a plain-text body, and
  // closes the connection. Once.
  void End(int status, std::string_view text = {});
  // Whether nothing has come for the idle timeout as of `now`.
  bool Idle(Clock::time_point now) const {
    return now - last_read_ >= options_.idle_timeout;
  }

 private:
  enum class Part { kHead, kSize, kData, kDataEnd, kTrailer };
  // Consumes what `in_` holds; false when the stream ended.
  bool Parse(std::vector<raft::Message>* out);

  int fd_;
  const uint64_t from_;
  const Options options_;
  Counter* const received_bytes_;
  std::string in_;      // raw bytes not yet parsed
  size_t in_at_ = 0;    // where in_'s unparsed bytes start
  std::string frames_;  // the body's bytes not yet in a whole frame
  Part part_ = Part::kHead;
  size_t chunk_left_ = 0;
  bool ended_ = false;
  Clock::time_point last_read_;
  std::function<void()> on_close_;
};

}  // namespace cairn::node
