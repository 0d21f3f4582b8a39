// SplicePipe over real loopback TCP connections: bytes arrive whole and in order, what the
// destination cannot take waits in the pipe, and a splice into a closed socket neither kills the
// process (SIGPIPE) nor leaves a signal pending.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include "base/unique_fd.h"
#include "net/splice_pipe.h"
#include "sandbox/run_in_child.h"

namespace cordon::net {
namespace {

// Both ends of one loopback TCP connection, non-blocking.
std::pair<UniqueFd, UniqueFd> tcp_pair() {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (!listener || ::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listener.get(), 1) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return {};
  }
  UniqueFd near(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!near || ::connect(near.get(), reinterpret_cast<sockaddr*>(&address), length) != 0) return {};
  UniqueFd far(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  ::fcntl(near.get(), F_SETFL, O_NONBLOCK);
  return {std::move(near), std::move(far)};
}

unsigned char pattern_at(size_t offset) {
  return static_cast<unsigned char>((offset * 7 + offset / 251) & 0xff);
}

bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

TEST(SplicePipe, MovesEveryByteInOrderAndHoldsWhatTheDestinationCannotTakeYet) {
  auto [writer, source] = tcp_pair();       // writer -> source: what the relay reads
  auto [destination, reader] = tcp_pair();  // destination -> reader: where it writes
  ASSERT_TRUE(writer && source && destination && reader);
  int small = 64 * 1024;
  ::setsockopt(destination.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  ::setsockopt(reader.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);

  constexpr size_t kTotal = 4 * 1024 * 1024;
  size_t written = 0;
  size_t received = 0;
  size_t first_wrong = SIZE_MAX;
  bool held_while_full = false;
  SplicePipe pipe;
  ASSERT_TRUE(pipe.ready());
  ASSERT_GT(pipe.capacity(), 0u);
  char chunk[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int round = 0; received < kTotal && std::chrono::steady_clock::now() < deadline; ++round) {
    // The writer fills its socket as far as it goes.
    while (written < kTotal) {
      size_t n = std::min(sizeof chunk, kTotal - written);
      for (size_t i = 0; i < n; ++i) chunk[i] = static_cast<char>(pattern_at(written + i));
      ssize_t sent = ::send(writer.get(), chunk, n, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent <= 0) break;
      written += static_cast<size_t>(sent);
    }
    // The relay, as a tunnel does it: what the pipe holds goes first, then a fill and its drain.
    ASSERT_GE(pipe.drain_to(destination.get()), 0) << std::strerror(errno);
    if (pipe.held() == 0) {
      ssize_t filled = pipe.fill_from(source.get());
      ASSERT_TRUE(filled > 0 || (filled < 0 && errno == EAGAIN)) << std::strerror(errno);
      ASSERT_GE(pipe.drain_to(destination.get()), 0) << std::strerror(errno);
    }
    if (pipe.held() > 0) held_while_full = true;
    // The reader takes nothing until the destination is full and the pipe holds the rest;
    // then it reads every other round.
    if (!held_while_full || round % 2 != 0) continue;
    if (!readable(reader.get(), 10)) continue;
    for (;;) {
      ssize_t n = ::recv(reader.get(), chunk, sizeof chunk, MSG_DONTWAIT);
      if (n <= 0) break;
      for (ssize_t i = 0; i < n && first_wrong == SIZE_MAX; ++i) {
        if (static_cast<unsigned char>(chunk[i]) != pattern_at(received + i)) {
          first_wrong = received + static_cast<size_t>(i);
        }
      }
      received += static_cast<size_t>(n);
    }
  }
  EXPECT_EQ(received, kTotal) << "written " << written << ", held " << pipe.held();
  EXPECT_EQ(first_wrong, SIZE_MAX) << "the byte at this offset is not the one written";
  EXPECT_TRUE(held_while_full) << "the destination never filled: the test did not test holding";
  EXPECT_EQ(pipe.held(), 0u);
}

TEST(SplicePipe, EndOfStreamIsZero) {
  auto [writer, source] = tcp_pair();
  ASSERT_TRUE(writer && source);
  ::shutdown(writer.get(), SHUT_WR);
  ASSERT_TRUE(readable(source.get(), 2000));
  SplicePipe pipe;
  ASSERT_TRUE(pipe.ready());
  EXPECT_EQ(pipe.fill_from(source.get()), 0);
}

struct ClosedSocketReport {
  long drained;
  int drain_errno;
  int sigpipe_pending;
};

// The thread that splices has SIGPIPE unblocked and at its default action (which ends the
// process) until SplicePipe blocks it: without that, this child dies of SIGPIPE.
TEST(SplicePipe, ASpliceIntoAClosedSocketFailsWithEpipeAndLeavesNoSignal) {
  int status = 0;
  auto report = cordon::testing::run_in_child<ClosedSocketReport>(
      [](ClosedSocketReport& r) {
        ::signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
        std::thread relay([&r] {
          auto [writer, source] = tcp_pair();
          auto [destination, reader] = tcp_pair();
          if (::send(writer.get(), "bytes", 5, MSG_NOSIGNAL) != 5 ||
              !readable(source.get(), 2000)) {
            return;
          }
          SplicePipe pipe;
          if (!pipe.ready() || pipe.fill_from(source.get()) != 5) return;
          ::shutdown(destination.get(), SHUT_WR);  // sending on it now is EPIPE (and SIGPIPE)
          r.drained = static_cast<long>(pipe.drain_to(destination.get()));
          r.drain_errno = errno;
          sigset_t pending;
          sigemptyset(&pending);
          ::sigpending(&pending);
          r.sigpipe_pending = sigismember(&pending, SIGPIPE);
        });
        relay.join();
      },
      &status);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << WTERMSIG(status);
  EXPECT_EQ(report.drained, -1);
  EXPECT_EQ(report.drain_errno, EPIPE);
  EXPECT_EQ(report.sigpipe_pending, 0) << "a SIGPIPE was left pending on the relay's thread";
}

}  // namespace
}  // namespace cordon::net
