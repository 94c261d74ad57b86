// The moving parts under cairnctl's lock and elect: a session (a lease kept
// alive from a thread of its own, as clientv3/concurrency's Session) and a
// watch for SIGINT/SIGTERM (etcdctl's signal.Notify), joined in one
// Interrupt that the command waits on. Edge code: threads and signals.
//
// Threads: the command runs on the main thread. SignalWatch blocks SIGINT
// and SIGTERM in every thread and takes them with sigtimedwait on its own
// thread; Session's keep-alive thread has its own GatewayClient (clients
// are single-threaded). Both report through Interrupt, which is
// thread-safe.
#pragma once

#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/cairnctl/gateway_client.h"

namespace cairn::ctl {

class Context;

// What ends a wait: a signal (which also cancels the streams of the
// command) or the session's lease being lost.
class Interrupt {
 public:
  void Signal();
  void Expire();
  bool signalled() const;
  bool expired() const;
  // Blocks until Signal() or Expire(); true for a signal.
  bool Wait();
  // Cancelled by Signal(): pass it to the command's blocking streams.
  StreamCancel& cancel() { return cancel_; }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool signalled_ = false;
  bool expired_ = false;
  StreamCancel cancel_;
};

// Takes SIGINT and SIGTERM for the process's lifetime of the object and
// turns them into interrupt->Signal(). Construct it before any other
// thread starts, so that every thread inherits the blocked mask. Children
// started while it lives must unblock the signals (UnblockSignals) before
// exec.
class SignalWatch {
 public:
  explicit SignalWatch(Interrupt* interrupt);
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

 private:
  void Run();

  Interrupt* interrupt_;
  sigset_t old_mask_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Restores the default signal mask (in a forked child before exec).
void UnblockSignals();

// clientv3/concurrency's Session: a lease of `ttl` seconds, renewed every
// ttl/3 until the object dies. The lease is lost (interrupt->Expire())
// when the server says it is gone, or when no renewal succeeded for ttl
// seconds. Destroying the session stops the renewals but does not revoke
// the lease, as etcdctl's lock and elect leave it to expire.
class Session {
 public:
  // Grants the lease through `client` and starts renewing it with a new
  // client from `ctx`. Errors: the grant's error.
  static Result<std::unique_ptr<Session>> Create(Context& ctx,
                                                 GatewayClient& client,
                                                 int64_t ttl,
                                                 Interrupt* interrupt);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  int64_t lease() const { return lease_; }

 private:
  Session(std::unique_ptr<GatewayClient> keeper, int64_t lease, int64_t ttl,
          Interrupt* interrupt);
  void KeepAlive();
  // Sleeps up to `d`; false when the session is being destroyed.
  bool SleepFor(std::chrono::milliseconds d);

  std::unique_ptr<GatewayClient> keeper_;
  const int64_t lease_;
  const int64_t ttl_;
  Interrupt* interrupt_;
  StreamCancel stop_cancel_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cairn::ctl
