// Status and Result: codes, messages, rendering, and that misuse of a
// Result (reading the value of an error) is a programmer error that aborts.
#include "core/util/status.h"

#include <gtest/gtest.h>

#include <set>

#include "core/util/result.h"

namespace cairn {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), Code::kOk);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s(Code::kCompacted, "required revision has been compacted");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kCompacted);
  EXPECT_EQ(s.ToString(), "compacted: required revision has been compacted");
}

TEST(StatusTest, EveryCodeHasADistinctName) {
  std::set<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(Code::kCorruption); c++) {
    std::string_view name = CodeName(static_cast<Code>(c));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

TEST(ResultTest, HoldsValue) {
  Result<int> r(42);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 42);
  EXPECT_TRUE(r.status().ok());
}

TEST(ResultTest, HoldsError) {
  Result<std::string> r(Status::NotFound("no such key"));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kNotFound);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> r(Status::NotFound("gone"));
  EXPECT_DEATH((void)r.value(), "value\\(\\) of an error Result: not-found");
}

TEST(ResultDeathTest, OkStatusIsNotAnError) {
  EXPECT_DEATH(Result<int>{Status::Ok()}, "OK status has no value");
}

}  // namespace
}  // namespace cairn
