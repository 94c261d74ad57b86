#include "simulator/fault_plan.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "core/util/strings.h"

namespace cairn::sim {
namespace {

const char* KindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kCutLinks:
      return "cut";
    case FaultKind::kRestoreLinks:
      return "restore";
    case FaultKind::kCrash:
      return "crash";
    case FaultKind::kRestart:
      return "restart";
    case FaultKind::kPause:
      return "pause";
    case FaultKind::kResume:
      return "resume";
    case FaultKind::kSetLoss:
      return "loss";
    case FaultKind::kClearLoss:
      return "clear-loss";
    case FaultKind::kTickSkew:
      return "skew";
    case FaultKind::kClearSkew:
      return "clear-skew";
    case FaultKind::kCrashAt:
      return "crash-at";
    case FaultKind::kSyncFail:
      return "fsync-fail";
    case FaultKind::kClockJump:
      return "clock-jump";
  }
  return "?";
}

constexpr FaultKind kAllKinds[] = {
    FaultKind::kCutLinks,  FaultKind::kRestoreLinks, FaultKind::kCrash,
    FaultKind::kRestart,   FaultKind::kPause,        FaultKind::kResume,
    FaultKind::kSetLoss,   FaultKind::kClearLoss,    FaultKind::kTickSkew,
    FaultKind::kClearSkew, FaultKind::kCrashAt,      FaultKind::kSyncFail,
    FaultKind::kClockJump,
};

// Builds the faults of one episode; `ep` fills the episode id and times.
struct EpisodeBuilder {
  FaultPlan& plan;
  uint32_t episode;
  Micros election_timeout;

  void Add(Micros at, FaultKind kind, NodeId node = 0,
           std::vector<Link> links = {}, uint32_t v = 0, uint32_t v2 = 0) {
    plan.push_back(Fault{.at = at,
                         .kind = kind,
                         .episode = episode,
                         .node = node,
                         .links = std::move(links),
                         .value = v,
                         .value2 = v2});
  }
};

std::vector<NodeId> Shuffled(Random& rng, std::vector<NodeId> nodes) {
  for (size_t i = nodes.size(); i > 1; i--) {
    std::swap(nodes[i - 1], nodes[rng.Uniform(i)]);
  }
  return nodes;
}

std::vector<Link> BothWays(NodeId a, NodeId b) { return {{a, b}, {b, a}}; }

// All links between `node` and every other member, both ways.
std::vector<Link> AllLinksOf(NodeId node, const std::vector<NodeId>& nodes) {
  std::vector<Link> links;
  for (NodeId other : nodes) {
    if (other == node) continue;
    links.push_back({node, other});
    links.push_back({other, node});
  }
  return links;
}

void AddPartition(Random& rng, const std::vector<NodeId>& nodes,
                  EpisodeBuilder& b, Micros start, Micros end) {
  std::vector<NodeId> order = Shuffled(rng, nodes);
  const size_t split = 1 + rng.Uniform(order.size() - 1);
  std::vector<Link> links;
  for (size_t i = 0; i < split; i++) {
    for (size_t j = split; j < order.size(); j++) {
      links.push_back({order[i], order[j]});
      links.push_back({order[j], order[i]});
    }
  }
  b.Add(start, FaultKind::kCutLinks, 0, links);
  b.Add(end, FaultKind::kRestoreLinks, 0, links);
}

void AddFlapping(Random& rng, const std::vector<NodeId>& nodes,
                 EpisodeBuilder& b, Micros start, Micros end) {
  std::vector<NodeId> order = Shuffled(rng, nodes);
  const std::vector<Link> links = BothWays(order[0], order[1]);
  // Down and up for 1/5 to 2 election timeouts: some flaps cost the link
  // an election, some do not.
  const Micros lo = b.election_timeout / 5;
  const Micros hi = std::max<Micros>(b.election_timeout * 2, lo + 1);
  Micros t = start;
  while (true) {
    const Micros down = t + rng.Range(lo, hi);
    if (down >= end) break;
    b.Add(t, FaultKind::kCutLinks, 0, links);
    b.Add(down, FaultKind::kRestoreLinks, 0, links);
    t = down + rng.Range(lo, hi);
    if (t >= end) break;
  }
}

// Swizzle-clog: clog a random subset of members one at a time, then
// unclog them in a different random order.
void AddSwizzle(Random& rng, const std::vector<NodeId>& nodes,
                EpisodeBuilder& b, Micros start, Micros end) {
  std::vector<NodeId> order = Shuffled(rng, nodes);
  order.resize(1 + rng.Uniform(order.size()));
  const Micros half = start + (end - start) / 2;
  const Micros step = (half - start) / order.size();
  for (size_t i = 0; i < order.size(); i++) {
    b.Add(start + i * step, FaultKind::kCutLinks, 0,
          AllLinksOf(order[i], nodes));
  }
  std::vector<NodeId> back = Shuffled(rng, order);
  const Micros back_step = (end - half) / back.size();
  for (size_t i = 0; i < back.size(); i++) {
    b.Add(half + i * back_step, FaultKind::kRestoreLinks, 0,
          AllLinksOf(back[i], nodes));
  }
}

using EpisodeFn = void (*)(Random&, const std::vector<NodeId>&, EpisodeBuilder&,
                           Micros, Micros);

void AddOneWay(Random& rng, const std::vector<NodeId>& nodes, EpisodeBuilder& b,
               Micros start, Micros end) {
  std::vector<NodeId> order = Shuffled(rng, nodes);
  b.Add(start, FaultKind::kCutLinks, 0, {{order[0], order[1]}});
  b.Add(end, FaultKind::kRestoreLinks, 0, {{order[0], order[1]}});
}

void AddCrash(Random& rng, const std::vector<NodeId>& nodes, EpisodeBuilder& b,
              Micros start, Micros end) {
  const NodeId n = nodes[rng.Uniform(nodes.size())];
  b.Add(start, FaultKind::kCrash, n);
  b.Add(end, FaultKind::kRestart, n);
}

void AddPause(Random& rng, const std::vector<NodeId>& nodes, EpisodeBuilder& b,
              Micros start, Micros end) {
  const NodeId n = nodes[rng.Uniform(nodes.size())];
  b.Add(start, FaultKind::kPause, n);
  b.Add(end, FaultKind::kResume, n);
}

void AddLoss(Random& rng, const std::vector<NodeId>&, EpisodeBuilder& b,
             Micros start, Micros end) {
  const uint32_t drop = static_cast<uint32_t>(rng.Range(10000, 200000));
  const uint32_t dup = static_cast<uint32_t>(rng.Range(0, 50000));
  b.Add(start, FaultKind::kSetLoss, 0, {}, drop, dup);
  b.Add(end, FaultKind::kClearLoss);
}

void AddSkew(Random& rng, const std::vector<NodeId>& nodes, EpisodeBuilder& b,
             Micros start, Micros end) {
  const NodeId n = nodes[rng.Uniform(nodes.size())];
  const uint32_t percent = static_cast<uint32_t>(rng.Range(25, 400));
  b.Add(start, FaultKind::kTickSkew, n, {}, percent);
  b.Add(end, FaultKind::kClearSkew, n);
}

// A crash armed at a named step of the host loop, then a restart (a
// no-op if the member never reached the step).
void AddCrashPoint(Random& rng, const std::vector<NodeId>& nodes,
                   EpisodeBuilder& b, Micros start, Micros end) {
  const NodeId n = nodes[rng.Uniform(nodes.size())];
  const uint32_t point = static_cast<uint32_t>(rng.Uniform(kCrashPoints));
  b.Add(start, FaultKind::kCrashAt, n, {}, point);
  b.Add(end, FaultKind::kRestart, n);
}

void AddSyncFailure(Random& rng, const std::vector<NodeId>& nodes,
                    EpisodeBuilder& b, Micros start, Micros end) {
  const NodeId n = nodes[rng.Uniform(nodes.size())];
  b.Add(start, FaultKind::kSyncFail, n);
  b.Add(end, FaultKind::kRestart, n);
}

// A clock step (NTP, a VM migrating): ahead by 1/5 to 3 election
// timeouts' worth of ticks, or back (ticks stop for that long).
void AddClockJump(Random& rng, const std::vector<NodeId>& nodes,
                  EpisodeBuilder& b, Micros start, Micros) {
  const NodeId n = nodes[rng.Uniform(nodes.size())];
  const uint64_t et_ms = std::max<uint64_t>(b.election_timeout / kMillis, 5);
  const uint32_t ms = static_cast<uint32_t>(rng.Range(et_ms / 5, et_ms * 3));
  b.Add(start, FaultKind::kClockJump, n, {}, ms, rng.OneIn(1, 2) ? 1 : 0);
}

std::vector<EpisodeFn> EnabledEpisodes(const FaultOptions& o) {
  std::vector<EpisodeFn> fns;
  // Link faults need two members; a one-member cluster (kv workload) gets
  // the rest.
  const bool links = o.nodes.size() >= 2;
  if (links && o.partitions) fns.push_back(AddPartition);
  if (links && o.one_way) fns.push_back(AddOneWay);
  if (links && o.flapping) fns.push_back(AddFlapping);
  if (links && o.swizzle) fns.push_back(AddSwizzle);
  if (o.crashes) fns.push_back(AddCrash);
  if (o.pauses) fns.push_back(AddPause);
  if (o.loss) fns.push_back(AddLoss);
  if (o.skew) fns.push_back(AddSkew);
  if (o.crash_points) fns.push_back(AddCrashPoint);
  if (o.sync_failures) fns.push_back(AddSyncFailure);
  if (o.clock_jumps) fns.push_back(AddClockJump);
  return fns;
}

}  // namespace

std::string Fault::ToString() const {
  std::string out = StrFormat(
      "%llu.%06llus ep%u %s", static_cast<unsigned long long>(at / kSeconds),
      static_cast<unsigned long long>(at % kSeconds), episode, KindName(kind));
  if (node != 0) out += StrFormat(" n%llu", (unsigned long long)node);
  for (size_t i = 0; i < links.size(); i++) {
    out += StrFormat("%s%llu>%llu", i == 0 ? " " : ",",
                     (unsigned long long)links[i].from,
                     (unsigned long long)links[i].to);
  }
  if (kind == FaultKind::kSetLoss) {
    out += StrFormat(" drop=%uppm dup=%uppm", value, value2);
  }
  if (kind == FaultKind::kTickSkew) out += StrFormat(" rate=%u%%", value);
  if (kind == FaultKind::kCrashAt) {
    out +=
        StrFormat(" point=%s", CrashPointName(static_cast<CrashPoint>(value)));
  }
  if (kind == FaultKind::kClockJump) {
    out += StrFormat(" by=%s%ums", value2 != 0 ? "-" : "+", value);
  }
  return out;
}

const char* CrashPointName(CrashPoint p) {
  switch (p) {
    case CrashPoint::kBeforeWrite:
      return "before-write";
    case CrashPoint::kAfterWrite:
      return "after-write";
    case CrashPoint::kAfterSync:
      return "after-sync";
    case CrashPoint::kAfterSend:
      return "after-send";
    case CrashPoint::kMidApply:
      return "mid-apply";
    case CrashPoint::kAfterApply:
      return "after-apply";
  }
  return "?";
}

FaultPlan GenerateFaultPlan(Random& rng, const FaultOptions& options) {
  FaultPlan plan;
  const std::vector<EpisodeFn> fns = EnabledEpisodes(options);
  if (fns.empty() || options.nodes.empty()) return plan;
  CAIRN_CHECK(options.mean_gap > 0, "mean_gap must be positive");
  uint32_t episode = 0;
  Micros t = rng.Range(0, options.mean_gap);
  while (t < options.duration) {
    const Micros len = rng.Range(options.max_episode / 10 + 1,
                                 std::max<Micros>(options.max_episode, 2));
    const Micros end = std::min(t + len, options.duration);
    EpisodeFn fn = fns[rng.Uniform(fns.size())];
    EpisodeBuilder builder{plan, episode++, options.election_timeout};
    if (end > t) fn(rng, options.nodes, builder, t, end);
    t += rng.Range(options.mean_gap / 2, options.mean_gap * 3 / 2);
  }
  std::stable_sort(plan.begin(), plan.end(),
                   [](const Fault& a, const Fault& b) { return a.at < b.at; });
  return plan;
}

std::vector<uint32_t> Episodes(const FaultPlan& plan) {
  std::set<uint32_t> ids;
  for (const Fault& f : plan) ids.insert(f.episode);
  return {ids.begin(), ids.end()};
}

FaultPlan WithoutEpisodes(const FaultPlan& plan,
                          const std::vector<uint32_t>& drop) {
  const std::set<uint32_t> gone(drop.begin(), drop.end());
  FaultPlan out;
  for (const Fault& f : plan) {
    if (gone.count(f.episode) == 0) out.push_back(f);
  }
  return out;
}

// Delta debugging over episodes (Zeller's ddmin, complement-only): try
// removing ever smaller chunks; keep any removal that still fails.
FaultPlan ShrinkFaultPlan(
    const FaultPlan& plan,
    const std::function<bool(const FaultPlan&)>& still_fails, int max_runs) {
  int runs = 0;
  if (max_runs > 0 && still_fails({})) return {};
  runs++;
  FaultPlan current = plan;
  size_t chunks = 2;
  while (runs < max_runs) {
    const std::vector<uint32_t> eps = Episodes(current);
    if (eps.empty()) break;
    chunks = std::min(chunks, eps.size());
    const size_t size = (eps.size() + chunks - 1) / chunks;
    bool removed = false;
    for (size_t start = 0; start < eps.size() && runs < max_runs;
         start += size) {
      const size_t stop = std::min(start + size, eps.size());
      std::vector<uint32_t> drop(eps.begin() + start, eps.begin() + stop);
      FaultPlan candidate = WithoutEpisodes(current, drop);
      runs++;
      if (still_fails(candidate)) {
        current = std::move(candidate);
        chunks = std::max<size_t>(chunks - 1, 2);
        removed = true;
        break;
      }
    }
    if (removed) continue;
    if (chunks >= eps.size()) break;  // single episodes all needed
    chunks = std::min(eps.size(), chunks * 2);
  }
  return current;
}

namespace {

bool ParseUint(std::string_view s, uint64_t* v) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  *v = out;
  return true;
}

bool ParseU32(std::string_view s, uint32_t* v) {
  uint64_t w = 0;
  if (!ParseUint(s, &w) || w > UINT32_MAX) return false;
  *v = static_cast<uint32_t>(w);
  return true;
}

// Strips `prefix` and `suffix` from `s`; false when either is missing.
bool Between(std::string_view s, std::string_view prefix,
             std::string_view suffix, std::string_view* inner) {
  if (s.size() < prefix.size() + suffix.size()) return false;
  if (s.substr(0, prefix.size()) != prefix) return false;
  if (s.substr(s.size() - suffix.size()) != suffix) return false;
  *inner = s.substr(prefix.size(), s.size() - prefix.size() - suffix.size());
  return true;
}

bool ParseLinks(std::string_view s, std::vector<Link>* links) {
  while (!s.empty()) {
    const size_t comma = s.find(',');
    std::string_view one = s.substr(0, comma);
    const size_t gt = one.find('>');
    Link l;
    if (gt == std::string_view::npos ||
        !ParseUint(one.substr(0, gt), &l.from) ||
        !ParseUint(one.substr(gt + 1), &l.to)) {
      return false;
    }
    links->push_back(l);
    s = comma == std::string_view::npos ? "" : s.substr(comma + 1);
  }
  return true;
}

// One field after the kind: "nN", links, or a key=value of ToString.
bool ParseField(std::string_view tok, Fault* f) {
  std::string_view v;
  if (Between(tok, "n", "", &v)) return ParseUint(v, &f->node);
  if (Between(tok, "drop=", "ppm", &v)) return ParseU32(v, &f->value);
  if (Between(tok, "dup=", "ppm", &v)) return ParseU32(v, &f->value2);
  if (Between(tok, "rate=", "%", &v)) return ParseU32(v, &f->value);
  if (Between(tok, "by=+", "ms", &v)) return ParseU32(v, &f->value);
  if (Between(tok, "by=-", "ms", &v)) {
    f->value2 = 1;
    return ParseU32(v, &f->value);
  }
  if (Between(tok, "point=", "", &v)) {
    for (uint32_t p = 0; p < kCrashPoints; p++) {
      if (v == CrashPointName(static_cast<CrashPoint>(p))) {
        f->value = p;
        return true;
      }
    }
    return false;
  }
  return ParseLinks(tok, &f->links);
}

bool ParseFaultLine(std::string_view line, Fault* f) {
  std::vector<std::string_view> toks;
  while (!line.empty()) {
    const size_t sp = line.find(' ');
    if (sp != 0) toks.push_back(line.substr(0, sp));
    line = sp == std::string_view::npos ? "" : line.substr(sp + 1);
  }
  if (toks.size() < 3) return false;
  std::string_view secs;
  uint64_t whole = 0;
  uint64_t micros = 0;
  const size_t dot = toks[0].find('.');
  if (dot == std::string_view::npos ||
      !ParseUint(toks[0].substr(0, dot), &whole) ||
      !Between(toks[0].substr(dot + 1), "", "s", &secs) || secs.size() != 6 ||
      !ParseUint(secs, &micros)) {
    return false;
  }
  f->at = whole * kSeconds + micros;
  std::string_view ep;
  if (!Between(toks[1], "ep", "", &ep) || !ParseU32(ep, &f->episode)) {
    return false;
  }
  bool known = false;
  for (FaultKind k : kAllKinds) {
    if (toks[2] == KindName(k)) {
      f->kind = k;
      known = true;
    }
  }
  if (!known) return false;
  for (size_t i = 3; i < toks.size(); i++) {
    if (!ParseField(toks[i], f)) return false;
  }
  return true;
}

}  // namespace

Result<FaultPlan> ParseFaultPlan(std::string_view text) {
  FaultPlan plan;
  int line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? "" : text.substr(nl + 1);
    line_no++;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      line.remove_prefix(1);
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    if (line.empty() || line.front() == '#') continue;
    Fault f;
    if (!ParseFaultLine(line, &f)) {
      return Status::InvalidArgument(
          StrFormat("fault plan line %d does not parse: %s", line_no,
                    std::string(line).c_str()));
    }
    if (!plan.empty() && f.at < plan.back().at) {
      return Status::InvalidArgument(
          StrFormat("fault plan line %d goes back in time", line_no));
    }
    plan.push_back(std::move(f));
  }
  return plan;
}

std::string DescribeFaultPlan(const FaultPlan& plan) {
  std::string out;
  for (const Fault& f : plan) out += f.ToString() + "\n";
  return out;
}

}  // namespace cairn::sim
