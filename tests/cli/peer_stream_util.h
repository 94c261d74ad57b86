// The bytes of a /raft/stream request and a socketpair to send them on,
// for the tests of the loop's peer stream readers.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "core/raft/types.h"

namespace cairn::node::testing {

inline raft::Message App(uint64_t seq, size_t size = 10) {
  raft::Message m = raft::NewMsg(raft::MessageType::kApp, 2, 1);
  m.term = 3;
  m.index = seq;
  m.entries.push_back(
      raft::Entry{.term = 3, .index = seq + 1, .data = std::string(size, 'v')});
  return m;
}

inline std::string Chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

inline const std::string kHead =
    "POST /raft/stream HTTP/1.1\r\nHost: x\r\n"
    "X-Cairn-Cluster-ID: 00000000000000c1\r\n"
    "X-Cairn-From: 0000000000000001\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

// The reader's end of a socketpair, and the sender's.
struct Pair {
  Pair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    reader_fd = fds[0];
    sender = fds[1];
  }
  ~Pair() { ::close(sender); }
  void Send(std::string_view s) {
    ASSERT_EQ(::send(sender, s.data(), s.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(s.size()));
  }
  // What the reader answered (all of it: the reader has closed).
  std::string Answer() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(sender, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
      out.append(buf, size_t(n));
    }
    return out;
  }
  int reader_fd = -1;
  int sender = -1;
};

}  // namespace cairn::node::testing
