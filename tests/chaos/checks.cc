#include "tests/chaos/checks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cairn::chaos {
namespace {

std::string Show(const std::optional<std::string>& v) {
  return v ? "\"" + *v + "\"" : "<deleted>";
}

// The reference event at `revision`, or null.
const WatchEvent* At(const std::vector<WatchEvent>& reference,
                     int64_t revision) {
  // CheckEventHistory made sure reference[i] has revision i + 2.
  const int64_t i = revision - 2;
  if (i < 0 || i >= static_cast<int64_t>(reference.size())) return nullptr;
  const WatchEvent& ev = reference[static_cast<size_t>(i)];
  return ev.revision == revision ? &ev : nullptr;
}

}  // namespace

std::vector<std::string> CheckEventHistory(
    const std::vector<WatchEvent>& reference, int64_t last_revision) {
  std::vector<std::string> out;
  int64_t want = 2;
  for (const WatchEvent& ev : reference) {
    if (ev.revision != want) {
      out.push_back("event history: revision " + std::to_string(ev.revision) +
                    " where " + std::to_string(want) + " was due");
      return out;
    }
    ++want;
  }
  if (want - 1 != last_revision && !(reference.empty() && last_revision <= 1)) {
    out.push_back("event history ends at " + std::to_string(want - 1) +
                  ", the cluster is at " + std::to_string(last_revision));
  }
  return out;
}

std::vector<std::string> CheckAckedWrites(
    const std::vector<AckedWrite>& acked,
    const std::vector<WatchEvent>& reference) {
  std::vector<std::string> out;
  for (const AckedWrite& w : acked) {
    const WatchEvent* ev = At(reference, w.revision);
    if (ev != nullptr && ev->key == w.key && ev->value == w.value) continue;
    if (out.size() < 20) {
      out.push_back("acknowledged write " + w.key + "=" + Show(w.value) +
                    " at revision " + std::to_string(w.revision) +
                    " not in the history (found " +
                    (ev == nullptr ? std::string("nothing")
                                   : ev->key + "=" + Show(ev->value)) +
                    ")");
    }
  }
  if (out.size() == 20) out.push_back("(more acknowledged writes missing)");
  return out;
}

std::vector<std::string> CheckWatcher(
    const std::string& name, const std::vector<WatchEvent>& seen,
    const std::vector<WatchEvent>& reference) {
  std::vector<std::string> out;
  if (seen.size() != reference.size()) {
    out.push_back(name + " saw " + std::to_string(seen.size()) +
                  " events, the history has " +
                  std::to_string(reference.size()));
  }
  for (size_t i = 0; i < seen.size() && i < reference.size(); ++i) {
    const WatchEvent& a = seen[i];
    const WatchEvent& b = reference[i];
    if (a.revision != b.revision || a.key != b.key || a.value != b.value) {
      out.push_back(name + " event " + std::to_string(i) + ": revision " +
                    std::to_string(a.revision) + " " + a.key + "=" +
                    Show(a.value) + ", the history has revision " +
                    std::to_string(b.revision) + " " + b.key + "=" +
                    Show(b.value));
      break;
    }
  }
  return out;
}

std::string Percentiles(std::vector<double> values_ms) {
  if (values_ms.empty()) return "none";
  std::sort(values_ms.begin(), values_ms.end());
  auto pick = [&](double p) {
    const size_t rank = static_cast<size_t>(
        std::ceil(p * static_cast<double>(values_ms.size())));
    return values_ms[rank == 0 ? 0 : rank - 1];
  };
  char buf[128];
  snprintf(buf, sizeof(buf), "p50 %.0f ms, p99 %.0f ms, max %.0f ms (n=%zu)",
           pick(0.5), pick(0.99), values_ms.back(), values_ms.size());
  return buf;
}

}  // namespace cairn::chaos
