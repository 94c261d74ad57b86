// Server: watch streams. The WatchHub numbers watchers globally; clients
// number them per stream (etcd's watch ids are per gRPC stream), so the
// server maps one onto the other. It also remembers each watch's request
// and the next revision its client needs, so that installing a snapshot
// (which replaces the keyspace and its hub) re-creates every watch on the
// new keyspace without a gap or a repeat.

#include <algorithm>
#include <utility>

#include "core/server/server.h"

namespace cairn::server {

Result<int64_t> Server::CreateWatch(uint64_t stream_id,
                                    mvcc::WatchCreateRequest req,
                                    const auth::Credentials& creds) {
  // etcd's isWatchPermitted: any failure (a bad token, no token, no READ
  // on the range) cancels the watch with PermissionDenied.
  Result<std::optional<auth::AuthInfo>> who = ResolveAuth(creds);
  Status allowed = who.status();
  if (who.ok() && who.value().has_value()) {
    allowed = sm_->auth().CheckPermitted(*who.value(), req.key, req.range_end,
                                         api::Permission::Type::kRead);
  }
  if (!allowed.ok()) {
    // etcd cancels the watch with the check's error as gRPC prints it.
    const char* code = "PermissionDenied";
    switch (allowed.code()) {
      case Code::kInvalidArgument:
      case Code::kAuthFailed:
        code = "InvalidArgument";
        break;
      case Code::kUnauthenticated:
        code = "Unauthenticated";
        break;
      case Code::kFailedPrecondition:
        code = "FailedPrecondition";
        break;
      default:
        break;
    }
    return Status(allowed.code(), std::string("rpc error: code = ") + code +
                                      " desc = " + allowed.message());
  }
  Stream& st = streams_[stream_id];
  int64_t local = req.watch_id;
  if (local != 0 && st.watches.count(local) != 0) {
    return Status::InvalidArgument(
        "mvcc: duplicate watch ID provided on the WatchStream");
  }
  if (local == 0) {
    // The lowest free id of the stream, as etcd's watch stream assigns.
    local = st.free_hint;
    while (st.watches.count(local) != 0) local++;
    st.free_hint = local + 1;
  }
  req.watch_id = 0;  // the hub chooses its own (global) id
  Result<int64_t> hub_id = sm_->hub().Watch(req);
  if (!hub_id.ok()) return hub_id.status();
  const int64_t next =
      req.start_revision > 0 ? req.start_revision : sm_->kv().rev() + 1;
  st.watches[local] =
      WatchInfo{.hub_id = hub_id.value(), .request = req, .next_rev = next};
  watch_owner_[hub_id.value()] = {stream_id, local};
  return local;
}

Status Server::CancelWatch(uint64_t stream_id, int64_t watch_id) {
  auto st = streams_.find(stream_id);
  if (st == streams_.end()) return Status::NotFound("watch not found");
  auto it = st->second.watches.find(watch_id);
  if (it == st->second.watches.end()) {
    return Status::NotFound("watch not found");
  }
  // The canceled response drops the mapping when it is taken.
  return sm_->hub().Cancel(it->second.hub_id);
}

void Server::CloseStream(uint64_t stream_id) {
  auto st = streams_.find(stream_id);
  if (st == streams_.end()) return;
  for (const auto& [local, w] : st->second.watches) {
    // The watch exists in the hub (the mapping is dropped with it).
    (void)sm_->hub().Cancel(w.hub_id);
    watch_owner_.erase(w.hub_id);
  }
  streams_.erase(st);
  held_streams_.erase(stream_id);
}

void Server::HoldStream(uint64_t stream_id, bool hold) {
  if (!hold) {
    held_streams_.erase(stream_id);
  } else if (streams_.contains(stream_id)) {
    held_streams_.insert(stream_id);
  }
}

std::vector<StreamWatchResponse> Server::TakeWatchResponses() {
  DrainHub();
  return std::exchange(watch_out_, {});
}

void Server::DrainHub(bool all) {
  auto held = [this, all](int64_t hub_id) {
    if (all || held_streams_.empty()) return false;
    auto owner = watch_owner_.find(hub_id);
    return owner != watch_owner_.end() &&
           held_streams_.contains(owner->second.first);
  };
  for (mvcc::WatchResponse& r : sm_->hub().TakeResponses(held)) {
    auto owner = watch_owner_.find(r.watch_id);
    if (owner == watch_owner_.end()) continue;  // its stream was closed
    const auto [stream_id, local] = owner->second;
    WatchInfo& w = streams_[stream_id].watches[local];
    if (r.created && quiet_created_.erase(r.watch_id) > 0) continue;
    if (config_.sim_bugs.skip_watch_event) {
      std::erase_if(r.events, [](const mvcc::Event& e) {
        return e.kv.mod_revision % 8 == 0;
      });
      if (r.events.empty() && !r.created && !r.canceled) continue;
    }
    if (!r.events.empty()) {
      w.next_rev = r.events.back().kv.mod_revision + 1;
    } else if (!r.created && !r.canceled) {
      // A progress notification: everything up to its revision is out.
      w.next_rev = std::max(w.next_rev, r.header.revision + 1);
    }
    if (r.canceled) {
      Stream& st = streams_[stream_id];
      st.watches.erase(local);
      st.free_hint = std::min(st.free_hint, local);
      watch_owner_.erase(owner);
    }
    r.watch_id = local;
    watch_out_.push_back(StreamWatchResponse{stream_id, std::move(r)});
  }
}

// Moves every watch onto the hub of `next` (a state restored from a
// snapshot), resuming at the first revision its client has not seen.
void Server::ResetWatches(StateMachine& next) {
  // Everything, held or not: the old hub goes away.
  DrainHub(/*all=*/true);
  watch_owner_.clear();
  quiet_created_.clear();
  for (auto& [stream_id, st] : streams_) {
    for (auto& [local, w] : st.watches) {
      mvcc::WatchCreateRequest req = w.request;
      req.start_revision = w.next_rev;
      Result<int64_t> id = next.hub().Watch(req);
      // The new hub has room for as many watchers as the old one held.
      CAIRN_CHECK(id.ok(), "re-watch: %s", id.status().ToString().c_str());
      w.hub_id = id.value();
      watch_owner_[id.value()] = {stream_id, local};
      quiet_created_.insert(id.value());
    }
  }
}

}  // namespace cairn::server
