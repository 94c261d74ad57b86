// The compact binary encoding of Raft messages, entries, hard state,
// snapshots and configuration changes, used by the node's transport and
// persistence and by the simulator (which passes every message through it).
//
// Framing: a top-level encoding is [4-byte little-endian CRC32C of the
// body][body]; the body starts with a one-byte kind tag and a format
// version, then the fields as LEB128 varints and length-prefixed byte
// strings. CRC32C (Castagnoli) is computed here, table driven.
//
// Pure core, stateless. Decode never crashes and never over-allocates on
// any input: every bad byte (truncation, flipped bit, trailing garbage,
// impossible lengths or enum values) yields kCorruption.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/raft/types.h"
#include "core/util/result.h"

namespace cairn::raft {

// CRC32C of data, continuing from `crc` (0 for a fresh checksum).
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

std::string EncodeMessage(const Message& m);
Result<Message> DecodeMessage(std::string_view bytes);

std::string EncodeEntry(const Entry& e);
Result<Entry> DecodeEntry(std::string_view bytes);

std::string EncodeHardState(const HardState& hs);
Result<HardState> DecodeHardState(std::string_view bytes);

std::string EncodeSnapshot(const Snapshot& snap);
Result<Snapshot> DecodeSnapshot(std::string_view bytes);

// ConfChange travels inside an entry's data (EntryType::kConfChange),
// which the entry's checksum already covers; it is still framed and
// checked on its own so that it can be decoded from any source.
std::string EncodeConfChange(const ConfChange& cc);
Result<ConfChange> DecodeConfChange(std::string_view bytes);

}  // namespace cairn::raft
