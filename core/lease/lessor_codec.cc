#include "core/lease/lessor_codec.h"

#include <array>
#include <optional>
#include <unordered_set>

#include "core/util/check.h"
#include "core/util/coding.h"
#include "core/util/crc32c.h"
#include "core/util/limits.h"
#include "core/util/strings.h"

namespace cairn::lease {
namespace {

constexpr std::string_view kMagic = "CLS\x01";
// Smallest encodings, used to reject counts the input cannot hold before
// reserving memory for them.
constexpr size_t kLeaseFixedBytes = 8 + 8 + 8 + 4;
constexpr size_t kKeyFixedBytes = 4;
constexpr size_t kTrailerBytes = 4;

// Reads fixed-width fields off the front of a byte string; any read past the
// end fails and leaves the reader failed.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  std::optional<uint64_t> Fixed(int bytes) {
    if (in_.size() < size_t(bytes)) return std::nullopt;
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
      v |= uint64_t(uint8_t(in_[i])) << (8 * i);
    }
    in_.remove_prefix(bytes);
    return v;
  }
  std::optional<std::string_view> Bytes(size_t n) {
    if (in_.size() < n) return std::nullopt;
    std::string_view out = in_.substr(0, n);
    in_.remove_prefix(n);
    return out;
  }
  size_t left() const { return in_.size(); }

 private:
  std::string_view in_;
};

Status Corrupt(const std::string& what) {
  return Status::Corruption("lease snapshot: " + what);
}

Result<std::vector<std::string>> DecodeKeys(Reader& r, LeaseId id) {
  std::optional<uint64_t> count = r.Fixed(4);
  if (!count) return Corrupt("truncated key count");
  if (*count > r.left() / kKeyFixedBytes) return Corrupt("bad key count");
  std::vector<std::string> keys;
  keys.reserve(*count);
  for (uint64_t i = 0; i < *count; i++) {
    std::optional<uint64_t> len = r.Fixed(4);
    if (!len) return Corrupt("truncated key length");
    if (*len > limits::kMaxKeyBytes) return Corrupt("key too long");
    std::optional<std::string_view> key = r.Bytes(*len);
    if (!key) return Corrupt("truncated key");
    if (!keys.empty() && !(keys.back() < *key)) {
      return Corrupt(StrFormat("keys of lease %lld out of order",
                               static_cast<long long>(id)));
    }
    keys.emplace_back(*key);
  }
  return keys;
}

Result<LeaseRecord> DecodeLease(Reader& r) {
  std::optional<uint64_t> id = r.Fixed(8);
  std::optional<uint64_t> ttl = r.Fixed(8);
  std::optional<uint64_t> remaining = r.Fixed(8);
  if (!id || !ttl || !remaining) return Corrupt("truncated lease");
  LeaseRecord rec;
  rec.id = static_cast<LeaseId>(*id);
  rec.ttl_s = static_cast<int64_t>(*ttl);
  rec.remaining_ttl_s = static_cast<int64_t>(*remaining);
  if (rec.id == kNoLease) return Corrupt("lease id 0");
  if (rec.ttl_s < 1 || rec.ttl_s > kMaxLeaseTtlS) return Corrupt("bad ttl");
  // A checkpoint larger than the TTL is never proposed, but entries are
  // stored as applied, so only the range of an int64 TTL is checked.
  if (rec.remaining_ttl_s < 0 || rec.remaining_ttl_s > kMaxLeaseTtlS) {
    return Corrupt("bad remaining ttl");
  }
  Result<std::vector<std::string>> keys = DecodeKeys(r, rec.id);
  if (!keys.ok()) return keys.status();
  rec.keys = std::move(keys).value();
  return rec;
}

// Checks magic, version and checksum; returns the body between them.
Result<std::string_view> CheckFrame(std::string_view bytes) {
  if (bytes.size() < kMagic.size() + kTrailerBytes) {
    return Corrupt("too short");
  }
  if (bytes.substr(0, 3) != kMagic.substr(0, 3)) return Corrupt("bad magic");
  if (bytes[3] != kMagic[3]) return Corrupt("unknown version");
  std::string_view body = bytes.substr(0, bytes.size() - kTrailerBytes);
  Reader trailer(bytes.substr(body.size()));
  if (trailer.Fixed(4).value_or(0) != Crc32c(body)) {
    return Corrupt("checksum mismatch");
  }
  return body.substr(kMagic.size());
}

}  // namespace

std::string EncodeLessorImage(const LessorImage& image) {
  std::string out(kMagic);
  AppendFixed(out, image.auto_id_counter, 8);
  AppendFixed(out, image.leases.size(), 4);
  for (size_t i = 0; i < image.leases.size(); i++) {
    const LeaseRecord& rec = image.leases[i];
    CAIRN_CHECK(rec.id != kNoLease, "lease id 0 in a lessor image");
    CAIRN_CHECK(i == 0 || image.leases[i - 1].id < rec.id,
                "lease ids out of order at %zu", i);
    AppendFixed(out, uint64_t(rec.id), 8);
    AppendFixed(out, uint64_t(rec.ttl_s), 8);
    AppendFixed(out, uint64_t(rec.remaining_ttl_s), 8);
    AppendFixed(out, rec.keys.size(), 4);
    for (const std::string& key : rec.keys) {
      AppendFixed(out, key.size(), 4);
      out += key;
    }
  }
  AppendFixed(out, Crc32c(out), 4);
  return out;
}

Result<LessorImage> DecodeLessorImage(std::string_view bytes,
                                      size_t max_leases) {
  Result<std::string_view> body = CheckFrame(bytes);
  if (!body.ok()) return body.status();
  Reader r(body.value());
  LessorImage image;
  std::optional<uint64_t> counter = r.Fixed(8);
  std::optional<uint64_t> count = r.Fixed(4);
  if (!counter || !count) return Corrupt("truncated header");
  image.auto_id_counter = *counter;
  if (*count > r.left() / kLeaseFixedBytes) return Corrupt("bad lease count");
  if (*count > max_leases) {
    return Status(
        Code::kResourceExhausted,
        StrFormat("lease snapshot holds %llu leases, limit %zu",
                  static_cast<unsigned long long>(*count), max_leases));
  }
  image.leases.reserve(*count);
  std::unordered_set<std::string_view> seen_keys;
  for (uint64_t i = 0; i < *count; i++) {
    Result<LeaseRecord> rec = DecodeLease(r);
    if (!rec.ok()) return rec.status();
    if (!image.leases.empty() && !(image.leases.back().id < rec.value().id)) {
      return Corrupt("lease ids out of order");
    }
    image.leases.push_back(std::move(rec).value());
  }
  if (r.left() != 0) return Corrupt("trailing bytes");
  // Key views point into image, whose strings no longer move.
  for (const LeaseRecord& rec : image.leases) {
    for (const std::string& key : rec.keys) {
      if (!seen_keys.insert(key).second) {
        return Corrupt("key " + EscapeBytes(key) + " on two leases");
      }
    }
  }
  return image;
}

}  // namespace cairn::lease
