#include "tests/support/datadriven.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cairn::testing {
namespace {

struct ParsedCase {
  TestData data;
  size_t out_begin = 0;  // first line of the expected block (after "----")
  size_t out_end = 0;    // one past its last line (incl. closing fences)
};

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<std::string> SplitWords(const std::string& line) {
  // Splits on spaces, but keeps "k=(a, b)" together.
  std::vector<std::string> words;
  std::string cur;
  int depth = 0;
  for (char c : line) {
    if (c == '(') depth++;
    if (c == ')') depth--;
    if (c == ' ' && depth == 0) {
      if (!cur.empty()) words.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) words.push_back(cur);
  return words;
}

CmdArg ParseArg(const std::string& word) {
  CmdArg arg;
  const size_t eq = word.find('=');
  if (eq == std::string::npos) {
    arg.key = word;
    return arg;
  }
  arg.key = word.substr(0, eq);
  std::string val = word.substr(eq + 1);
  if (val.size() >= 2 && val.front() == '(' && val.back() == ')') {
    std::string inner = val.substr(1, val.size() - 2);
    std::string cur;
    for (char c : inner) {
      if (c == ',') {
        arg.vals.push_back(cur);
        cur.clear();
      } else if (c != ' ') {
        cur.push_back(c);
      }
    }
    if (!cur.empty() || !inner.empty()) arg.vals.push_back(cur);
  } else {
    arg.vals.push_back(val);
  }
  return arg;
}

// Parses the cases of one file; reports a failure and returns what it has
// on a malformed file.
std::vector<ParsedCase> Parse(const std::string& path,
                              const std::vector<std::string>& lines) {
  std::vector<ParsedCase> cases;
  size_t i = 0;
  while (i < lines.size()) {
    const std::string& line = lines[i];
    if (line.empty() || line[0] == '#') {
      i++;
      continue;
    }
    ParsedCase pc;
    pc.data.pos = path + ":" + std::to_string(i + 1);
    std::vector<std::string> words = SplitWords(line);
    pc.data.cmd = words[0];
    for (size_t w = 1; w < words.size(); w++) {
      pc.data.args.push_back(ParseArg(words[w]));
    }
    i++;
    while (i < lines.size() && lines[i] != "----") {
      pc.data.input += lines[i] + "\n";
      i++;
    }
    if (i >= lines.size()) {
      ADD_FAILURE() << pc.data.pos << ": directive without a ---- line";
      return cases;
    }
    i++;  // the "----"
    pc.out_begin = i;
    if (i < lines.size() && lines[i] == "----") {
      // Fenced output: ends at "----" followed by "----".
      i++;
      while (i + 1 < lines.size() &&
             !(lines[i] == "----" && lines[i + 1] == "----")) {
        pc.data.expected += lines[i] + "\n";
        i++;
      }
      i = std::min(i + 2, lines.size());
    } else {
      while (i < lines.size() && !lines[i].empty()) {
        pc.data.expected += lines[i] + "\n";
        i++;
      }
    }
    pc.out_end = i;
    cases.push_back(std::move(pc));
  }
  return cases;
}

std::string Normalize(std::string out) {
  while (!out.empty() && out.back() == '\n') out.pop_back();
  if (!out.empty()) out.push_back('\n');
  return out;
}

std::vector<std::string> RenderBlock(const std::string& out) {
  std::vector<std::string> block = SplitLines(out);
  const bool fenced =
      std::any_of(block.begin(), block.end(),
                  [](const std::string& l) { return l.empty(); });
  if (fenced) {
    block.insert(block.begin(), "----");
    block.push_back("----");
    block.push_back("----");
  }
  return block;
}

}  // namespace

bool TestData::HasArg(const std::string& key) const {
  return std::any_of(args.begin(), args.end(),
                     [&](const CmdArg& a) { return a.key == key; });
}

std::string TestData::Arg(const std::string& key,
                          const std::string& def) const {
  for (const CmdArg& a : args) {
    if (a.key != key) continue;
    return a.vals.empty() ? a.key : a.vals[0];
  }
  return def;
}

std::vector<std::string> TestData::Args(const std::string& key) const {
  for (const CmdArg& a : args) {
    if (a.key == key) return a.vals;
  }
  return {};
}

uint64_t TestData::ArgUint(const std::string& key, uint64_t def) const {
  if (!HasArg(key)) return def;
  const std::string v = Arg(key);
  char* end = nullptr;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') {
    ADD_FAILURE() << pos << ": " << key << "=" << v << " is not a number";
    return def;
  }
  return n;
}

int64_t TestData::ArgInt(const std::string& key, int64_t def) const {
  if (!HasArg(key)) return def;
  const std::string v = Arg(key);
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') {
    ADD_FAILURE() << pos << ": " << key << "=" << v << " is not a number";
    return def;
  }
  return n;
}

std::vector<std::string> TestData::Positionals() const {
  std::vector<std::string> out;
  for (const CmdArg& a : args) {
    if (a.vals.empty()) out.push_back(a.key);
  }
  return out;
}

void RunFile(const std::string& path, const Handler& handler) {
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream buf;
  buf << in.rdbuf();
  const std::vector<std::string> lines = SplitLines(buf.str());
  const std::vector<ParsedCase> cases = Parse(path, lines);
  const char* rewrite_env = std::getenv("CAIRN_REWRITE");
  const bool rewrite =
      rewrite_env != nullptr && std::string(rewrite_env) == "1";

  std::vector<std::string> out_lines;
  size_t copied = 0;
  for (const ParsedCase& pc : cases) {
    const std::string actual = Normalize(handler(pc.data));
    if (rewrite) {
      out_lines.insert(out_lines.end(), lines.begin() + copied,
                       lines.begin() + pc.out_begin);
      std::vector<std::string> block = RenderBlock(actual);
      out_lines.insert(out_lines.end(), block.begin(), block.end());
      copied = pc.out_end;
    } else if (actual != Normalize(pc.data.expected)) {
      ADD_FAILURE() << pc.data.pos << ": " << pc.data.cmd << "\nexpected:\n"
                    << pc.data.expected << "actual:\n"
                    << actual;
    }
  }
  if (!rewrite) return;
  out_lines.insert(out_lines.end(), lines.begin() + copied, lines.end());
  std::ofstream out(path, std::ios::trunc);
  for (const std::string& l : out_lines) out << l << "\n";
}

std::vector<std::string> ListFiles(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace cairn::testing
