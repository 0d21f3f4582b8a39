// The terminal reviewer's prompt loop.
#include "review/tty_reviewer.h"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <set>
#include <string_view>

#include "base/files.h"
#include "base/unique_fd.h"
#include "review/channel_thread.h"
#include "review/control_protocol.h"
#include "review/peer_identity.h"

namespace cordon::review {
namespace {

// Written before each item: the box's output shares this terminal and may have left it in a
// state that hides or garbles the prompt (text drawn in the background colour, another
// character set, a one-line scroll region, a hidden cursor, a string still open that would
// swallow the prompt as a window title). DECSTR resets most of it; each mode is reset on its own
// as well, for terminals without DECSTR (which also turns autowrap off). Resetting the scroll
// region and origin mode moves the cursor home, where the prompt would overwrite what is on the
// screen: DECSC/DECRC around them keep its place (DECRC restores the box's origin mode, which
// DECSTR then turns off; with the full screen as scroll region it no longer matters anyway).
constexpr std::string_view kTerminalReset =
    "\x18\x1b\\"                // CAN, ST: end a sequence or string in progress
    "\0337\x1b[r\x1b[?6l\0338"  // (ESC 7 ... ESC 8) whole-screen scrolling, origin mode off
    "\x1b[!p"                   // DECSTR soft reset
    "\x1b[0m"                   // SGR: default colours and attributes
    "\x1b(B\x0f"                // G0 = ASCII, shifted in
    "\x1b[?25h"                 // cursor visible
    "\x1b[4l"                   // insert mode off
    "\x1b[?7h"                  // autowrap on
    "\x1b[?2026l"               // synchronized output off: the terminal draws now
    "\x1b]110\x07\x1b]111\x07"  // the terminal's own foreground and background
    "\r\n\x1b[J";               // a fresh line, nothing of the box's below it

}  // namespace

struct TtyReviewer::Impl {
  ReviewQueue& queue;
  TerminalHold* hold = nullptr;
  UniqueFd tty;
  std::string reviewer;
  std::unique_ptr<ChannelThread> channel;
  std::set<std::string> prompted;
  std::string buffer;

  explicit Impl(ReviewQueue& q) : queue(q) {}

  void say(const std::string& text) { (void)write_all(tty.get(), text); }

  // A line from the terminal; nullopt when stopping, when the terminal went away, or when the
  // item `id` left the queue meanwhile (answered on another channel, timed out).
  std::optional<std::string> read_line(const std::string& id) {
    for (;;) {
      const size_t newline = buffer.find('\n');
      if (newline != std::string::npos) {
        std::string line = buffer.substr(0, newline);
        buffer.erase(0, newline + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      pollfd fds[2] = {{tty.get(), POLLIN, 0}, {channel->fd(), POLLIN, 0}};
      if (::poll(fds, 2, 1000) < 0 && errno != EINTR) return std::nullopt;
      if (fds[1].revents & POLLIN) channel->drain();
      if (channel->stopping()) return std::nullopt;
      if (!queue.find(id)) {
        say("\n(" + id + " was answered elsewhere or timed out)\n");
        return std::nullopt;
      }
      if (fds[0].revents & POLLIN) {
        char chunk[512];
        const ssize_t n = ::read(tty.get(), chunk, sizeof chunk);
        if (n <= 0) {
          channel->give_up();  // the terminal is gone; the other channels remain
          return std::nullopt;
        }
        buffer.append(chunk, static_cast<size_t>(n));
        if (buffer.size() > 4096) buffer.clear();
      } else if (fds[0].revents & (POLLHUP | POLLERR)) {
        channel->give_up();
        return std::nullopt;
      }
    }
  }

  void review(const ReviewItem& item) {
    // No box output until this item is answered (TerminalHold); one already being written
    // has ended when the scope begins.
    const TerminalHold::Scope held(hold);
    // An answer must come from someone who saw this item: keys typed before it was shown, and
    // the terminal's answers to the box's queries, which arrive as input, are dropped.
    (void)::tcflush(tty.get(), TCIFLUSH);
    buffer.clear();
    const gate::RiskAssessment& risk = item.decision.risk;
    std::string text = std::string(kTerminalReset) + "cordon: held for review [" + item.id + "]\n";
    text += "  command  " + display_command(item.start.argv) + "\n";
    text += "  cwd      " + display_text(item.start.cwd) + "\n";
    text += "  risk     " + std::to_string(risk.score) + " " +
            item_json(item)["level"].get<std::string>() +
            (risk.reversible ? ", reversible" : ", NOT reversible") + "\n";
    for (const std::string& r : risk.reasons) text += "           - " + display_text(r) + "\n";
    text += "  rule     " + display_text(item.decision.rule) + ": " +
            display_text(item.decision.reason) + "\n";
    if (item.reviewers_needed > 1) {
      text += "  needs    " + std::to_string(item.reviewers_needed) + " reviewers, " +
              std::to_string(item.approved_by.size()) + " so far\n";
    }
    say(text);
    ReviewerAnswer answer{item.id, Verdict::kDeny, GrantScope::kOnce, reviewer, "tty", ""};
    for (;;) {
      say("[a]pprove once, approve for [s]ession, [d]eny? ");
      std::optional<std::string> choice = read_line(item.id);
      if (!choice) return;
      if (*choice == "a" || *choice == "s") {
        answer.verdict = Verdict::kApprove;
        answer.scope = *choice == "s" ? GrantScope::kSession : GrantScope::kOnce;
        break;
      }
      if (*choice == "d") break;
    }
    say("reason? ");
    std::optional<std::string> reason = read_line(item.id);
    if (!reason) return;
    answer.reason = clean_reason(*reason);
    Result<AnswerEffect> effect = queue.answer(answer);
    if (!effect.ok()) {
      say("cordon: " + effect.error().message() + "\n");
    } else if (*effect == AnswerEffect::kRecordedAwaitingAnother) {
      say("recorded; " + item.id + " needs another reviewer\n");
    } else {
      say(answer.verdict == Verdict::kDeny ? "denied\n" : "approved\n");
    }
  }

  void run() {
    while (!channel->stopping()) {
      std::optional<ReviewItem> next;
      for (ReviewItem& item : queue.pending()) {
        if (!prompted.count(item.id)) {
          next = std::move(item);
          break;
        }
      }
      if (next) {
        prompted.insert(next->id);
        review(*next);
        continue;
      }
      pollfd p{channel->fd(), POLLIN, 0};
      if (::poll(&p, 1, 1000) > 0) channel->drain();
    }
  }
};

TtyReviewer::TtyReviewer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<TtyReviewer>> TtyReviewer::start(ReviewQueue& queue, const std::string& tty,
                                                        TerminalHold* hold) {
  auto impl = std::make_unique<Impl>(queue);
  impl->hold = hold;
  impl->tty.reset(::open(tty.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!impl->tty) return Error::system("open " + tty);
  CORDON_ASSIGN_OR_RETURN(impl->channel, ChannelThread::create());
  impl->reviewer = "tty:" + uid_identity(::getuid()).substr(4);
  Impl* raw = impl.get();
  impl->channel->start(queue, [raw] { raw->run(); });
  return std::unique_ptr<TtyReviewer>(new TtyReviewer(std::move(impl)));
}

TtyReviewer::~TtyReviewer() {
  stop();
}

void TtyReviewer::stop() {
  if (!impl_ || !impl_->channel) return;
  impl_->channel->stop();
  impl_->channel.reset();
}

void TtyReviewer::request_stop() {
  if (impl_ && impl_->channel) impl_->channel->request_stop();
}

}  // namespace cordon::review
