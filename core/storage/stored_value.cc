#include "core/storage/stored_value.h"

#include "core/util/coding.h"
#include "core/util/crc32c.h"
#include "core/util/strings.h"

namespace cairn::storage {
namespace {

uint32_t ValueCrc(std::string_view key, std::string_view value) {
  return Crc32c(value, Crc32c(key));
}

}  // namespace

std::string EncodeStoredValue(std::string_view key, std::string_view value) {
  std::string out;
  out.reserve(value.size() + kStoredValueOverhead);
  out.append(value);
  AppendFixed(out, ValueCrc(key, value), 4);
  return out;
}

Result<std::string_view> DecodeStoredValue(std::string_view key,
                                           std::string_view stored) {
  if (stored.size() < kStoredValueOverhead) {
    return Status::Corruption(StrFormat("backend: key %s: value too short",
                                        EscapeBytes(key).c_str()));
  }
  const std::string_view value =
      stored.substr(0, stored.size() - kStoredValueOverhead);
  ByteReader r(stored.substr(value.size()));
  if (r.Fixed(4) != ValueCrc(key, value)) {
    return Status::Corruption(StrFormat("backend: key %s: checksum mismatch",
                                        EscapeBytes(key).c_str()));
  }
  return value;
}

}  // namespace cairn::storage
