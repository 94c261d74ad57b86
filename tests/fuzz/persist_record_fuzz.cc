// Fuzzes the decoders of what cairn persists record by record:
// core/server/entry_codec.h (entry payload, member change, member),
// core/storage/stored_value.h, core/lease/lessor_codec.h (the lessor
// image), core/mvcc/kv_persist.h (a revision record) and
// core/server/backend_layout.h (applied index, member and alarm keys).
//
// The first input byte picks the decoder (low bits mod 7) and the mode
// (bit 7 set: raw, the bytes are decoded as given; clear: framed, the
// target adds the kind/version/magic bytes and a correct CRC-32C, so that
// the fuzzer reaches the field decoders; see fuzz_util.h).
//
// Properties: no crash or sanitizer report; errors are kCorruption with a
// message (kResourceExhausted for a lessor image over its lease limit);
// every value that decodes re-encodes to exactly the input bytes (each
// format is canonical) and decodes again to an equal value.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/lease/lessor_codec.h"
#include "core/mvcc/kv_persist.h"
#include "core/server/backend_layout.h"
#include "core/server/entry_codec.h"
#include "core/storage/stored_value.h"
#include "core/util/check.h"
#include "tests/fuzz/fuzz_util.h"

namespace cairn::fuzz {
namespace {

constexpr uint8_t kEntryCodecVersion = 1;  // entry_codec.cc's version

// entry_codec's frame: CRC, kind (1 payload, 2 member change, 3 member),
// version, fields.
std::string EntryFrame(uint8_t kind, std::string_view fields) {
  std::string body;
  body.push_back(static_cast<char>(kind));
  body.push_back(static_cast<char>(kEntryCodecVersion));
  body += fields;
  return CrcFirst(body);
}

// Checks that `bytes` decodes to a value that re-encodes to `bytes`.
// Types without operator== are compared by their (canonical) encodings.
template <class T, class DecodeFn, class EncodeFn>
void RoundTrip(std::string_view bytes, DecodeFn decode, EncodeFn encode) {
  Result<T> first = decode(bytes);
  if (!first.ok()) {
    CheckCorruption(first.status());
    return;
  }
  const std::string again = encode(first.value());
  CAIRN_CHECK(again == bytes, "re-encoding gave %zu bytes for %zu input bytes",
              again.size(), bytes.size());
  Result<T> second = decode(again);
  CAIRN_CHECK(second.ok(), "re-encoded value does not decode: %s",
              second.status().ToString().c_str());
  CAIRN_CHECK(encode(second.value()) == again, "round trip changed the value");
}

void FuzzStoredValue(FuzzInput& in, bool raw) {
  const std::string key(in.Short());
  const std::string_view rest = in.Rest();
  std::string stored(rest);
  if (!raw) {
    AppendFixed(stored, Crc32c(rest, Crc32c(key)), 4);
  }
  Result<std::string_view> value = storage::DecodeStoredValue(key, stored);
  if (!value.ok()) {
    CheckCorruption(value.status());
    return;
  }
  CAIRN_CHECK(storage::EncodeStoredValue(key, value.value()) == stored,
              "stored value round trip");
}

void FuzzLessorImage(FuzzInput& in, bool raw) {
  const size_t max_leases = in.Byte();
  std::string bytes;
  if (raw) {
    bytes = std::string(in.Rest());
  } else {
    bytes = "CLS\x01";  // lessor_codec.cc's magic and version
    bytes += in.Rest();
    AppendFixed(bytes, Crc32c(bytes), 4);
  }
  Result<lease::LessorImage> image =
      lease::DecodeLessorImage(bytes, max_leases);
  if (!image.ok()) {
    if (image.status().code() == Code::kResourceExhausted) return;
    CheckCorruption(image.status());
    return;
  }
  CAIRN_CHECK(image.value().leases.size() <= max_leases, "lease limit");
  const std::string again = lease::EncodeLessorImage(image.value());
  CAIRN_CHECK(again == bytes, "lessor image round trip");
  Result<lease::LessorImage> second = lease::DecodeLessorImage(again, 255);
  CAIRN_CHECK(second.ok() && second.value() == image.value(),
              "lessor image decodes differently");
}

void FuzzKvRecord(FuzzInput& in, bool raw) {
  std::string key;
  std::string value;
  if (raw) {
    key = std::string(in.Short());
    value = std::string(in.Rest());
  } else {
    key = std::string(mvcc::kKvRecordPrefix);
    key += in.Take(16);
    key.resize(mvcc::kKvRecordPrefix.size() + 16, '\0');
    const std::string_view body = in.Rest();
    value = std::string(body);
    AppendFixed(value, Crc32c(body, Crc32c(key)), 4);
  }
  Result<mvcc::KvRecord> rec = mvcc::DecodeKvRecord(key, value);
  if (!rec.ok()) {
    CheckCorruption(rec.status());
    return;
  }
  CAIRN_CHECK(mvcc::KvRecordKey(rec.value().rev) == key, "record key");
  const std::string again = mvcc::EncodeKvRecord(rec.value());
  CAIRN_CHECK(again == value, "kv record round trip");
  Result<mvcc::KvRecord> second = mvcc::DecodeKvRecord(key, again);
  CAIRN_CHECK(second.ok() && second.value() == rec.value(),
              "kv record decodes differently");
}

void FuzzBackendLayout(FuzzInput& in) {
  const std::string_view bytes = in.Rest();
  auto applied = server::DecodeApplied(bytes);
  if (applied.ok()) {
    CAIRN_CHECK(server::EncodeApplied(applied.value().first,
                                      applied.value().second) == bytes,
                "applied round trip");
  } else {
    CheckCorruption(applied.status());
  }
  // The key decoders see the bytes as a key and as a key's suffix.
  for (const std::string& key :
       {std::string(bytes), std::string(server::kMemberPrefix) += bytes,
        std::string(server::kAlarmPrefix) += bytes}) {
    Result<uint64_t> id = server::IdOfKey(key, server::kMemberPrefix);
    if (id.ok()) {
      CAIRN_CHECK(server::MemberKey(id.value()) == key, "member key");
    } else {
      CheckCorruption(id.status());
    }
    auto alarm = server::AlarmOfKey(key);
    if (alarm.ok()) {
      CAIRN_CHECK(
          server::AlarmKey(alarm.value().first, alarm.value().second) == key,
          "alarm key");
    } else {
      CheckCorruption(alarm.status());
    }
  }
}

}  // namespace
}  // namespace cairn::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn;
  fuzz::FuzzInput in(data, size);
  const uint8_t selector = in.Byte();
  const int which = (selector & 0x7f) % 7;
  const bool raw = (selector & 0x80) != 0;
  auto entry_bytes = [&](uint8_t kind) {
    return raw ? std::string(in.Rest()) : fuzz::EntryFrame(kind, in.Rest());
  };
  switch (which) {
    case 0:
      fuzz::RoundTrip<server::EntryPayload>(entry_bytes(1),
                                            server::DecodeEntryPayload,
                                            server::EncodeEntryPayload);
      break;
    case 1:
      fuzz::RoundTrip<server::MemberChange>(entry_bytes(2),
                                            server::DecodeMemberChange,
                                            server::EncodeMemberChange);
      break;
    case 2:
      fuzz::RoundTrip<api::Member>(entry_bytes(3), server::DecodeMember,
                                   server::EncodeMember);
      break;
    case 3:
      fuzz::FuzzStoredValue(in, raw);
      break;
    case 4:
      fuzz::FuzzLessorImage(in, raw);
      break;
    case 5:
      fuzz::FuzzKvRecord(in, raw);
      break;
    default:
      fuzz::FuzzBackendLayout(in);
      break;
  }
  return 0;
}
