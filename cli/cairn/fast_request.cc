#include "cli/cairn/fast_request.h"

#include "cli/cairn/connection_guard.h"

namespace cairn::node {

namespace {

// cpp-httplib 0.11's reason phrases, for the statuses the gateway
// answers (gateway_error.cc's HttpStatusFromGrpcCode, 404, 405).
const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Internal Server Error";
  }
}

// A header that makes cpp-httplib read the request, or answer it,
// otherwise than the fast path would.
bool ChangesTheAnswer(std::string_view name) {
  for (std::string_view h : {"Transfer-Encoding", "Expect", "Connection",
                             "Accept-Encoding", "Range"}) {
    if (HeaderNameIs(name, h)) return true;
  }
  return false;
}

}  // namespace

FastParse ParseFastRequest(
    std::string_view data, size_t max_body,
    const std::function<bool(std::string_view path)>& accepts) {
  FastParse out;
  const size_t head_end = RequestHeadEnd(data);
  if (head_end == 0) return out;
  const std::string_view head = data.substr(0, head_end);
  const size_t eol = head.find("\r\n");
  if (eol == std::string_view::npos) return out;
  const std::string_view line = head.substr(0, eol);
  constexpr std::string_view kPost = "POST ";
  constexpr std::string_view kVersion = " HTTP/1.1";
  if (!line.starts_with(kPost) || !line.ends_with(kVersion)) return out;
  const std::string_view path =
      line.substr(kPost.size(), line.size() - kPost.size() - kVersion.size());
  if (path.empty() || path.find_first_of("?% ") != std::string_view::npos ||
      !accepts(path)) {
    return out;
  }
  bool plain = true;
  bool have_auth = false;
  std::string_view auth;
  ForEachHeader(head, [&](std::string_view name, std::string_view value) {
    if (ChangesTheAnswer(name)) plain = false;
    if (!have_auth && HeaderNameIs(name, "Authorization")) {
      have_auth = true;
      auth = value;
    }
  });
  const RequestBody body = ParseRequestBody(head);
  if (!plain || body.kind != RequestBody::Kind::kLength ||
      body.length > max_body) {
    return out;
  }
  out.need = head_end + body.length;
  if (data.size() < out.need) {
    out.kind = FastParse::Kind::kNeedBody;
    return out;
  }
  out.kind = FastParse::Kind::kYes;
  out.request = FastRequest{.path = path,
                            .body = data.substr(head_end, body.length),
                            .authorization = auth};
  return out;
}

std::string FormatFastAnswer(const FastAnswer& answer) {
  std::string out;
  out.reserve(answer.body.size() + 128);
  out += "HTTP/1.1 ";
  out += std::to_string(answer.status);
  out += ' ';
  out += ReasonPhrase(answer.status);
  out += "\r\nContent-Length: ";
  out += std::to_string(answer.body.size());
  out += "\r\nContent-Type: ";
  out += answer.content_type;
  out += "\r\nKeep-Alive: timeout=5, max=5\r\n\r\n";
  out += answer.body;
  return out;
}

}  // namespace cairn::node
