// Transcript commands for the watch stream and the cluster and maintenance
// messages, used by api_transcript_test.cc (see its file comment for the
// command list). Test code.
#pragma once

#include <string>

#include "core/api/response_header.h"
#include "tests/support/datadriven.h"

namespace cairn::api {

// watch-decode [chunk=N] [max=N]: feeds the input in N-byte pieces.
std::string RunWatchDecode(const ::cairn::testing::TestData& d);

// True when `kind` names a response RunEncodeClusterWatch encodes.
bool IsClusterWatchKind(const std::string& kind);
std::string RunEncodeClusterWatch(const ::cairn::testing::TestData& d,
                                  const std::string& kind,
                                  const ResponseHeader& h);

}  // namespace cairn::api
