// QueueWatchSession: order, finish, idle timeouts, the soft byte budget and
// close; request flow control; then a real /v3/watch stream through ClientApi
// on 127.0.0.1 where responses pushed over time reach the client as they come,
// and a client that hangs up closes the session (at the next response that
// cannot be written) so the host can cancel its watchers.
#include "cli/cairn/watch_session.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include "cli/cairn/http_listener.h"

namespace cairn::node {
namespace {

using std::chrono::milliseconds;
using Poll = WatchSession::Poll;

bool WaitFor(const std::function<bool()>& cond, milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(milliseconds(2));
  }
  return cond();
}

TEST(QueueWatchSessionTest, OrderIdleFinish) {
  QueueWatchSession s(1 << 20);
  std::string out;
  EXPECT_EQ(s.Next(out, milliseconds(1)), Poll::kIdle);
  EXPECT_TRUE(s.Push("a\n"));
  EXPECT_TRUE(s.Push("b\n"));
  EXPECT_EQ(s.Next(out, milliseconds(1)), Poll::kData);
  EXPECT_EQ(out, "a\nb\n");
  EXPECT_TRUE(s.Push("c\n"));
  s.Finish();
  EXPECT_FALSE(s.Push("d\n"));
  EXPECT_EQ(s.Next(out, milliseconds(1)), Poll::kData);
  EXPECT_EQ(out, "c\n");
  EXPECT_EQ(s.Next(out, milliseconds(1)), Poll::kEnd);
}

// The byte budget is soft: a push past it is taken (nothing is lost), the
// session just says it has no room, and says so once the reader emptied
// a full queue (OnRoom, so the host takes what it held back).
class RoomCounter : public QueueWatchSession {
 public:
  using QueueWatchSession::QueueWatchSession;
  int rooms = 0;

 protected:
  void OnRoom() override { rooms++; }
};

TEST(QueueWatchSessionTest, BudgetAndClose) {
  RoomCounter s(10);
  EXPECT_TRUE(s.has_room());
  EXPECT_TRUE(s.Push("01234"));
  EXPECT_TRUE(s.has_room());
  EXPECT_TRUE(s.Push(std::string(20, 'x')));
  EXPECT_FALSE(s.has_room());
  EXPECT_TRUE(s.Push("y"));  // still taken
  std::string out;
  EXPECT_EQ(s.Next(out, milliseconds(1)), Poll::kData);
  EXPECT_EQ(out, "01234" + std::string(20, 'x') + "y");
  EXPECT_TRUE(s.has_room());
  EXPECT_EQ(s.rooms, 1);
  EXPECT_TRUE(s.Push("abc"));
  EXPECT_EQ(s.Next(out, milliseconds(1)), Poll::kData);
  EXPECT_EQ(s.rooms, 1);  // it was not full
  EXPECT_FALSE(s.closed());
  s.Close();
  EXPECT_TRUE(s.closed());
  EXPECT_FALSE(s.Push("after"));
}

TEST(QueueWatchSessionTest, WakesAWaitingReader) {
  QueueWatchSession s(1 << 20);
  std::thread pusher([&s] {
    std::this_thread::sleep_for(milliseconds(20));
    s.Push("late\n");
  });
  std::string out;
  EXPECT_EQ(s.Next(out, milliseconds(10000)), Poll::kData);
  EXPECT_EQ(out, "late\n");
  pusher.join();
}

// Request flow control: the 65th request waits until one is applied, and
// a waiting one gives up when the stream closes.
TEST(QueueWatchSessionTest, RequestSlotsAreBounded) {
  auto s = std::make_shared<QueueWatchSession>(1 << 20);
  for (size_t i = 0; i < QueueWatchSession::kMaxRequestsInFlight; i++) {
    ASSERT_TRUE(s->AcquireRequestSlot());
  }
  std::atomic<int> got{-1};
  std::thread waiter([&] { got = s->AcquireRequestSlot() ? 1 : 0; });
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(got.load(), -1);  // still waiting
  s->ReleaseRequestSlot();
  EXPECT_TRUE(WaitFor([&] { return got.load() == 1; }, milliseconds(5000)));
  waiter.join();
  got = -1;
  std::thread closed([&] { got = s->AcquireRequestSlot() ? 1 : 0; });
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(got.load(), -1);
  s->Close();
  EXPECT_TRUE(WaitFor([&] { return got.load() == 0; }, milliseconds(5000)));
  closed.join();
}

TEST(QueueWatchSessionTest, StreamsOverHttpAndClosesWhenTheClientLeaves) {
  std::shared_ptr<QueueWatchSession> session;
  std::mutex mu;
  ClientApiHandlers handlers;
  handlers.unary = [](const api::GatewayRequest&,
                      const RequestAuth&) -> Result<std::string> {
    return std::string("{}");
  };
  handlers.watch = [&](std::vector<api::WatchRequest> reqs,
                       const RequestAuth&) {
    EXPECT_EQ(reqs.size(), 1u);
    std::lock_guard<std::mutex> lock(mu);
    session = std::make_shared<QueueWatchSession>(1 << 20);
    return session;
  };
  ClientApi api({.server_version = "0.1.0", .watch_poll = milliseconds(20)},
                std::move(handlers));
  HttpListener listener;
  api.RegisterHandlers(listener.server());
  auto port = listener.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());

  // The host side: three responses, each after the client saw the last.
  std::atomic<int> lines{0};
  std::thread host([&] {
    ASSERT_TRUE(WaitFor(
        [&] {
          std::lock_guard<std::mutex> lock(mu);
          return session != nullptr;
        },
        milliseconds(10000)));
    for (int i = 0; i < 3; ++i) {
      session->Push("{\"result\":{\"n\":" + std::to_string(i) + "}}\n");
      WaitFor([&] { return lines.load() > i; }, milliseconds(10000));
    }
  });
  httplib::Client client("127.0.0.1", port.value());
  httplib::Request req;
  req.method = "POST";
  req.path = "/v3/watch";
  req.body = R"({"create_request":{"key":"Zm9v"}})";
  req.set_header("Content-Type", "application/json");
  std::string got;
  req.content_receiver = [&](const char* data, size_t len, uint64_t, uint64_t) {
    got.append(data, len);
    lines = static_cast<int>(std::count(got.begin(), got.end(), '\n'));
    return lines.load() < 3;  // hang up after the third response
  };
  client.send(req);
  host.join();
  EXPECT_EQ(got,
            "{\"result\":{\"n\":0}}\n{\"result\":{\"n\":1}}\n"
            "{\"result\":{\"n\":2}}\n");
  // A hang-up is noticed when the next response fails to go out, as with
  // any HTTP server: keep producing until the session reports it.
  EXPECT_TRUE(WaitFor(
      [&] {
        session->Push("{\"result\":{}}\n");
        return session->closed();
      },
      milliseconds(10000)));
  listener.Stop();
}

}  // namespace
}  // namespace cairn::node
