// The scenario runner's client operations (scenario_world.h): each is sent
// to one member, waited for, checked against its `expect` and recorded in
// the history that `check linearizable` checks.
#include <utility>

#include "core/server/backend_layout.h"
#include "core/util/strings.h"
#include "simulator/scenario_world.h"

namespace cairn::sim::scenario {

namespace {

using U = unsigned long long;

// A client gives up this long after the server's own request timeout.
constexpr Micros kClientMargin = 1 * kSeconds;

std::string RangeEnd(const std::string& key, bool prefix) {
  return prefix ? server::PrefixEnd(key) : std::string();
}

mvcc::Compare::Result CompareResult(Cmp c) {
  switch (c) {
    case Cmp::kNe:
      return mvcc::Compare::Result::kNotEqual;
    case Cmp::kLt:
      return mvcc::Compare::Result::kLess;
    case Cmp::kGt:
      return mvcc::Compare::Result::kGreater;
    default:
      return mvcc::Compare::Result::kEqual;
  }
}

mvcc::RequestOp TxnRequestOp(const TxnOp& op) {
  if (const auto* p = std::get_if<PutOp>(&op)) {
    return mvcc::RequestOp{mvcc::PutRequest{.key = p->key, .value = p->value}};
  }
  if (const auto* g = std::get_if<GetOp>(&op)) {
    return mvcc::RequestOp{mvcc::RangeRequest{
        .key = g->key, .range_end = RangeEnd(g->key, g->prefix)}};
  }
  const auto& d = std::get<DeleteOp>(op);
  return mvcc::RequestOp{mvcc::DeleteRangeRequest{
      .key = d.key, .range_end = RangeEnd(d.key, d.prefix)}};
}

// One line for an answer, as a failure report shows it.
std::string Describe(const Result<server::Response>& a) {
  if (!a.ok()) return "error \"" + a.status().message() + "\"";
  const server::Response& r = a.value();
  if (const auto* g = std::get_if<mvcc::RangeResponse>(&r)) {
    if (g->kvs.empty()) return "absent";
    std::string out = StrFormat("%d key(s):", static_cast<int>(g->count));
    for (const mvcc::KeyValue& kv : g->kvs) {
      out +=
          StrFormat(" %s=\"%s\" (mod %lld)", kv.key.c_str(), kv.value.c_str(),
                    static_cast<long long>(kv.mod_revision));
    }
    return out;
  }
  if (const auto* d = std::get_if<mvcc::DeleteRangeResponse>(&r)) {
    return StrFormat("ok, %lld deleted", static_cast<long long>(d->deleted));
  }
  if (const auto* t = std::get_if<mvcc::TxnResponse>(&r)) {
    return t->succeeded ? "ok, succeeded" : "ok, failed";
  }
  return "ok";
}

// Whether an error means the write certainly did not happen (it was
// refused before it was proposed).
bool NeverProposed(const Status& s) {
  switch (s.code()) {
    case Code::kNoLeader:
    case Code::kNotLeader:
    case Code::kInvalidArgument:
    case Code::kTooManyRequests:
    case Code::kLeaseNotFound:
    case Code::kPermissionDenied:
    case Code::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

}  // namespace

server::Request ScenarioWorld::BuildRequest(const ClientRequest& r) {
  if (const auto* p = std::get_if<PutOp>(&r)) {
    mvcc::PutRequest put{.key = p->key, .value = p->value};
    if (!p->lease.empty()) {
      auto it = leases_.find(p->lease);
      // An unbound name is a lease no server granted: the server says so.
      put.lease = it != leases_.end() ? it->second : 0x7fffffff;
    }
    return put;
  }
  if (const auto* g = std::get_if<GetOp>(&r)) {
    return mvcc::RangeRequest{.key = g->key,
                              .range_end = RangeEnd(g->key, g->prefix),
                              .revision = g->revision,
                              .serializable = g->serializable};
  }
  if (const auto* d = std::get_if<DeleteOp>(&r)) {
    return mvcc::DeleteRangeRequest{.key = d->key,
                                    .range_end = RangeEnd(d->key, d->prefix)};
  }
  if (const auto* t = std::get_if<TxnOpList>(&r)) {
    mvcc::TxnRequest txn;
    for (const TxnCompare& c : t->compares) {
      mvcc::Compare cmp{.result = CompareResult(c.cmp), .key = c.key};
      switch (c.target) {
        case TxnCompare::Target::kValue:
          cmp.target = mvcc::Compare::Target::kValue;
          cmp.value = c.value;
          break;
        case TxnCompare::Target::kVersion:
          cmp.target = mvcc::Compare::Target::kVersion;
          cmp.version = c.number;
          break;
        case TxnCompare::Target::kCreate:
          cmp.target = mvcc::Compare::Target::kCreate;
          cmp.create_revision = c.number;
          break;
        case TxnCompare::Target::kMod:
          cmp.target = mvcc::Compare::Target::kMod;
          cmp.mod_revision = c.number;
          break;
      }
      txn.compare.push_back(std::move(cmp));
    }
    for (const TxnOp& op : t->success) txn.success.push_back(TxnRequestOp(op));
    for (const TxnOp& op : t->failure) txn.failure.push_back(TxnRequestOp(op));
    return txn;
  }
  if (const auto* g = std::get_if<LeaseGrant>(&r)) {
    return api::LeaseGrantRequest{.ttl = g->ttl_s};
  }
  auto lease_id = [&](const std::string& name) {
    auto it = leases_.find(name);
    return it != leases_.end() ? it->second : int64_t{0x7fffffff};
  };
  if (const auto* v = std::get_if<LeaseRevoke>(&r)) {
    return api::LeaseRevokeRequest{.id = lease_id(v->lease)};
  }
  if (const auto* k = std::get_if<LeaseKeepAlive>(&r)) {
    return api::LeaseKeepAliveRequest{.id = lease_id(k->lease)};
  }
  if (const auto* c = std::get_if<CompactOp>(&r)) {
    return mvcc::CompactionRequest{.revision = c->revision};
  }
  if (const auto* a = std::get_if<MemberAdd>(&r)) {
    return api::MemberAddRequest{
        .peer_urls = {StrFormat("http://10.0.0.%llu:2380", U(a->id))},
        .is_learner = a->learner};
  }
  if (const auto* rm = std::get_if<MemberRemove>(&r)) {
    return api::MemberRemoveRequest{.id = Resolve(rm->member)};
  }
  if (const auto* p = std::get_if<MemberPromote>(&r)) {
    return api::MemberPromoteRequest{.id = Resolve(p->member)};
  }
  const auto& t = std::get<Transfer>(r);
  return api::MoveLeaderRequest{.target_id = Resolve(t.to)};
}

void ScenarioWorld::RunOp(const ClientOp& op) {
  NodeId target = 0;
  if (op.on.has_value()) {
    target = Resolve(*op.on);
  } else {
    target = ElectedLeader();
    if (target == 0) target = slots_.at(1);
  }
  if (failed_) return;
  report_.ops++;
  if (const auto* w = std::get_if<WatchOp>(&op.request)) {
    return CreateWatch(*w, target);
  }
  if (const auto* c = std::get_if<CancelWatch>(&op.request)) {
    return CancelWatchOp(*c);
  }
  if (const auto* a = std::get_if<MemberAdd>(&op.request)) {
    if (slots_.count(static_cast<int>(a->id)) != 0) {
      return Fail(StrFormat("n%llu is already a member", U(a->id)));
    }
  }
  PendingOp p;
  p.token = next_token_++;
  p.target = target;
  p.request = BuildRequest(op.request);
  if (failed_) return;
  p.call = queue_.now();
  pending_ = std::move(p);
  Emit("op", {{"n", Name(target)}, {"op", current_->source}});
  if (M(target).node->crashed()) {
    pending_->answer = Status(
        Code::kUnavailable, "connection refused: " + Name(target) + " is down");
  } else {
    Event ev;
    ev.kind = EventKind::kSubmit;
    ev.node = target;
    ev.op = pending_->token;
    queue_.After(1 * kMillis, std::move(ev));
  }
  const Micros deadline =
      queue_.now() + scenario_.setup.request_timeout + kClientMargin;
  while (!failed_ && !pending_->answer.has_value() &&
         queue_.now() <= deadline) {
    StepEvent();
  }
  if (failed_) return;
  if (!pending_->answer.has_value()) {
    pending_->answer = Status(Code::kTimeout, "context deadline exceeded");
  }
  Result<server::Response> answer = std::move(*pending_->answer);
  // A keep-alive answered with TTL 0 means the lease is gone; etcd's
  // clients (clientv3 KeepAliveOnce, etcdctl) report it as not found.
  if (answer.ok()) {
    const auto* ka = std::get_if<api::LeaseKeepAliveResponse>(&answer.value());
    if (ka != nullptr && ka->ttl <= 0) {
      answer =
          Status(Code::kLeaseNotFound, "etcdserver: requested lease not found");
    }
  }
  const Micros call = pending_->call;
  pending_.reset();
  Emit("answer", {{"n", Name(target)}, {"result", Describe(answer)}});
  Record(op, answer, call);
  if (answer.ok()) AfterAnswer(op, answer.value());
  CheckAnswer(op, answer);
}

// The request reaches its member (or waits in a paused member's inbox).
void ScenarioWorld::Submit(NodeId id, uint64_t token) {
  if (!pending_.has_value() || pending_->token != token) return;
  WorldMember& m = M(id);
  if (m.node->crashed()) {
    pending_->answer = Status(Code::kUnavailable,
                              "connection refused: " + Name(id) + " is down");
    return;
  }
  if (m.paused) {
    m.inbox_submits.push_back(token);
    return;
  }
  m.node->server().Submit(token, pending_->request);
  AfterCall(id);
}

// The answer reached the client. A member that is not the leader refuses
// keep-alives, promotions and leader moves; the client then asks the
// leader that member names, once (as etcd's members forward them).
void ScenarioWorld::OnAnswer(uint64_t token) {
  if (!pending_.has_value() || pending_->token != token ||
      !pending_->arriving.has_value() || pending_->answer.has_value()) {
    return;
  }
  Result<server::Response> got = std::move(*pending_->arriving);
  pending_->arriving.reset();
  const NodeId target = pending_->target;
  const NodeId leader =
      M(target).node->crashed() ? 0 : M(target).node->server().leader();
  if (got.ok() || got.status().code() != Code::kNotLeader ||
      pending_->forwarded || leader == 0 || members_.count(leader) == 0) {
    pending_->answer = std::move(got);
    return;
  }
  pending_->forwarded = true;
  pending_->target = leader;
  Emit("forward", {{"from", Name(target)}, {"to", Name(leader)}});
  Submit(leader, token);
}

void ScenarioWorld::AfterAnswer(const ClientOp& op,
                                const server::Response& resp) {
  if (const auto* g = std::get_if<LeaseGrant>(&op.request)) {
    leases_[g->lease] = std::get<api::LeaseGrantResponse>(resp).id;
  } else if (const auto* a = std::get_if<MemberAdd>(&op.request)) {
    const auto& r = std::get<api::MemberAddResponse>(resp);
    AddMember(static_cast<int>(a->id), r.member.id);
    NoteMember(r.member.id);
  }
}

void ScenarioWorld::CreateWatch(const WatchOp& w, NodeId on) {
  Emit("op", {{"n", Name(on)}, {"op", current_->source}});
  WorldMember& m = M(on);
  if (m.node->crashed() || m.paused) {
    return Fail("cannot watch on " + Name(on) + ": it is " +
                (m.paused ? "paused" : "down"));
  }
  auto old = watches_.find(w.watch);
  if (old != watches_.end() && !old->second.canceled &&
      Running(old->second.member)) {
    M(old->second.member).node->server().CloseStream(old->second.stream);
  }
  WatchState ws;
  ws.member = on;
  ws.stream = next_stream_++;
  mvcc::WatchCreateRequest req{.key = w.key,
                               .range_end = RangeEnd(w.key, w.prefix),
                               .start_revision = w.from};
  Result<int64_t> id = m.node->server().CreateWatch(ws.stream, req);
  if (!id.ok()) {
    return Fail("watch " + w.watch + " was refused: " + id.status().message());
  }
  ws.watch_id = id.value();
  watches_[w.watch] = std::move(ws);
  AfterCall(on);
}

void ScenarioWorld::CancelWatchOp(const CancelWatch& c) {
  auto it = watches_.find(c.watch);
  if (it == watches_.end()) return Fail("no watch named " + c.watch);
  WatchState& ws = it->second;
  if (!Running(ws.member)) {
    ws.canceled = true;
    return;
  }
  Status s = M(ws.member).node->server().CancelWatch(ws.stream, ws.watch_id);
  ws.canceled = true;
  if (!s.ok()) Fail("cancel watch " + c.watch + ": " + s.message());
  AfterCall(ws.member);
}

// Puts, linearizable single-key gets and deletes enter the history that
// `check linearizable` checks; an error that leaves the outcome open makes
// a write "maybe happened".
void ScenarioWorld::Record(const ClientOp& op,
                           const Result<server::Response>& a, Micros call) {
  KvOp h;
  h.client = 1;
  h.call = static_cast<uint64_t>(call);
  h.ret = static_cast<uint64_t>(queue_.now());
  if (const auto* p = std::get_if<PutOp>(&op.request)) {
    if (!p->lease.empty()) excluded_keys_.insert(p->key);
    h.kind = KvOp::Kind::kPut;
    h.key = p->key;
    h.write = p->value;
  } else if (const auto* d = std::get_if<DeleteOp>(&op.request)) {
    if (d->prefix) return;
    h.kind = KvOp::Kind::kDelete;
    h.key = d->key;
  } else if (const auto* g = std::get_if<GetOp>(&op.request)) {
    if (g->prefix || g->serializable || g->revision != 0 || !a.ok()) return;
    h.kind = KvOp::Kind::kGet;
    h.key = g->key;
    const auto& r = std::get<mvcc::RangeResponse>(a.value());
    if (!r.kvs.empty()) h.read = r.kvs[0].value;
  } else if (const auto* t = std::get_if<TxnOpList>(&op.request)) {
    if (!TxnToHistory(*t, a, &h)) return;
  } else {
    return;
  }
  if (!a.ok() && h.kind != KvOp::Kind::kGet) {
    if (NeverProposed(a.status())) return;
    h.unknown = true;
  }
  history_.push_back(std::move(h));
}

// A txn enters the history when the checker's model holds it: compares of
// value(K) = V or version(K) = 0 (absent), puts and deletes of single keys
// on success, single-key gets on failure. Any other txn takes its keys out
// of the check, so that the check never judges what it cannot model.
bool ScenarioWorld::TxnToHistory(const TxnOpList& t,
                                 const Result<server::Response>& a, KvOp* h) {
  bool simple = !t.compares.empty();
  std::vector<std::string> keys;
  for (const TxnCompare& c : t.compares) {
    keys.push_back(c.key);
    const bool value_eq =
        c.target == TxnCompare::Target::kValue && c.cmp == Cmp::kEq;
    const bool absent = c.target == TxnCompare::Target::kVersion &&
                        c.cmp == Cmp::kEq && c.number == 0;
    if (!value_eq && !absent) simple = false;
    h->compares.emplace_back(
        c.key, value_eq ? std::optional<std::string>(c.value) : std::nullopt);
  }
  for (const TxnOp& op : t.success) {
    if (const auto* p = std::get_if<PutOp>(&op)) {
      keys.push_back(p->key);
      simple = simple && p->lease.empty();
      h->writes.emplace_back(p->key, p->value);
    } else if (const auto* d = std::get_if<DeleteOp>(&op)) {
      keys.push_back(d->key);
      simple = simple && !d->prefix;
      h->writes.emplace_back(d->key, std::nullopt);
    }
  }
  const mvcc::TxnResponse* resp =
      a.ok() ? std::get_if<mvcc::TxnResponse>(&a.value()) : nullptr;
  for (size_t i = 0; i < t.failure.size(); i++) {
    const auto* g = std::get_if<GetOp>(&t.failure[i]);
    if (g == nullptr || g->prefix || g->revision != 0) {
      simple = false;
      continue;
    }
    keys.push_back(g->key);
    if (resp == nullptr || resp->succeeded) continue;
    const auto& r = std::get<mvcc::RangeResponse>(resp->responses[i].response);
    h->reads.emplace_back(
        g->key, r.kvs.empty() ? std::nullopt
                              : std::optional<std::string>(r.kvs[0].value));
  }
  if (!simple) {
    for (const std::string& k : keys) excluded_keys_.insert(k);
    return false;
  }
  h->kind = KvOp::Kind::kTxn;
  h->key = t.compares[0].key;
  h->succeeded = resp != nullptr && resp->succeeded;
  return true;
}

void ScenarioWorld::CheckAnswer(const ClientOp& op,
                                const Result<server::Response>& a) {
  const OpExpect& e = op.expect;
  const std::string got = Describe(a);
  auto fail = [&](const std::string& wanted) {
    Fail("expected " + wanted + ", got " + got);
  };
  switch (e.kind) {
    case OpExpect::Kind::kAny:
      return;
    case OpExpect::Kind::kOk:
      if (!a.ok()) fail("ok");
      return;
    case OpExpect::Kind::kError:
      if (a.ok() || a.status().message().find(e.text) == std::string::npos) {
        fail("an error containing \"" + e.text + "\"");
      }
      return;
    default:
      break;
  }
  if (!a.ok()) return fail(ExpectText(e));
  const server::Response& r = a.value();
  bool good = false;
  if (const auto* g = std::get_if<mvcc::RangeResponse>(&r)) {
    good = (e.kind == OpExpect::Kind::kValue && !g->kvs.empty() &&
            g->kvs[0].value == e.text) ||
           (e.kind == OpExpect::Kind::kAbsent && g->kvs.empty()) ||
           (e.kind == OpExpect::Kind::kCount && g->count == e.count);
  } else if (const auto* d = std::get_if<mvcc::DeleteRangeResponse>(&r)) {
    good = e.kind == OpExpect::Kind::kCount && d->deleted == e.count;
  } else if (const auto* t = std::get_if<mvcc::TxnResponse>(&r)) {
    good = (e.kind == OpExpect::Kind::kSucceeded && t->succeeded) ||
           (e.kind == OpExpect::Kind::kFailed && !t->succeeded);
  }
  if (!good) fail(ExpectText(e));
}

std::string ScenarioWorld::ExpectText(const OpExpect& e) {
  switch (e.kind) {
    case OpExpect::Kind::kValue:
      return "value \"" + e.text + "\"";
    case OpExpect::Kind::kAbsent:
      return "absent";
    case OpExpect::Kind::kCount:
      return StrFormat("count %lld", static_cast<long long>(e.count));
    case OpExpect::Kind::kSucceeded:
      return "succeeded";
    case OpExpect::Kind::kFailed:
      return "failed";
    default:
      return "ok";
  }
}

}  // namespace cairn::sim::scenario
