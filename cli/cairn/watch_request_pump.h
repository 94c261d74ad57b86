// WatchRequestPump: reads the request body of one /v3/watch call on a
// thread of its own, as it arrives, and hands each decoded request on:
// the first ones to the HTTP handler (which opens the stream with them),
// the later ones to the open stream. etcd's gateway stream is two-way: a
// client that sends its body in chunks can create, cancel and ask for
// progress while events flow back. Edge code.
//
// cpp-httplib's ContentReader reads from the connection the response is
// written to, and the connection outlives the Response object, whose
// destructor runs the content provider's releaser; so the pump is
// stopped and joined from that releaser (Stop), never later.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cli/cairn/client_api.h"
#include "core/api/watch_codec.h"

namespace httplib {
class ContentReader;
}

namespace cairn::node {

class WatchRequestPump {
 public:
  // Starts reading with `reader`; `max_message_bytes` bounds one message.
  WatchRequestPump(const httplib::ContentReader& reader,
                   size_t max_message_bytes);
  ~WatchRequestPump();  // Stop()
  WatchRequestPump(const WatchRequestPump&) = delete;
  WatchRequestPump& operator=(const WatchRequestPump&) = delete;

  // Waits for the first message. Returns the requests decoded so far (at
  // least one), or an empty list when the body ended without any, or the
  // first message's decode error (then the pump has stopped).
  Result<std::vector<api::WatchRequest>> First();
  // From now on, requests go to `session` in order (and those decoded
  // since First are handed over at once).
  void Attach(std::shared_ptr<WatchSession> session);
  // Stops reading (at the latest when the connection's read times out)
  // and joins the thread. Called once the response is over: an aborted
  // read sets the response's status in cpp-httplib.
  void Stop();

 private:
  void Run(const httplib::ContentReader& reader);
  // Decodes what `dec` holds; returns false to stop reading.
  bool Drain(api::WatchStreamDecoder& dec);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<api::WatchRequest> pending_;  // guarded by mu_
  std::shared_ptr<WatchSession> session_;  // guarded by mu_
  Status first_error_;                     // guarded by mu_
  bool any_ = false;                       // guarded by mu_
  bool ended_ = false;                     // guarded by mu_
  bool ignore_rest_ = false;               // guarded by mu_
  bool stop_ = false;                      // guarded by mu_
  std::thread thread_;
};

}  // namespace cairn::node
