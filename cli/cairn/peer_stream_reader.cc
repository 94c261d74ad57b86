#include "cli/cairn/peer_stream_reader.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "cli/cairn/connection_guard.h"
#include "cli/cairn/metrics.h"
#include "cli/cairn/peer_transport.h"

namespace cairn::node {

namespace {

// A request head, a chunk size line or a trailer longer than these is
// refused rather than waited for.
constexpr size_t kMaxHead = 64 << 10;
constexpr size_t kMaxLine = 4096;
// One recv's bytes, and the most one Read takes.
constexpr size_t kReadBytes = 64 << 10;
constexpr size_t kMaxReadPerCall = 256 << 10;

const char* Reason(int status) {
  switch (status) {
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 410:
      return "Gone";
    default:
      return "Service Unavailable";
  }
}

}  // namespace

PeerStreamReader::PeerStreamReader(int fd, std::string read, uint64_t from,
                                   Options options, Counter* received_bytes)
    : fd_(fd),
      from_(from),
      options_(options),
      received_bytes_(received_bytes),
      in_(std::move(read)),
      last_read_(Clock::now()) {
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL, 0) | O_NONBLOCK);
}

PeerStreamReader::~PeerStreamReader() {
  End(503, "the member is stopping");
  ::close(fd_);
  if (on_close_) on_close_();
}

void PeerStreamReader::Read(std::vector<raft::Message>* out) {
  if (ended_) return;
  thread_local std::array<char, kReadBytes> buf;
  size_t taken = 0;
  bool hung_up = false;
  while (taken < kMaxReadPerCall) {
    const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n > 0) {
      in_.append(buf.data(), static_cast<size_t>(n));
      taken += static_cast<size_t>(n);
      // Less than asked: drained (a readiness reports any more later).
      if (static_cast<size_t>(n) < buf.size()) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    hung_up = true;  // closed by the sender, or failed
    break;
  }
  if (taken > 0) last_read_ = Clock::now();
  if (Parse(out) && hung_up) End(0);
}

bool PeerStreamReader::Parse(std::vector<raft::Message>* out) {
  bool body_done = false;
  const char* bad = nullptr;  // why the body does not parse
  while (!body_done && bad == nullptr) {
    const std::string_view data = std::string_view(in_).substr(in_at_);
    if (part_ == Part::kHead) {
      const size_t end = RequestHeadEnd(data);
      if (end == 0) {
        if (data.size() <= kMaxHead) break;
        bad = "request head too long";
        continue;
      }
      in_at_ += end;
      part_ = Part::kSize;
    } else if (part_ == Part::kSize || part_ == Part::kTrailer) {
      const size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        if (data.size() <= kMaxLine) break;
        bad = part_ == Part::kTrailer ? "trailer line too long"
                                      : "chunk size line too long";
        continue;
      }
      std::string_view line = data.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      in_at_ += nl + 1;
      if (part_ == Part::kTrailer) {
        body_done = line.empty();
        continue;
      }
      const std::optional<size_t> size = ParseChunkSize(line);
      if (!size.has_value()) {
        bad = "bad chunk size line";
        continue;
      }
      chunk_left_ = *size;
      part_ = chunk_left_ == 0 ? Part::kTrailer : Part::kData;
    } else if (part_ == Part::kData) {
      if (data.empty()) break;
      const size_t n = std::min(data.size(), chunk_left_);
      frames_.append(data.substr(0, n));
      in_at_ += n;
      chunk_left_ -= n;
      if (received_bytes_ != nullptr) {
        received_bytes_->Inc(static_cast<double>(n));
      }
      if (chunk_left_ == 0) part_ = Part::kDataEnd;
    } else {  // kDataEnd
      if (data.size() < 2) break;
      if (data.substr(0, 2) != "\r\n") {
        bad = "chunk not followed by CRLF";
        continue;
      }
      in_at_ += 2;
      part_ = Part::kSize;
    }
  }
  in_.erase(0, in_at_);
  in_at_ = 0;
  // What was delivered stays delivered: each frame is checked on its own,
  // and those before bad bytes are stepped.
  size_t used = 0;
  const Status s = DecodeMessageFrames(frames_, options_.max_frame, &used, out);
  if (!s.ok()) {
    End(400, s.message());
    return false;
  }
  frames_.erase(0, used);
  if (bad != nullptr) {
    End(400, bad);
    return false;
  }
  if (!body_done) return true;
  if (frames_.empty()) {
    End(204);
  } else {
    End(400, "stream ended inside a frame");
  }
  return false;
}

void PeerStreamReader::End(int status, std::string_view text) {
  if (ended_) return;
  ended_ = true;
  if (status == 0) return;
  std::string answer =
      "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
  if (!text.empty()) answer += "Content-Type: text/plain\r\n";
  answer +=
      "Content-Length: " + std::to_string(text.empty() ? 0 : text.size() + 1) +
      "\r\nConnection: close\r\n\r\n";
  if (!text.empty()) {
    answer += text;
    answer += '\n';
  }
  // Small, into an idle connection's empty send buffer: one try.
  [[maybe_unused]] ssize_t n =
      ::send(fd_, answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

}  // namespace cairn::node
