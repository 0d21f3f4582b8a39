// The supervisor's event loop while the box runs (parent side, the user's own uid).
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/fd_passing.h"
#include "base/log.h"
#include "base/syscalls.h"
#include "box/supervisor.h"

namespace cordon::box {
namespace {

UniqueFd make_timer(uint64_t first_ms, uint64_t interval_ms) {
  UniqueFd fd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!fd) return fd;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(first_ms / 1000);
  spec.it_value.tv_nsec = static_cast<long>((first_ms % 1000) * 1000000);
  spec.it_interval.tv_sec = static_cast<time_t>(interval_ms / 1000);
  spec.it_interval.tv_nsec = static_cast<long>((interval_ms % 1000) * 1000000);
  ::timerfd_settime(fd.get(), 0, &spec, nullptr);
  return fd;
}

void drain_timer(int fd) {
  uint64_t ticks;
  (void)!::read(fd, &ticks, sizeof ticks);
}

// One message from the init: a pty master (with an fd) or an InitMessage.
struct ControlMessage {
  std::optional<UniqueFd> pty_master;
  std::optional<InitMessage> init;
  bool closed = false;
};

ControlMessage read_control(int fd) {
  ControlMessage out;
  InitMessage msg{};
  UniqueFd received;
  ssize_t n = receive_message(fd, &msg, sizeof msg, &received);
  if (n == 0 || (n < 0 && n != -EAGAIN && n != -EINTR)) {
    out.closed = true;
  } else if (received) {
    out.pty_master = std::move(received);
  } else if (n == static_cast<ssize_t>(sizeof msg)) {
    out.init = msg;
  }
  return out;
}

}  // namespace

Result<LoopOutcome> supervise_box(const LoopInputs& in, int signal_fd) {
  LoopOutcome outcome;
  std::optional<TerminalRelay> relay;
  UniqueFd deadline;
  if (in.timeout_seconds) deadline = make_timer(*in.timeout_seconds * 1000, 0);
  UniqueFd sampler = in.cgroup ? make_timer(100, 250) : UniqueFd();
  bool error_open = true;
  bool control_open = true;
  bool init_alive = true;

  while (init_alive) {
    std::vector<pollfd> fds;
    auto add = [&](int fd, short events) {
      fds.push_back(pollfd{fd, events, 0});
      return fds.size() - 1;
    };
    const size_t i_init = add(in.init_pidfd, POLLIN);
    const size_t i_sig = add(signal_fd, POLLIN);
    const size_t i_ctl = control_open ? add(in.control_fd, POLLIN) : SIZE_MAX;
    const size_t i_err = error_open ? add(in.error_fd, POLLIN) : SIZE_MAX;
    const size_t i_deadline = deadline ? add(deadline.get(), POLLIN) : SIZE_MAX;
    const size_t i_sampler = sampler ? add(sampler.get(), POLLIN) : SIZE_MAX;
    const size_t i_recorder = in.recorder_hangup_fd >= 0 && !outcome.recorder_lost
                                  ? add(in.recorder_hangup_fd, POLLRDHUP)
                                  : SIZE_MAX;
    const size_t i_relay = fds.size();
    const bool relay_polled = relay.has_value();  // a relay created below joins next round
    if (relay_polled) relay->add_pollfds(fds);

    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return Error::system("poll");
    }
    auto ready = [&](size_t i) { return i != SIZE_MAX && fds[i].revents != 0; };

    if (ready(i_err)) {
      StepFailure failure{};
      ssize_t n = ::read(in.error_fd, &failure, sizeof failure);
      if (n == static_cast<ssize_t>(sizeof failure)) {
        outcome.setup_failure = failure;
      } else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        error_open = false;  // EOF: the program was exec'd (or the box is gone)
      }
    }
    if (ready(i_ctl)) {
      ControlMessage msg = read_control(in.control_fd);
      if (msg.pty_master) {
        // Read the user's stdin only when it is a terminal: a pipe stays the program's own stdin.
        auto started = TerminalRelay::start(
            std::move(*msg.pty_master), in.relay_input && isatty(STDIN_FILENO) ? STDIN_FILENO : -1,
            isatty(STDOUT_FILENO) ? STDOUT_FILENO : STDERR_FILENO, in.terminal_hold);
        if (!started.ok()) return std::move(started).error().context("terminal");
        relay.emplace(std::move(started).value());
      }
      if (msg.init && !outcome.agent_exit && in.on_program_exit) in.on_program_exit();
      if (msg.init) outcome.agent_exit = msg.init;
      if (msg.closed) control_open = false;
    }
    if (ready(i_sig)) {
      signalfd_siginfo info{};
      while (::read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        const int sig = static_cast<int>(info.ssi_signo);
        if (sig == SIGWINCH) {
          if (relay) relay->on_window_change();
        } else if (sig != SIGCHLD) {
          log::debug("forwarding signal " + std::to_string(sig) + " to the box");
          sys::pidfd_send_signal(in.init_pidfd, sig, nullptr, 0);
        }
      }
    }
    if (ready(i_deadline)) {
      drain_timer(deadline.get());
      outcome.timed_out = true;
      sys::pidfd_send_signal(in.init_pidfd, SIGKILL, nullptr, 0);
    }
    if (ready(i_sampler)) {
      drain_timer(sampler.get());
      in.cgroup->sample();
    }
    if (ready(i_recorder) && (fds[i_recorder].revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
      outcome.recorder_lost = true;
      sys::pidfd_send_signal(in.init_pidfd, SIGKILL, nullptr, 0);
    }
    if (relay_polled && relay && !relay->on_ready(fds, i_relay)) {
      relay->finish();
      relay.reset();
    }
    if (ready(i_init)) init_alive = false;
  }

  // The init has exited: collect its status, the last control message and the terminal output.
  siginfo_t info{};
  if (in.reap_init) {
    outcome.init_wait_status = in.reap_init();
  } else if (::waitid(P_PIDFD, static_cast<id_t>(in.init_pidfd), &info, WEXITED) == 0) {
    outcome.init_wait_status = info.si_status;
  }
  while (control_open && !outcome.agent_exit) {
    ControlMessage msg = read_control(in.control_fd);
    if (msg.init) outcome.agent_exit = msg.init;
    if (msg.closed || (!msg.init && !msg.pty_master)) break;
  }
  if (error_open && !outcome.setup_failure) {
    StepFailure failure{};
    if (::read(in.error_fd, &failure, sizeof failure) == static_cast<ssize_t>(sizeof failure)) {
      outcome.setup_failure = failure;
    }
  }
  if (relay) {
    relay->drain();
    relay->finish();
  }
  return outcome;
}

}  // namespace cordon::box
