#include "core/server/entry_codec.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "core/util/coding.h"
#include "core/util/crc32c.h"

namespace cairn::server {

namespace {

constexpr uint8_t kVersion = 1;
// Entry payloads with auth info (EntryPayload::auth).
constexpr uint8_t kVersionAuth = 2;
// Entry payloads with a proposer session (EntryPayload::session): the
// request id, the session, a byte telling whether auth info follows.
constexpr uint8_t kVersionSession = 3;

enum class Kind : uint8_t { kEntryPayload = 1, kMemberChange = 2, kMember = 3 };

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Varint(uint64_t v) { AppendVarint(out_, v); }
  void Int(int64_t v) { Varint(static_cast<uint64_t>(v)); }
  void Bool(bool b) { U8(b ? 1 : 0); }
  void Bytes(std::string_view b) {
    Varint(b.size());
    out_.append(b);
  }
  void Strings(const std::vector<std::string>& v) {
    Varint(v.size());
    for (const std::string& s : v) Bytes(s);
  }
  std::string Finish(Kind kind, uint8_t version = kVersion) {
    std::string body;
    body.push_back(static_cast<char>(kind));
    body.push_back(static_cast<char>(version));
    body += out_;
    std::string framed;
    AppendFixed(framed, Crc32c(body), 4);
    return framed + body;
  }

 private:
  std::string out_;
};

// Bounds-checked reads; the first failure sticks and later reads return
// zero values, so decoders check ok() once per structure.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint8_t U8() {
    if (pos_ >= in_.size()) return static_cast<uint8_t>(Fail());
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      if (shift == 63 && b > 1) return Fail();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        // Only minimal encodings: one value, one byte string.
        if (b == 0 && shift > 0) return Fail();
        return v;
      }
    }
    return Fail();
  }
  int64_t Int() { return static_cast<int64_t>(Varint()); }
  bool Bool() {
    const uint8_t b = U8();
    if (b > 1) Fail();
    return b == 1;
  }
  // An enum byte that must be <= max.
  uint8_t Enum(uint8_t max) {
    const uint8_t b = U8();
    if (b > max) return static_cast<uint8_t>(Fail());
    return b;
  }
  std::string Bytes() {
    const uint64_t n = Varint();
    if (!ok_ || n > in_.size() - pos_) {
      Fail();
      return std::string();
    }
    std::string out(in_.substr(pos_, n));
    pos_ += n;
    return out;
  }
  // A count of items that take at least one byte each.
  uint64_t Count() {
    const uint64_t n = Varint();
    if (ok_ && n > in_.size() - pos_) return Fail();
    return n;
  }
  std::vector<std::string> Strings() {
    std::vector<std::string> v(Count());
    for (std::string& s : v) s = Bytes();
    return v;
  }
  uint64_t Fail() {
    ok_ = false;
    pos_ = in_.size();
    return 0;
  }
  bool ok() const { return ok_; }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

Status Corrupt(const char* what) {
  return Status::Corruption(std::string("server entry codec: ") + what);
}

// Checks checksum, kind and version (kVersion, or up to max_version);
// returns the fields after them and the version in *version.
Result<std::string_view> Unframe(std::string_view bytes, Kind kind,
                                 uint8_t max_version = kVersion,
                                 uint8_t* version = nullptr) {
  if (bytes.size() < 6) return Corrupt("truncated frame");
  uint32_t want = 0;
  for (int i = 0; i < 4; i++) {
    want |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  }
  const std::string_view body = bytes.substr(4);
  if (Crc32c(body) != want) return Corrupt("checksum mismatch");
  if (static_cast<uint8_t>(body[0]) != static_cast<uint8_t>(kind)) {
    return Corrupt("wrong record kind");
  }
  const uint8_t v = static_cast<uint8_t>(body[1]);
  if (v < kVersion || v > max_version) return Corrupt("unknown version");
  if (version != nullptr) *version = v;
  return body.substr(2);
}

// ---- Keyspace requests -------------------------------------------------

enum class ReqTag : uint8_t {
  kPut = 0,
  kDeleteRange = 1,
  kTxn = 2,
  kCompaction = 3,
  kLeaseGrant = 4,
  kLeaseRevoke = 5,
  kLeaseCheckpoint = 6,
  kAlarm = 7,
  kMemberUpdate = 8,
  kMemberAttributes = 9,
  kAuth = 10,
};
constexpr uint8_t kMaxReqTag = 10;

void PutRange(Writer& w, const mvcc::RangeRequest& r) {
  w.Bytes(r.key);
  w.Bytes(r.range_end);
  w.Int(r.limit);
  w.Int(r.revision);
  w.U8(static_cast<uint8_t>(r.sort_order));
  w.U8(static_cast<uint8_t>(r.sort_target));
  w.Bool(r.serializable);
  w.Bool(r.keys_only);
  w.Bool(r.count_only);
  w.Int(r.min_mod_revision);
  w.Int(r.max_mod_revision);
  w.Int(r.min_create_revision);
  w.Int(r.max_create_revision);
}

mvcc::RangeRequest GetRange(Reader& r) {
  mvcc::RangeRequest q;
  q.key = r.Bytes();
  q.range_end = r.Bytes();
  q.limit = r.Int();
  q.revision = r.Int();
  q.sort_order = static_cast<mvcc::SortOrder>(r.Enum(2));
  q.sort_target = static_cast<mvcc::SortTarget>(r.Enum(4));
  q.serializable = r.Bool();
  q.keys_only = r.Bool();
  q.count_only = r.Bool();
  q.min_mod_revision = r.Int();
  q.max_mod_revision = r.Int();
  q.min_create_revision = r.Int();
  q.max_create_revision = r.Int();
  return q;
}

void PutPut(Writer& w, const mvcc::PutRequest& p) {
  w.Bytes(p.key);
  w.Bytes(p.value);
  w.Int(p.lease);
  w.Bool(p.prev_kv);
  w.Bool(p.ignore_value);
  w.Bool(p.ignore_lease);
}

mvcc::PutRequest GetPut(Reader& r) {
  mvcc::PutRequest p;
  p.key = r.Bytes();
  p.value = r.Bytes();
  p.lease = r.Int();
  p.prev_kv = r.Bool();
  p.ignore_value = r.Bool();
  p.ignore_lease = r.Bool();
  return p;
}

void PutDelete(Writer& w, const mvcc::DeleteRangeRequest& d) {
  w.Bytes(d.key);
  w.Bytes(d.range_end);
  w.Bool(d.prev_kv);
}

mvcc::DeleteRangeRequest GetDelete(Reader& r) {
  mvcc::DeleteRangeRequest d;
  d.key = r.Bytes();
  d.range_end = r.Bytes();
  d.prev_kv = r.Bool();
  return d;
}

void PutCompare(Writer& w, const mvcc::Compare& c) {
  w.U8(static_cast<uint8_t>(c.result));
  w.U8(static_cast<uint8_t>(c.target));
  w.Bytes(c.key);
  w.Int(c.version);
  w.Int(c.create_revision);
  w.Int(c.mod_revision);
  w.Bytes(c.value);
  w.Int(c.lease);
  w.Bytes(c.range_end);
}

mvcc::Compare GetCompare(Reader& r) {
  mvcc::Compare c;
  c.result = static_cast<mvcc::Compare::Result>(r.Enum(3));
  c.target = static_cast<mvcc::Compare::Target>(r.Enum(4));
  c.key = r.Bytes();
  c.version = r.Int();
  c.create_revision = r.Int();
  c.mod_revision = r.Int();
  c.value = r.Bytes();
  c.lease = r.Int();
  c.range_end = r.Bytes();
  return c;
}

void PutTxn(Writer& w, const mvcc::TxnRequest& t);

void PutOps(Writer& w, const std::vector<mvcc::RequestOp>& ops) {
  w.Varint(ops.size());
  for (const mvcc::RequestOp& op : ops) {
    // The tag is the variant index: 0 monostate, 1 range, 2 put, 3
    // delete, 4 txn.
    w.U8(static_cast<uint8_t>(op.request.index()));
    if (const auto* q = std::get_if<mvcc::RangeRequest>(&op.request)) {
      PutRange(w, *q);
    } else if (const auto* p = std::get_if<mvcc::PutRequest>(&op.request)) {
      PutPut(w, *p);
    } else if (const auto* d =
                   std::get_if<mvcc::DeleteRangeRequest>(&op.request)) {
      PutDelete(w, *d);
    } else if (const auto* t = std::get_if<mvcc::TxnRequest>(&op.request)) {
      PutTxn(w, *t);
    }
  }
}

void PutTxn(Writer& w, const mvcc::TxnRequest& t) {
  w.Varint(t.compare.size());
  for (const mvcc::Compare& c : t.compare) PutCompare(w, c);
  PutOps(w, t.success);
  PutOps(w, t.failure);
}

mvcc::TxnRequest GetTxn(Reader& r, int depth);

std::vector<mvcc::RequestOp> GetOps(Reader& r, int depth) {
  std::vector<mvcc::RequestOp> ops(r.Count());
  for (mvcc::RequestOp& op : ops) {
    switch (r.Enum(4)) {
      case 0:
        break;
      case 1:
        op.request = GetRange(r);
        break;
      case 2:
        op.request = GetPut(r);
        break;
      case 3:
        op.request = GetDelete(r);
        break;
      case 4:
        op.request = GetTxn(r, depth + 1);
        break;
    }
    if (!r.ok()) break;
  }
  return ops;
}

mvcc::TxnRequest GetTxn(Reader& r, int depth) {
  mvcc::TxnRequest t;
  if (depth > kMaxTxnDepth) {
    r.Fail();
    return t;
  }
  t.compare.resize(r.Count());
  for (mvcc::Compare& c : t.compare) c = GetCompare(r);
  t.success = GetOps(r, depth);
  t.failure = GetOps(r, depth);
  return t;
}

// ---- Members -----------------------------------------------------------

void PutMember(Writer& w, const api::Member& m) {
  w.Varint(m.id);
  w.Bytes(m.name);
  w.Strings(m.peer_urls);
  w.Strings(m.client_urls);
  w.Bool(m.is_learner);
}

api::Member GetMember(Reader& r) {
  api::Member m;
  m.id = r.Varint();
  m.name = r.Bytes();
  m.peer_urls = r.Strings();
  m.client_urls = r.Strings();
  m.is_learner = r.Bool();
  return m;
}

// ---- Write requests ----------------------------------------------------

struct PutWrite {
  Writer& w;
  void operator()(const mvcc::PutRequest& p) { PutPut(w, p); }
  void operator()(const mvcc::DeleteRangeRequest& d) { PutDelete(w, d); }
  void operator()(const mvcc::TxnRequest& t) { PutTxn(w, t); }
  void operator()(const mvcc::CompactionRequest& c) {
    w.Int(c.revision);
    w.Bool(c.physical);
  }
  void operator()(const api::LeaseGrantRequest& g) {
    w.Int(g.ttl);
    w.Int(g.id);
  }
  void operator()(const api::LeaseRevokeRequest& v) { w.Int(v.id); }
  void operator()(const LeaseCheckpointRequest& c) {
    w.Varint(c.checkpoints.size());
    for (const lease::Checkpoint& cp : c.checkpoints) {
      w.Int(cp.id);
      w.Int(cp.remaining_ttl_s);
    }
  }
  void operator()(const api::AlarmRequest& a) {
    w.U8(static_cast<uint8_t>(a.action));
    w.Varint(a.member_id);
    w.U8(static_cast<uint8_t>(a.alarm));
  }
  void operator()(const api::MemberUpdateRequest& u) {
    w.Varint(u.id);
    w.Strings(u.peer_urls);
  }
  void operator()(const MemberAttributesRequest& a) {
    w.Varint(a.id);
    w.Bytes(a.name);
    w.Strings(a.client_urls);
  }
  void operator()(const AuthWriteRequest& a) {
    // The tag is the AuthOp variant index.
    w.U8(static_cast<uint8_t>(a.op.index()));
    std::visit(*this, a.op);
  }
  // The auth ops (passwords are never encoded, only hashes).
  void operator()(const api::AuthEnableRequest&) {}
  void operator()(const api::AuthDisableRequest&) {}
  void operator()(const AuthenticateOp& o) {
    w.Bytes(o.name);
    w.Bytes(o.verified_hash);
    w.Bytes(o.token_prefix);
  }
  void operator()(const api::AuthUserAddRequest& o) {
    w.Bytes(o.name);
    w.Bytes(o.hashed_password);
    w.Bool(o.no_password);
  }
  void operator()(const api::AuthUserGetRequest& o) { w.Bytes(o.name); }
  void operator()(const api::AuthUserListRequest&) {}
  void operator()(const api::AuthUserDeleteRequest& o) { w.Bytes(o.name); }
  void operator()(const api::AuthUserChangePasswordRequest& o) {
    w.Bytes(o.name);
    w.Bytes(o.hashed_password);
  }
  void operator()(const api::AuthUserGrantRoleRequest& o) {
    w.Bytes(o.user);
    w.Bytes(o.role);
  }
  void operator()(const api::AuthUserRevokeRoleRequest& o) {
    w.Bytes(o.name);
    w.Bytes(o.role);
  }
  void operator()(const api::AuthRoleAddRequest& o) { w.Bytes(o.name); }
  void operator()(const api::AuthRoleGetRequest& o) { w.Bytes(o.role); }
  void operator()(const api::AuthRoleListRequest&) {}
  void operator()(const api::AuthRoleDeleteRequest& o) { w.Bytes(o.role); }
  void operator()(const api::AuthRoleGrantPermissionRequest& o) {
    w.Bytes(o.name);
    w.Varint(static_cast<uint32_t>(o.perm.perm_type));
    w.Bytes(o.perm.key);
    w.Bytes(o.perm.range_end);
  }
  void operator()(const api::AuthRoleRevokePermissionRequest& o) {
    w.Bytes(o.role);
    w.Bytes(o.key);
    w.Bytes(o.range_end);
  }
};

AuthOp GetAuthOp(Reader& r) {
  switch (r.Enum(static_cast<uint8_t>(std::variant_size_v<AuthOp> - 1))) {
    case 0:
      return api::AuthEnableRequest{};
    case 1:
      return api::AuthDisableRequest{};
    case 2: {
      AuthenticateOp o;
      o.name = r.Bytes();
      o.verified_hash = r.Bytes();
      o.token_prefix = r.Bytes();
      return o;
    }
    case 3: {
      api::AuthUserAddRequest o;
      o.name = r.Bytes();
      o.hashed_password = r.Bytes();
      o.no_password = r.Bool();
      return o;
    }
    case 4:
      return api::AuthUserGetRequest{.name = r.Bytes()};
    case 5:
      return api::AuthUserListRequest{};
    case 6:
      return api::AuthUserDeleteRequest{.name = r.Bytes()};
    case 7: {
      api::AuthUserChangePasswordRequest o;
      o.name = r.Bytes();
      o.hashed_password = r.Bytes();
      return o;
    }
    case 8: {
      api::AuthUserGrantRoleRequest o;
      o.user = r.Bytes();
      o.role = r.Bytes();
      return o;
    }
    case 9: {
      api::AuthUserRevokeRoleRequest o;
      o.name = r.Bytes();
      o.role = r.Bytes();
      return o;
    }
    case 10:
      return api::AuthRoleAddRequest{.name = r.Bytes()};
    case 11:
      return api::AuthRoleGetRequest{.role = r.Bytes()};
    case 12:
      return api::AuthRoleListRequest{};
    case 13:
      return api::AuthRoleDeleteRequest{.role = r.Bytes()};
    case 14: {
      api::AuthRoleGrantPermissionRequest o;
      o.name = r.Bytes();
      const uint64_t t = r.Varint();
      if (t > UINT32_MAX) r.Fail();
      o.perm.perm_type =
          static_cast<api::Permission::Type>(static_cast<uint32_t>(t));
      o.perm.key = r.Bytes();
      o.perm.range_end = r.Bytes();
      o.has_perm = true;
      return o;
    }
    case 15: {
      api::AuthRoleRevokePermissionRequest o;
      o.role = r.Bytes();
      o.key = r.Bytes();
      o.range_end = r.Bytes();
      return o;
    }
  }
  r.Fail();
  return api::AuthEnableRequest{};
}

WriteRequest GetCheckpoints(Reader& r) {
  // Each checkpoint takes at least two bytes; Count bounds by one.
  LeaseCheckpointRequest c;
  c.checkpoints.resize(r.Count());
  for (lease::Checkpoint& cp : c.checkpoints) {
    cp.id = r.Int();
    cp.remaining_ttl_s = r.Int();
  }
  return c;
}

WriteRequest GetWrite(Reader& r, ReqTag tag) {
  switch (tag) {
    case ReqTag::kPut:
      return GetPut(r);
    case ReqTag::kDeleteRange:
      return GetDelete(r);
    case ReqTag::kTxn:
      return GetTxn(r, 1);
    case ReqTag::kCompaction: {
      mvcc::CompactionRequest c;
      c.revision = r.Int();
      c.physical = r.Bool();
      return c;
    }
    case ReqTag::kLeaseGrant: {
      api::LeaseGrantRequest g;
      g.ttl = r.Int();
      g.id = r.Int();
      return g;
    }
    case ReqTag::kLeaseRevoke:
      return api::LeaseRevokeRequest{.id = r.Int()};
    case ReqTag::kLeaseCheckpoint:
      return GetCheckpoints(r);
    case ReqTag::kAlarm: {
      api::AlarmRequest a;
      a.action = static_cast<api::AlarmRequest::Action>(r.Enum(2));
      a.member_id = r.Varint();
      a.alarm = static_cast<api::AlarmType>(r.Enum(2));
      return a;
    }
    case ReqTag::kMemberUpdate: {
      api::MemberUpdateRequest u;
      u.id = r.Varint();
      u.peer_urls = r.Strings();
      return u;
    }
    case ReqTag::kMemberAttributes: {
      MemberAttributesRequest a;
      a.id = r.Varint();
      a.name = r.Bytes();
      a.client_urls = r.Strings();
      return a;
    }
    case ReqTag::kAuth:
      return AuthWriteRequest{.op = GetAuthOp(r)};
  }
  r.Fail();
  return mvcc::PutRequest{};
}

}  // namespace

std::string EncodeEntryPayload(const EntryPayload& payload) {
  Writer w;
  w.Varint(payload.request_id);
  if (payload.session != 0) {
    w.Varint(payload.session);
    w.Bool(payload.auth.has_value());
  }
  if (payload.auth) {
    w.Bytes(payload.auth->user);
    w.Varint(payload.auth->revision);
  }
  // The tag is the WriteRequest variant index (ReqTag spells it out).
  w.U8(static_cast<uint8_t>(payload.request.index()));
  std::visit(PutWrite{w}, payload.request);
  uint8_t version = payload.auth ? kVersionAuth : kVersion;
  if (payload.session != 0) version = kVersionSession;
  return w.Finish(Kind::kEntryPayload, version);
}

Result<EntryPayload> DecodeEntryPayload(std::string_view bytes) {
  uint8_t version = 0;
  Result<std::string_view> body =
      Unframe(bytes, Kind::kEntryPayload, kVersionSession, &version);
  if (!body.ok()) return body.status();
  Reader r(body.value());
  EntryPayload p;
  p.request_id = r.Varint();
  bool has_auth = version == kVersionAuth;
  if (version == kVersionSession) {
    p.session = r.Varint();
    has_auth = r.Bool();
    if (p.session == 0) return Corrupt("session 0");
  }
  if (has_auth) {
    auth::AuthInfo info;
    info.user = r.Bytes();
    info.revision = r.Varint();
    p.auth = std::move(info);
  }
  const auto tag = static_cast<ReqTag>(r.Enum(kMaxReqTag));
  if (!r.ok()) return Corrupt("bad entry header");
  p.request = GetWrite(r, tag);
  if (!r.ok()) return Corrupt("bad write request");
  if (!r.done()) return Corrupt("trailing bytes");
  return p;
}

std::string EncodeMemberChange(const MemberChange& change) {
  Writer w;
  w.Varint(change.request_id);
  w.U8(static_cast<uint8_t>(change.kind));
  PutMember(w, change.member);
  return w.Finish(Kind::kMemberChange);
}

Result<MemberChange> DecodeMemberChange(std::string_view bytes) {
  Result<std::string_view> body = Unframe(bytes, Kind::kMemberChange);
  if (!body.ok()) return body.status();
  Reader r(body.value());
  MemberChange c;
  c.request_id = r.Varint();
  c.kind = static_cast<MemberChange::Kind>(r.Enum(2));
  c.member = GetMember(r);
  if (!r.ok()) return Corrupt("bad member change");
  if (!r.done()) return Corrupt("trailing bytes");
  return c;
}

std::string EncodeMember(const api::Member& member) {
  Writer w;
  PutMember(w, member);
  return w.Finish(Kind::kMember);
}

Result<api::Member> DecodeMember(std::string_view bytes) {
  Result<std::string_view> body = Unframe(bytes, Kind::kMember);
  if (!body.ok()) return body.status();
  Reader r(body.value());
  api::Member m = GetMember(r);
  if (!r.ok()) return Corrupt("bad member");
  if (!r.done()) return Corrupt("trailing bytes");
  return m;
}

}  // namespace cairn::server
