// Transport and Logger: the two edge interfaces core/server defines
// (STYLE.md A5). The node implements Transport over HTTP between peers and
// the simulator over its simulated network; both implement Logger over
// their own sinks. Tests use in-memory twins.
//
// Pure core interfaces. Called only from the thread that owns the Server;
// implementations must not call back into the Server.
#pragma once

#include <string_view>
#include <vector>

#include "core/raft/types.h"

namespace cairn::server {

class Transport {
 public:
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;
  virtual ~Transport() = default;

  // Queues the messages for delivery to their `to` members. Delivery may
  // fail, repeat or reorder; Raft copes. Called in step (2) of the loop,
  // after everything the messages promise is durable.
  virtual void Send(std::vector<raft::Message> msgs) = 0;
};

class Logger {
 public:
  Logger() = default;
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;
  virtual ~Logger() = default;

  // One line, already prefixed with the member id by the Server
  // ("[2] became leader at term 3"). No trailing newline.
  virtual void Log(std::string_view line) = 0;
  // A line etcd logs at debug level (Raft's frequent ones); dropped
  // unless the host wants them.
  virtual void Debug(std::string_view /*line*/) {}
};

}  // namespace cairn::server
