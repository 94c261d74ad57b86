#include "core/storage/leveldb_log_format.h"

#include <algorithm>
#include <cstdint>

#include "core/util/crc32c.h"

namespace cairn::storage {

namespace {

constexpr uint32_t kMaskDelta = 0xa282ead8u;

uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

uint32_t Fixed32(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
}

}  // namespace

LogRecordAt ReadLogRecordAt(std::string_view data, size_t pos) {
  const size_t left_in_block = kLogBlockSize - pos % kLogBlockSize;
  if (left_in_block < kLogHeaderSize) {
    return {.kind = LogRecordAt::kTrailer, .next = pos + left_in_block};
  }
  if (data.size() - pos < kLogHeaderSize) {
    return {.kind = LogRecordAt::kIncomplete, .next = data.size()};
  }
  const char* h = data.data() + pos;
  const size_t length = static_cast<uint8_t>(h[4]) |
                        static_cast<size_t>(static_cast<uint8_t>(h[5])) << 8;
  const auto type = static_cast<uint8_t>(h[6]);
  if (type == 0 && length == 0) {
    return {.kind = LogRecordAt::kZero, .next = pos + left_in_block};
  }
  const size_t end = pos + kLogHeaderSize + length;
  if (kLogHeaderSize + length > left_in_block) {
    return {.kind = LogRecordAt::kBad,
            .next = std::min(end, data.size()),
            .what = "bad record length"};
  }
  if (end > data.size()) {
    return {.kind = LogRecordAt::kIncomplete, .next = data.size()};
  }
  const uint32_t want = Unmask(Fixed32(h));
  const uint32_t got = Crc32c(std::string_view(h + 6, 1 + length));
  if (want != got) {
    return {
        .kind = LogRecordAt::kBad, .next = end, .what = "checksum mismatch"};
  }
  return {.kind = LogRecordAt::kRecord, .next = end};
}

}  // namespace cairn::storage
