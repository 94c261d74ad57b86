// Trace: one sorted-key JSON object per line, the ring of last lines, and
// identical output for identical input.
#include "simulator/trace.h"

#include <gtest/gtest.h>

#include <sstream>

namespace cairn::sim {
namespace {

TEST(TraceTest, WritesSortedJsonLines) {
  std::ostringstream out;
  Trace trace(&out, 2);
  trace.Emit(5, "send", {{"to", 2}, {"from", 1}, {"type", "MsgApp"}});
  trace.Emit(7, "crash", {{"node", 3}});
  EXPECT_EQ(out.str(),
            "{\"ev\":\"send\",\"from\":1,\"t\":5,\"to\":2,\"type\":\"MsgApp\"}"
            "\n{\"ev\":\"crash\",\"node\":3,\"t\":7}\n");
  EXPECT_EQ(trace.lines(), 2u);
}

TEST(TraceTest, KeepsOnlyTheLastLines) {
  Trace trace(nullptr, 2);
  trace.Emit(1, "a");
  trace.Emit(2, "b");
  trace.Emit(3, "c");
  ASSERT_EQ(trace.last().size(), 2u);
  EXPECT_EQ(trace.last().front(), "{\"ev\":\"b\",\"t\":2}");
  EXPECT_EQ(trace.last().back(), "{\"ev\":\"c\",\"t\":3}");
}

TEST(TraceDeathTest, FieldsMustBeAnObject) {
  Trace trace(nullptr, 0);
  EXPECT_DEATH(trace.Emit(1, "x", nlohmann::json::array({1, 2})),
               "must be an object");
}

}  // namespace
}  // namespace cairn::sim
