// TerminalHold: a write either ends before hold() returns or waits for release().
#include "base/terminal_hold.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace cordon {
namespace {

struct Pipe {
  UniqueFd r;
  UniqueFd w;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    r.reset(fds[0]);
    w.reset(fds[1]);
  }
  size_t drain() const {
    size_t total = 0;
    char buf[4096];
    for (ssize_t n; (n = ::read(r.get(), buf, sizeof buf)) > 0;) total += static_cast<size_t>(n);
    return total;
  }
};

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1;
}

TEST(TerminalHold, NothingIsWrittenWhileHeldAndTheReleaseIsSignalled) {
  auto hold = TerminalHold::create();
  ASSERT_TRUE(hold.ok()) << hold.error().describe();
  TerminalHold& h = **hold;
  Pipe p;
  EXPECT_EQ(h.write_unless_held(p.w.get(), "a", 1), std::optional<ssize_t>(1));
  {
    const TerminalHold::Scope outer(&h);
    const TerminalHold::Scope inner(&h);  // holds nest
    EXPECT_TRUE(h.held());
    EXPECT_EQ(h.write_unless_held(p.w.get(), "b", 1), std::nullopt);
  }
  EXPECT_FALSE(h.held());
  EXPECT_TRUE(readable(h.release_fd()));
  h.clear_release();
  EXPECT_FALSE(readable(h.release_fd()));
  EXPECT_EQ(h.write_unless_held(p.w.get(), "c", 1), std::optional<ssize_t>(1));
  EXPECT_EQ(p.drain(), 2u);
  const TerminalHold::Scope none(nullptr);  // no hold: nothing to do
}

// A writer that found the hold off has finished before hold() returns: after it, not one more
// byte arrives until release().
TEST(TerminalHold, NoWriteLandsAfterHoldReturns) {
  auto hold = TerminalHold::create();
  ASSERT_TRUE(hold.ok()) << hold.error().describe();
  TerminalHold& h = **hold;
  Pipe p;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    const char chunk[256] = {};
    while (!stop.load()) (void)h.write_unless_held(p.w.get(), chunk, sizeof chunk);
  });
  for (int round = 0; round < 200; ++round) {
    h.hold();
    p.drain();
    ::usleep(200);
    EXPECT_EQ(p.drain(), 0u) << "round " << round;
    h.release();
    ::usleep(200);
  }
  stop = true;
  writer.join();
}

}  // namespace
}  // namespace cordon
