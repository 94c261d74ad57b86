#include "core/storage/leveldb_prealloc_env.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "core/storage/leveldb_log_format.h"

namespace cairn::storage {

namespace {

leveldb::Status PosixError(const std::string& what, int err) {
  return leveldb::Status::IOError(what, std::strerror(err));
}

// Buffers appends and writes them at its own offset into space it
// allocated ahead; Close gives back what was not used.
class PreallocFile : public leveldb::WritableFile {
 public:
  PreallocFile(std::string name, int fd, uint64_t chunk)
      : name_(std::move(name)), fd_(fd), chunk_(chunk) {}
  ~PreallocFile() override {
    if (fd_ >= 0) Close();
  }

  leveldb::Status Append(const leveldb::Slice& data) override {
    buf_.append(data.data(), data.size());
    if (buf_.size() >= kFlushAt) return Flush();
    return leveldb::Status::OK();
  }

  leveldb::Status Flush() override {
    if (buf_.empty()) return leveldb::Status::OK();
    Reserve(offset_ + buf_.size());
    size_t done = 0;
    while (done < buf_.size()) {
      const ssize_t n = ::pwrite(fd_, buf_.data() + done, buf_.size() - done,
                                 static_cast<off_t>(offset_ + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        // What was written stays counted, so a retry cannot leave a hole.
        buf_.erase(0, done);
        offset_ += done;
        return PosixError(name_, err);
      }
      done += static_cast<size_t>(n);
    }
    offset_ += buf_.size();
    buf_.clear();
    return leveldb::Status::OK();
  }

  leveldb::Status Sync() override {
    leveldb::Status s = Flush();
    if (!s.ok()) return s;
    if (::fdatasync(fd_) != 0) return PosixError(name_, errno);
    return leveldb::Status::OK();
  }

  leveldb::Status Close() override {
    leveldb::Status s = Flush();
    // The unused space goes back: a closed log ends at its last record.
    if (s.ok() && allocated_ > offset_ &&
        ::ftruncate(fd_, static_cast<off_t>(offset_)) != 0) {
      s = PosixError(name_, errno);
    }
    if (::close(fd_) != 0 && s.ok()) s = PosixError(name_, errno);
    fd_ = -1;
    return s;
  }

 private:
  static constexpr size_t kFlushAt = 64 << 10;

  // Makes the file at least `end` bytes long in allocated space, a chunk
  // at a time. When the file system cannot (no fallocate, or no space for
  // a whole chunk), the file grows by its writes as an appended one would;
  // a write that finds no space then fails as it would have anyway.
  void Reserve(uint64_t end) {
    if (!preallocate_ || end <= allocated_) return;
    const uint64_t want = std::max(allocated_ + chunk_, end);
    if (::fallocate(fd_, 0, static_cast<off_t>(allocated_),
                    static_cast<off_t>(want - allocated_)) != 0) {
      preallocate_ = false;
      return;
    }
    allocated_ = want;
  }

  std::string name_;
  int fd_;
  uint64_t chunk_;
  uint64_t offset_ = 0;
  uint64_t allocated_ = 0;
  bool preallocate_ = true;
  std::string buf_;
};

// A whole file's bytes, read from memory.
class MemorySequentialFile : public leveldb::SequentialFile {
 public:
  explicit MemorySequentialFile(std::string data) : data_(std::move(data)) {}

  leveldb::Status Read(size_t n, leveldb::Slice* result,
                       char* scratch) override {
    n = std::min(n, data_.size() - pos_);
    std::memcpy(scratch, data_.data() + pos_, n);
    pos_ += n;
    *result = leveldb::Slice(scratch, n);
    return leveldb::Status::OK();
  }

  leveldb::Status Skip(uint64_t n) override {
    pos_ += static_cast<size_t>(std::min<uint64_t>(n, data_.size() - pos_));
    return leveldb::Status::OK();
  }

 private:
  std::string data_;
  size_t pos_ = 0;
};

leveldb::Status ReadAll(leveldb::Env* env, const std::string& fname,
                        std::string* out) {
  leveldb::SequentialFile* raw = nullptr;
  leveldb::Status s = env->NewSequentialFile(fname, &raw);
  if (!s.ok()) return s;
  std::unique_ptr<leveldb::SequentialFile> file(raw);
  std::string scratch(1 << 16, '\0');
  while (true) {
    leveldb::Slice got;
    s = file->Read(scratch.size(), &got, scratch.data());
    if (!s.ok()) return s;
    if (got.empty()) return leveldb::Status::OK();
    out->append(got.data(), got.size());
  }
}

}  // namespace

bool IsLevelDbLogName(std::string_view fname) {
  const size_t slash = fname.find_last_of('/');
  if (slash != std::string_view::npos) fname.remove_prefix(slash + 1);
  if (fname.size() <= 4 || fname.substr(fname.size() - 4) != ".log") {
    return false;
  }
  const std::string_view digits = fname.substr(0, fname.size() - 4);
  return std::all_of(digits.begin(), digits.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

leveldb::Status PreallocEnv::NewWritableFile(const std::string& fname,
                                             leveldb::WritableFile** result) {
  if (!IsLevelDbLogName(fname)) {
    return target()->NewWritableFile(fname, result);
  }
  const int fd =
      ::open(fname.c_str(), O_TRUNC | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *result = nullptr;
    return PosixError(fname, errno);
  }
  *result = new PreallocFile(fname, fd, chunk_);
  return leveldb::Status::OK();
}

leveldb::Status PreallocEnv::NewSequentialFile(
    const std::string& fname, leveldb::SequentialFile** result) {
  if (!IsLevelDbLogName(fname)) {
    return target()->NewSequentialFile(fname, result);
  }
  std::string data;
  leveldb::Status s = ReadAll(target(), fname, &data);
  if (!s.ok()) {
    *result = nullptr;
    return s;
  }
  data.resize(LogDataEnd(data));
  *result = new MemorySequentialFile(std::move(data));
  return leveldb::Status::OK();
}

PreallocEnv* PreallocEnv::Default() {
  static PreallocEnv* env = new PreallocEnv(leveldb::Env::Default());
  return env;
}

size_t LogDataEnd(std::string_view data) {
  auto zeros_from = [&](size_t from) {
    from = std::min(from, data.size());
    return std::all_of(data.begin() + static_cast<ptrdiff_t>(from), data.end(),
                       [](char c) { return c == 0; });
  };
  size_t pos = 0;
  while (pos < data.size()) {
    LogRecordAt r = ReadLogRecordAt(data, pos);
    switch (r.kind) {
      case LogRecordAt::kTrailer:
        break;
      case LogRecordAt::kRecord:
        break;
      case LogRecordAt::kZero:
        // LevelDB's reader skips the rest of the block; all zeros from
        // here is the preallocated space.
        if (zeros_from(pos)) return pos;
        break;
      case LogRecordAt::kIncomplete:
        return data.size();  // a torn tail the reader drops itself
      case LogRecordAt::kBad:
        // Torn only inside preallocated space: a record that fails its
        // checksum at the very end of the file is damage, as LevelDB
        // sees it in an appended log.
        return r.next < data.size() && zeros_from(r.next) ? pos : data.size();
    }
    pos = r.next;
  }
  return data.size();
}

}  // namespace cairn::storage
