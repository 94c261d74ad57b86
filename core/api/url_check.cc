#include "core/api/url_check.h"

namespace cairn::api {

namespace {

std::string_view Trim(std::string_view s) {
  const std::string_view blanks = " \t\n\r\v\f";
  size_t b = s.find_first_not_of(blanks);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(blanks);
  return s.substr(b, e - b + 1);
}

// The scheme as Go's url.Parse finds it: letters, then letters, digits,
// '+', '-' or '.', up to the first ':'. Empty when there is none.
std::string_view SchemeOf(std::string_view url) {
  size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  for (size_t i = 0; i < colon; ++i) {
    char c = url[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    bool other = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!alpha && !(i > 0 && other)) return {};
  }
  return url.substr(0, colon);
}

// Go's net.SplitHostPort success: "host:port" or "[v6]:port", one colon
// outside brackets.
bool HasHostPort(std::string_view host) {
  if (!host.empty() && host[0] == '[') {
    size_t close = host.find(']');
    return close != std::string_view::npos && close + 1 < host.size() &&
           host[close + 1] == ':' &&
           host.find(':', close + 2) == std::string_view::npos;
  }
  size_t colon = host.find(':');
  return colon != std::string_view::npos &&
         host.find(':', colon + 1) == std::string_view::npos &&
         host.find_first_of("[]") == std::string_view::npos;
}

}  // namespace

Status CheckUrl(std::string_view raw) {
  std::string_view url = Trim(raw);
  std::string_view scheme = SchemeOf(url);
  if (scheme != "http" && scheme != "https" && scheme != "unix" &&
      scheme != "unixs") {
    return Status::InvalidArgument(
        "URL scheme must be http, https, unix, or unixs: " + std::string(url));
  }
  std::string_view rest = url.substr(scheme.size() + 1);
  std::string_view host, path;
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    size_t end = rest.find_first_of("/?#");
    host = rest.substr(0, end);
    // A query or fragment is not a path; etcd only refuses a path.
    if (end != std::string_view::npos && rest[end] == '/') {
      path = rest.substr(end, rest.find_first_of("?#", end) - end);
    }
  } else {
    path = rest.substr(0, rest.find_first_of("?#"));  // "http:foo": opaque
  }
  if (size_t at = host.rfind('@'); at != std::string_view::npos) {
    host.remove_prefix(at + 1);  // user info is not part of the host
  }
  if (!HasHostPort(host)) {
    return Status::InvalidArgument(
        "URL address does not have the form \"host:port\": " +
        std::string(url));
  }
  if (!path.empty()) {
    return Status::InvalidArgument("URL must not contain a path: " +
                                   std::string(url));
  }
  return Status::Ok();
}

Status CheckUrls(const std::vector<std::string>& urls) {
  if (urls.empty()) return Status::InvalidArgument("no valid URLs given");
  for (const auto& u : urls) {
    Status s = CheckUrl(u);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status CheckMemberPeerUrls(const std::vector<std::string>& urls) {
  if (CheckUrls(urls).ok()) return Status::Ok();
  return Status::InvalidArgument("etcdserver: given member URLs are invalid");
}

}  // namespace cairn::api
