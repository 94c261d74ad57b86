#include "core/api/watch_codec.h"

#include <array>

#include "core/api/json_reader.h"
#include "core/api/json_writer.h"
#include "core/util/strings.h"

namespace cairn::api {

namespace {

constexpr std::array<std::string_view, 2> kFilterNames = {"NOPUT", "NODELETE"};
const EnumDesc kFilterType{kFilterNames,
                           "etcdserverpb.WatchCreateRequest_FilterType"};

bool IsJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Reads the fields of a WatchCreateRequest in proto field order.
mvcc::WatchCreateRequest ReadCreate(JsonReader& r) {
  mvcc::WatchCreateRequest req;
  req.key = r.Bytes("key", "key");
  req.range_end = r.Bytes("range_end", "rangeEnd");
  req.start_revision = r.Int64("start_revision", "startRevision");
  req.progress_notify = r.Bool("progress_notify", "progressNotify");
  // proto3 enums are open: a number naming no filter decodes, and etcd's
  // filter functions ignore it, so it is dropped here.
  for (int32_t f : r.Enums("filters", "filters", kFilterType)) {
    if (f >= 0 && static_cast<size_t>(f) < kFilterNames.size()) {
      req.filters.push_back(
          static_cast<mvcc::WatchCreateRequest::FilterType>(f));
    }
  }
  req.prev_kv = r.Bool("prev_kv", "prevKv");
  req.watch_id = r.Int64("watch_id", "watchId");
  (void)r.Bool("fragment", "fragment");  // type-checked only; see header
  return req;
}

// Runs `read` over the sub-message `name` when present; errors go to `r`.
template <class ReadFn>
void ReadMember(JsonReader& r, std::string_view name,
                std::string_view json_name, ReadFn read, WatchRequest& out) {
  const nlohmann::json* sub = r.Message(name, json_name);
  if (sub == nullptr) return;
  JsonReader sr(*sub);
  WatchRequest value = read(sr);
  if (!sr.ok()) {
    r.Fail(sr.status());
    return;
  }
  out = std::move(value);
}

Json EventJson(const mvcc::Event& ev) {
  Json j = Json::object();
  if (ev.type == mvcc::Event::Type::kDelete) j["type"] = "DELETE";
  j["kv"] = KeyValueJson(ev.kv);
  if (ev.prev_kv.has_value()) j["prev_kv"] = KeyValueJson(*ev.prev_kv);
  return j;
}

}  // namespace

Result<WatchRequest> DecodeWatchRequest(std::string_view message) {
  Result<nlohmann::json> root = ParseBody(message);
  if (!root.ok()) return root.status();
  JsonReader r(root.value());
  WatchRequest out;
  ReadMember(
      r, "create_request", "createRequest",
      [](JsonReader& sr) { return WatchRequest(ReadCreate(sr)); }, out);
  ReadMember(
      r, "cancel_request", "cancelRequest",
      [](JsonReader& sr) {
        return WatchRequest(
            WatchCancelRequest{.watch_id = sr.Int64("watch_id", "watchId")});
      },
      out);
  ReadMember(
      r, "progress_request", "progressRequest",
      [](JsonReader&) { return WatchRequest(WatchProgressRequest{}); }, out);
  if (!r.ok()) return r.status();
  return out;
}

std::string EncodeWatchResponse(const mvcc::WatchResponse& resp,
                                const ResponseHeader& header) {
  Json inner = HeaderOnly(WithRevision(header, resp.header.revision));
  PutInt(inner, "watch_id", resp.watch_id);
  PutBool(inner, "created", resp.created);
  PutBool(inner, "canceled", resp.canceled);
  PutInt(inner, "compact_revision", resp.compact_revision);
  PutString(inner, "cancel_reason", resp.cancel_reason);
  if (!resp.events.empty()) {
    Json arr = Json::array();
    for (const auto& ev : resp.events) arr.push_back(EventJson(ev));
    inner["events"] = std::move(arr);
  }
  Json j = Json::object();
  j["result"] = std::move(inner);
  return Dump(j) + "\n";
}

namespace {

std::string DescribeCreate(const mvcc::WatchCreateRequest& c) {
  std::string out = "watch-create";
  if (!c.key.empty()) out += " key=" + EscapeBytes(c.key);
  if (!c.range_end.empty()) out += " range_end=" + EscapeBytes(c.range_end);
  if (c.start_revision != 0) {
    out += " start_revision=" + std::to_string(c.start_revision);
  }
  if (c.progress_notify) out += " progress_notify";
  if (!c.filters.empty()) {
    out += " filters=(";
    for (size_t i = 0; i < c.filters.size(); ++i) {
      out += (i == 0 ? "" : ",");
      out += kFilterNames[static_cast<size_t>(c.filters[i])];
    }
    out += ")";
  }
  if (c.prev_kv) out += " prev_kv";
  if (c.watch_id != 0) out += " watch_id=" + std::to_string(c.watch_id);
  return out;
}

}  // namespace

std::string DescribeWatchRequest(const WatchRequest& req) {
  if (const auto* c = std::get_if<mvcc::WatchCreateRequest>(&req)) {
    return DescribeCreate(*c);
  }
  if (const auto* c = std::get_if<WatchCancelRequest>(&req)) {
    return "watch-cancel watch_id=" + std::to_string(c->watch_id);
  }
  if (std::holds_alternative<WatchProgressRequest>(req)) {
    return "watch-progress";
  }
  return "watch-empty";
}

WatchStreamDecoder::WatchStreamDecoder(size_t max_message_bytes)
    : max_message_bytes_(max_message_bytes) {}

void WatchStreamDecoder::Feed(std::string_view bytes) {
  if (finished_) return;
  size_t skip = 0;
  if (buf_.empty()) {
    while (skip < bytes.size() && IsJsonSpace(bytes[skip])) ++skip;
  }
  buf_.append(bytes.substr(skip));
}

void WatchStreamDecoder::Close() { closed_ = true; }

// Where the first JSON value in buf_ ends, judged only by its brackets,
// quotes and delimiters; the parser checks the value's syntax afterwards.
// nullopt while the value may still continue.
std::optional<size_t> WatchStreamDecoder::FindMessageEnd() const {
  const char first = buf_[0];
  if (first == '{' || first == '[' || first == '"') {
    size_t depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < buf_.size(); ++i) {
      char c = buf_[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
          if (depth == 0) return i + 1;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i + 1;
      }
    }
    return std::nullopt;
  }
  if (std::string_view("-0123456789tfn").find(first) == std::string::npos) {
    return 1;  // cannot start a value: the parser reports the character
  }
  // A bare literal or number ends at a delimiter (or at the end of input).
  for (size_t i = 1; i < buf_.size(); ++i) {
    if (IsJsonSpace(buf_[i]) ||
        std::string_view(",:[]{}\"").find(buf_[i]) != std::string::npos) {
      return i;
    }
  }
  if (closed_) return buf_.size();
  return std::nullopt;
}

Result<std::optional<WatchRequest>> WatchStreamDecoder::Fail(Status s) {
  finished_ = true;
  buf_.clear();
  return s;
}

Result<std::optional<WatchRequest>> WatchStreamDecoder::Next() {
  if (finished_) return std::optional<WatchRequest>();
  size_t skip = 0;
  while (skip < buf_.size() && IsJsonSpace(buf_[skip])) ++skip;
  buf_.erase(0, skip);
  if (buf_.empty()) {
    if (closed_) finished_ = true;
    return std::optional<WatchRequest>();
  }
  std::optional<size_t> end = FindMessageEnd();
  if (!end.has_value()) {
    if (closed_) {
      // Go's decoder hits the end of input inside a value.
      Result<nlohmann::json> parsed = ParseBody(buf_);
      return Fail(parsed.ok() ? Status::InvalidArgument("unexpected EOF")
                              : parsed.status());
    }
    if (buf_.size() > max_message_bytes_) {
      return Fail(Status::InvalidArgument(
          "cairn: watch request message larger than " +
          std::to_string(max_message_bytes_) + " bytes"));
    }
    return std::optional<WatchRequest>();
  }
  if (*end > max_message_bytes_) {
    return Fail(
        Status::InvalidArgument("cairn: watch request message larger than " +
                                std::to_string(max_message_bytes_) + " bytes"));
  }
  Result<WatchRequest> r =
      DecodeWatchRequest(std::string_view(buf_).substr(0, *end));
  buf_.erase(0, *end);
  if (!r.ok()) return Fail(r.status());
  ++messages_;
  return std::optional<WatchRequest>(std::move(r).value());
}

}  // namespace cairn::api
