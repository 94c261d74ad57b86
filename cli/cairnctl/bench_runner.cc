#include "cli/cairnctl/bench_runner.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace cairn::ctl {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// What the client threads share.
struct Shared {
  std::atomic<int64_t> next_seq{0};
  std::atomic<int64_t> consecutive_errors{0};
  std::atomic<bool> stop{false};
  std::mutex mu;  // guards the merged results
  std::vector<double> lats_s;
  std::map<std::string, int64_t> errors;
  double last_success_s = 0;  // since the start
};

}  // namespace

std::optional<RateLimiter::Clock::time_point> RateLimiter::Take(
    Clock::time_point deadline) {
  if (rate_ <= 0) return Clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  const auto step = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / rate_));
  // A bucket of one token: a caller that comes late by up to one step
  // still gets its slot, so a steady caller keeps the full rate.
  next_ = std::max(next_, Clock::now() - step);
  if (next_ > deadline) return std::nullopt;
  const Clock::time_point slot = next_;
  next_ += step;
  return slot;
}

bool RateLimiter::Wait(Clock::time_point deadline) {
  if (rate_ <= 0) return true;
  std::optional<Clock::time_point> slot = Take(deadline);
  if (!slot.has_value()) return false;
  std::this_thread::sleep_until(*slot);
  return true;
}

struct Progress::State {
  std::ostream* out = nullptr;
  bool tty = false;
  int64_t total = 0;
  Clock::time_point start = Clock::now();
  std::atomic<int64_t> done{0};
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::thread drawer;

  void Draw(bool last) {
    const int64_t d = std::min(done.load(), total);
    const double elapsed = SecondsSince(start);
    double remaining = -1;
    if (!last && d > 0) remaining = elapsed * double(total - d) / double(d);
    const std::string line = ProgressLine(d, total, tty ? 60 : 0, remaining);
    if (tty) {
      *out << "\r" << line << (last ? "\n" : "") << std::flush;
    } else {
      *out << line << "\n" << std::flush;
    }
  }
};

Progress::Progress(std::ostream* out, bool tty, int64_t total)
    : state_(std::make_unique<State>()) {
  state_->out = out;
  state_->tty = tty;
  state_->total = total;
  if (out == nullptr) return;
  State* s = state_.get();
  s->drawer = std::thread([s] {
    const auto period = s->tty ? std::chrono::milliseconds(200)
                               : std::chrono::milliseconds(10000);
    std::unique_lock<std::mutex> lock(s->mu);
    while (!s->cv.wait_for(lock, period, [s] { return s->finished; })) {
      s->Draw(false);
    }
  });
}

Progress::~Progress() { Finish(); }

void Progress::Add(int64_t n) { state_->done += n; }

void Progress::Finish() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->finished) return;
    state_->finished = true;
  }
  state_->cv.notify_all();
  if (state_->drawer.joinable()) state_->drawer.join();
  if (state_->out != nullptr) state_->Draw(true);
}

LoadFrame::LoadFrame(const RunOptions& options)
    : timed_(options.total <= 0),
      start_(Clock::now()),
      deadline_(start_ + options.duration) {
  const int64_t progress_total =
      timed_
          ? std::chrono::duration_cast<std::chrono::seconds>(options.duration)
                .count()
          : options.total;
  progress_ = std::make_unique<Progress>(options.progress, options.tty,
                                         std::max<int64_t>(progress_total, 1));
  if (!timed_ || options.progress == nullptr) return;
  ticker_ = std::thread([this] {
    int64_t shown = 0;
    while (!done_ && Clock::now() < deadline_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const int64_t secs = int64_t(SecondsSince(start_));
      if (secs > shown) progress_->Add(secs - shown);
      shown = std::max(shown, secs);
    }
  });
}

LoadFrame::~LoadFrame() {
  done_ = true;
  if (ticker_.joinable()) ticker_.join();
}

double LoadFrame::SecondsSinceStart() const { return SecondsSince(start_); }

void LoadFrame::CountOne() {
  if (!timed_) progress_->Add(1);
}

LatencyStats LoadFrame::Finish(std::vector<double> lats_s,
                               std::map<std::string, int64_t> errors,
                               double last_success_s, bool aborted) {
  const double wall_s = SecondsSince(start_);
  done_ = true;
  if (ticker_.joinable()) ticker_.join();
  progress_->Finish();
  LatencyStats st = ComputeStats(std::move(lats_s),
                                 last_success_s > 0 ? last_success_s : wall_s,
                                 std::move(errors));
  st.aborted = aborted;
  return st;
}

LatencyStats RunLoad(const RunOptions& options,
                     const std::vector<std::unique_ptr<GatewayClient>>& conns,
                     const BenchOp& op) {
  Shared shared;
  RateLimiter limiter(options.rate);
  std::vector<std::mutex> conn_mu(conns.size());
  LoadFrame frame(options);
  const bool timed = frame.timed();
  const Clock::time_point deadline = frame.deadline();
  auto client_loop = [&](int c) {
    std::vector<double> lats;
    std::map<std::string, int64_t> errors;
    double last_success_s = 0;
    const size_t ci = size_t(c) % conns.size();
    while (!shared.stop) {
      const int64_t seq = shared.next_seq++;
      if (!timed && seq >= options.total) break;
      if (!limiter.Wait(timed ? deadline : Clock::time_point::max())) break;
      if (timed && Clock::now() >= deadline) break;
      const Clock::time_point t0 = Clock::now();
      Status s;
      {
        std::lock_guard<std::mutex> lock(conn_mu[ci]);
        s = op(*conns[ci], c, seq);
      }
      const double lat = SecondsSince(t0);
      if (s.ok()) {
        lats.push_back(lat);
        last_success_s = frame.SecondsSinceStart();
        shared.consecutive_errors = 0;
      } else {
        ++errors[s.message()];
        if (++shared.consecutive_errors >= options.max_consecutive_errors) {
          shared.stop = true;
        }
      }
      frame.CountOne();
    }
    std::lock_guard<std::mutex> lock(shared.mu);
    shared.lats_s.insert(shared.lats_s.end(), lats.begin(), lats.end());
    shared.last_success_s = std::max(shared.last_success_s, last_success_s);
    for (const auto& [text, n] : errors) shared.errors[text] += n;
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < options.clients; ++c)
    threads.emplace_back(client_loop, c);
  for (std::thread& t : threads) t.join();
  const bool aborted = shared.stop.exchange(true);
  return frame.Finish(std::move(shared.lats_s), std::move(shared.errors),
                      shared.last_success_s, aborted);
}

}  // namespace cairn::ctl
