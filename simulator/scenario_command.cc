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
bool RunOne(const std::string& path, const RunFlags& flags,
            std::ostream* trace) {
  const bool html = !flags.html_path.empty();
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
  PageTrace page_trace;
  o.trace = html ? &page_trace.stream() : trace;
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
  // The page is written whatever the verdict: a failed run is the one to
  // look at.
  if (html) {
    const std::string page_text = page_trace.Text();
    if (trace != nullptr) *trace << page_text;
    std::ofstream page(flags.html_path, std::ios::binary | std::ios::trunc);
    WriteReplayHtml(page, page_text);
    page.flush();
    if (!page) {
      std::cout << "  cannot write " << flags.html_path << ": "
                << std::strerror(errno) << "\n";
      return false;
    }
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
  if (!flags.html_path.empty() && flags.files.size() != 1) {
    std::cerr << "Error: --html draws one run: give one scenario file\n";
    return 1;
  }
  int passed = 0;
  int failed = 0;
  for (const std::string& path : flags.files) {
    (RunOne(path, flags, trace) ? passed : failed)++;
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
