#include "cli/cairn/snapshot_stream.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/api/base64.h"
#include "core/api/gateway_error.h"
#include "core/util/check.h"

namespace cairn::node {

namespace {

const char* HttpStatusText(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

}  // namespace

SnapshotStream::SnapshotStream(
    std::unique_ptr<storage::LevelDbBackend::View> view)
    : view_(std::move(view)) {}

// A first pass over the same LevelDB snapshot sizes the dump exactly, so
// that every line can say how much is left, as etcd's does.
Status SnapshotStream::MeasureTotal() {
  uint64_t records = 0;
  total_ = storage::DumpEncoder::HeaderBytes();
  for (bool more = true; more;) {
    Result<bool> r = view_->Read([&](std::string_view k, std::string_view v) {
      total_ += storage::DumpEncoder::RecordBytes(k, v);
      records++;
      return true;
    });
    if (!r.ok()) return r.status();
    more = r.value();
  }
  total_ += storage::DumpEncoder::TrailerBytes(records);
  total_ += storage::DumpPaddingBytes(total_);
  view_->Rewind();
  pending_ = enc_.Header();
  return Status::Ok();
}

Status SnapshotStream::Fill() {
  while (more_keys_ && pending_.size() < kChunkBytes) {
    Result<bool> r = view_->Read([&](std::string_view k, std::string_view v) {
      enc_.Record(pending_, k, v);
      return pending_.size() < kChunkBytes;
    });
    if (!r.ok()) return r.status();
    more_keys_ = r.value();
  }
  if (!more_keys_ && !trailer_added_) {
    pending_ += enc_.Trailer();
    pending_.append(storage::DumpPaddingBytes(sent_ + pending_.size()), '\0');
    trailer_added_ = true;
  }
  return Status::Ok();
}

Result<std::optional<SnapshotStream::Chunk>> SnapshotStream::NextChunk() {
  if (phase_ == Phase::kStart) {
    if (Status s = MeasureTotal(); !s.ok()) {
      phase_ = Phase::kDone;
      return s;
    }
    phase_ = Phase::kData;
  }
  if (phase_ == Phase::kData) {
    if (Status s = Fill(); !s.ok()) {
      phase_ = Phase::kDone;
      return s;
    }
    const size_t n = std::min(pending_.size(), kChunkBytes);
    Chunk c{.blob = pending_.substr(0, n)};
    pending_.erase(0, n);
    sha_.Update(c.blob);
    sent_ += n;
    // The sizing pass and this one read one LevelDB snapshot: they agree.
    CAIRN_CHECK(sent_ <= total_, "snapshot grew while streaming");
    if (!more_keys_ && pending_.empty()) {
      CAIRN_CHECK(sent_ == total_, "snapshot shrank while streaming");
      phase_ = Phase::kHash;
    }
    c.remaining_bytes = total_ - sent_;
    return std::optional<Chunk>(std::move(c));
  }
  if (phase_ == Phase::kHash) {
    phase_ = Phase::kDone;
    return std::optional<Chunk>(Chunk{.blob = sha_.Finish()});
  }
  return std::optional<Chunk>();
}

std::optional<std::string> SnapshotStream::Next() {
  Result<std::optional<Chunk>> c = NextChunk();
  if (!c.ok()) return ErrorLine(c.status());
  if (!c.value().has_value()) return std::nullopt;
  return ResultLine(c.value()->blob, c.value()->remaining_bytes);
}

std::string SnapshotStream::ResultLine(std::string_view blob,
                                       uint64_t remaining) const {
  std::string out = "{\"result\":{";
  if (remaining != 0) {
    out += "\"remaining_bytes\":\"" + std::to_string(remaining) + "\",";
  }
  out += "\"blob\":\"" + api::EncodeBase64(blob) + "\"}}\n";
  return out;
}

std::string SnapshotStream::ErrorLine(const Status& s) const {
  const api::GatewayError err = api::ToGatewayError(s);
  nlohmann::ordered_json e;
  e["grpc_code"] = static_cast<int>(err.grpc_code);
  e["http_code"] = err.http_status;
  e["message"] = err.message;
  e["http_status"] = HttpStatusText(err.http_status);
  nlohmann::ordered_json j;
  j["error"] = e;
  return j.dump() + "\n";
}

}  // namespace cairn::node
