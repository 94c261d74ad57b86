// Golden transcripts for the lessor: every tests/testdata/lease/*.txt file
// runs against one fresh Lessor and a virtual clock that only the
// transcript moves. The commands mirror the server's calls (grant, revoke,
// renew, ttl, attach, detach, promote, demote, expired, checkpoints, ...);
// each prints what the server would see, through the core's renderers.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/lease/lessor.h"
#include "core/util/strings.h"
#include "tests/support/datadriven.h"

namespace cairn::lease {
namespace {

using testing::TestData;

std::string Err(const Status& s) { return "error: " + s.ToString() + "\n"; }

std::string JoinIds(const std::vector<LeaseId>& ids) {
  if (ids.empty()) return "none";
  std::string out;
  for (LeaseId id : ids) {
    if (!out.empty()) out += " ";
    out += std::to_string(id);
  }
  return out;
}

class Env {
 public:
  Env() : lessor_(std::make_unique<Lessor>(cfg_)) {}

  std::string Handle(const TestData& d) {
    if (d.cmd == "config") return Configure(d);
    if (d.cmd == "grant") return Grant(d);
    if (d.cmd == "grant-many") return GrantMany(d);
    if (d.cmd == "revoke") return Revoke(d.ArgInt("id"));
    if (d.cmd == "renew") return Renew(d);
    if (d.cmd == "ttl") return Ttl(d);
    if (d.cmd == "leases")
      return "leases: " + JoinIds(lessor_->Leases()) + "\n";
    if (d.cmd == "attach" || d.cmd == "detach") return AttachDetach(d);
    if (d.cmd == "lease-of") return LeaseOf(d);
    if (d.cmd == "advance") return Advance(d);
    if (d.cmd == "expired") return Expired(d);
    if (d.cmd == "revoke-expired") return RevokeExpired(d);
    if (d.cmd == "promote") return Promote(d);
    if (d.cmd == "demote") return Demote();
    if (d.cmd == "checkpoints") return Checkpoints(/*apply=*/false);
    if (d.cmd == "checkpoint") return Checkpoints(/*apply=*/true);
    if (d.cmd == "apply-checkpoint") return ApplyCheckpoint(d);
    if (d.cmd == "dump") return Dump();
    if (d.cmd == "snapshot") return Snapshot();
    ADD_FAILURE() << d.pos << ": unknown command " << d.cmd;
    return "unknown command\n";
  }

 private:
  std::string Configure(const TestData& d) {
    cfg_.min_ttl_s = d.ArgInt("min-ttl", cfg_.min_ttl_s);
    cfg_.max_leases = d.ArgUint("max-leases", cfg_.max_leases);
    cfg_.id_seed = d.ArgUint("seed", cfg_.id_seed);
    cfg_.checkpoint_enabled = d.Arg("checkpoint", "on") == "on";
    cfg_.checkpoint_interval_ms =
        d.ArgInt("checkpoint-interval", cfg_.checkpoint_interval_ms);
    cfg_.expired_retry_interval_ms =
        d.ArgInt("retry", cfg_.expired_retry_interval_ms);
    cfg_.revoke_rate_per_s = d.ArgUint("revoke-rate", cfg_.revoke_rate_per_s);
    cfg_.max_checkpoint_batch = d.ArgUint("batch", cfg_.max_checkpoint_batch);
    lessor_ = std::make_unique<Lessor>(cfg_);
    return StrFormat(
        "min-ttl=%llds max-leases=%zu checkpoint=%s interval=%s retry=%s\n",
        static_cast<long long>(cfg_.min_ttl_s), cfg_.max_leases,
        cfg_.checkpoint_enabled ? "on" : "off",
        DescribeMs(cfg_.checkpoint_interval_ms).c_str(),
        DescribeMs(cfg_.expired_retry_interval_ms).c_str());
  }

  std::string Grant(const TestData& d) {
    Result<GrantResult> r =
        lessor_->Grant(d.ArgInt("id", kNoLease), d.ArgInt("ttl"), now_ms_);
    if (!r.ok()) return Err(r.status());
    return StrFormat("lease %lld granted ttl=%llds\n",
                     static_cast<long long>(r.value().id),
                     static_cast<long long>(r.value().ttl_s));
  }

  std::string GrantMany(const TestData& d) {
    const int64_t first = d.ArgInt("first", 1);
    const uint64_t n = d.ArgUint("n");
    for (uint64_t i = 0; i < n; i++) {
      Result<GrantResult> r =
          lessor_->Grant(first + int64_t(i), d.ArgInt("ttl"), now_ms_);
      if (!r.ok()) return Err(r.status());
    }
    return StrFormat("granted %llu leases\n",
                     static_cast<unsigned long long>(n));
  }

  std::string Revoke(LeaseId id) {
    Result<std::vector<std::string>> r = lessor_->Revoke(id);
    if (!r.ok()) return Err(r.status());
    return StrFormat("lease %lld revoked; delete keys %s\n",
                     static_cast<long long>(id),
                     DescribeKeys(r.value()).c_str());
  }

  std::string Renew(const TestData& d) {
    const LeaseId id = d.ArgInt("id");
    Result<RenewResult> r = lessor_->Renew(id, now_ms_);
    if (!r.ok()) return Err(r.status());
    std::string out =
        StrFormat("lease %lld renewed ttl=%llds\n", static_cast<long long>(id),
                  static_cast<long long>(r.value().ttl_s));
    if (r.value().clear_checkpoint) {
      out += "propose " + DescribeCheckpoint({.id = id}) + "\n";
    }
    return out;
  }

  std::string Ttl(const TestData& d) {
    const LeaseId id = d.ArgInt("id");
    Result<TimeToLiveResult> r =
        lessor_->TimeToLive(id, d.HasArg("keys"), now_ms_);
    if (!r.ok() && r.status().code() == Code::kLeaseNotFound) {
      // The server renders an unknown lease as TTL -1 (etcd v3rpc).
      return DescribeUnknownTimeToLive(id) + "\n";
    }
    if (!r.ok()) return Err(r.status());
    return DescribeTimeToLive(r.value(), d.HasArg("keys")) + "\n";
  }

  std::string AttachDetach(const TestData& d) {
    const LeaseId id = d.ArgInt("id");
    std::string out;
    for (const std::string& key : d.Args("key")) {
      Status s = d.cmd == "attach" ? lessor_->Attach(id, key)
                                   : lessor_->Detach(id, key);
      if (!s.ok()) return out + Err(s);
      out += StrFormat("%s %s lease %lld\n", d.cmd.c_str(),
                       EscapeBytes(key).c_str(), static_cast<long long>(id));
    }
    return out;
  }

  std::string LeaseOf(const TestData& d) {
    std::string out;
    for (const std::string& key : d.Args("key")) {
      out += StrFormat("%s -> %lld\n", EscapeBytes(key).c_str(),
                       static_cast<long long>(lessor_->LeaseOf(key)));
    }
    return out;
  }

  std::string Advance(const TestData& d) {
    now_ms_ += d.ArgInt("ms");
    return "now=" + DescribeMs(now_ms_) + "\n";
  }

  std::string Expired(const TestData& d) {
    std::vector<LeaseId> ids =
        lessor_->ExpiredLeases(now_ms_, d.ArgUint("max", 1000));
    return "expired: " + JoinIds(ids) + "\n";
  }

  // The leader's loop: propose a revoke for each expired lease and apply it.
  std::string RevokeExpired(const TestData& d) {
    std::vector<LeaseId> ids =
        lessor_->ExpiredLeases(now_ms_, d.ArgUint("max", 1000));
    if (ids.empty()) return "expired: none\n";
    std::string out;
    for (LeaseId id : ids) out += Revoke(id);
    return out;
  }

  std::string Promote(const TestData& d) {
    lessor_->Promote(now_ms_, d.ArgInt("extend", 1000));
    return "promoted\n" + lessor_->Describe(now_ms_);
  }

  std::string Demote() {
    lessor_->Demote();
    return "demoted\n" + lessor_->Describe(now_ms_);
  }

  std::string Checkpoints(bool apply) {
    std::vector<Checkpoint> cps = lessor_->CheckpointsDue(now_ms_);
    if (cps.empty()) return "checkpoints: none\n";
    std::string out;
    for (const Checkpoint& cp : cps) {
      out += (apply ? "applied " : "propose ") + DescribeCheckpoint(cp) + "\n";
      if (apply) lessor_->ApplyCheckpoint(cp, now_ms_);
    }
    return out;
  }

  std::string ApplyCheckpoint(const TestData& d) {
    lessor_->ApplyCheckpoint(
        {.id = d.ArgInt("id"), .remaining_ttl_s = d.ArgInt("remaining")},
        now_ms_);
    return Dump();
  }

  std::string Dump() {
    std::string out = lessor_->is_primary() ? "primary" : "not primary";
    out += " now=" + DescribeMs(now_ms_) + "\n";
    return out + lessor_->Describe(now_ms_);
  }

  // Encodes the state, restores it into a new lessor (a restarted member)
  // and checks that it encodes to the same bytes.
  std::string Snapshot() {
    const std::string bytes = lessor_->Encode();
    auto restored = std::make_unique<Lessor>(cfg_);
    Status s = restored->Restore(bytes);
    if (!s.ok()) return Err(s);
    EXPECT_EQ(restored->Encode(), bytes);
    lessor_ = std::move(restored);
    return StrFormat("snapshot %zu bytes, restored\n", bytes.size()) + Dump();
  }

  Config cfg_;
  std::unique_ptr<Lessor> lessor_;
  int64_t now_ms_ = 0;
};

TEST(LessorTranscriptTest, AllFiles) {
  std::vector<std::string> files =
      testing::ListFiles(std::string(CAIRN_TESTDATA_DIR) + "/lease");
  ASSERT_GE(files.size(), 6u);
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    Env env;
    testing::RunFile(file, [&env](const TestData& d) { return env.Handle(d); });
  }
}

}  // namespace
}  // namespace cairn::lease
