#include "cli/cairn/client_hello.h"

#include <cstddef>
#include <cstdint>

namespace cairn::node {
namespace {

constexpr uint8_t kHandshakeRecord = 22;
constexpr uint8_t kClientHello = 1;
constexpr uint16_t kAlpnExtension = 16;
constexpr size_t kRecordHeader = 5;
// A record's body is at most 2^14 bytes (RFC 8446, 5.1).
constexpr size_t kMaxRecordBody = 16384;

// Reads big-endian fields off the front of a byte range; once a read
// runs past the end, every later read fails too.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  size_t left() const { return data_.size(); }
  uint32_t Int(size_t bytes) {
    uint32_t v = 0;
    if (!ok_ || data_.size() < bytes) {
      ok_ = false;
      return 0;
    }
    for (size_t i = 0; i < bytes; i++) {
      v = (v << 8) | static_cast<uint8_t>(data_[i]);
    }
    data_.remove_prefix(bytes);
    return v;
  }
  std::string_view Bytes(size_t n) {
    if (!ok_ || data_.size() < n) {
      ok_ = false;
      return {};
    }
    std::string_view v = data_.substr(0, n);
    data_.remove_prefix(n);
    return v;
  }
  // A field with a `len_bytes`-long length before it.
  std::string_view Vector(size_t len_bytes) { return Bytes(Int(len_bytes)); }

 private:
  std::string_view data_;
  bool ok_ = true;
};

// The ALPN extension's protocol list: h2 offered and http/1.1 not.
bool OnlyHttp2(std::string_view alpn) {
  Reader list(Reader(alpn).Vector(2));
  bool h2 = false;
  bool http11 = false;
  while (list.ok() && list.left() > 0) {
    const std::string_view proto = list.Vector(1);
    h2 = h2 || proto == "h2";
    http11 = http11 || proto == "http/1.1";
  }
  return list.ok() && h2 && !http11;
}

}  // namespace

HelloKind ClassifyClientHello(std::string_view data) {
  if (data.empty()) return HelloKind::kIncomplete;
  if (static_cast<uint8_t>(data[0]) != kHandshakeRecord) {
    return HelloKind::kOther;
  }
  if (data.size() < kRecordHeader) return HelloKind::kIncomplete;
  Reader header(data.substr(0, kRecordHeader));
  header.Int(3);  // type, legacy version
  const size_t body_len = header.Int(2);
  if (body_len > kMaxRecordBody) return HelloKind::kOther;
  if (data.size() < kRecordHeader + body_len) return HelloKind::kIncomplete;
  Reader record(data.substr(kRecordHeader, body_len));
  if (record.Int(1) != kClientHello) return HelloKind::kOther;
  const size_t hello_len = record.Int(3);
  if (!record.ok() || hello_len > record.left()) return HelloKind::kOther;
  Reader hello(record.Bytes(hello_len));
  hello.Bytes(2 + 32);  // legacy version, random
  hello.Vector(1);      // session id
  hello.Vector(2);      // cipher suites
  hello.Vector(1);      // compression methods
  Reader extensions(hello.Vector(2));
  if (!hello.ok()) return HelloKind::kOther;
  while (extensions.ok() && extensions.left() > 0) {
    const uint32_t type = extensions.Int(2);
    const std::string_view body = extensions.Vector(2);
    if (extensions.ok() && type == kAlpnExtension) {
      return OnlyHttp2(body) ? HelloKind::kHttp2Only : HelloKind::kOther;
    }
  }
  return HelloKind::kOther;
}

}  // namespace cairn::node
