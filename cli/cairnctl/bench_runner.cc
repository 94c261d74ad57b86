#include "cli/cairnctl/bench_runner.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace cairn::ctl {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Hands out send times at most `rate` per second, in order (a token
// bucket of one, as etcd's rate.NewLimiter(rate, 1)).
class RateLimiter {
 public:
  explicit RateLimiter(double rate) : rate_(rate) {}
  // Sleeps until this caller's slot; false, at once, when the slot would
  // come after `deadline`.
  bool Wait(Clock::time_point deadline) {
    if (rate_ <= 0) return true;
    Clock::time_point slot;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto step = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(1.0 / rate_));
      // A bucket of one token: a caller that comes late by up to one step
      // still gets its slot, so a steady caller keeps the full rate.
      next_ = std::max(next_, Clock::now() - step);
      if (next_ > deadline) return false;
      slot = next_;
      next_ += step;
    }
    std::this_thread::sleep_until(slot);
    return true;
  }

 private:
  const double rate_;
  std::mutex mu_;
  Clock::time_point next_{};
};

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

LatencyStats RunLoad(const RunOptions& options,
                     const std::vector<std::unique_ptr<GatewayClient>>& conns,
                     const BenchOp& op) {
  Shared shared;
  RateLimiter limiter(options.rate);
  std::vector<std::mutex> conn_mu(conns.size());
  const bool timed = options.total <= 0;
  const int64_t progress_total =
      timed ? std::chrono::duration_cast<std::chrono::seconds>(options.duration)
                  .count()
            : options.total;
  Progress progress(options.progress, options.tty,
                    std::max<int64_t>(progress_total, 1));
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + options.duration;
  std::thread ticker;  // counts seconds for a timed run's progress
  if (timed && options.progress != nullptr) {
    ticker = std::thread([&] {
      int64_t shown = 0;
      while (!shared.stop && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const int64_t secs = int64_t(SecondsSince(start));
        if (secs > shown) progress.Add(secs - shown);
        shown = std::max(shown, secs);
      }
    });
  }
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
        last_success_s = SecondsSince(start);
        shared.consecutive_errors = 0;
      } else {
        ++errors[s.message()];
        if (++shared.consecutive_errors >= options.max_consecutive_errors) {
          shared.stop = true;
        }
      }
      if (!timed) progress.Add(1);
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
  // The run ends with its last answer. Requests that fail by timing out
  // after that (a connection the server never took) do not stretch the
  // time the throughput is divided by; they are counted as errors.
  const double wall_s = SecondsSince(start);
  const double total_s =
      shared.last_success_s > 0 ? shared.last_success_s : wall_s;
  const bool aborted = shared.stop.exchange(true);
  if (ticker.joinable()) ticker.join();
  progress.Finish();
  LatencyStats st =
      ComputeStats(std::move(shared.lats_s), total_s, std::move(shared.errors));
  st.aborted = aborted;
  return st;
}

}  // namespace cairn::ctl
