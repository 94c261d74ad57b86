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

// mvccpb.KeyValue in protobuf wire format, fields in number order and
// zero values left out (as gogo-protobuf's Marshal writes it).
std::string MarshalKeyValue(const KeyValue& kv);

}  // namespace cairn::mvcc
