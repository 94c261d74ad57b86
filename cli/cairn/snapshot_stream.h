// SnapshotStream: the response stream of one POST /v3/maintenance/snapshot,
// as etcd 3.4's gateway writes it. Edge code; one HTTP thread drives it.
//
// The content is the member's whole backend as a dump
// (storage::DumpEncoder's format), read from a LevelDB snapshot so the
// member goes on serving while it streams, padded to a whole number of
// 512-byte pages and followed by a SHA-256 of it all, as etcd appends one
// to its bbolt file (stock etcdctl keeps only a file of that shape). Lines are
//   {"result":{"remaining_bytes":"N","blob":"<base64>"}}
// with blobs of 32 KiB (etcd's snapshotSendBufferSize) and remaining_bytes
// the dump bytes still to come after this blob (left out when 0, as
// proto3's JSON mapping does); the hash comes alone in the last line. A
// read error mid-stream ends it with grpc-gateway's stream error line
//   {"error":{"grpc_code":N,"http_code":H,"message":M,"http_status":S}}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cli/common/sha256.h"
#include "core/storage/backend_snapshot.h"
#include "core/storage/leveldb_backend.h"
#include "core/util/result.h"

namespace cairn::node {

class SnapshotStream {
 public:
  static constexpr size_t kChunkBytes = 32 * 1024;

  explicit SnapshotStream(std::unique_ptr<storage::LevelDbBackend::View> view);

  // One piece of the stream: dump bytes (or, last, the SHA-256) and the
  // dump bytes still to come after it.
  struct Chunk {
    std::string blob;
    uint64_t remaining_bytes = 0;
  };
  // The next chunk, nullopt when the stream is over, or the read error
  // that ends it. Use either this or Next on one stream, not both.
  Result<std::optional<Chunk>> NextChunk();

  // The next line (with its newline), or nullopt when the stream is over.
  std::optional<std::string> Next();

  // The dump's size; known after the first Next.
  uint64_t total_bytes() const { return total_; }

 private:
  enum class Phase { kStart, kData, kHash, kDone };
  Status MeasureTotal();
  // Reads records into pending_ until it holds a chunk or the keys end.
  Status Fill();
  std::string ResultLine(std::string_view blob, uint64_t remaining) const;
  std::string ErrorLine(const Status& s) const;

  std::unique_ptr<storage::LevelDbBackend::View> view_;
  storage::DumpEncoder enc_;
  Sha256 sha_;
  Phase phase_ = Phase::kStart;
  bool more_keys_ = true;
  bool trailer_added_ = false;
  std::string pending_;
  uint64_t total_ = 0;
  uint64_t sent_ = 0;
};

}  // namespace cairn::node
