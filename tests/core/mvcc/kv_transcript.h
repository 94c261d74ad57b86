// Transcript commands for the keyspace (test code): put, get, delete, txn,
// compact, hash, rev and events, parsed from a TestData and run against a
// KvStore, rendered the way etcdctl -w json would show the response (see
// kv_transcript.cc for the grammar).
#pragma once

#include <string>
#include <vector>

#include "core/mvcc/kv_store.h"
#include "tests/support/datadriven.h"

namespace cairn::mvcc {

// Runs one command; for a write, stores its events in *events when
// events is not null. Unknown commands fail the test.
std::string RunKvCommand(KvStore& store, const ::cairn::testing::TestData& d,
                         std::vector<Event>* events);

}  // namespace cairn::mvcc
