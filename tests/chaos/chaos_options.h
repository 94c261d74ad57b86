// The chaos driver's flags. Edge code (prints to stderr on bad flags).
#pragma once

#include <cstdint>
#include <string>

namespace cairn::chaos {

struct Options {
  std::string cairn;
  uint64_t duration_s = 90;
  uint64_t seed = 0;
  bool seed_given = false;
  int members = 3;
  int clients = 6;
  int keys = 8;
  bool keep = false;
  std::string faults = "all";  // see ParseFaultKinds
  uint32_t fault_kinds = 0;
};

// "90", "90s", "30m", "1h" -> seconds; 0 on a bad text.
uint64_t ParseDuration(const std::string& text);

// Parses argv; prints the problem ("Error: ...") and returns false on bad
// flags. Prints the usage and exits 0 for --help.
bool ParseFlags(int argc, char** argv, Options* o);

}  // namespace cairn::chaos
