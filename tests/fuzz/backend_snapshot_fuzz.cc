// Fuzzes what a snapshot file goes through: core/storage/backend_snapshot.h
// (RestoreBackend, DumpBackend) and core/server/snapshot_file.h
// (InspectSnapshot, RestoreForNewCluster), which load the whole state
// machine from the dump (keyspace records, leases, members: the
// kv_persist, lessor_persist and state_machine_persist decoders).
//
// The first input byte picks the mode. Raw (bit 7 set): the rest is the
// dump. Framed: the rest is a list of records, each
//   fix:1 key_len:1 key value_len:1 value
// where fix % 3 says how the target seals the value (0: as given, 1: with
// the stored-value CRC trailer of kv/ and lease/ records, 2: with the
// entry codec's leading CRC of cluster/member/ records); the target then
// writes the records (ascending, last one per key wins) with DumpEncoder,
// so that the dump's own checksums are right.
//
// Properties: no crash or sanitizer report; errors are kCorruption with a
// message; a dump that restores dumps back to the same bytes (but for
// its zero padding); a dump that
// InspectSnapshot accepts also restores, and restores for a new cluster.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/cluster_types.h"
#include "core/server/snapshot_file.h"
#include "core/storage/backend_snapshot.h"
#include "core/storage/memory_backend.h"
#include "core/storage/stored_value.h"
#include "core/util/check.h"
#include "tests/fuzz/fuzz_util.h"

namespace cairn::fuzz {
namespace {

std::string FramedDump(FuzzInput& in) {
  std::map<std::string, std::string> records;
  while (!in.empty()) {
    const uint8_t fix = in.Byte() % 3;
    const std::string key(in.Short());
    const std::string_view body = in.Short();
    std::string value;
    if (fix == 1) {
      value = storage::EncodeStoredValue(key, body);
    } else if (fix == 2) {
      value = CrcFirst(body);
    } else {
      value = std::string(body);
    }
    records[key] = std::move(value);
  }
  storage::DumpEncoder enc;
  std::string dump = enc.Header();
  for (const auto& [key, value] : records) enc.Record(dump, key, value);
  dump += enc.Trailer();
  return dump;
}

// Whether `dump` is `canonical` (what DumpBackend writes) followed by
// the zero padding RestoreBackend accepts (fewer than kDumpAlignment
// bytes, as a streamed snapshot is padded to whole pages).
bool SameDumpUpToPadding(const std::string& canonical,
                         const std::string& dump) {
  if (dump.size() < canonical.size() ||
      dump.compare(0, canonical.size(), canonical) != 0) {
    return false;
  }
  return dump.size() - canonical.size() < storage::kDumpAlignment &&
         dump.find_first_not_of('\0', canonical.size()) == std::string::npos;
}

}  // namespace
}  // namespace cairn::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn;
  fuzz::FuzzInput in(data, size);
  const bool raw = (in.Byte() & 0x80) != 0;
  const std::string dump = raw ? std::string(in.Rest()) : fuzz::FramedDump(in);

  storage::MemoryBackend restored;
  const Status restore = storage::RestoreBackend(restored, dump);
  uint64_t keys = 0;
  if (restore.ok()) {
    Result<std::string> again = storage::DumpBackend(restored);
    CAIRN_CHECK(again.ok() && fuzz::SameDumpUpToPadding(again.value(), dump),
                "a restored dump does not dump back to its bytes");
    CAIRN_CHECK(restored
                    .Scan({}, {},
                          [&](std::string_view, std::string_view) {
                            keys++;
                            return true;
                          })
                    .ok(),
                "scan");
  } else {
    fuzz::CheckCorruption(restore);
  }

  Result<server::SnapshotInfo> info = server::InspectSnapshot(dump);
  if (!info.ok()) {
    fuzz::CheckCorruption(info.status());
    return 0;
  }
  CAIRN_CHECK(restore.ok(), "InspectSnapshot accepts what Restore refuses");
  CAIRN_CHECK(info.value().total_keys == keys, "key count");
  storage::MemoryBackend fresh;
  const std::vector<api::Member> members = {
      api::Member{.id = 1, .name = "m1", .peer_urls = {"http://127.0.0.1:1"}}};
  const Status s = server::RestoreForNewCluster(fresh, dump, members);
  CAIRN_CHECK(s.ok(), "RestoreForNewCluster refuses an inspected dump: %s",
              s.ToString().c_str());
  return 0;
}
