#include "cli/cairnctl/http_answer.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>

namespace cairn::ctl {

namespace {

// Bounds that keep a hostile or broken server from growing our buffers.
constexpr size_t kMaxHead = 64 << 10;
constexpr size_t kMaxChunkLine = 1024;
// Larger than any answer a benchmark reads; also keeps the size arithmetic
// below from overflowing on a hostile size line.
constexpr uint64_t kMaxChunk = uint64_t{1} << 40;

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool ContainsNoCase(std::string_view hay, std::string_view needle) {
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (EqualsNoCase(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

struct Head {
  int status = 0;
  bool http10 = false;
  bool chunked = false;
  bool keep_alive = false;  // "Connection: keep-alive"
  bool close = false;       // "Connection: close"
  std::optional<uint64_t> length;
};

// The status line and the headers that frame the body, from `head` (the
// bytes before the blank line); false with *error on a bad one.
bool ParseHead(std::string_view head, Head* h, std::string* error) {
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') {
    *error = "malformed HTTP status line";
    return false;
  }
  h->http10 = line[7] == '0';
  const char* digits = line.data() + 9;
  auto [end, ec] = std::from_chars(digits, digits + 3, h->status);
  if (ec != std::errc() || end != digits + 3 || h->status < 100) {
    *error = "malformed HTTP status line";
    return false;
  }
  while (eol != std::string_view::npos) {
    head.remove_prefix(eol + 2);
    eol = head.find("\r\n");
    line = head.substr(0, eol);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsNoCase(name, "Content-Length")) {
      uint64_t n = 0;
      auto [p, e] =
          std::from_chars(value.data(), value.data() + value.size(), n);
      if (e != std::errc() || p != value.data() + value.size()) {
        *error = "malformed Content-Length";
        return false;
      }
      h->length = n;
    } else if (EqualsNoCase(name, "Transfer-Encoding")) {
      h->chunked = ContainsNoCase(value, "chunked");
    } else if (EqualsNoCase(name, "Connection")) {
      h->close = ContainsNoCase(value, "close");
      h->keep_alive = ContainsNoCase(value, "keep-alive");
    }
  }
  return true;
}

// The chunked body starting at `in`; kDone sets *used to the bytes up to
// and including the trailers' blank line.
HttpParse ParseChunked(std::string_view in, std::string* body, size_t* used,
                       std::string* error) {
  size_t at = 0;
  body->clear();
  while (true) {
    const size_t eol = in.find("\r\n", at);
    if (eol == std::string_view::npos) {
      if (in.size() - at > kMaxChunkLine) {
        *error = "malformed chunk size";
        return HttpParse::kBad;
      }
      return HttpParse::kIncomplete;
    }
    std::string_view size_line = in.substr(at, eol - at);
    size_line = size_line.substr(0, size_line.find(';'));  // extensions
    size_line = Trim(size_line);
    uint64_t n = 0;
    auto [p, e] = std::from_chars(size_line.data(),
                                  size_line.data() + size_line.size(), n, 16);
    if (size_line.empty() || e != std::errc() ||
        p != size_line.data() + size_line.size() || n > kMaxChunk) {
      *error = "malformed chunk size";
      return HttpParse::kBad;
    }
    at = eol + 2;
    if (n == 0) break;
    if (in.size() - at < n + 2) return HttpParse::kIncomplete;
    if (in.substr(at + n, 2) != "\r\n") {
      *error = "chunk not followed by CRLF";
      return HttpParse::kBad;
    }
    body->append(in.substr(at, n));
    at += n + 2;
  }
  // Trailer lines, up to a blank one.
  while (true) {
    const size_t eol = in.find("\r\n", at);
    if (eol == std::string_view::npos) return HttpParse::kIncomplete;
    const bool blank = eol == at;
    at = eol + 2;
    if (blank) break;
  }
  *used = at;
  return HttpParse::kDone;
}

}  // namespace

HttpParse ParseHttpAnswer(std::string_view in, bool at_eof, HttpAnswer* out,
                          std::string* error) {
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (in.size() > kMaxHead) {
      *error = "HTTP answer header too large";
      return HttpParse::kBad;
    }
    if (at_eof) {
      *error = "connection closed before the answer";
      return HttpParse::kBad;
    }
    return HttpParse::kIncomplete;
  }
  Head h;
  if (!ParseHead(in.substr(0, head_end), &h, error)) return HttpParse::kBad;
  const size_t body_at = head_end + 4;
  const std::string_view rest = in.substr(body_at);
  out->status = h.status;
  out->close = h.close || (h.http10 && !h.keep_alive);
  if (h.status < 200 || h.status == 204 || h.status == 304) {
    out->body.clear();
    out->used = body_at;
    return HttpParse::kDone;
  }
  if (h.chunked) {
    size_t used = 0;
    HttpParse r = ParseChunked(rest, &out->body, &used, error);
    if (r == HttpParse::kIncomplete && at_eof) {
      *error = "connection closed inside a chunked answer";
      return HttpParse::kBad;
    }
    out->used = body_at + used;
    return r;
  }
  if (h.length.has_value()) {
    if (rest.size() < *h.length) {
      if (!at_eof) return HttpParse::kIncomplete;
      *error = "connection closed inside an answer";
      return HttpParse::kBad;
    }
    out->body.assign(rest.substr(0, *h.length));
    out->used = body_at + *h.length;
    return HttpParse::kDone;
  }
  // No length: the body is what comes until the server closes.
  if (!at_eof) return HttpParse::kIncomplete;
  out->body.assign(rest);
  out->close = true;
  out->used = in.size();
  return HttpParse::kDone;
}

}  // namespace cairn::ctl
