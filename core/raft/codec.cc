#include "core/raft/codec.h"

#include <array>
#include <utility>
#include <vector>

#include "core/util/coding.h"
#include "core/util/crc32c.h"

namespace cairn::raft {

namespace {

constexpr uint8_t kVersion = 1;

enum class Kind : uint8_t {
  kMessage = 1,
  kEntry = 2,
  kHardState = 3,
  kSnapshot = 4,
  kConfChange = 5,
};

// Writes the body after a 4-byte hole for its CRC, which Finish fills in
// place (no second buffer).
class Writer {
 public:
  Writer() {
    out_.reserve(64);
    out_.append(4, '\0');
  }
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Varint(uint64_t v) { AppendVarint(out_, v); }
  void Bytes(std::string_view b) {
    Varint(b.size());
    out_.append(b);
  }
  std::string Finish() {
    const uint32_t crc = Crc32c(std::string_view(out_).substr(4));
    for (int i = 0; i < 4; i++) out_[i] = static_cast<char>(crc >> (8 * i));
    return std::move(out_);
  }

 private:
  std::string out_;
};

// Every read checks bounds; the first failure sticks, so decoders read on
// and check ok() once per structure.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint8_t U8() {
    if (pos_ >= in_.size()) return Fail();
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t Varint() {
    // Most fields fit one byte.
    if (pos_ < in_.size() && static_cast<uint8_t>(in_[pos_]) < 0x80) {
      return static_cast<uint8_t>(in_[pos_++]);
    }
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail();
      const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      // The tenth byte may only carry the top bit of a 64-bit value.
      if (shift == 63 && b > 1) return Fail();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        // Reject non-minimal encodings so that every value has exactly
        // one encoding and a flipped continuation bit is always caught.
        if (b == 0 && shift > 0) return Fail();
        return v;
      }
    }
    return Fail();
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
  bool Bool() {
    const uint8_t b = U8();
    if (b > 1) Fail();
    return b == 1;
  }
  // A count of items that each take at least one byte: bounded by what is
  // left, so a corrupt count never triggers a huge allocation.
  uint64_t Count() {
    const uint64_t n = Varint();
    if (ok_ && n > in_.size() - pos_) return Fail();
    return n;
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
  return Status::Corruption(std::string("raft codec: ") + what);
}

// Checks the frame and returns the body after the kind and version bytes.
Result<std::string_view> Unframe(std::string_view bytes, Kind kind) {
  if (bytes.size() < 6) return Corrupt("truncated frame");
  uint32_t want = 0;
  for (int i = 0; i < 4; i++) {
    want |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  }
  std::string_view body = bytes.substr(4);
  if (Crc32c(body) != want) return Corrupt("checksum mismatch");
  if (static_cast<uint8_t>(body[0]) != static_cast<uint8_t>(kind)) {
    return Corrupt("unexpected kind");
  }
  if (static_cast<uint8_t>(body[1]) != kVersion) return Corrupt("bad version");
  return body.substr(2);
}

Writer Begin(Kind kind) {
  Writer w;
  w.U8(static_cast<uint8_t>(kind));
  w.U8(kVersion);
  return w;
}

void PutEntry(Writer* w, const Entry& e) {
  w->Varint(e.term);
  w->Varint(e.index);
  w->U8(static_cast<uint8_t>(e.type));
  w->Bytes(e.data);
}

Entry GetEntry(Reader* r) {
  Entry e;
  e.term = r->Varint();
  e.index = r->Varint();
  const uint8_t type = r->U8();
  if (type > static_cast<uint8_t>(EntryType::kConfChange)) r->Fail();
  e.type = static_cast<EntryType>(type);
  e.data = r->Bytes();
  return e;
}

void PutIds(Writer* w, const std::vector<NodeId>& ids) {
  w->Varint(ids.size());
  for (NodeId id : ids) w->Varint(id);
}

std::vector<NodeId> GetIds(Reader* r) {
  std::vector<NodeId> ids(r->Count());
  for (NodeId& id : ids) id = r->Varint();
  return ids;
}

void PutSnapshot(Writer* w, const Snapshot& s) {
  const ConfState& cs = s.metadata.conf_state;
  w->Varint(s.metadata.index);
  w->Varint(s.metadata.term);
  PutIds(w, cs.voters);
  PutIds(w, cs.learners);
  PutIds(w, cs.voters_outgoing);
  PutIds(w, cs.learners_next);
  w->U8(cs.auto_leave ? 1 : 0);
  w->Bytes(s.data);
}

Snapshot GetSnapshot(Reader* r) {
  Snapshot s;
  ConfState& cs = s.metadata.conf_state;
  s.metadata.index = r->Varint();
  s.metadata.term = r->Varint();
  cs.voters = GetIds(r);
  cs.learners = GetIds(r);
  cs.voters_outgoing = GetIds(r);
  cs.learners_next = GetIds(r);
  cs.auto_leave = r->Bool();
  s.data = r->Bytes();
  return s;
}

template <typename T>
Result<T> Finish(const Reader& r, T value) {
  if (!r.ok()) return Corrupt("truncated or malformed body");
  if (!r.done()) return Corrupt("trailing bytes");
  return value;
}

}  // namespace

std::string EncodeMessage(const Message& m) {
  Writer w = Begin(Kind::kMessage);
  w.U8(static_cast<uint8_t>(m.type));
  w.Varint(m.to);
  w.Varint(m.from);
  w.Varint(m.term);
  w.Varint(m.log_term);
  w.Varint(m.index);
  w.Varint(m.commit);
  w.U8(m.reject ? 1 : 0);
  w.Varint(m.reject_hint);
  w.Bytes(m.context);
  w.Varint(m.entries.size());
  for (const Entry& e : m.entries) PutEntry(&w, e);
  w.U8(m.snapshot ? 1 : 0);
  if (m.snapshot) PutSnapshot(&w, *m.snapshot);
  return w.Finish();
}

Result<Message> DecodeMessage(std::string_view bytes) {
  Result<std::string_view> body = Unframe(bytes, Kind::kMessage);
  if (!body.ok()) return body.status();
  Reader r(body.value());
  Message m;
  const uint8_t type = r.U8();
  if (type >= kNumMessageTypes) r.Fail();
  m.type = static_cast<MessageType>(type);
  m.to = r.Varint();
  m.from = r.Varint();
  m.term = r.Varint();
  m.log_term = r.Varint();
  m.index = r.Varint();
  m.commit = r.Varint();
  m.reject = r.Bool();
  m.reject_hint = r.Varint();
  m.context = r.Bytes();
  m.entries.resize(r.Count());
  for (Entry& e : m.entries) e = GetEntry(&r);
  if (r.Bool()) m.snapshot = GetSnapshot(&r);
  return Finish(r, std::move(m));
}

std::string EncodeEntry(const Entry& e) {
  Writer w = Begin(Kind::kEntry);
  PutEntry(&w, e);
  return w.Finish();
}

Result<Entry> DecodeEntry(std::string_view bytes) {
  Result<std::string_view> body = Unframe(bytes, Kind::kEntry);
  if (!body.ok()) return body.status();
  Reader r(body.value());
  Entry e = GetEntry(&r);
  return Finish(r, std::move(e));
}

std::string EncodeHardState(const HardState& hs) {
  Writer w = Begin(Kind::kHardState);
  w.Varint(hs.term);
  w.Varint(hs.vote);
  w.Varint(hs.commit);
  return w.Finish();
}

Result<HardState> DecodeHardState(std::string_view bytes) {
  Result<std::string_view> body = Unframe(bytes, Kind::kHardState);
  if (!body.ok()) return body.status();
  Reader r(body.value());
  HardState hs;
  hs.term = r.Varint();
  hs.vote = r.Varint();
  hs.commit = r.Varint();
  return Finish(r, hs);
}

std::string EncodeSnapshot(const Snapshot& snap) {
  Writer w = Begin(Kind::kSnapshot);
  PutSnapshot(&w, snap);
  return w.Finish();
}

Result<Snapshot> DecodeSnapshot(std::string_view bytes) {
  Result<std::string_view> body = Unframe(bytes, Kind::kSnapshot);
  if (!body.ok()) return body.status();
  Reader r(body.value());
  Snapshot s = GetSnapshot(&r);
  return Finish(r, std::move(s));
}

std::string EncodeConfChange(const ConfChange& cc) {
  Writer w = Begin(Kind::kConfChange);
  w.U8(static_cast<uint8_t>(cc.transition));
  w.Varint(cc.changes.size());
  for (const ConfChangeSingle& c : cc.changes) {
    w.U8(static_cast<uint8_t>(c.type));
    w.Varint(c.node_id);
  }
  w.Bytes(cc.context);
  return w.Finish();
}

Result<ConfChange> DecodeConfChange(std::string_view bytes) {
  Result<std::string_view> body = Unframe(bytes, Kind::kConfChange);
  if (!body.ok()) return body.status();
  Reader r(body.value());
  ConfChange cc;
  const uint8_t transition = r.U8();
  if (transition > static_cast<uint8_t>(ConfChangeTransition::kJointExplicit)) {
    r.Fail();
  }
  cc.transition = static_cast<ConfChangeTransition>(transition);
  cc.changes.resize(r.Count());
  for (ConfChangeSingle& c : cc.changes) {
    const uint8_t type = r.U8();
    if (type > static_cast<uint8_t>(ConfChangeType::kAddLearnerNode)) r.Fail();
    c.type = static_cast<ConfChangeType>(type);
    c.node_id = r.Varint();
  }
  cc.context = r.Bytes();
  return Finish(r, std::move(cc));
}

}  // namespace cairn::raft
