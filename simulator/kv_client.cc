// The kv workload's clients, their history and the liveness phase
// (kv_world.h).
#include <algorithm>
#include <string>
#include <utility>

#include "core/util/strings.h"
#include "simulator/kv_world.h"

namespace cairn::sim::kv {

namespace {

using U = unsigned long long;

uint64_t TokenOf(const Client& c) {
  return (c.id << 32) | (c.gen & 0xffffffff);
}

// Whether the client's op is a register write (in the history even when
// its outcome is unknown). Lease ops are not register ops.
bool IsKvWrite(const Client& c) {
  return c.kind == ClientOp::kKv && c.op.kind != KvOp::Kind::kGet;
}

std::string KeyName(char prefix, uint64_t i) {
  return StrFormat("%c%d", prefix, static_cast<int>(i));
}

}  // namespace

Client* KvWorld::ClientOf(uint64_t token) {
  const uint64_t id = token >> 32;
  if (id == 0 || id > clients_.size()) return nullptr;
  Client& c = clients_[id - 1];
  if (!c.busy || (c.gen & 0xffffffff) != (token & 0xffffffff)) return nullptr;
  return &c;
}

void KvWorld::OnNextOp(uint64_t client) {
  Client& c = clients_[client - 1];
  if (liveness_ || done_ || c.busy) return;
  ChooseOp(c);
  c.busy = true;
  c.attempts = 0;
  result_.stats.proposals++;
  Launch(c, 1 + static_cast<NodeId>(client_rng_.Uniform(options_.nodes)));
}

// 76 % KV ops on k0..k4, 20 % a lease op or a read on l0..l2
// (ChooseLeaseOp), 4 % a compaction or a read or watch at a past
// revision (ChooseCompactionOp).
void KvWorld::ChooseOp(Client& c) {
  c.op = KvOp{};
  c.op.client = c.id;
  c.kind = ClientOp::kKv;
  c.lease = 0;
  c.serializable = false;
  const uint64_t roll = client_rng_.Uniform(100);
  if (roll < 76) {
    ChooseKvOp(c, roll * 100 / 76);
  } else if (roll < 96) {
    ChooseLeaseOp(c, roll - 76);
  } else {
    ChooseCompactionOp(c, roll - 96);
  }
  if (c.op.write.has_value()) written_[c.op.key].insert(*c.op.write);
}

// Of the KV ops (roll < 100): puts 30 %, linearizable gets 25 %,
// serializable gets 15 %, deletes 10 %, compare-and-swaps 10 % (a put when
// the client has seen no value yet), txns on k3 and k4 together 10 %.
void KvWorld::ChooseKvOp(Client& c, uint64_t roll) {
  std::string key = KeyName('k', client_rng_.Uniform(kKeys));
  const std::string value = StrFormat("c%llu-%llu", U(c.id), U(c.next_value++));
  if (roll >= 90) return ChooseTxnOp(c);
  auto seen = c.seen.find(key);
  if (roll >= 80 && seen == c.seen.end()) roll = 0;
  c.op.key = key;
  if (roll < 30) {
    c.op.kind = KvOp::Kind::kPut;
    c.op.write = value;
    c.request = mvcc::PutRequest{.key = key, .value = value};
  } else if (roll < 70) {
    c.op.kind = KvOp::Kind::kGet;
    c.serializable = roll >= 55;
    c.request =
        mvcc::RangeRequest{.key = c.op.key, .serializable = c.serializable};
  } else if (roll < 80) {
    c.op.kind = KvOp::Kind::kDelete;
    c.request = mvcc::DeleteRangeRequest{.key = key};
  } else {
    c.op.kind = KvOp::Kind::kCas;
    c.op.expect = seen->second;
    c.op.write = value;
    mvcc::TxnRequest txn;
    txn.compare.push_back(mvcc::Compare{.result = mvcc::Compare::Result::kEqual,
                                        .target = mvcc::Compare::Target::kValue,
                                        .key = key,
                                        .value = seen->second});
    txn.success.push_back(
        mvcc::RequestOp{mvcc::PutRequest{.key = key, .value = value}});
    c.request = std::move(txn);
  }
}

// A txn on k3 and k4 together (checked as one partition): if both hold
// what the client last saw of them (a value, or absent: version 0), put a
// new value on k3 and on k4 (a delete of k4 one time in four) in one
// revision; else read both.
void KvWorld::ChooseTxnOp(Client& c) {
  c.op.kind = KvOp::Kind::kTxn;
  c.op.key = "k3";
  mvcc::TxnRequest txn;
  const bool del = client_rng_.OneIn(1, 4);
  for (const char* key : {"k3", "k4"}) {
    auto seen = c.seen.find(key);
    std::optional<std::string> expect;
    if (seen != c.seen.end()) expect = seen->second;
    c.op.compares.emplace_back(key, expect);
    txn.compare.push_back(
        expect.has_value()
            ? mvcc::Compare{.result = mvcc::Compare::Result::kEqual,
                            .target = mvcc::Compare::Target::kValue,
                            .key = key,
                            .value = *expect}
            : mvcc::Compare{.result = mvcc::Compare::Result::kEqual,
                            .target = mvcc::Compare::Target::kVersion,
                            .key = key,
                            .version = 0});
    txn.failure.push_back(mvcc::RequestOp{mvcc::RangeRequest{.key = key}});
    if (del && key[1] == '4') {
      c.op.writes.emplace_back(key, std::nullopt);
      txn.success.push_back(
          mvcc::RequestOp{mvcc::DeleteRangeRequest{.key = key}});
      continue;
    }
    const std::string value =
        StrFormat("c%llu-%llu", U(c.id), U(c.next_value++));
    c.op.writes.emplace_back(key, value);
    written_[key].insert(value);
    txn.success.push_back(
        mvcc::RequestOp{mvcc::PutRequest{.key = key, .value = value}});
  }
  c.request = std::move(txn);
}

// A multi-key txn's answer: on success every write is acknowledged at the
// txn's revision (a delete only if it deleted something: no event
// otherwise); on failure the reads join the op and what the client saw.
void KvWorld::FinishTxn(Client& c, KvOp op, const mvcc::TxnResponse& t,
                        const AckedWrite& ack) {
  op.succeeded = t.succeeded;
  for (size_t i = 0; i < t.responses.size(); i++) {
    const auto& r = t.responses[i].response;
    const std::string& key = op.writes[i].first;
    if (const auto* range = std::get_if<mvcc::RangeResponse>(&r)) {
      std::optional<std::string> v;
      if (!range->kvs.empty()) {
        v = range->kvs.front().value;
        Observe(key, range->kvs.front().mod_revision, v, "txn read");
      }
      op.reads.emplace_back(key, v);
    } else {
      const auto* d = std::get_if<mvcc::DeleteRangeResponse>(&r);
      if (d == nullptr || d->deleted > 0) {
        acked_.push_back(ack);
        acked_.back().key = key;
        acked_.back().value = op.writes[i].second;
        Observe(key, ack.rev, op.writes[i].second, "txn-ack");
      }
    }
    if (done_) return;
  }
  const std::vector<KvOp::KeyValue>& now = t.succeeded ? op.writes : op.reads;
  for (const auto& [key, value] : now) {
    if (value.has_value()) {
      c.seen[key] = *value;
    } else {
      c.seen.erase(key);
    }
  }
  result_.stats.multi_key_txns++;
  history_.push_back(std::move(op));
}

// Of the lease ops (roll < 20): a put on l0..l2 with one of the client's
// leases 7 (a grant when it holds none), a put there without a lease 1
// (it detaches the key), a read there 3 (2 linearizable), a grant 3, a
// keep-alive 3, a revoke 3. A client holds at most kLeasesPerClient
// leases (then it revokes instead of granting); the others expire when
// nobody keeps them alive.
void KvWorld::ChooseLeaseOp(Client& c, uint64_t roll) {
  const bool none = c.leases.empty();
  const int64_t lease =
      none ? 0 : c.leases[client_rng_.Uniform(c.leases.size())];
  const std::string key = KeyName('l', client_rng_.Uniform(kLeaseKeys));
  if (roll >= 8 && roll < 11) {
    c.op.kind = KvOp::Kind::kGet;
    c.op.key = key;
    c.serializable = roll == 10;
    c.request = mvcc::RangeRequest{.key = key, .serializable = c.serializable};
    return;
  }
  if (roll < 8 && (roll == 7 || !none)) {
    const std::string value =
        StrFormat("c%llu-%llu", U(c.id), U(c.next_value++));
    c.op.kind = KvOp::Kind::kPut;
    c.op.key = key;
    c.op.write = value;
    c.lease = roll < 7 ? lease : 0;
    c.request = mvcc::PutRequest{.key = key, .value = value, .lease = c.lease};
    return;
  }
  const bool full = c.leases.size() >= kLeasesPerClient;
  if (none || (roll < 14 && !full)) {
    // Ids are the client's own: a retried grant names the same lease.
    const int64_t id = static_cast<int64_t>((c.id << 24) | c.next_lease++);
    return SetLeaseOp(c, ClientOp::kGrant, id);
  }
  SetLeaseOp(c, roll < 17 ? ClientOp::kKeepAlive : ClientOp::kRevoke, lease);
}

void KvWorld::SetLeaseOp(Client& c, ClientOp kind, int64_t lease) {
  c.kind = kind;
  c.lease = lease;
  switch (kind) {
    case ClientOp::kGrant:
      c.request = api::LeaseGrantRequest{
          .ttl = 1 + static_cast<int64_t>(client_rng_.Uniform(3)), .id = lease};
      break;
    case ClientOp::kKeepAlive:
      c.request = api::LeaseKeepAliveRequest{.id = lease};
      break;
    case ClientOp::kRevoke:
      c.request = api::LeaseRevokeRequest{.id = lease};
      break;
    case ClientOp::kKv:
    case ClientOp::kCompact:
    case ClientOp::kPastRead:
    case ClientOp::kPastWatch:
      break;
  }
}

// One attempt: the request reaches `target` after a client-link latency;
// the client gives up on it after kClientTimeout.
void KvWorld::Launch(Client& c, NodeId target) {
  c.gen++;
  c.target = target;
  c.past_watch_on = 0;
  c.op.call = queue_.now();
  const uint64_t token = TokenOf(c);
  if (tracing()) {
    Emit("submit", {{"client", c.id},
                    {"n", target},
                    {"op", server::RequestName(c.request)},
                    {"key", c.op.key},
                    {"lease", c.lease},
                    {"serializable", c.serializable},
                    {"attempt", c.attempts + 1}});
  }
  queue_.After(client_rng_.Range(200, 2000),
               Ev(EventKind::kSubmit, target, token));
  queue_.After(kClientTimeout, Ev(EventKind::kTimeout, 0, token));
}

void KvWorld::OnSubmit(NodeId id, uint64_t token) {
  Client* c = ClientOf(token);
  if (c == nullptr) return;
  Member& m = M(id);
  if (m.node->crashed()) return Failed(*c, "connection refused", true);
  if (m.paused) {
    m.inbox.push_back(InboxItem{.submit = true, .token = token});
    return;
  }
  Submit(id, token);
  AfterCall(id);
}

void KvWorld::Submit(NodeId id, uint64_t token) {
  Client* c = ClientOf(token);
  if (c == nullptr) return;  // the client gave up meanwhile
  if (c->kind == ClientOp::kPastWatch) return CreatePastWatch(id, *c);
  M(id).node->server().Submit(token, c->request);
}

void KvWorld::OnReply(uint64_t reply_id) {
  auto it = replies_.find(reply_id);
  if (it == replies_.end()) return;
  const uint64_t token = it->second.first;
  Result<server::Response> result = std::move(it->second.second);
  replies_.erase(it);
  Client* c = ClientOf(token);
  if (c == nullptr) return;
  if ((c->kind == ClientOp::kCompact || c->kind == ClientOp::kPastRead) &&
      FinishCompactionOp(*c, result)) {
    return;
  }
  if (!result.ok()) {
    const Status& s = result.status();
    if (FailedForSure(*c, s)) return;
    // The server answers these before proposing: nothing was applied.
    const bool not_proposed =
        s.code() == Code::kNoLeader || s.code() == Code::kTooManyRequests;
    return Failed(*c, s.ToString(), not_proposed);
  }
  Finish(*c, result.value());
}

// Answers that end the op for certain, with nothing applied by this
// attempt: the lease is gone (a put with it, a keep-alive, a revoke), or a
// retried grant finds its own lease (the first try was applied).
bool KvWorld::FailedForSure(Client& c, const Status& s) {
  const bool gone = s.code() == Code::kLeaseNotFound && c.lease != 0;
  const bool exists =
      c.kind == ClientOp::kGrant && s.code() == Code::kFailedPrecondition;
  if (!gone && !exists) return false;
  if (tracing()) {
    Emit("error", {{"client", c.id}, {"n", c.target}, {"why", s.ToString()}});
  }
  if (gone) DropLease(c, c.lease);
  result_.stats.acknowledged++;
  EndOp(c);
  return true;
}

void KvWorld::DropLease(Client& c, int64_t lease) {
  std::erase(c.leases, lease);
}

void KvWorld::OnTimeout(uint64_t token) {
  Client* c = ClientOf(token);
  if (c != nullptr) Failed(*c, "client timeout", false);
}

// An attempt failed. A write that may have reached the cluster (not
// `never_sent`: refused, or refused by the server before proposing) stays
// in the history as "maybe happened"; the op is retried at the next
// member.
void KvWorld::Failed(Client& c, const std::string& why, bool never_sent) {
  if (tracing()) {
    Emit("error", {{"client", c.id}, {"n", c.target}, {"why", why}});
  }
  if (c.kind == ClientOp::kGrant &&
      std::find(c.leases.begin(), c.leases.end(), c.lease) == c.leases.end()) {
    // It may exist: keep it alive, revoke it or let it expire.
    c.leases.push_back(c.lease);
  }
  if (!never_sent && IsKvWrite(c)) {
    KvOp op = c.op;
    op.unknown = true;
    history_.push_back(std::move(op));
    result_.stats.unknown_ops++;
  }
  c.attempts++;
  if (!c.probe && c.attempts >= kAttempts) return EndOp(c);
  c.gen++;  // the failed attempt's late answer is ignored
  c.target = c.leader_hint != 0
                 ? c.leader_hint
                 : c.target % static_cast<NodeId>(options_.nodes) + 1;
  c.leader_hint = 0;
  queue_.After(kRetryDelay, Ev(EventKind::kRetry, 0, TokenOf(c)));
}

void KvWorld::OnRetry(uint64_t token) {
  Client* c = ClientOf(token);
  if (c != nullptr) Launch(*c, c->target);
}

void KvWorld::Finish(Client& c, const server::Response& resp) {
  const int64_t rev = std::visit(
      [](const auto& r) -> int64_t {
        if constexpr (requires { r.header.revision; }) {
          return r.header.revision;
        } else {
          return 0;
        }
      },
      resp);
  if (tracing()) {
    Emit("reply", {{"client", c.id},
                   {"n", c.target},
                   {"resp", server::DescribeResponse(resp)}});
  }
  max_rev_seen_ = std::max(max_rev_seen_, rev);
  if (c.kind != ClientOp::kKv) return FinishLeaseOp(c, resp);
  KvOp op = c.op;
  op.ret = queue_.now();
  const std::string& key = op.key;
  const AckedWrite ack{.key = key,
                       .rev = rev,
                       .value = op.write,
                       .lease = c.lease,
                       .call = op.call,
                       .ret = op.ret};
  if (const auto* r = std::get_if<mvcc::RangeResponse>(&resp)) {
    if (c.serializable) {
      result_.stats.serializable_reads++;
    } else {
      RecordRange(c, *r);
    }
  } else if (std::holds_alternative<mvcc::PutResponse>(resp)) {
    history_.push_back(op);
    acked_.push_back(ack);
    Observe(key, rev, op.write, "put-ack");
    c.seen[key] = *op.write;
  } else if (const auto* d = std::get_if<mvcc::DeleteRangeResponse>(&resp)) {
    history_.push_back(op);
    if (d->deleted > 0) {
      acked_.push_back(ack);
      acked_.back().value = std::nullopt;
      Observe(key, rev, std::nullopt, "delete-ack");
    }
    c.seen.erase(key);
  } else if (const auto* t = std::get_if<mvcc::TxnResponse>(&resp);
             t != nullptr && op.kind == KvOp::Kind::kTxn) {
    FinishTxn(c, std::move(op), *t, ack);
  } else if (t != nullptr) {
    op.succeeded = t->succeeded;
    history_.push_back(op);
    if (t->succeeded) {
      acked_.push_back(ack);
      Observe(key, rev, op.write, "cas-ack");
      c.seen[key] = *op.write;
    }
  } else {
    return Fail("client",
                "unexpected answer " + server::DescribeResponse(resp));
  }
  result_.stats.acknowledged++;
  if (c.probe) {
    settling_ = true;
    queue_.After(kSettlePoll, Ev(EventKind::kSettle));
  }
  EndOp(c);
}

// A lease op's answer: what the client now knows of its lease.
void KvWorld::FinishLeaseOp(Client& c, const server::Response& resp) {
  if (const auto* k = std::get_if<api::LeaseKeepAliveResponse>(&resp)) {
    // TTL 0: the lease is gone (expired and revoked).
    if (k->ttl <= 0) DropLease(c, c.lease);
  } else if (const auto* r = std::get_if<api::LeaseRevokeResponse>(&resp)) {
    DropLease(c, c.lease);
    NoteRevoked(c.lease, r->header.revision);
  } else if (std::holds_alternative<api::LeaseGrantResponse>(resp)) {
    result_.stats.leases_granted++;
    if (std::find(c.leases.begin(), c.leases.end(), c.lease) ==
        c.leases.end()) {
      c.leases.push_back(c.lease);
    }
  } else {
    return Fail("client",
                "unexpected answer " + server::DescribeResponse(resp));
  }
  result_.stats.acknowledged++;
  EndOp(c);
}

void KvWorld::RecordRange(Client& c, const mvcc::RangeResponse& r) {
  KvOp op = c.op;
  op.ret = queue_.now();
  if (!r.kvs.empty()) {
    CheckReadLease(c.target, r.header.revision, r.kvs.front(), "read");
    op.read = r.kvs.front().value;
    Observe(op.key, r.kvs.front().mod_revision, op.read, "read");
    c.seen[op.key] = *op.read;
  } else {
    c.seen.erase(op.key);
  }
  history_.push_back(std::move(op));
}

void KvWorld::EndOp(Client& c) {
  c.busy = false;
  c.gen++;
  if (c.probe || liveness_ || options_.rate == 0) return;
  // Closed loop: kClients clients at `rate` ops per second in all.
  const Micros mean = kClients * kSeconds / options_.rate;
  queue_.After(client_rng_.Uniform(2 * mean + 1),
               Ev(EventKind::kNextOp, 0, c.id));
}

void KvWorld::OnLiveness() {
  liveness_ = true;
  if (tracing()) Emit("heal", json::object());
  network_.Heal();
  ViewCuts();
  ApplyLoss(0, 0);
  for (NodeId id = 1; id <= members_.size(); id++) {
    Member& m = M(id);
    m.skew_percent = 100;
    m.ticks_held_until = 0;
    m.node->Disarm();
    if (m.node->crashed()) Restart(id);
    Resume(id);
  }
  // The probe: a put that must succeed (retried at every member in
  // turn), then every member must settle on the same state.
  Client& p = clients_.back();
  p.op = KvOp{};
  p.op.client = p.id;
  p.op.kind = KvOp::Kind::kPut;
  p.op.key = kProbeKey;
  p.op.write = "probe";
  written_[kProbeKey].insert("probe");
  p.request = mvcc::PutRequest{.key = kProbeKey, .value = "probe"};
  p.busy = true;
  result_.stats.proposals++;
  Launch(p, p.target);
  queue_.After(options_.liveness_bound, Ev(EventKind::kDeadline));
}

void KvWorld::OnSettle() {
  if (done_) return;
  std::string why;
  if (Settled(&why)) return FinalChecks();
  queue_.After(kSettlePoll, Ev(EventKind::kSettle));
}

void KvWorld::OnDeadline() {
  if (done_) return;
  std::string why;
  if (settling_) Settled(&why);
  Fail("liveness",
       StrFormat("%gs after healing: ",
                 static_cast<double>(options_.liveness_bound) / kSeconds) +
           (settling_ ? "the members did not settle: " + why
                      : std::string("the probe put never succeeded")));
}

}  // namespace cairn::sim::kv
