// PlainHandoff: how a plain listener's guard gives a request's connection
// away once its head has come (GuardedServer::set_plain_handoff). Edge
// code; its own header so that the side taking connections need not see
// the guard.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace cairn::node {

struct PlainHandoff {
  // Whether the request whose whole head is `head` leaves the guard.
  std::function<bool(std::string_view head)> wants;
  // Gets its socket (non-blocking, owned from then on), the bytes
  // already read from it (the request starts with them and goes on with
  // what the socket holds) and the head again.
  std::function<void(int fd, std::string read, std::string_view head)> take;
};

}  // namespace cairn::node
