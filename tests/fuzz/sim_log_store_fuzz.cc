// Fuzzes the simulator's disk model recovering from a damaged file
// (simulator/sim_log_store.h): the input is the durable file's bytes, as a
// crash, a torn write or a flipped bit may have left them; Recover replays
// it. The target only reads simulator code (compiled in from
// simulator/sim_log_store.cc; see CMakeLists.txt).
//
// Records with good checksums may still say what Save never writes (a
// snapshot not newer than the last, entries out of order or after a gap, a
// compaction beyond the log): Recover must drop those as corrupt too, not
// abort (the three inputs that once aborted it are in the corpus and in
// tests/simulator/testdata_simlog/).
//
// Properties: no crash or sanitizer report; recovery keeps a prefix of the
// file made of whole good records and drops the rest with a reason; the
// recovered view answers consistently; recovering again changes nothing;
// a record saved after recovery follows the good ones and survives the
// next recovery.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/check.h"
#include "simulator/sim_log_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cairn;
  const std::string input(reinterpret_cast<const char*>(data), size);
  sim::SimLogStore store(/*defer_sync=*/false);
  store.file_for_test() = input;
  const sim::RecoveryReport report = store.Recover();
  CAIRN_CHECK(store.file_bytes() + report.discarded_bytes == size,
              "kept %llu + dropped %llu of %zu bytes",
              static_cast<unsigned long long>(store.file_bytes()),
              static_cast<unsigned long long>(report.discarded_bytes), size);
  CAIRN_CHECK(std::string_view(input).starts_with(store.file_for_test()),
              "the kept file is not a prefix of the input");
  CAIRN_CHECK((report.discarded_bytes == 0) == report.why.empty(),
              "dropped %llu bytes, reason '%s'",
              static_cast<unsigned long long>(report.discarded_bytes),
              report.why.c_str());
  CAIRN_CHECK(report.records <= size / 8, "more records than headers");

  // The view.
  CAIRN_CHECK(store.GetInitialState().ok(), "initial state");
  CAIRN_CHECK(store.GetSnapshot().ok(), "snapshot");
  const raft::Index first = store.FirstIndex();
  const raft::Index last = store.LastIndex();
  CAIRN_CHECK(first >= 1 && first <= last + 1, "first %llu last %llu",
              static_cast<unsigned long long>(first),
              static_cast<unsigned long long>(last));
  Result<raft::Term> last_term = store.TermAt(last);
  CAIRN_CHECK(last_term.ok(), "term of the last index");
  if (first <= last) {
    Result<std::vector<raft::Entry>> all =
        store.Entries(first, last + 1, std::numeric_limits<uint64_t>::max());
    CAIRN_CHECK(all.ok() && all.value().size() == last + 1 - first,
                "entries [%llu, %llu]", static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(last));
  }
  CAIRN_CHECK(store.durable_last_index() == last, "durable last index");

  // Recovering again is a no-op.
  const std::string kept = store.file_for_test();
  const sim::RecoveryReport again = store.Recover();
  CAIRN_CHECK(again.records == report.records && again.discarded_bytes == 0 &&
                  store.file_for_test() == kept && store.LastIndex() == last,
              "second recovery differs: %s", again.why.c_str());

  // A new entry follows the good records and survives a crash.
  if (last < std::numeric_limits<raft::Index>::max() - 1) {
    raft::Entry next;
    next.index = last + 1;
    next.term = last_term.value();
    next.data = "after recovery";
    CAIRN_CHECK(store.Save(nullptr, {next}, nullptr, /*must_sync=*/true).ok(),
                "save after recovery");
    store.Crash(0);
    const sim::RecoveryReport after = store.Recover();
    CAIRN_CHECK(after.records == report.records + 1 &&
                    after.discarded_bytes == 0 && store.LastIndex() == last + 1,
                "the record saved after recovery was lost: %s",
                after.why.c_str());
  }
  return 0;
}
