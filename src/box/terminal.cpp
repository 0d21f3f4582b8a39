// The terminal: the box's own pty (child side) and the supervisor's relay to the user's terminal.
#include "box/terminal.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/log.h"
#include "box/terminal_filter.h"

namespace cordon::box {
namespace {

// ---------------------------------------------------------------------------------------------
// Saved terminal modes, for restore_terminal_modes(). A fixed table of lock-free slots so that a
// signal handler can read it: no allocation, no locks.

struct SavedMode {
  std::atomic<int> fd{-1};  // kFree, kClaimed while being filled, or the tty fd
  termios mode{};
};
static_assert(std::atomic<int>::is_always_lock_free);

constexpr int kFree = -1;
constexpr int kClaimed = -2;
SavedMode g_saved_modes[4];

void register_atexit_once() {
  static const bool registered = [] {
    if (std::atexit([] { restore_terminal_modes(); }) != 0) {
      log::warn("terminal: atexit registration failed; exit() will not restore the terminal");
    }
    return true;
  }();
  (void)registered;
}

// Returns the slot index, or -1 if every slot is taken (the destructor still restores).
int save_mode(int fd, const termios& mode) {
  register_atexit_once();
  for (int i = 0; i < static_cast<int>(std::size(g_saved_modes)); ++i) {
    int expected = kFree;
    if (g_saved_modes[i].fd.compare_exchange_strong(expected, kClaimed)) {
      g_saved_modes[i].mode = mode;
      g_saved_modes[i].fd.store(fd, std::memory_order_release);
      return i;
    }
  }
  log::warn("terminal: no slot left to register the saved mode for emergency restore");
  return -1;
}

void forget_mode(int slot) {
  if (slot >= 0) g_saved_modes[slot].fd.store(kFree, std::memory_order_release);
}

// ---------------------------------------------------------------------------------------------
// A fixed-capacity byte queue: bytes are appended at the tail and consumed from the head. It
// never grows, which is what makes the relay's memory bounded.
class ByteQueue {
 public:
  explicit ByteQueue(size_t capacity)
      : data_(std::make_unique<char[]>(capacity)), capacity_(capacity) {}

  size_t size() const { return end_ - begin_; }
  size_t room() const { return capacity_ - size(); }
  bool empty() const { return begin_ == end_; }
  bool full() const { return size() == capacity_; }

  // Contiguous free space after the tail, compacting first when it is less than `want`.
  std::span<char> free_space(size_t want = 1) {
    if (capacity_ - end_ < want && begin_ > 0) {
      std::memmove(data_.get(), data_.get() + begin_, size());
      end_ -= begin_;
      begin_ = 0;
    }
    return {data_.get() + end_, capacity_ - end_};
  }
  void commit(size_t n) { end_ += n; }

  std::span<const char> pending() const { return {data_.get() + begin_, size()}; }
  void consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  void clear() { begin_ = end_ = 0; }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

ssize_t read_retry(int fd, void* buf, size_t len) {
  ssize_t n;
  do n = ::read(fd, buf, len);
  while (n < 0 && errno == EINTR);
  return n;
}

ssize_t write_retry(int fd, const void* buf, size_t len) {
  ssize_t n;
  do n = ::write(fd, buf, len);
  while (n < 0 && errno == EINTR);
  return n;
}

// Opens a second, private open file description of the terminal behind `fd`, non-blocking.
// O_NONBLOCK set on `fd` itself would land on the description shared with the user's shell and
// outlive us if we crashed; a reopen keeps our flags to ourselves. Returns an invalid fd when the
// reopen is impossible (no /proc, TIOCEXCL): the caller falls back to poll-then-read on `fd`.
UniqueFd reopen_terminal(int fd, int access) {
  char path[40];
  std::snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  UniqueFd reopened(::open(path, access | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
  if (!reopened) {
    log::debug(std::string("terminal: reopen ") + path + ": " + std::strerror(errno));
    return {};
  }
  struct stat original = {};
  struct stat now = {};
  if (::fstat(fd, &original) != 0 || ::fstat(reopened.get(), &now) != 0 || !S_ISCHR(now.st_mode) ||
      original.st_rdev != now.st_rdev) {
    return {};
  }
  return reopened;
}

int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Child side (box init and agent): raw syscalls only, no allocation, no logging.

int open_box_pty(const winsize* initial_size, int* master_fd, int* slave_fd) {
  return open_box_pty("/dev/pts/ptmx", initial_size, master_fd, slave_fd);
}

int open_box_pty(const char* ptmx_path, const winsize* initial_size, int* master_fd,
                 int* slave_fd) {
  int master = ::open(ptmx_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return -errno;
  int unlock = 0;
  if (::ioctl(master, TIOCSPTLCK, &unlock) != 0) {
    int err = errno;
    ::close(master);
    return -err;
  }
  // TIOCGPTPEER (Linux 4.13) opens the slave from the master itself: no path lookup under
  // /dev/pts that a mount or a same-named entry could redirect to another pty.
  int slave = ::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) {
    int err = errno;
    ::close(master);
    return -err;
  }
  if (initial_size != nullptr && ::ioctl(master, TIOCSWINSZ, initial_size) != 0) {
    int err = errno;
    ::close(slave);
    ::close(master);
    return -err;
  }
  *master_fd = master;
  *slave_fd = slave;
  return 0;
}

int attach_controlling_terminal(int slave_fd) {
  if (::ioctl(slave_fd, TIOCSCTTY, 0) != 0) return -errno;
  for (int fd = 0; fd <= 2; ++fd) {
    if (fd == slave_fd) {
      // dup2 onto itself is a no-op that would keep FD_CLOEXEC: clear it by hand.
      if (::fcntl(fd, F_SETFD, 0) != 0) return -errno;
    } else if (::dup2(slave_fd, fd) < 0) {
      return -errno;
    }
  }
  if (slave_fd > 2) ::close(slave_fd);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Parent side (supervisor, the user's uid).

struct TerminalRelay::State {
  UniqueFd master;  // non-blocking (our own description)

  // The caller's descriptors, kept for window sizes and as a fallback for reading and writing.
  int user_in = -1;
  int user_out = -1;
  // Private non-blocking reopens of the user's terminal, when user_in/user_out are terminals.
  UniqueFd own_in;
  UniqueFd own_out;
  int in = -1;   // what we read user input from
  int out = -1;  // what we write box output to
  bool in_nonblocking = false;
  bool out_nonblocking = false;

  bool in_done = false;         // user input reached EOF (or failed): not read any more
  bool box_input_gone = false;  // writing to the master failed: user input has nowhere to go
  bool master_done = false;     // every slave is closed and the master is read to the end
  bool out_done = false;        // user output failed (terminal gone, pipe reader left): discard

  ByteQueue to_box{kBufferSize};
  ByteQueue to_user{kBufferSize};
  // The box's output is read here, then filtered into to_user.
  TerminalFilter filter;
  std::unique_ptr<char[]> from_box = std::make_unique<char[]>(kBufferSize);

  // While held (a reviewer's prompt is up) nothing is written to the user.
  TerminalHold* hold = nullptr;

  // The user's terminal mode before raw mode, restored at destruction.
  bool raw = false;
  int raw_fd = -1;
  termios saved{};
  int saved_slot = -1;

  // Room for a read from the box: the filter may add what it held back from the last one.
  bool room_from_box() const { return to_user.room() > TerminalFilter::kMaxHeld; }
  bool held() const { return hold != nullptr && hold->held(); }
  ssize_t write_out(const char* data, size_t len, bool* was_held);
  bool wait_unheld(int64_t deadline);

  void read_master();
  void write_master();
  void read_user();
  void write_user();
  void restore_mode();
};

void TerminalRelay::State::read_master() {
  while (!master_done && room_from_box()) {
    std::span<char> space = to_user.free_space(TerminalFilter::kMaxHeld + 1);
    if (space.size() <= TerminalFilter::kMaxHeld) break;  // programmer bug guard: no progress
    ssize_t n = read_retry(master.get(), from_box.get(), space.size() - TerminalFilter::kMaxHeld);
    if (n > 0) {
      to_user.commit(
          filter.filter(std::string_view(from_box.get(), static_cast<size_t>(n)), space));
      if (out_done) to_user.clear();
      continue;
    }
    if (n < 0 && errno == EAGAIN) break;
    // EIO (or 0): every slave is closed and nothing is left to read; the box has gone.
    if (n < 0 && errno != EIO) {
      log::debug(std::string("terminal: read pty master: ") + std::strerror(errno));
    }
    master_done = true;
    to_box.clear();
  }
}

void TerminalRelay::State::write_master() {
  while (!master_done && !box_input_gone && !to_box.empty()) {
    std::span<const char> data = to_box.pending();
    ssize_t n = write_retry(master.get(), data.data(), data.size());
    if (n > 0) {
      to_box.consume(static_cast<size_t>(n));
      continue;
    }
    if (n == 0 || errno == EAGAIN) break;
    // EIO: the slaves are closed. The master may still hold output to read, so master_done
    // waits for read_master(); what the user typed has nowhere to go.
    box_input_gone = true;
    to_box.clear();
  }
}

void TerminalRelay::State::read_user() {
  while (!in_done && !box_input_gone && !to_box.full()) {
    std::span<char> space = to_box.free_space();
    ssize_t n = read_retry(in, space.data(), space.size());
    if (n > 0) {
      to_box.commit(static_cast<size_t>(n));
      // A blocking descriptor is read once per readiness report: a second read could block.
      if (!in_nonblocking) break;
      continue;
    }
    if (n < 0 && errno == EAGAIN) break;
    // EOF (stdin was a file or a pipe) or EIO (the user's terminal hung up): stop reading. The
    // master stays open: the program may still be writing.
    in_done = true;
  }
}

ssize_t TerminalRelay::State::write_out(const char* data, size_t len, bool* was_held) {
  *was_held = false;
  if (hold == nullptr) return write_retry(out, data, len);
  std::optional<ssize_t> n = hold->write_unless_held(out, data, len);
  if (n) return *n;
  *was_held = true;
  return 0;
}

// Waits until no hold is on (true) or the deadline passed (false).
bool TerminalRelay::State::wait_unheld(int64_t deadline) {
  while (held()) {
    int64_t left = deadline - now_ms();
    if (left <= 0) return false;
    pollfd p{hold->release_fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) > 0) hold->clear_release();
  }
  return true;
}

void TerminalRelay::State::write_user() {
  while (!out_done && !to_user.empty()) {
    std::span<const char> data = to_user.pending();
    // poll's POLLOUT on a pipe promises room for PIPE_BUF bytes, no more: a blocking descriptor
    // gets at most that per readiness report, so the write cannot block the supervisor.
    size_t len = out_nonblocking ? data.size() : std::min<size_t>(data.size(), PIPE_BUF);
    bool was_held = false;
    ssize_t n = write_out(data.data(), len, &was_held);
    if (was_held) break;  // the release wakes the loop (add_pollfds polls release_fd)
    if (n > 0) {
      to_user.consume(static_cast<size_t>(n));
      if (!out_nonblocking) break;
      continue;
    }
    if (n == 0 || errno == EAGAIN) break;
    log::debug(std::string("terminal: write to the user: ") + std::strerror(errno));
    out_done = true;
    to_user.clear();
  }
}

void TerminalRelay::State::restore_mode() {
  if (!raw) return;
  // TCSANOW: output already written was processed when it was written, so nothing is lost, and
  // TCSADRAIN could wait forever on a stalled terminal.
  if (::tcsetattr(raw_fd, TCSANOW, &saved) != 0) {
    log::warn(std::string("terminal: restoring the terminal mode: ") + std::strerror(errno));
  }
  forget_mode(saved_slot);
  saved_slot = -1;
  raw = false;
}

Result<TerminalRelay> TerminalRelay::start(UniqueFd pty_master, int user_in, int user_out,
                                           TerminalHold* hold) {
  if (!pty_master) std::abort();  // programmer bug: no pty to relay

  auto state = std::make_unique<State>();
  state->hold = hold;
  int flags = ::fcntl(pty_master.get(), F_GETFL);
  if (flags < 0 || ::fcntl(pty_master.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return Error::system("pty master: set O_NONBLOCK");
  }
  state->master = std::move(pty_master);
  state->user_in = user_in;
  state->user_out = user_out;

  state->in = user_in;
  if (user_in < 0) {
    state->in_done = true;
  } else if (::isatty(user_in)) {
    state->own_in = reopen_terminal(user_in, O_RDONLY);
    if (state->own_in) {
      state->in = state->own_in.get();
      state->in_nonblocking = true;
    }
  }
  state->out = user_out;
  if (user_out < 0) {
    state->out_done = true;
  } else if (::isatty(user_out)) {
    state->own_out = reopen_terminal(user_out, O_WRONLY);
    if (state->own_out) {
      state->out = state->own_out.get();
      state->out_nonblocking = true;
    }
  }

  // Raw mode: every byte, ^C and ^Z included, goes to the box's pty, whose line discipline then
  // signals the box's foreground process group; the user's terminal only displays.
  if (user_in >= 0 && ::isatty(user_in)) {
    state->raw_fd = state->own_in ? state->own_in.get() : user_in;
    if (::tcgetattr(state->raw_fd, &state->saved) != 0) {
      return Error::system("user terminal: tcgetattr");
    }
    termios raw = state->saved;
    raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF);
    raw.c_oflag &= ~OPOST;
    raw.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    raw.c_cflag &= ~(CSIZE | PARENB);
    raw.c_cflag |= CS8;
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    // Registered before the change so that no window exists where the terminal is raw and a
    // fatal signal could not put it back.
    state->saved_slot = save_mode(state->raw_fd, state->saved);
    state->raw = true;
    if (::tcsetattr(state->raw_fd, TCSANOW, &raw) != 0) {
      Error err = Error::system("user terminal: set raw mode");
      state->restore_mode();
      return err;
    }
  }

  TerminalRelay relay;
  relay.state_ = state.release();
  return relay;
}

TerminalRelay::TerminalRelay(TerminalRelay&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)) {}

TerminalRelay::~TerminalRelay() {
  if (state_ == nullptr) return;
  state_->restore_mode();
  delete state_;
}

void TerminalRelay::add_pollfds(std::vector<pollfd>& fds) {
  const State& s = *state_;
  // An entry with nothing to wait for gets fd -1: poll reports POLLHUP whatever the events, and
  // a hung-up source whose buffer is full would otherwise make the loop spin.
  short in_events = (!s.in_done && !s.box_input_gone && !s.to_box.full()) ? POLLIN : 0;
  short master_events = 0;
  if (!s.master_done && s.room_from_box()) master_events |= POLLIN;
  if (!s.master_done && !s.box_input_gone && !s.to_box.empty()) master_events |= POLLOUT;
  // Output kept back by a hold waits for its release, not for the terminal (whose POLLOUT
  // would wake the loop over and over).
  const bool waiting = !s.out_done && !s.to_user.empty();
  const bool held = waiting && s.held();
  short out_events = waiting && !held ? POLLOUT : 0;

  fds.push_back(pollfd{in_events ? s.in : -1, in_events, 0});
  fds.push_back(pollfd{master_events ? s.master.get() : -1, master_events, 0});
  fds.push_back(pollfd{out_events ? s.out : -1, out_events, 0});
  fds.push_back(pollfd{held ? s.hold->release_fd() : -1, static_cast<short>(held ? POLLIN : 0), 0});
}

bool TerminalRelay::on_ready(const std::vector<pollfd>& fds, size_t first) {
  if (first + kPollFdCount > fds.size()) {
    // Programmer bug: on_ready() without the add_pollfds() entries of this poll round. Put the
    // user's terminal back first: abort() runs no destructor and no atexit handler.
    restore_terminal_modes();
    std::abort();
  }
  State& s = *state_;
  const pollfd& in = fds[first];
  const pollfd& master = fds[first + 1];
  const pollfd& out = fds[first + 2];
  const pollfd& release = fds[first + 3];

  if (master.fd >= 0) {
    if (master.revents & POLLNVAL) {
      s.master_done = true;
    } else {
      // POLLHUP: the slaves are closed, but output may still wait in the master; read_master()
      // reads it to the end (EIO) before declaring the box gone.
      if (master.revents & (POLLIN | POLLHUP | POLLERR)) s.read_master();
      if (master.revents & (POLLOUT | POLLHUP | POLLERR)) s.write_master();
    }
  }
  if (in.fd >= 0) {
    if (in.revents & POLLNVAL) {
      s.in_done = true;
    } else if (in.revents & (POLLIN | POLLHUP | POLLERR)) {
      s.read_user();
    }
  }
  if (out.fd >= 0) {
    if (out.revents & (POLLERR | POLLNVAL) || (out.revents & POLLHUP && !s.out_nonblocking)) {
      // The pipe's reader left (writing would raise SIGPIPE) or the terminal hung up.
      s.out_done = true;
      s.to_user.clear();
    } else if (out.revents & (POLLOUT | POLLHUP)) {
      s.write_user();
    }
  }
  // Released: a non-blocking terminal is written below; a pipe waits for its POLLOUT.
  if (release.fd >= 0 && release.revents != 0) s.hold->clear_release();
  // Non-blocking ends take what was just read without waiting for another poll round.
  s.write_master();
  if (s.out_nonblocking) s.write_user();

  return !(s.master_done && (s.to_user.empty() || s.out_done));
}

void TerminalRelay::on_window_change() {
  State& s = *state_;
  std::optional<winsize> size = terminal_size(s.user_in);
  if (!size) size = terminal_size(s.user_out);
  if (!size || s.master_done) return;
  // The kernel sends SIGWINCH to the box's foreground process group when the size changed.
  if (::ioctl(s.master.get(), TIOCSWINSZ, &*size) != 0) {
    log::debug(std::string("terminal: TIOCSWINSZ on the pty: ") + std::strerror(errno));
  }
}

void TerminalRelay::drain() {
  State& s = *state_;
  // Bounded: a stalled terminal or a box that is still writing must not hold up the exit.
  const int64_t deadline = now_ms() + 1000;
  for (;;) {
    s.read_master();
    if (s.out_done || s.to_user.empty()) return;
    if (!s.wait_unheld(deadline)) return;
    int64_t left = deadline - now_ms();
    if (left <= 0) return;
    pollfd p{s.out, POLLOUT, 0};
    int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    if (p.revents & (POLLERR | POLLNVAL) || (p.revents & POLLHUP && !s.out_nonblocking)) return;
    s.write_user();
  }
}

void TerminalRelay::finish() {
  State& s = *state_;
  if (s.out_done || !::isatty(s.out)) return;
  // CAN and ST first: they end a sequence or string the box left open (which would swallow
  // what follows). DECSC before leaving the alternate screen: xterm restores the cursor when it
  // leaves it (?1049l) even when it was not there, and the saved position would be stale.
  static constexpr std::string_view kReset =
      "\x18\x1b\\"        // CAN, ST
      "\0337\x1b[?1049l"  // (ESC 7) the alternate screen
      "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1005l\x1b[?1006l\x1b[?1015l"  // mouse reports
      "\x1b[?1004l"                                                         // focus reports
      "\x1b[?2004l"                                                         // bracketed paste
      "\x1b[?2026l"                                                         // synchronized output
      "\x1b[?1l\x1b>"                                                       // application keys
      "\x1b[?25h"                                                           // the cursor
      "\x1b[0m";  // colours and attributes
  const int64_t deadline = now_ms() + 1000;
  size_t written = 0;
  while (written < kReset.size() && s.wait_unheld(deadline)) {
    bool was_held = false;
    ssize_t n = s.write_out(kReset.data() + written, kReset.size() - written, &was_held);
    if (was_held) continue;
    if (n > 0) {
      written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN) break;
    int64_t left = deadline - now_ms();
    pollfd p{s.out, POLLOUT, 0};
    // A terminal that takes no reset still gets its late answers discarded below.
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
  }
  // Answers to the box's last queries arrive within a round trip to the terminal; what is
  // typed meanwhile would be read by the shell cordon returns to.
  timespec pause{0, kLateAnswerMs * 1000000L};
  while (::nanosleep(&pause, &pause) != 0 && errno == EINTR) {
  }
  if (::tcflush(s.out, TCIFLUSH) != 0) {
    log::debug(std::string("terminal: discarding late input: ") + std::strerror(errno));
  }
  if (s.in >= 0 && s.in != s.out && ::isatty(s.in)) (void)::tcflush(s.in, TCIFLUSH);
}

size_t TerminalRelay::buffered_bytes() const {
  return state_ == nullptr ? 0 : state_->to_box.size() + state_->to_user.size();
}

std::optional<winsize> terminal_size(int fd) {
  if (fd < 0 || !::isatty(fd)) return std::nullopt;
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0) return std::nullopt;
  return size;
}

void restore_terminal_modes() noexcept {
  for (SavedMode& slot : g_saved_modes) {
    int fd = slot.fd.load(std::memory_order_acquire);
    if (fd >= 0) ::tcsetattr(fd, TCSANOW, &slot.mode);
  }
}

}  // namespace cordon::box
