// KeyValueBytes: what a host answer's encoding costs grow with, which
// decides whether the host loop encodes it itself (node.cc).
#include "cli/cairn/host_answer.h"

#include <gtest/gtest.h>

#include <string>

namespace cairn::node {
namespace {

mvcc::KeyValue Kv(size_t key, size_t value) {
  mvcc::KeyValue kv;
  kv.key = std::string(key, 'k');
  kv.value = std::string(value, 'v');
  return kv;
}

HostAnswer Of(server::Response r) {
  return HostAnswer{.response = std::move(r), .header = {}};
}

TEST(KeyValueBytesTest, CountsEveryKeyValueAnAnswerCarries) {
  mvcc::RangeResponse range;
  range.kvs = {Kv(3, 10), Kv(5, 0)};
  EXPECT_EQ(KeyValueBytes(Of(range)), (3 + 10 + 64) + (5 + 0 + 64));
  EXPECT_EQ(KeyValueBytes(Of(mvcc::RangeResponse{})), 0u);

  mvcc::PutResponse put;
  EXPECT_EQ(KeyValueBytes(Of(put)), 0u);
  put.prev_kv = Kv(1, 100);
  EXPECT_EQ(KeyValueBytes(Of(put)), 165u);

  mvcc::DeleteRangeResponse del;
  del.prev_kvs = {Kv(2, 2)};
  EXPECT_EQ(KeyValueBytes(Of(del)), 68u);

  // A txn's ops, nested txns included.
  mvcc::TxnResponse inner;
  inner.responses.push_back({range});
  mvcc::TxnResponse txn;
  txn.responses.push_back({put});
  txn.responses.push_back({del});
  txn.responses.push_back({inner});
  EXPECT_EQ(KeyValueBytes(Of(txn)), 165u + 68u + 77u + 69u);

  // Answers without key-values, and the host's own.
  EXPECT_EQ(KeyValueBytes(Of(mvcc::CompactionResponse{})), 0u);
  EXPECT_EQ(
      KeyValueBytes(HostAnswer{.response = api::HashResponse{}, .header = {}}),
      0u);
}

}  // namespace
}  // namespace cairn::node
