#include "simulator/fault_plan.h"

#include <algorithm>
#include <set>

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
  }
  return "?";
}

// Builds the faults of one episode; `ep` fills the episode id and times.
struct EpisodeBuilder {
  FaultPlan& plan;
  uint32_t episode;

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
  Micros t = start;
  while (true) {
    const Micros down = t + rng.Range(20 * kMillis, 200 * kMillis);
    if (down >= end) break;
    b.Add(t, FaultKind::kCutLinks, 0, links);
    b.Add(down, FaultKind::kRestoreLinks, 0, links);
    t = down + rng.Range(20 * kMillis, 200 * kMillis);
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

std::vector<EpisodeFn> EnabledEpisodes(const FaultOptions& o) {
  std::vector<EpisodeFn> fns;
  if (o.partitions) fns.push_back(AddPartition);
  if (o.one_way) fns.push_back(AddOneWay);
  if (o.flapping) fns.push_back(AddFlapping);
  if (o.swizzle) fns.push_back(AddSwizzle);
  if (o.crashes) fns.push_back(AddCrash);
  if (o.pauses) fns.push_back(AddPause);
  if (o.loss) fns.push_back(AddLoss);
  if (o.skew) fns.push_back(AddSkew);
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
  return out;
}

FaultPlan GenerateFaultPlan(Random& rng, const FaultOptions& options) {
  FaultPlan plan;
  const std::vector<EpisodeFn> fns = EnabledEpisodes(options);
  if (fns.empty() || options.nodes.size() < 2) return plan;
  CAIRN_CHECK(options.mean_gap > 0, "mean_gap must be positive");
  uint32_t episode = 0;
  Micros t = rng.Range(0, options.mean_gap);
  while (t < options.duration) {
    const Micros len = rng.Range(options.max_episode / 10 + 1,
                                 std::max<Micros>(options.max_episode, 2));
    const Micros end = std::min(t + len, options.duration);
    EpisodeFn fn = fns[rng.Uniform(fns.size())];
    EpisodeBuilder builder{plan, episode++};
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

std::string DescribeFaultPlan(const FaultPlan& plan) {
  std::string out;
  for (const Fault& f : plan) out += f.ToString() + "\n";
  return out;
}

}  // namespace cairn::sim
