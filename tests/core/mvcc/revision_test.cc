// Revisions order by main then sub, and encode as etcd's 17-byte backend
// keys (big-endian main, '_', big-endian sub, optional tombstone mark).
#include "core/mvcc/revision.h"

#include <gtest/gtest.h>

namespace cairn::mvcc {
namespace {

TEST(RevisionTest, Orders) {
  EXPECT_LT((Revision{1, 5}), (Revision{2, 0}));
  EXPECT_LT((Revision{2, 0}), (Revision{2, 1}));
  EXPECT_EQ((Revision{3, 1}), (Revision{3, 1}));
}

TEST(RevisionTest, EncodesLikeEtcd) {
  const std::string b = EncodeRevision(Revision{0x0102, 3}, false);
  ASSERT_EQ(b.size(), kRevisionBytes);
  EXPECT_EQ(b, std::string("\0\0\0\0\0\0\x01\x02_\0\0\0\0\0\0\0\x03", 17));
  EXPECT_EQ(EncodeRevision(Revision{1, 0}, true).back(), 't');
  EXPECT_EQ(EncodeRevision(Revision{1, 0}, true).size(), kRevisionBytes + 1);
  // Byte order of encodings follows revision order.
  EXPECT_LT(EncodeRevision({255, 9}, false), EncodeRevision({256, 0}, false));
}

TEST(RevisionTest, ToString) { EXPECT_EQ(RevisionToString({5, 2}), "5.2"); }

}  // namespace
}  // namespace cairn::mvcc
