// The terminal: the box gets its own pty (from its own devpts); the supervisor relays bytes
// between it and the user's terminal, so nothing in the box ever holds the user's tty and no
// keystroke can be injected into it (TIOCSTI, TIOCLINUX are refused by seccomp as well).
#pragma once

#include <poll.h>
#include <termios.h>

#include <optional>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace cordon::box {

// Child side, async-signal-safe: opens a pty pair on the box's /dev/pts/ptmx. Sets the initial
// window size. Returns 0 or -errno.
int open_box_pty(const winsize* initial_size, int* master_fd, int* slave_fd);

// Child side: makes `slave_fd` the controlling terminal of the (already setsid'd) caller and its
// stdin/stdout/stderr. Returns 0 or -errno.
int attach_controlling_terminal(int slave_fd);

// Parent side: copies bytes user-terminal <-> pty master with bounded buffers, puts the user's
// terminal in raw mode while alive (restored on destruction), forwards window size changes.
class TerminalRelay {
 public:
  static Result<TerminalRelay> start(UniqueFd pty_master, int user_in, int user_out);
  TerminalRelay(TerminalRelay&&) noexcept;
  TerminalRelay& operator=(TerminalRelay&&) = delete;
  ~TerminalRelay();

  // Appends the descriptors to poll; remember the returned index range for on_ready().
  void add_pollfds(std::vector<pollfd>& fds);
  // Handles readiness of the fds it added at [first, first+count). Returns false once the box
  // side has hung up and everything it wrote has been flushed to the user.
  bool on_ready(const std::vector<pollfd>& fds, size_t first);
  // SIGWINCH: copies the user's window size to the pty.
  void on_window_change();
  // Writes what is still buffered from the box to the user's terminal (at exit).
  void drain();

 private:
  TerminalRelay() = default;
  struct State;
  State* state_ = nullptr;
};

// The user's terminal size, if stdin is a terminal.
std::optional<winsize> terminal_size(int fd);

}  // namespace cordon::box
