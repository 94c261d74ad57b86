// The pure pieces of cairnctl's lock and elect recipes: contender key
// names (prefix + lease id in Go's %x, as clientv3/concurrency names
// them), the range requests that find the owner (first created) and the
// predecessor (last created below a revision) in the gateway's JSON
// form, the create-revision compare, and how a contender's revision is
// read from the answer to its txn (created now, or already there). The
// recipes themselves run against etcd in etcdctl_compat_lock/elect.
#include "cli/cairnctl/concurrency.h"

#include <gtest/gtest.h>

#include "cli/cairnctl/command.h"
#include "core/api/base64.h"

namespace cairn::ctl {
namespace {

TEST(ContenderKeyTest, LeaseInLowerHexWithoutPadding) {
  EXPECT_EQ(ContenderKey("mylock/", 0x694da212548f1e05),
            "mylock/694da212548f1e05");
  EXPECT_EQ(ContenderKey("e/", 0xabc), "e/abc");
  EXPECT_EQ(ContenderKey("e/", 0), "e/0");
  // Go's %x of a negative int64 is signed; etcd never grants one, but a
  // gateway could answer with any id.
  EXPECT_EQ(ContenderKey("", -1), "-1");
  EXPECT_EQ(ContenderKey("", INT64_MIN), "-8000000000000000");
}

TEST(RangeRequestTest, FirstCreateIsPrefixSortedByCreateAscendingLimitOne) {
  const Json r = FirstCreateRange("lk/");
  EXPECT_EQ(r["key"], api::EncodeBase64("lk/"));
  EXPECT_EQ(r["range_end"], api::EncodeBase64("lk0"));
  EXPECT_EQ(r["limit"], "1");
  EXPECT_EQ(r["sort_order"], "ASCEND");
  EXPECT_EQ(r["sort_target"], "CREATE");
  EXPECT_FALSE(r.contains("max_create_revision"));
}

TEST(RangeRequestTest, LastCreateBelowIsDescendingWithMaxCreateRevision) {
  const Json r = LastCreateRange("lk/", 41);
  EXPECT_EQ(r["range_end"], api::EncodeBase64("lk0"));
  EXPECT_EQ(r["sort_order"], "DESCEND");
  EXPECT_EQ(r["sort_target"], "CREATE");
  EXPECT_EQ(r["limit"], "1");
  EXPECT_EQ(r["max_create_revision"], "41");
}

TEST(TxnPiecesTest, CompareAndPutInGatewayForm) {
  EXPECT_EQ(CreateRevisionIs("k", 0).dump(),
            R"({"result":"EQUAL","target":"CREATE","key":"aw==",)"
            R"("create_revision":"0"})");
  EXPECT_EQ(PutWithLease("k", "v", 7).dump(),
            R"({"key":"aw==","value":"dg==","lease":"7"})");
}

TEST(ContenderRevisionTest, CreatedNowTakesTheTxnRevision) {
  const Json txn = Json::parse(
      R"({"header":{"revision":"12"},"succeeded":true,
          "responses":[{"response_put":{}},{"response_range":{}}]})");
  EXPECT_EQ(ContenderRevision(txn), 12);
}

TEST(ContenderRevisionTest, ExistingKeyKeepsItsCreateRevision) {
  // The same session asking again (its key survives): its place in the
  // queue is where it first stood, not the txn's revision.
  const Json txn = Json::parse(
      R"({"header":{"revision":"30"},
          "responses":[{"response_range":{"kvs":[{"key":"aw==",
             "create_revision":"9","mod_revision":"9"}],"count":"1"}}]})");
  EXPECT_EQ(ContenderRevision(txn), 9);
}

TEST(PrefixRangeEndTest, EndsOfContenderPrefixes) {
  EXPECT_EQ(PrefixRangeEnd("lk/"), "lk0");
  EXPECT_EQ(PrefixRangeEnd("a\xff/"),
            "a\xff"
            "0");
}

}  // namespace
}  // namespace cairn::ctl
