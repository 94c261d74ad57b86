#include "core/storage/leveldb_verify.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <system_error>
#include <vector>

#include "core/util/crc32c.h"
#include "core/util/result.h"
#include "leveldb/env.h"
#include "leveldb/iterator.h"
#include "leveldb/options.h"
#include "leveldb/table.h"

namespace cairn::storage {
namespace {

namespace fs = std::filesystem;

// LevelDB's log format (db/log_format.h).
constexpr size_t kBlockSize = 32768;
constexpr size_t kHeaderSize = 7;  // checksum (4), length (2), type (1)
constexpr uint32_t kMaskDelta = 0xa282ead8u;
// A table ends in a 48-byte footer (table/format.h).
constexpr uint64_t kTableFooterSize = 48;

uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

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

uint32_t Fixed32(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
}

// `manifest`: LevelDB syncs every MANIFEST record, so an empty one or an
// incomplete last record is damage there, not a torn tail.
Status VerifyLogFile(const fs::path& file, bool manifest) {
  Result<std::string> read = ReadWhole(file);
  if (!read.ok()) return read.status();
  const std::string& data = read.value();
  if (manifest && data.empty()) return Damaged(file, "empty");
  auto torn = [&]() {
    return manifest ? Damaged(file, "ends in an incomplete record")
                    : Status::Ok();
  };
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t left_in_block = kBlockSize - pos % kBlockSize;
    if (left_in_block < kHeaderSize) {  // a block's zero-filled trailer
      pos += left_in_block;
      continue;
    }
    if (data.size() - pos < kHeaderSize) return torn();
    const char* h = data.data() + pos;
    const size_t length = static_cast<uint8_t>(h[4]) |
                          static_cast<size_t>(static_cast<uint8_t>(h[5])) << 8;
    const auto type = static_cast<uint8_t>(h[6]);
    if (type == 0 && length == 0) {  // preallocated space: nothing after it
      pos += kHeaderSize;
      continue;
    }
    if (pos + kHeaderSize + length > data.size()) return torn();
    if (kHeaderSize + length > left_in_block) {
      return Damaged(file,
                     "bad record length at offset " + std::to_string(pos));
    }
    const uint32_t want = Unmask(Fixed32(h));
    const uint32_t got = Crc32c(std::string_view(h + 6, 1 + length));
    if (want != got) {
      return Damaged(file,
                     "checksum mismatch at offset " + std::to_string(pos));
    }
    pos += kHeaderSize + length;
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
