// etcd's lock and election recipes (clientv3/concurrency's Mutex and
// Election) over the JSON gateway, for cairnctl's lock and elect. Edge
// code: the recipes call the cluster from the calling thread; the request
// builders at the top are pure and stateless.
//
// The recipe: every contender puts "<prefix>/<lease id in hex>" under its
// session's lease, in a txn that only creates it when it does not exist.
// The oldest key (lowest create revision) holds the lock / is the leader;
// every other contender watches the key created just before its own for
// deletion, and then checks again. A contender that dies loses its key
// when its lease expires, so the queue moves on.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "cli/cairnctl/gateway_client.h"
#include "core/util/result.h"

namespace cairn::ctl {

// "<prefix><lease>" with the lease in Go's %x (lower-case, no padding),
// as Mutex.Lock and Election.Campaign name their keys. `prefix` already
// ends with '/'.
std::string ContenderKey(const std::string& prefix, int64_t lease);

// A RangeRequest for the key under `prefix` created first
// (clientv3.WithFirstCreate: prefix, sort by create revision ascending,
// limit 1).
Json FirstCreateRange(const std::string& prefix);

// A RangeRequest for the key under `prefix` created last among those with
// create revision <= `max_create_rev` (WithLastCreate +
// WithMaxCreateRev).
Json LastCreateRange(const std::string& prefix, int64_t max_create_rev);

// The compare "create_revision(key) = rev".
Json CreateRevisionIs(const std::string& key, int64_t rev);

// A PutRequest of `key` = `value` under `lease`.
Json PutWithLease(const std::string& key, const std::string& value,
                  int64_t lease);

// The revision a contender that got `txn` (the answer to "if
// create_revision(key) = 0 then put ... else get key ...") holds its
// place with: the txn's revision when it created the key, else the
// existing key's create revision.
int64_t ContenderRevision(const Json& txn);

// Mutex: the lock `name` held through `lease`.
class Mutex {
 public:
  Mutex(GatewayClient& client, const std::string& name, int64_t lease)
      : client_(client), prefix_(name + "/"), lease_(lease) {}

  // Waits until this contender holds the lock. `cancel` ends the wait
  // with "context canceled" (the key is then deleted, as etcd's
  // Mutex.Lock does). Errors: the cluster's, or the cancel.
  Status Lock(StreamCancel* cancel);
  // Deletes the key.
  Status Unlock();

  const std::string& key() const { return key_; }
  // The revision of the answer that granted the lock.
  int64_t header_revision() const { return header_revision_; }

 private:
  GatewayClient& client_;
  const std::string prefix_;
  const int64_t lease_;
  std::string key_;
  int64_t header_revision_ = 0;
};

// Election: campaign for, resign from, and observe the election `name`.
class Election {
 public:
  Election(GatewayClient& client, const std::string& name, int64_t lease)
      : client_(client), prefix_(name + "/"), lease_(lease) {}

  // Waits until this contender, proposing `value`, is the leader.
  // Errors: the cluster's; "context canceled" when `cancel` ended the wait
  // (having resigned); "election: not leader" when the key was replaced.
  Status Campaign(const std::string& value, StreamCancel* cancel);
  // Deletes the leader key if it is still ours.
  Status Resign();
  // Calls `on_leader` with a RangeResponse (gateway JSON) for the leader
  // at first and on every change (new leader or new value), until the
  // stream breaks or `cancel` is cancelled (then Ok).
  Status Observe(StreamCancel* cancel,
                 const std::function<void(const Json&)>& on_leader);

  const std::string& key() const { return key_; }

 private:
  Status Proclaim(const std::string& value);
  // Waits for a first PUT under the prefix from `rev`; its RangeResponse
  // (header revision = the put's) in `*out`.
  Status WaitFirstPut(int64_t rev, StreamCancel* cancel, Json* out);

  GatewayClient& client_;
  const std::string prefix_;
  const int64_t lease_;
  std::string key_;
  int64_t rev_ = 0;
  bool leading_ = false;
};

// Waits until no key under `prefix` with create revision <=
// `max_create_rev` is left, watching the newest of them for deletion in
// turn. On success `*header` is the header of the final (empty) range.
Status WaitDeletes(GatewayClient& client, const std::string& prefix,
                   int64_t max_create_rev, StreamCancel* cancel, Json* header);

}  // namespace cairn::ctl
