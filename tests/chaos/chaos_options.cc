#include "tests/chaos/chaos_options.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "tests/chaos/fault_schedule.h"

namespace cairn::chaos {

uint64_t ParseDuration(const std::string& text) {
  if (text.empty()) return 0;
  size_t digits = text.find_first_not_of("0123456789");
  if (digits == 0) return 0;
  // At most 9 digits: no overflow, and never more than ~30 years.
  if ((digits == std::string::npos ? text.size() : digits) > 9) return 0;
  const uint64_t n = std::stoull(text.substr(0, digits));
  const std::string unit =
      digits == std::string::npos ? "s" : text.substr(digits);
  if (unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  return 0;
}

namespace {

bool ParseInt(const std::string& text, int lo, int hi, int* out) {
  if (text.empty() || text.size() > 6 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const int v = std::stoi(text);
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

}  // namespace

bool ParseFlags(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--keep") {
      o->keep = true;
      continue;
    }
    if (flag == "--help" || flag == "-h") {
      printf(
          "Usage: chaos_driver --cairn PATH [--duration 90s|30m|1h] "
          "[--seed N] [--members 3..7] [--clients N] [--keys N] [--faults "
          "all|kill,majority,pause,partition,oneway,slow,latency] [--keep]\n");
      exit(0);
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "Error: %s needs a value\n", flag.c_str());
      return false;
    }
    const std::string value = argv[++i];
    bool ok = true;
    if (flag == "--cairn") {
      o->cairn = value;
    } else if (flag == "--duration") {
      o->duration_s = ParseDuration(value);
      ok = o->duration_s > 0;
    } else if (flag == "--seed") {
      ok = !value.empty() && value.size() <= 19 &&
           value.find_first_not_of("0123456789") == std::string::npos;
      if (ok) o->seed = std::stoull(value);
      o->seed_given = true;
    } else if (flag == "--members") {
      ok = ParseInt(value, 3, 7, &o->members);
    } else if (flag == "--clients") {
      ok = ParseInt(value, 1, 64, &o->clients);
    } else if (flag == "--faults") {
      o->faults = value;
    } else if (flag == "--keys") {
      ok = ParseInt(value, 1, 1000, &o->keys);
    } else {
      fprintf(stderr, "Error: unknown flag %s\n", flag.c_str());
      return false;
    }
    if (!ok) {
      fprintf(stderr, "Error: bad value for %s: '%s'\n", flag.c_str(),
              value.c_str());
      return false;
    }
  }
  o->fault_kinds = ParseFaultKinds(o->faults);
  if (o->fault_kinds == 0) {
    fprintf(stderr,
            "Error: bad value for --faults: '%s' (all, or a comma list of "
            "kill, majority, pause, partition, oneway, slow, latency)\n",
            o->faults.c_str());
    return false;
  }
  if (o->cairn.empty()) {
    fprintf(stderr, "Error: --cairn PATH is required\n");
    return false;
  }
  if (access(o->cairn.c_str(), X_OK) != 0) {
    fprintf(stderr, "Error: --cairn %s is not an executable\n",
            o->cairn.c_str());
    return false;
  }
  return true;
}

}  // namespace cairn::chaos
