// `cairnsim run` (scenario_command.h).
#include "simulator/scenario_command.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/util/strings.h"
#include "simulator/replay_html.h"
#include "simulator/scenario.h"
#include "simulator/scenario_world.h"
#include "simulator/server_bugs.h"

namespace cairn::sim::scenario {

namespace {

// Scenario files are small; a bigger one is refused before parsing.
constexpr std::streamoff kMaxFileBytes = 1 << 20;

bool ReadFile(const std::string& path, std::string* text, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size > kMaxFileBytes) {
    *err = StrFormat("%s: %lld bytes is too big for a scenario (1 MiB at most)",
                     path.c_str(), static_cast<long long>(size));
    return false;
  }
  in.seekg(0);
  std::ostringstream buf;
  buf << in.rdbuf();
  *text = buf.str();
  return true;
}

// One scenario: its verdict line (and report on failure). Returns whether
// it passed.
bool RunOne(const std::string& path, const RunFlags& flags, std::ostream* trace,
            std::ostream* html) {
  std::string text;
  std::string err;
  if (!ReadFile(path, &text, &err)) {
    std::cout << "FAIL " << path << "\n  " << err << "\n";
    return false;
  }
  auto parsed = ParseScenario(path, text);
  if (const auto* pe = std::get_if<ParseError>(&parsed)) {
    std::cout << "FAIL " << path << "\n" << pe->ToString() << "\n";
    return false;
  }
  const Scenario& s = std::get<Scenario>(parsed);
  RunOptions o;
  o.seed = flags.seed;
  std::ostringstream page_trace;
  o.trace = html != nullptr ? &page_trace : trace;
  o.bugs = *ParseServerBug(flags.planted_bug);
  const auto start = std::chrono::steady_clock::now();
  const RunReport r = RunScenario(s, o);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::cout << (r.ok ? "PASS " : "FAIL ") << path;
  if (!s.title.empty()) std::cout << "  " << s.title;
  std::cout << StrFormat(" (seed %llu, %.1fs simulated, %llu events, %.2fs)\n",
                         static_cast<unsigned long long>(r.seed),
                         static_cast<double>(r.simulated) / kSeconds,
                         static_cast<unsigned long long>(r.events), wall);
  if (!r.ok) std::cout << r.failure;
  if (html != nullptr) {
    if (trace != nullptr) *trace << page_trace.str();
    WriteReplayHtml(*html, page_trace.str());
  }
  return r.ok;
}

}  // namespace

int RunScenarioFiles(const RunFlags& flags) {
  if (!ParseServerBug(flags.planted_bug).has_value()) {
    std::cerr << "Error: --planted-bug " << flags.planted_bug
              << " is not a server bug; cairnsim run plants "
                 "follower-local-read, skip-watch-event, applied-index-apart "
                 "or lease-revoke-keeps-keys\n";
    return 1;
  }
  std::ofstream trace_file;
  std::ostream* trace = nullptr;
  if (!flags.trace_path.empty()) {
    trace_file.open(flags.trace_path, std::ios::binary | std::ios::trunc);
    if (!trace_file) {
      std::cerr << "Error: cannot write " << flags.trace_path << ": "
                << std::strerror(errno) << "\n";
      return 1;
    }
    trace = &trace_file;
  }
  std::ofstream html_file;
  if (!flags.html_path.empty()) {
    if (flags.files.size() != 1) {
      std::cerr << "Error: --html draws one run: give one scenario file\n";
      return 1;
    }
    html_file.open(flags.html_path, std::ios::binary | std::ios::trunc);
    if (!html_file) {
      std::cerr << "Error: cannot write " << flags.html_path << ": "
                << std::strerror(errno) << "\n";
      return 1;
    }
  }
  int passed = 0;
  int failed = 0;
  for (const std::string& path : flags.files) {
    const bool ok =
        RunOne(path, flags, trace, html_file.is_open() ? &html_file : nullptr);
    (ok ? passed : failed)++;
  }
  if (html_file.is_open()) {
    html_file.flush();
    if (!html_file) {
      std::cerr << "Error: writing " << flags.html_path << " failed\n";
      return 1;
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  if (trace != nullptr) {
    trace_file.flush();
    if (!trace_file) {
      std::cerr << "Error: writing " << flags.trace_path << " failed\n";
      return 1;
    }
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace cairn::sim::scenario
