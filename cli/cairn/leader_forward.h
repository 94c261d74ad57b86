// Forwarding of the requests only the leader answers (lease keep-alive
// and time-to-live, member promote, move-leader; NodeHost::Call names the
// leader's client URL for them) from a follower to the leader, over the
// leader's JSON gateway, as etcd's followers forward them to theirs.
// Edge code: blocking HTTP calls on the caller's thread.
#pragma once

#include <string>
#include <string_view>

#include "cli/cairn/host_answer.h"
#include "cli/cairn/tls.h"
#include "core/api/requests.h"
#include "core/util/result.h"

namespace cairn::node {

// Asks the leader at `url` (its client URL; https dialed with `tls`'s
// certificate) and returns its JSON body as if it were this member's.
// REQUIRES: `req` is a leader-only request. Errors: the leader's error
// (api::StatusFromGatewayError), or kUnavailable "etcdserver: leader
// changed" when it cannot be reached.
Result<std::string> ForwardToLeader(const std::string& url,
                                    const api::GatewayRequest& req,
                                    const std::string& auth_token,
                                    const TlsInfo& tls);

// The typed answer in the leader's JSON body `body` for `req` (for a
// front end that does not speak JSON). REQUIRES: `req` is a leader-only
// request. Errors: kUnavailable when the body is not the answer expected.
Result<HostAnswer> DecodeForwardedAnswer(const api::GatewayRequest& req,
                                         std::string_view body);

}  // namespace cairn::node
