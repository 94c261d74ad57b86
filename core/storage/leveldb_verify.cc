#include "core/storage/leveldb_verify.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>
#include <vector>

#include "core/storage/leveldb_log_format.h"
#include "core/storage/leveldb_prealloc_env.h"
#include "core/util/result.h"
#include "leveldb/env.h"
#include "leveldb/iterator.h"
#include "leveldb/options.h"
#include "leveldb/table.h"

namespace cairn::storage {
namespace {

namespace fs = std::filesystem;

// A table ends in a 48-byte footer (table/format.h).
constexpr uint64_t kTableFooterSize = 48;

Status Damaged(const fs::path& file, const std::string& what) {
  return Status::Corruption(file.string() + ": " + what);
}

Result<std::string> ReadWhole(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + file.string());
  std::string data((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IOError("cannot read " + file.string());
  return data;
}

// `manifest`: LevelDB syncs every MANIFEST record, so an empty one or an
// incomplete last record is damage there, not a torn tail. A *.log is
// checked up to where its data ends (LogDataEnd): the zeros of
// preallocated space, and a torn last record before them, are not damage.
Status VerifyLogFile(const fs::path& file, bool manifest) {
  Result<std::string> read = ReadWhole(file);
  if (!read.ok()) return read.status();
  std::string_view data = read.value();
  if (manifest && data.empty()) return Damaged(file, "empty");
  if (!manifest) data = data.substr(0, LogDataEnd(data));
  size_t pos = 0;
  while (pos < data.size()) {
    const LogRecordAt r = ReadLogRecordAt(data, pos);
    if (r.kind == LogRecordAt::kIncomplete) {
      return manifest ? Damaged(file, "ends in an incomplete record")
                      : Status::Ok();
    }
    if (r.kind == LogRecordAt::kBad) {
      return Damaged(file,
                     std::string(r.what) + " at offset " + std::to_string(pos));
    }
    pos = r.next;
  }
  return Status::Ok();
}

Status VerifyTableFile(const fs::path& file) {
  leveldb::Env* env = leveldb::Env::Default();
  uint64_t size = 0;
  leveldb::Status s = env->GetFileSize(file.string(), &size);
  if (s.ok() && size < kTableFooterSize) {
    return Damaged(
        file, "too short for a table (" + std::to_string(size) + " bytes)");
  }
  leveldb::RandomAccessFile* raw_file = nullptr;
  if (s.ok()) s = env->NewRandomAccessFile(file.string(), &raw_file);
  if (!s.ok()) return Status::IOError(file.string() + ": " + s.ToString());
  std::unique_ptr<leveldb::RandomAccessFile> f(raw_file);
  leveldb::Options options;
  options.paranoid_checks = true;
  leveldb::Table* raw_table = nullptr;
  s = leveldb::Table::Open(options, f.get(), size, &raw_table);
  if (!s.ok()) return Damaged(file, s.ToString());
  std::unique_ptr<leveldb::Table> table(raw_table);
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(table->NewIterator(ro));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  if (!it->status().ok()) return Damaged(file, it->status().ToString());
  return Status::Ok();
}

Status VerifyCurrent(const fs::path& dir) {
  Result<std::string> read = ReadWhole(dir / "CURRENT");
  if (!read.ok()) return read.status();
  const std::string& data = read.value();
  if (data.empty() || data.back() != '\n') {
    return Damaged(dir / "CURRENT", "does not end with a newline");
  }
  const std::string name = data.substr(0, data.size() - 1);
  std::error_code ec;
  if (name.rfind("MANIFEST-", 0) != 0 || !fs::exists(dir / name, ec)) {
    return Damaged(dir / "CURRENT", "names no existing MANIFEST");
  }
  return Status::Ok();
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Status VerifyLevelDbFiles(const std::string& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) files.push_back(e.path());
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (fs::exists(fs::path(dir) / "CURRENT", ec)) {
    if (Status s = VerifyCurrent(dir); !s.ok()) return s;
  }
  for (const fs::path& f : files) {
    const std::string name = f.filename().string();
    Status s;
    if (name.rfind("MANIFEST-", 0) == 0) {
      s = VerifyLogFile(f, /*manifest=*/true);
    } else if (EndsWith(name, ".log")) {
      s = VerifyLogFile(f, /*manifest=*/false);
    } else if (EndsWith(name, ".ldb") || EndsWith(name, ".sst")) {
      s = VerifyTableFile(f);
    }
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace cairn::storage
