// The terminal: the box gets its own pty (from its own devpts); the supervisor relays bytes
// between it and the user's terminal, so nothing in the box ever holds the user's tty and no
// keystroke can be injected into it (TIOCSTI, TIOCLINUX are refused by seccomp as well). What
// the box writes passes TerminalFilter (terminal_filter.h): no escape sequence that sets the
// clipboard or makes the terminal type box-chosen text back reaches the user's terminal.
#pragma once

#include <poll.h>
#include <sys/ioctl.h>  // struct winsize
#include <termios.h>

#include <cstddef>
#include <optional>
#include <vector>

#include "base/result.h"
#include "base/terminal_hold.h"
#include "base/unique_fd.h"

namespace cordon::box {

// Child side, async-signal-safe: opens a pty pair on the box's /dev/pts/ptmx. Sets the initial
// window size. Returns 0 or -errno.
int open_box_pty(const winsize* initial_size, int* master_fd, int* slave_fd);
// The same on another ptmx (tests point it at the host's /dev/ptmx).
int open_box_pty(const char* ptmx_path, const winsize* initial_size, int* master_fd, int* slave_fd);

// Child side: makes `slave_fd` the controlling terminal of the (already setsid'd) caller and its
// stdin/stdout/stderr. Returns 0 or -errno.
int attach_controlling_terminal(int slave_fd);

// Parent side: copies bytes user-terminal <-> pty master with bounded buffers, puts the user's
// terminal in raw mode while alive (restored on destruction), forwards window size changes.
// The box's output goes through a TerminalFilter, and, with a TerminalHold, is kept back (up to
// kBufferSize; then the box blocks) while the hold is on.
//
// The caller keeps user_in and user_out open while the relay lives (either may be -1: no input,
// output discarded). The relay never changes their file status flags: when they are terminals it
// reads and writes through private non-blocking reopens, otherwise it only reads or writes after
// poll said so. Ignore SIGPIPE in the caller: user_out may be a pipe whose reader goes away.
class TerminalRelay {
 public:
  // add_pollfds() always appends exactly this many entries (unused ones have fd -1).
  static constexpr size_t kPollFdCount = 4;
  // Each direction buffers at most this much; a full buffer stops reading its source.
  static constexpr size_t kBufferSize = 64 * 1024;

  // `hold` (may be null) outlives the relay.
  static Result<TerminalRelay> start(UniqueFd pty_master, int user_in, int user_out,
                                     TerminalHold* hold = nullptr);
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
  // The session's end, once the box's output is drained: when the user's side is a terminal,
  // turns off what the box may have left on (mouse reporting, bracketed paste, application
  // keys, the alternate screen, a hidden cursor, colours), waits kLateAnswerMs and discards
  // the terminal's pending input, so that late answers to the box's queries are not read by
  // the user's shell as typed.
  void finish();
  static constexpr int kLateAnswerMs = 50;
  // Bytes held in the relay's buffers (both directions); never more than 2 * kBufferSize.
  size_t buffered_bytes() const;

 private:
  TerminalRelay() = default;
  struct State;
  State* state_ = nullptr;
};

// The user's terminal size, if stdin is a terminal.
std::optional<winsize> terminal_size(int fd);

// Async-signal-safe: puts back the terminal modes saved by every live TerminalRelay, for fatal
// signal handlers and exits that skip destructors. A relay that sets raw mode registers it with
// atexit().
void restore_terminal_modes() noexcept;

}  // namespace cordon::box
