// Checks of member and listener URLs as etcd 3.4 makes them (its
// types.NewURLs), with its error texts. Used for MemberAdd/MemberUpdate
// peer URLs and by the node's flag parsing. Pure core: stateless, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/util/status.h"

namespace cairn::api {

// Checks one URL (surrounding blanks ignored, as etcd trims them): the
// scheme must be http, https, unix or unixs; the host must have the form
// host:port; there must be no path. Errors (kInvalidArgument), in this
// order: "URL scheme must be http, https, unix, or unixs: URL",
// "URL address does not have the form \"host:port\": URL",
// "URL must not contain a path: URL".
Status CheckUrl(std::string_view url);

// Checks a list as types.NewURLs does: the first bad URL's error, and
// "no valid URLs given" for an empty list.
Status CheckUrls(const std::vector<std::string>& urls);

// The MemberAdd/MemberUpdate check: any CheckUrls failure becomes etcd's
// ErrGRPCMemberBadURLs, kInvalidArgument
// "etcdserver: given member URLs are invalid".
Status CheckMemberPeerUrls(const std::vector<std::string>& urls);

}  // namespace cairn::api
