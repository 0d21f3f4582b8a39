// The proxy's event loop: what a watch is told as its interest changes, and that a socket no
// one wants to read never makes the level-triggered loop spin.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "base/unique_fd.h"
#include "net/event_loop.h"

namespace cordon::net {
namespace {

using namespace std::chrono_literals;

struct Sockets {
  Sockets() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds), 0);
    watched = UniqueFd(fds[0]);
    peer = UniqueFd(fds[1]);
  }
  UniqueFd watched, peer;
};

std::unique_ptr<EventLoop> new_loop() {
  auto loop = EventLoop::create();
  EXPECT_TRUE(loop.ok());
  return std::move(*loop);
}

// Runs `loop` for `span` (once: a stopped loop stays stopped) and returns the CPU time its
// thread used meanwhile.
std::chrono::microseconds run_for(EventLoop& loop, std::chrono::milliseconds span) {
  rusage before{}, after{};
  ::getrusage(RUSAGE_THREAD, &before);
  loop.schedule(Clock::now() + span, [&loop] { loop.stop(); });
  EXPECT_TRUE(loop.run().ok());
  ::getrusage(RUSAGE_THREAD, &after);
  auto us = [](const rusage& r) {
    return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000000L + r.ru_utime.tv_usec +
           r.ru_stime.tv_usec;
  };
  return std::chrono::microseconds(us(after) - us(before));
}

TEST(EventLoop, InputThatArrivesWhileNotWantedWaitsForTheNextInterest) {
  auto loop = new_loop();
  Sockets s;
  int calls = 0;
  uint32_t last = 0;
  auto id = loop->watch(s.watched.get(), EPOLLIN, [&](uint32_t events) {
    calls += 1;
    last = events;
    loop->stop();  // the input is seen: the loop runs once; stop() is for good
  });
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(loop->set_interest(*id, 0));  // reading paused (a request is being answered)
  ASSERT_EQ(::write(s.peer.get(), "x", 1), 1);
  int calls_while_paused = -1;
  loop->schedule(Clock::now() + 30ms, [&] {
    calls_while_paused = calls;
    EXPECT_TRUE(loop->set_interest(*id, EPOLLIN));  // and resumed: the input is there
  });
  run_for(*loop, 10s);  // a bound only: the callback stops the loop
  EXPECT_EQ(calls_while_paused, 0);
  EXPECT_GE(calls, 1);
  EXPECT_TRUE(last & EPOLLIN);
  loop->unwatch(*id);
}

TEST(EventLoop, AnUnwantedReadableSocketDoesNotMakeTheLoopSpin) {
  auto loop = new_loop();
  Sockets s;
  int calls = 0;
  auto id = loop->watch(s.watched.get(), EPOLLIN, [&](uint32_t) { calls += 1; });
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(loop->set_interest(*id, 0));
  ASSERT_EQ(::write(s.peer.get(), "x", 1), 1);
  s.peer.reset();  // readable and hung up, and nobody reads it
  const auto cpu = run_for(*loop, 200ms);
  EXPECT_EQ(calls, 0);
  EXPECT_LT(cpu, 50ms) << "the loop spun on an fd it was told to ignore";
  loop->unwatch(*id);
}

TEST(EventLoop, DroppingInputKeepsOutputEventsAndHidesInputOnes) {
  auto loop = new_loop();
  Sockets s;
  uint32_t seen = 0;
  auto id = loop->watch(s.watched.get(), EPOLLIN | EPOLLOUT, [&](uint32_t events) {
    seen |= events;
    loop->stop();
  });
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(loop->set_interest(*id, EPOLLOUT));
  ASSERT_EQ(::write(s.peer.get(), "x", 1), 1);
  run_for(*loop, 100ms);
  EXPECT_TRUE(seen & EPOLLOUT);
  EXPECT_FALSE(seen & EPOLLIN) << "input was reported after the watch stopped asking for it";
  loop->unwatch(*id);
}

TEST(EventLoop, AHangUpIsReportedToAWatchThatStillWantsSomething) {
  auto loop = new_loop();
  Sockets s;
  uint32_t seen = 0;
  auto id = loop->watch(s.watched.get(), EPOLLIN, [&](uint32_t events) {
    seen |= events;
    loop->stop();
  });
  ASSERT_TRUE(id.ok());
  s.peer.reset();
  run_for(*loop, 100ms);
  EXPECT_TRUE(seen & (EPOLLHUP | EPOLLIN));
  loop->unwatch(*id);
}

}  // namespace
}  // namespace cordon::net
