// Risk of `sh -c SCRIPT`: only what the script text shows and no started program does, i.e.
// download-and-execute (`curl URL | sh`, `bash <(curl URL)`), raw writes to disk devices by
// redirection (`> /dev/sda`) and fork bombs. Every program the script starts is scored on its
// own when it starts, so `sh -c 'rm -rf /'` is caught at rm.
//
// The lexer is deliberately rough: quotes are dropped rather than honoured, so text inside a
// quoted string can count as code. For a risk score that errs on the side of asking.
#include <array>

#include "gate/argv_flags.h"
#include "gate/risk_paths.h"
#include "gate/risk_scorers.h"

namespace cordon::gate {
namespace {

using C = RiskCategory;

std::string_view basename_of(std::string_view word) {
  const auto slash = word.rfind('/');
  return slash == std::string_view::npos ? word : word.substr(slash + 1);
}

bool is_downloader(std::string_view word) {
  const std::string_view b = basename_of(word);
  return b == "curl" || b == "wget" || b == "fetch" || b == "http" || b == "https";
}

bool is_code_runner(std::string_view word) {
  const std::string_view b = basename_of(word);
  static constexpr std::array<std::string_view, 12> kNames = {
      "sh", "bash", "dash", "zsh", "ksh", "ash", "fish", "perl", "ruby", "node", "php", "eval"};
  for (auto name : kNames) {
    if (b == name) return true;
  }
  return b.starts_with("python") || b == "source" || b == ".";
}

// Words that run the next word as the command: `sudo bash`, `env X=1 sh`, `exec sh`.
bool is_prefix_command(std::string_view word) {
  const std::string_view b = basename_of(word);
  return b == "sudo" || b == "env" || b == "exec" || b == "command" || b == "nohup" ||
         b == "time" || b == "nice" || b == "doas";
}

enum class Tok { kWord, kPipe, kSeparator, kOpenSub, kOpenProcSub, kClose, kBacktick, kRedirOut };

struct Token {
  Tok kind;
  std::string_view text;
};

// Splits shell text into words and the operators that matter here.
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  bool next(Token& tok) {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\'' || c == '"' || c == '{' || c == '}') {
        ++pos_;
        continue;
      }
      if (c == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') {
        pos_ += 2;
        continue;
      }
      if (c == '#' && (pos_ == 0 || text_[pos_ - 1] == ' ' || text_[pos_ - 1] == '\n')) {
        const auto end = text_.find('\n', pos_);
        pos_ = end == std::string_view::npos ? text_.size() : end;
        continue;
      }
      return operator_or_word(tok);
    }
    return false;
  }

 private:
  bool emit(Token& tok, Tok kind, std::size_t length) {
    tok = Token{kind, text_.substr(pos_, length)};
    pos_ += length;
    return true;
  }

  bool operator_or_word(Token& tok) {
    const std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("||") || rest.starts_with("&&")) return emit(tok, Tok::kSeparator, 2);
    if (rest.starts_with("|&")) return emit(tok, Tok::kPipe, 2);
    if (rest.starts_with("|")) return emit(tok, Tok::kPipe, 1);
    if (rest.starts_with(";") || rest.starts_with("&") || rest.starts_with("\n")) {
      if (rest.starts_with("&>")) return emit(tok, Tok::kRedirOut, 2);
      return emit(tok, Tok::kSeparator, 1);
    }
    if (rest.starts_with("$(")) return emit(tok, Tok::kOpenSub, 2);
    if (rest.starts_with("<(")) return emit(tok, Tok::kOpenProcSub, 2);
    if (rest.starts_with("(")) return emit(tok, Tok::kOpenSub, 1);
    if (rest.starts_with(")")) return emit(tok, Tok::kClose, 1);
    if (rest.starts_with("`")) return emit(tok, Tok::kBacktick, 1);
    if (rest.starts_with(">>") || rest.starts_with(">|") || rest.starts_with(">&")) {
      return emit(tok, Tok::kRedirOut, 2);
    }
    if (rest.starts_with(">")) return emit(tok, Tok::kRedirOut, 1);
    if (rest.starts_with("<")) {  // an input redirection: its file is just a word
      ++pos_;
      return next(tok);
    }
    std::size_t end = 0;
    while (end < rest.size() &&
           std::string_view(" \t\n'\"|&;()<>`{}").find(rest[end]) == std::string_view::npos) {
      if (rest[end] == '$' && end + 1 < rest.size() && rest[end + 1] == '(') break;
      ++end;
    }
    if (end == 0) return emit(tok, Tok::kSeparator, 1);
    return emit(tok, Tok::kWord, end);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// One simple command being read: its command word and what its arguments contain.
struct Command {
  std::string_view name;          // after prefix commands and VAR=value assignments
  bool after_prefix = false;      // `sudo` etc. came first: a later shell word is the command
  bool downloads = false;         // the command itself downloads
  bool fed_download = false;      // its stdin is a pipe from a download
  bool download_in_args = false;  // a $(...), `...` or <(...) in its words downloads
};

struct Scan {
  bool download_exec = false;
  std::string_view runner;
  std::string device;
};

class ScriptScanner {
 public:
  explicit ScriptScanner(const ScoreInput& in) : in_(in) {}

  Scan run(std::string_view script) {
    Lexer lexer(script);
    Token tok;
    stack_.push_back(Frame{});
    bool redirect_next = false;
    while (lexer.next(tok)) {
      Frame& f = stack_.back();
      if (redirect_next) {
        redirect_next = false;
        if (tok.kind == Tok::kWord) {
          std::string path = resolve_operand(tok.text, in_.start.cwd, in_.context.home);
          if (is_data_device(path) && scan_.device.empty()) scan_.device = std::move(path);
          continue;
        }
      }
      switch (tok.kind) {
        case Tok::kWord:
          word(f.command, tok.text);
          break;
        case Tok::kPipe:
          f.pipeline_downloads = f.pipeline_downloads || f.command.downloads;
          end_command(f);
          f.command.fed_download = f.pipeline_downloads;
          break;
        case Tok::kSeparator:
          end_command(f);
          f.pipeline_downloads = false;
          break;
        case Tok::kOpenSub:
        case Tok::kOpenProcSub:
          stack_.push_back(Frame{});
          break;
        case Tok::kBacktick:
          if (stack_.size() > 1 && stack_.back().backtick) {
            close_frame();
          } else {
            stack_.push_back(Frame{});
            stack_.back().backtick = true;
          }
          break;
        case Tok::kClose:
          if (stack_.size() > 1) close_frame();
          break;
        case Tok::kRedirOut:
          redirect_next = true;
          break;
      }
    }
    while (stack_.size() > 1) close_frame();
    end_command(stack_.back());
    return scan_;
  }

 private:
  struct Frame {
    Command command;
    bool pipeline_downloads = false;
    bool any_download = false;  // some command in this frame downloads
    bool backtick = false;
  };

  static void word(Command& c, std::string_view w) {
    if (c.name.empty()) {
      if (w.find('=') != std::string_view::npos) return;  // VAR=value
      c.name = w;
      c.after_prefix = is_prefix_command(w);
      c.downloads = is_downloader(w);
    } else if (c.after_prefix && (is_code_runner(w) || is_downloader(w))) {
      // `sudo -u root bash`: the option values in between are not known, so take the first
      // word that runs code or downloads.
      c.name = w;
      c.after_prefix = false;
      c.downloads = is_downloader(w);
    }
  }

  void end_command(Frame& f) {
    Command& c = f.command;
    f.any_download = f.any_download || c.downloads;
    if (!c.name.empty() && is_code_runner(c.name) && (c.fed_download || c.download_in_args)) {
      if (!scan_.download_exec) scan_.runner = basename_of(c.name);
      scan_.download_exec = true;
    }
    c = Command{};
  }

  void close_frame() {
    end_command(stack_.back());
    const bool downloads = stack_.back().any_download;
    stack_.pop_back();
    stack_.back().command.download_in_args = stack_.back().command.download_in_args || downloads;
  }

  const ScoreInput& in_;
  std::vector<Frame> stack_;
  Scan scan_;
};

// `f(){ f|f& };f` with any function name, spaces ignored.
bool has_fork_bomb(std::string_view script) {
  if (script.find('(') == std::string_view::npos || script.find('&') == std::string_view::npos) {
    return false;  // the common case, without copying the script
  }
  std::string compact;
  compact.reserve(script.size());
  for (char c : script) {
    if (c != ' ' && c != '\t' && c != '\n') compact.push_back(c);
  }
  std::size_t pos = 0;
  while ((pos = compact.find("(){", pos)) != std::string::npos) {
    std::size_t start = pos;
    while (start > 0 &&
           std::string_view(";&|\n{}()").find(compact[start - 1]) == std::string_view::npos) {
      --start;
    }
    const std::string name = compact.substr(start, pos - start);
    if (!name.empty() && compact.find(name + "|" + name + "&", pos) != std::string::npos) {
      return true;
    }
    pos += 3;
  }
  return false;
}

constexpr FlagSpec kShellSpec = FlagSpec()
                                    .with_style(ArgStyle::kStopAtOperand)
                                    .with_short_with_value("oO")
                                    .with_plus_flags(true);

void score_shell(const ScoreInput& in, Findings& out) {
  const ParsedArgs args = parse_args(in.args, kShellSpec);
  if (!args.has_short('c') || args.operands.empty()) return;
  const std::string_view script = args.operands.front();
  const Scan scan = ScriptScanner(in).run(script);
  const std::string shell(in.name);
  if (scan.download_exec) {
    add_finding(out, 85, C::kPrivilege, C::kExfiltration, false,
                shell + " -c downloads code and runs it with " + std::string(scan.runner) +
                    " unseen: nothing reviewed what it does");
  }
  if (!scan.device.empty()) {
    add_finding(out, 95, C::kIrreversible, C::kAvailability, false,
                shell + " -c redirects output onto the device " + scan.device +
                    ", overwriting its filesystems");
  }
  if (has_fork_bomb(script)) {
    add_finding(out, 75, C::kAvailability, true,
                shell + " -c defines a fork bomb that exhausts the process table");
  }
}

}  // namespace

Scorer shell_scorer(std::string_view name) {
  if (name == "sh" || name == "bash" || name == "dash" || name == "zsh" || name == "ksh" ||
      name == "mksh" || name == "ash" || name == "fish" || name == "rbash") {
    return score_shell;
  }
  return nullptr;
}

}  // namespace cordon::gate
