// PackedRecord: one entry of KvStore's revision log, kept as a single heap
// block in the same encoding as its backend record (kv_persist.h) instead
// of a KvRecord's two strings and four integers. At 1M keys of 256 bytes
// this is about 80 bytes a key less (a 24-byte entry plus one allocation,
// against a 120-byte entry plus the value's allocation, and the key's when
// it is longer than 15 bytes). Reads unpack a KeyValue, which they copied
// out of the record before anyway. Pure core.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/mvcc/revision.h"
#include "core/mvcc/types.h"
#include "core/util/status.h"

namespace cairn::mvcc {

// One change in the revision log (etcd's backend "key" bucket entry): a
// put holds the whole KeyValue; a tombstone holds only the key.
struct KvRecord {
  Revision rev;
  bool tombstone = false;
  KeyValue kv;

  bool operator==(const KvRecord&) const = default;
};

// Appends the record's body: u8 kind (0 put, 1 tombstone), varint key
// length, key, and for a put varint create_revision, varint version,
// varint lease (two's complement), varint value length, value. The
// mod_revision is rev.main and is not stored.
void AppendKvRecordBody(const KvRecord& record, std::string& out);

// Decodes a body written by AppendKvRecordBody for revision `rev`.
// Errors: kCorruption with a short reason (the caller names the record).
Status DecodeKvRecordBody(std::string_view body, Revision rev, KvRecord& out);

class PackedRecord {
 public:
  explicit PackedRecord(const KvRecord& record);

  Revision rev;

  // The record's KeyValue; a tombstone's holds only the key.
  KeyValue kv() const;
  KvRecord Unpack() const;
  // The key's and the value's bytes together.
  size_t payload_bytes() const;
  // Bytes of the heap block.
  size_t heap_bytes() const;

 private:
  std::string_view body() const;

  // A varint body length, then the body.
  std::unique_ptr<char[]> data_;
};

}  // namespace cairn::mvcc
