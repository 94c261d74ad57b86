// The pieces of etcd's HashKV that must be byte-exact: CRC-32C
// (Castagnoli, as Go's hash/crc32) and the protobuf encoding of
// mvccpb.KeyValue that etcd stores as each revision's value. Pure core;
// stateless functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/mvcc/types.h"

namespace cairn::mvcc {

// Extends a CRC-32C: Crc32cExtend(Crc32cExtend(0, a), b) == CRC-32C(a+b).
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);

// mvccpb.KeyValue in protobuf wire format, fields in number order and
// zero values left out (as gogo-protobuf's Marshal writes it).
std::string MarshalKeyValue(const KeyValue& kv);

}  // namespace cairn::mvcc
