// The replay view's page writer and its bounded trace.
#include "simulator/replay_html.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace cairn::sim {
namespace {

TEST(ReplayHtmlTest, TheTraceGoesInWithNothingThatClosesItsScriptEarly) {
  std::ostringstream page;
  WriteReplayHtml(page,
                  "{\"ev\":\"narrate\",\"t\":0,\"text\":\"</script><b>\"}\n");
  const std::string html = page.str();
  EXPECT_EQ(html.find("/*CAIRN_TRACE*/"), std::string::npos);
  EXPECT_NE(
      html.find("{\"ev\":\"narrate\",\"t\":0,\"text\":\"<\\/script><b>\"}"),
      std::string::npos);
  // The only "</script" left are the page's own.
  size_t closes = 0;
  for (size_t at = html.find("</script"); at != std::string::npos;
       at = html.find("</script", at + 1)) {
    closes++;
  }
  EXPECT_EQ(closes, 2u);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
}

TEST(PageTraceTest, KeepsEverythingUnderTheCap) {
  PageTrace t(1000);
  t.stream() << "{\"ev\":\"a\",\"t\":1}\n{\"ev\":\"b\",\"t\":2}\n";
  EXPECT_EQ(t.Text(), "{\"ev\":\"a\",\"t\":1}\n{\"ev\":\"b\",\"t\":2}\n");
}

TEST(PageTraceTest, StopsAtTheCapOnAWholeLineAndSaysSo) {
  PageTrace t(64);
  for (int i = 0; i < 100; i++) {
    t.stream() << "{\"ev\":\"x\",\"t\":" << i << "}\n";
  }
  const std::string text = t.Text();
  std::istringstream in(text);
  std::string line;
  std::string last;
  int lines = 0;
  while (std::getline(in, line)) {
    ASSERT_TRUE(nlohmann::json::accept(line)) << line;
    last = line;
    lines++;
  }
  EXPECT_LT(lines, 10);
  nlohmann::json note = nlohmann::json::parse(last);
  EXPECT_EQ(note["ev"], "narrate");
  EXPECT_NE(note["text"].get<std::string>().find("cut here"),
            std::string::npos);
  EXPECT_EQ(note["t"], lines - 2);  // the time of the last whole line
}

}  // namespace
}  // namespace cairn::sim
