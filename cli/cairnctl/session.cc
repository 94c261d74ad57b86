#include "cli/cairnctl/session.h"

#include <pthread.h>

#include <chrono>
#include <ctime>

#include "cli/cairnctl/command.h"

namespace cairn::ctl {

namespace {

sigset_t InterruptSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void Interrupt::Signal() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    signalled_ = true;
  }
  cancel_.Cancel();
  cv_.notify_all();
}

void Interrupt::Expire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    expired_ = true;
  }
  cv_.notify_all();
}

bool Interrupt::signalled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return signalled_;
}

bool Interrupt::expired() const {
  std::lock_guard<std::mutex> lock(mu_);
  return expired_;
}

bool Interrupt::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return signalled_ || expired_; });
  return signalled_;
}

SignalWatch::SignalWatch(Interrupt* interrupt) : interrupt_(interrupt) {
  const sigset_t set = InterruptSignals();
  pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
  thread_ = std::thread([this] { Run(); });
}

SignalWatch::~SignalWatch() {
  stop_ = true;
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void SignalWatch::Run() {
  const sigset_t set = InterruptSignals();
  // Polls stop_ every 100ms: sigtimedwait is the only portable way to
  // take a signal on a chosen thread without a handler.
  const timespec tick = {0, 100 * 1000 * 1000};
  while (!stop_) {
    if (sigtimedwait(&set, nullptr, &tick) > 0) interrupt_->Signal();
  }
}

void UnblockSignals() {
  const sigset_t set = InterruptSignals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

Result<std::unique_ptr<Session>> Session::Create(Context& ctx,
                                                 GatewayClient& client,
                                                 int64_t ttl,
                                                 Interrupt* interrupt) {
  Result<Json> grant =
      client.Call("/v3/lease/grant", Json{{"TTL", std::to_string(ttl)}});
  if (!grant.ok()) return grant.status();
  Result<std::unique_ptr<GatewayClient>> keeper = ctx.NewClient();
  if (!keeper.ok()) return keeper.status();
  return std::unique_ptr<Session>(new Session(
      std::move(keeper).value(), JsonInt(grant.value(), "ID"), ttl, interrupt));
}

Session::Session(std::unique_ptr<GatewayClient> keeper, int64_t lease,
                 int64_t ttl, Interrupt* interrupt)
    : keeper_(std::move(keeper)),
      lease_(lease),
      ttl_(ttl),
      interrupt_(interrupt) {
  thread_ = std::thread([this] { KeepAlive(); });
}

Session::~Session() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cancel_.Cancel();
  cv_.notify_all();
  thread_.join();
}

bool Session::SleepFor(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

// clientv3's lessor: a renewal at once and then every TTL/3; the lease is
// lost when the server says so or when nothing was renewed for a TTL.
void Session::KeepAlive() {
  using Clock = std::chrono::steady_clock;
  const Json body = {{"ID", std::to_string(lease_)}};
  Clock::time_point deadline = Clock::now() + std::chrono::seconds(ttl_);
  for (;;) {
    int64_t ttl = -1;
    Status s = keeper_->Stream(
        "/v3/lease/keepalive", body,
        [&](const Json& m) {
          ttl = JsonInt(m.contains("result") ? m["result"] : m, "TTL");
          return false;
        },
        &stop_cancel_);
    if (stop_cancel_.cancelled()) return;
    if (s.ok() && ttl <= 0) break;
    if (s.ok()) {
      deadline = Clock::now() + std::chrono::seconds(ttl);
      if (!SleepFor(std::chrono::milliseconds(ttl * 1000 / 3))) return;
      continue;
    }
    if (Clock::now() >= deadline) break;
    if (!SleepFor(std::chrono::milliseconds(500))) return;
  }
  interrupt_->Expire();
}

}  // namespace cairn::ctl
