// The arguments of an interactive watch line (`cairnctl watch -i`),
// parsed as etcdctl 3.4's parseWatchArgs with pflag does: flags
// anywhere among the words, "--" ending the flags and starting the
// exec-command, the key from the environment, and pflag's error texts
// (recorded from etcdctl 3.4.23's interactive watch).
#include "cli/cairnctl/watch_args.h"

#include <gtest/gtest.h>

namespace cairn::ctl {
namespace {

using Words = std::vector<std::string>;

WatchLine MustParse(const Words& words, const std::string& env_key = "",
                    const std::string& env_range = "") {
  Result<WatchLine> r = ParseWatchLine(words, env_key, env_range);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r.value() : WatchLine{};
}

std::string ErrorOf(const Words& words, const std::string& env_key = "") {
  Result<WatchLine> r = ParseWatchLine(words, env_key, "");
  return r.ok() ? "ok" : r.status().message();
}

TEST(WatchLineTest, KeyRangeAndFlagsAnywhere) {
  WatchLine w = MustParse({"watch", "foo", "--rev", "3", "zoo", "--prev-kv"});
  EXPECT_EQ(w.args, (Words{"foo", "zoo"}));
  EXPECT_EQ(w.rev, 3);
  EXPECT_TRUE(w.prev_kv);
  EXPECT_FALSE(w.prefix);
  EXPECT_TRUE(w.exec.empty());

  w = MustParse({"watch", "--prefix", "--rev=0x10", "k"});
  EXPECT_EQ(w.args, (Words{"k"}));
  EXPECT_TRUE(w.prefix);
  EXPECT_EQ(w.rev, 16);  // strconv.ParseInt base 0

  w = MustParse({"watch", "--prefix=false", "-i", "k"});
  EXPECT_FALSE(w.prefix);
}

TEST(WatchLineTest, ExecCommandAfterSeparator) {
  WatchLine w =
      MustParse({"watch", "foo", "--rev", "2", "--", "echo", "--prefix", "x"});
  EXPECT_EQ(w.args, (Words{"foo"}));
  EXPECT_EQ(w.exec, (Words{"echo", "--prefix", "x"}));
  // Words after "--" are not flags of the watch.
  EXPECT_FALSE(w.prefix);
  EXPECT_EQ(w.rev, 2);
  // The key list is cut at the last word equal to the command's name.
  w = MustParse({"watch", "echo", "--", "echo", "hi"});
  EXPECT_EQ(w.args, (Words{"echo"}));
  // No key: an empty key list, which the watch itself then rejects.
  w = MustParse({"watch", "--", "echo"});
  EXPECT_TRUE(w.args.empty());
}

TEST(WatchLineTest, EnvironmentKeyComesFirst) {
  WatchLine w = MustParse({"watch", "--prefix"}, "ek", "");
  EXPECT_EQ(w.args, (Words{"ek"}));
  w = MustParse({"watch", "--", "echo", "1"}, "ek", "ez");
  EXPECT_EQ(w.args, (Words{"ek", "ez"}));
  EXPECT_EQ(w.exec, (Words{"echo", "1"}));
  EXPECT_EQ(ErrorOf({"watch", "foo"}, "ek"),
            "bad number of arguments (found conflicting environment key)");
}

TEST(WatchLineTest, ArgumentErrorsInEtcdctlWords) {
  EXPECT_EQ(ErrorOf({"watch", "--prefix"}), "bad number of arguments");
  EXPECT_EQ(ErrorOf({"watch", "foo", "--"}),
            "bad number of arguments (found separator --, but no commands)");
}

TEST(WatchLineTest, FlagErrorsInPflagWords) {
  EXPECT_EQ(ErrorOf({"watch", "foo", "--bogus"}), "unknown flag: --bogus");
  EXPECT_EQ(ErrorOf({"watch", "foo", "-x"}),
            "unknown shorthand flag: 'x' in -x");
  EXPECT_EQ(ErrorOf({"watch", "foo", "-ix"}),
            "unknown shorthand flag: 'x' in -x");
  EXPECT_EQ(ErrorOf({"watch", "foo", "--rev"}),
            "flag needs an argument: --rev");
  EXPECT_EQ(ErrorOf({"watch", "foo", "--rev", "abc"}),
            "invalid argument \"abc\" for \"--rev\" flag: strconv.ParseInt: "
            "parsing \"abc\": invalid syntax");
  EXPECT_EQ(ErrorOf({"watch", "foo", "--rev=99999999999999999999"}),
            "invalid argument \"99999999999999999999\" for \"--rev\" flag: "
            "strconv.ParseInt: parsing \"99999999999999999999\": value out "
            "of range");
  EXPECT_EQ(ErrorOf({"watch", "foo", "--prefix=maybe"}),
            "invalid argument \"maybe\" for \"--prefix\" flag: "
            "strconv.ParseBool: parsing \"maybe\": invalid syntax");
  EXPECT_EQ(ErrorOf({"watch", "foo", "---x"}), "bad flag syntax: ---x");
  EXPECT_EQ(ErrorOf({"watch", "foo", "--help"}), "pflag: help requested");
}

TEST(WatchLineTest, LoneDashIsAKey) {
  WatchLine w = MustParse({"watch", "-"});
  EXPECT_EQ(w.args, (Words{"-"}));
}

}  // namespace
}  // namespace cairn::ctl
