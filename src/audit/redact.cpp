// Redactor: hides known secret values and token-shaped strings with one hand-written scan.
#include "audit/redact.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdlib>
#include <iterator>
#include <utility>

namespace cordon::audit {
namespace {

// A found secret: text[begin, end) becomes "[redacted:<what>]". Whatever a matcher read before
// `begin` (a key, "Bearer ", "user:") stays as it is.
struct Match {
  size_t begin = 0;
  size_t end = 0;
  std::string_view what;
  bool found() const { return end > begin; }
};

constexpr std::string_view kMarkerOpen = "[redacted:";
// Every <what> a marker can name. Only these are markers: text the box shapes like one
// ("[redacted:<a secret of lowercase letters and digits>]") is scanned like any other text, so
// the secret inside it is found.
constexpr std::string_view kMarkerKinds[] = {
    "env", "github-token", "gitlab-token", "slack-token", "api-key",    "aws-access-key",
    "jwt", "bearer",       "basic-auth",   "private-key", "assignment", "url-password"};

bool is_marker_kind(std::string_view what) {
  return std::find(std::begin(kMarkerKinds), std::end(kMarkerKinds), what) !=
         std::end(kMarkerKinds);
}

// "aws-access-key": a marker's ']' is never further than this past "[redacted:".
constexpr size_t kLongestMarkerKind =
    std::max_element(std::begin(kMarkerKinds), std::end(kMarkerKinds),
                     [](std::string_view a, std::string_view b) { return a.size() < b.size(); })
        ->size();
// Long enough for "AWS_SECRET_ACCESS_KEY"-style names; bounds the look-back before '=' and ':'.
constexpr size_t kMaxKeyLength = 128;

// ASCII classes only: a byte of a UTF-8 sequence (>= 0x80) belongs to none of them, so
// non-ASCII text never starts, continues or ends a shape.
struct Ascii {
  static bool lower(char c) { return c >= 'a' && c <= 'z'; }
  static bool upper(char c) { return c >= 'A' && c <= 'Z'; }
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  static bool alpha(char c) { return lower(c) || upper(c); }
  static bool alnum(char c) { return alpha(c) || digit(c); }
  static bool word(char c) { return alnum(c) || c == '_'; }
  static bool b64url(char c) { return word(c) || c == '-'; }
  static bool b64(char c) { return alnum(c) || c == '+' || c == '/'; }
  static bool alnum_dash(char c) { return alnum(c) || c == '-'; }
  static bool upper_digit(char c) { return upper(c) || digit(c); }
  static bool key_char(char c) { return b64url(c) || c == '.'; }
  static bool scheme_char(char c) { return alnum(c) || c == '+' || c == '.' || c == '-'; }
  static bool blank(char c) { return c == ' ' || c == '\t'; }
  static bool space(char c) { return blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
  static bool quote(char c) { return c == '"' || c == '\''; }
  static char to_lower(char c) { return upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
};

bool has_prefix(std::string_view text, size_t pos, std::string_view prefix) {
  return pos <= text.size() && text.size() - pos >= prefix.size() &&
         text.compare(pos, prefix.size(), prefix) == 0;
}

// `prefix` is lower case.
bool has_prefix_ci(std::string_view text, size_t pos, std::string_view prefix) {
  if (pos > text.size() || text.size() - pos < prefix.size()) return false;
  for (size_t k = 0; k < prefix.size(); ++k) {
    if (Ascii::to_lower(text[pos + k]) != prefix[k]) return false;
  }
  return true;
}

template <typename Pred>
size_t run_end(std::string_view text, size_t pos, Pred pred) {
  while (pos < text.size() && pred(text[pos])) ++pos;
  return pos;
}

// Vendor tokens recognised by a fixed prefix and a run of allowed characters.
struct PrefixedToken {
  std::string_view prefix;
  bool (*allowed)(char);
  size_t min_length;  // of the run after the prefix
  std::string_view what;
};
constexpr std::array<PrefixedToken, 12> kPrefixedTokens = {{
    {"ghp_", Ascii::word, 20, "github-token"},
    {"gho_", Ascii::word, 20, "github-token"},
    {"ghu_", Ascii::word, 20, "github-token"},
    {"ghs_", Ascii::word, 20, "github-token"},
    {"ghr_", Ascii::word, 20, "github-token"},
    {"github_pat_", Ascii::word, 20, "github-token"},
    {"glpat-", Ascii::b64url, 20, "gitlab-token"},
    {"xoxa-", Ascii::alnum_dash, 10, "slack-token"},
    {"xoxb-", Ascii::alnum_dash, 10, "slack-token"},
    {"xoxp-", Ascii::alnum_dash, 10, "slack-token"},
    {"xoxr-", Ascii::alnum_dash, 10, "slack-token"},
    {"xoxs-", Ascii::alnum_dash, 10, "slack-token"},
}};

// Bytes at which some shape can start (or, for ':', '=' and '-', be detected). Every other byte
// is skipped with one table look-up, which keeps plain text cheap.
constexpr std::array<bool, 256> kShapeTrigger = [] {
  std::array<bool, 256> table{};
  for (char c : std::string_view("gxAseBb-:=[")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

// Fragments of key and flag names whose value is a secret (compared in lower case). "auth" is
// handled apart, see looks_secret().
constexpr std::array<std::string_view, 12> kSecretKeyWords = {
    "password", "passwd",     "secret",     "token",       "api_key",     "apikey",
    "api-key",  "access_key", "access-key", "private_key", "private-key", "credential"};

bool looks_secret(std::string_view name) {
  std::array<char, kMaxKeyLength> buffer;
  const size_t n = std::min(name.size(), buffer.size());
  for (size_t k = 0; k < n; ++k) buffer[k] = Ascii::to_lower(name[k]);
  const std::string_view key(buffer.data(), n);
  for (std::string_view word : kSecretKeyWords) {
    if (key.find(word) != std::string_view::npos) return true;
  }
  // "auth" covers oauth, x-auth-token and authorization, but an author or an authority field
  // names a person or a host, and blanking those would make events useless.
  for (size_t p = key.find("auth"); p != std::string_view::npos; p = key.find("auth", p + 1)) {
    const std::string_view rest = key.substr(p + 4);
    if (!rest.starts_with("or") || rest.starts_with("oriz")) return true;
  }
  return false;
}

// One call of redact(): the text, the output built lazily, and where the last secret ended.
class Scanner {
 public:
  Scanner(std::string_view text, const std::vector<std::string>& literals)
      : text_(text), literals_(literals) {
    for (const std::string& literal : literals_) {
      literal_first_.set(static_cast<unsigned char>(literal.front()));
    }
  }

  std::string run();

 private:
  Match match_at(size_t pos, Match& later) const;
  static Match merge(Match match, Match ahead);
  size_t literal_at(size_t pos) const;
  size_t marker_at(size_t pos) const;
  bool token_may_start(size_t pos) const;
  Match shape_at(size_t pos) const;
  Match token_at(size_t pos) const;
  Match authorization_at(size_t pos) const;
  Match private_key_at(size_t pos) const;
  Match flag_at(size_t pos) const;
  Match url_password_at(size_t pos) const;
  Match assignment_at(size_t pos) const;
  Match value_at(size_t pos, std::string_view what) const;
  size_t auth_scheme_at(size_t pos) const;
  size_t cover_literals(size_t begin, size_t end) const;
  size_t token_run_end(size_t pos, bool (*allowed)(char)) const;
  // The byte at `pos`, or NUL past the end, which no matcher takes as part of a secret: every
  // read of the text goes through here, so a matcher that looks one byte too far reads a NUL
  // instead of past the buffer (the fuzzer's first finding was such a read).
  char at(size_t pos) const { return pos < text_.size() ? text_[pos] : '\0'; }
  size_t replace(Match match);
  void append_marker(std::string_view what);

  std::string_view text_;
  const std::vector<std::string>& literals_;
  std::bitset<256> literal_first_;
  std::string out_;
  bool changed_ = false;
  size_t copied_ = 0;    // text_[0, copied_) is accounted for in out_
  size_t last_end_ = 0;  // end of the last secret or marker; the output has ']' just before it
};

std::string Scanner::run() {
  // A secret found ahead of the scan: the password after "//user:", the value after "--token ".
  // The text before it is still scanned, so a token in the part a matcher keeps is not missed.
  Match ahead;
  size_t pos = 0;
  while (pos < text_.size()) {
    const bool at_ahead = ahead.found() && pos >= ahead.begin;
    const auto byte = static_cast<unsigned char>(at(pos));
    if (!at_ahead && !kShapeTrigger[byte] && !literal_first_[byte]) {
      ++pos;
      continue;
    }
    // An existing marker is copied as it is, so redacting twice changes nothing.
    if (const size_t n = marker_at(pos); n > 0 && !at_ahead) {
      pos += n;
      last_end_ = pos;
      continue;
    }
    Match later;
    Match match = match_at(pos, later);
    if (later.found() && (!ahead.found() || later.begin <= ahead.end)) {
      // "https://api_key=x:y@h": the URL password and the assignment value overlap.
      ahead = ahead.found() ? merge(later, ahead) : later;
      later = {};
    }
    if (ahead.found() && (at_ahead || match.end > ahead.begin)) {
      match = merge(match, ahead);
      // "password: --api-key KEY": the flag's value comes after the password's.
      ahead = later;
    }
    pos = match.found() ? std::max(pos, replace(match)) : pos + 1;
  }
  if (ahead.found()) replace(ahead);
  if (!changed_) return std::string(text_);
  out_.append(text_.substr(copied_));
  return std::move(out_);
}

// The secret starting at `pos`, if any. A shape found here whose secret starts further on (a
// value after its key) goes to `later` instead.
Match Scanner::match_at(size_t pos, Match& later) const {
  Match match = shape_at(pos);
  if (match.begin > pos) {
    later = match;
    match = {};
  }
  // A known value starting here wins over a shape that ends earlier.
  if (const size_t n = literal_at(pos); n > 0 && (!match.found() || match.end < pos + n)) {
    match = {pos, pos + n, "env"};
  }
  return match;
}

// One marker for two overlapping secrets. It is named after the one that starts first, or,
// when both start together, after the longer ("Basic eyJ..." is a JWT).
Match Scanner::merge(Match match, Match ahead) {
  if (!match.found()) return ahead;
  Match merged = {std::min(match.begin, ahead.begin), std::max(match.end, ahead.end), ahead.what};
  if (match.begin < ahead.begin || (match.begin == ahead.begin && match.end > ahead.end)) {
    merged.what = match.what;
  }
  return merged;
}

// Length of the longest literal secret at `pos`, 0 if none (literals_ is longest first).
size_t Scanner::literal_at(size_t pos) const {
  if (pos >= text_.size() || !literal_first_[static_cast<unsigned char>(at(pos))]) return 0;
  for (const std::string& literal : literals_) {
    if (has_prefix(text_, pos, literal)) return literal.size();
  }
  return 0;
}

// Length of a "[redacted:<what>]" marker at `pos`, 0 if none.
size_t Scanner::marker_at(size_t pos) const {
  if (!has_prefix(text_, pos, kMarkerOpen)) return 0;
  const size_t name = pos + kMarkerOpen.size();
  // Bounded: a box that writes "[redacted:" thousands of times without a ']' must not make each
  // one a scan to the end of the text.
  const size_t kind_size = text_.substr(name, kLongestMarkerKind + 1).find(']');
  if (kind_size == std::string_view::npos || !is_marker_kind(text_.substr(name, kind_size))) {
    return 0;
  }
  return kMarkerOpen.size() + kind_size + 1;
}

// Tokens do not start inside an identifier: "task-force-..." holds no "sk-" key. Right after a
// marker the output shows ']', so a token there counts as starting fresh, as it will when the
// output is redacted again.
bool Scanner::token_may_start(size_t pos) const {
  return pos == 0 || pos == last_end_ || !Ascii::word(at(pos - 1));
}

// The end of a token's run of `allowed` characters. The run also stops where a literal secret
// starts: the next pass sees a marker there, and both passes must agree on where a token ends
// (an AWS key id is exactly 16 characters long).
size_t Scanner::token_run_end(size_t pos, bool (*allowed)(char)) const {
  while (pos < text_.size() && allowed(at(pos)) && literal_at(pos) == 0) ++pos;
  return pos;
}

Match Scanner::shape_at(size_t pos) const {
  switch (at(pos)) {
    case 'g':
    case 'x':
    case 'A':
    case 's':
    case 'e':
      return token_at(pos);
    case 'B':
    case 'b':
      return authorization_at(pos);
    case '-': {
      const Match key = private_key_at(pos);
      return key.found() ? key : flag_at(pos);
    }
    case ':':
      return has_prefix(text_, pos, "://") ? url_password_at(pos) : assignment_at(pos);
    case '=':
      return assignment_at(pos);
    default:
      return {};
  }
}

Match Scanner::token_at(size_t pos) const {
  if (!token_may_start(pos)) return {};
  for (const PrefixedToken& token : kPrefixedTokens) {
    if (!has_prefix(text_, pos, token.prefix)) continue;
    const size_t body = pos + token.prefix.size();
    const size_t end = token_run_end(body, token.allowed);
    if (end - body >= token.min_length) return {pos, end, token.what};
  }
  if (has_prefix(text_, pos, "sk-")) {
    // "sk-ant-...", "sk-proj-..." and plain "sk-..." API keys.
    const size_t end = token_run_end(pos + 3, Ascii::b64url);
    if (end - (pos + 3) >= 20) return {pos, end, "api-key"};
  }
  if (has_prefix(text_, pos, "AKIA") || has_prefix(text_, pos, "ASIA")) {
    // AWS access key ids are exactly 20 characters; a longer run is something else.
    const size_t end = token_run_end(pos + 4, Ascii::upper_digit);
    if (end - (pos + 4) == 16) return {pos, end, "aws-access-key"};
  }
  if (has_prefix(text_, pos, "eyJ")) {
    // A JWT: base64url header ('{"' encodes as "eyJ"), payload and signature.
    size_t end = pos + 3;
    for (int part = 0; part < 3; ++part) {
      if (part > 0) {
        if (at(end) != '.') return {};
        ++end;
      }
      const size_t body = end;
      end = token_run_end(body, Ascii::b64url);
      if (end - body < 10) return {};
    }
    return {pos, end, "jwt"};
  }
  return {};
}

// Length of "bearer " / "basic " (any case, one or more blanks) at `pos`, 0 if none.
size_t Scanner::auth_scheme_at(size_t pos) const {
  size_t word = 0;
  if (has_prefix_ci(text_, pos, "bearer")) word = 6;
  if (has_prefix_ci(text_, pos, "basic")) word = 5;
  if (word == 0 || at(pos + word) != ' ') return 0;
  return run_end(text_, pos + word, Ascii::blank) - pos;
}

// "Bearer <token>" and "Basic <base64>": the scheme stays, the credential goes.
Match Scanner::authorization_at(size_t pos) const {
  if (!token_may_start(pos)) return {};
  const size_t scheme = auth_scheme_at(pos);
  if (scheme == 0) return {};
  const size_t begin = pos + scheme;
  // Credentials start with a letter or digit; "Bearer $TOKEN" or "Bearer --flag" is not one,
  // and "Bearer " ends some texts (curl -H "Authorization: Bearer $TOKEN", TOKEN unset).
  if (!Ascii::alnum(at(begin))) return {};
  if (has_prefix_ci(text_, pos, "bearer")) {
    const size_t end =
        run_end(text_, begin, [](char c) { return !Ascii::space(c) && !Ascii::quote(c); });
    // A credential holding a marker was handled by another rule; hiding it again would make a
    // second pass differ from the first.
    const std::string_view credential = text_.substr(begin, end - begin);
    if (credential.size() < 8 || credential.find(kMarkerOpen) != std::string_view::npos) return {};
    return {begin, end, "bearer"};
  }
  // "Basic" is also an English word: insist on real base64 ("basic understanding" is 13
  // letters, not a multiple of 4) ending the word. What follows must not be hidden next (a
  // literal secret, or the value of "Basic key=value"): a second pass would see a boundary.
  const size_t body = token_run_end(begin, Ascii::b64);
  size_t end = body;
  while (end - body < 2 && at(end) == '=' && literal_at(end) == 0) ++end;
  if (Ascii::b64(at(end)) || at(end) == '_' || at(end) == '=' || at(end) == '[' ||
      literal_at(end) > 0) {
    return {};
  }
  if (end - begin < 8 || (end - begin) % 4 != 0) return {};
  return {begin, end, "basic-auth"};
}

// A PEM private key block, header to footer. A block cut short (a truncated log line) is hidden
// to the end of the text rather than leaking its remaining lines.
Match Scanner::private_key_at(size_t pos) const {
  constexpr std::string_view kBegin = "-----BEGIN ";
  constexpr std::string_view kEnd = "-----END ";
  constexpr std::string_view kDashes = "-----";
  if (!has_prefix(text_, pos, kBegin)) return {};
  const size_t label_begin = pos + kBegin.size();
  const size_t label_end =
      run_end(text_, label_begin, [](char c) { return Ascii::upper_digit(c) || c == ' '; });
  const std::string_view label = text_.substr(label_begin, label_end - label_begin);
  // Covers "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY" and "PGP PRIVATE KEY BLOCK"; public keys
  // and certificates are not secret.
  if (label.size() > 64 || label.find("PRIVATE KEY") == std::string_view::npos ||
      !has_prefix(text_, label_end, kDashes)) {
    return {};
  }
  for (size_t footer = text_.find(kEnd, label_end); footer != std::string_view::npos;
       footer = text_.find(kEnd, footer + 1)) {
    const size_t footer_label = footer + kEnd.size();
    if (has_prefix(text_, footer_label, label) &&
        has_prefix(text_, footer_label + label.size(), kDashes)) {
      return {pos, footer_label + label.size() + kDashes.size(), "private-key"};
    }
  }
  return {pos, text_.size(), "private-key"};
}

// "--token VALUE": a secret-looking flag, one space, then an argument that is not a flag.
// ("--token=VALUE" is an assignment.)
Match Scanner::flag_at(size_t pos) const {
  if (pos > 0 && (pos == last_end_ || !Ascii::space(at(pos - 1)))) return {};
  const size_t name = at(pos + 1) == '-' ? pos + 2 : pos + 1;
  if (!Ascii::alpha(at(name))) return {};
  const size_t name_end = run_end(text_, name, Ascii::b64url);
  const size_t value = name_end + 1;
  if (value >= text_.size() || at(name_end) != ' ' || Ascii::space(at(value)) || at(value) == '-') {
    return {};
  }
  if (!looks_secret(text_.substr(name, name_end - name))) return {};
  return value_at(value, "assignment");
}

// "scheme://user:password@host": only the password goes.
Match Scanner::url_password_at(size_t pos) const {
  if (pos <= last_end_ || !Ascii::scheme_char(at(pos - 1))) return {};
  const size_t authority = pos + 3;
  // The user info ends before '[' too: an IPv6 host ("@[::1]") starts there, and so does a
  // marker left by an earlier pass, which then is not read as a password.
  const size_t authority_end = run_end(text_, authority, [](char c) {
    return !Ascii::space(c) && !Ascii::quote(c) && c != '/' && c != '?' && c != '#' && c != '<' &&
           c != '>' && c != '[';
  });
  // The last '@' ends the user info: an unescaped '@' in a password is common.
  const std::string_view host_part = text_.substr(authority, authority_end - authority);
  const size_t at = host_part.rfind('@');
  if (at == std::string_view::npos) return {};
  const size_t colon = host_part.substr(0, at).find(':');
  if (colon == std::string_view::npos || colon + 1 == at) return {};
  return {authority + colon + 1, authority + at, "url-password"};
}

// "key=value", "key: value", "\"key\": \"value\"" with a secret-looking key. Detected at the
// separator; the key is read backwards in the original text, so a key that was itself hidden
// ("[redacted:env]=value" on a second pass, where ']' ends the key) still counts the first time.
Match Scanner::assignment_at(size_t pos) const {
  const char separator = at(pos);
  const char next = at(pos + 1);
  if (next == separator) return {};  // "==" compares, "::" scopes
  size_t key_end = pos;
  while (key_end > 0 && Ascii::blank(at(key_end - 1))) --key_end;
  if (key_end > 0 && Ascii::quote(at(key_end - 1))) --key_end;
  size_t key = key_end;
  while (key > 0 && key_end - key < kMaxKeyLength && Ascii::key_char(at(key - 1))) --key;
  if (key == key_end || !looks_secret(text_.substr(key, key_end - key))) return {};
  const size_t value = run_end(text_, pos + 1, Ascii::blank);
  // "Authorization: Bearer ..." is left to authorization_at(), which keeps the scheme.
  if (auth_scheme_at(value) > 0) return {};
  return value_at(value, "assignment");
}

// The value starting at `pos`: a quoted string without its quotes, or a bare word.
Match Scanner::value_at(size_t pos, std::string_view what) const {
  if (pos >= text_.size()) return {};
  size_t begin = pos;
  size_t end = pos;
  const char quote = at(pos);
  if (Ascii::quote(quote)) {
    // An unterminated quote hides everything after it.
    begin = end = pos + 1;
    while (end < text_.size() && at(end) != quote) end += at(end) == '\\' ? 2 : 1;
    end = std::min(end, text_.size());
  } else {
    end = run_end(text_, pos, [](char c) {
      return !Ascii::space(c) && !Ascii::quote(c) && c != '&' && c != ',' && c != ';';
    });
  }
  if (end == begin || marker_at(begin) > 0) return {};
  return {begin, end, what};
}

// Extends `end` over any literal secret that starts inside [begin, end) and runs past it, so
// overlapping secrets never leave a tail in view.
size_t Scanner::cover_literals(size_t begin, size_t end) const {
  for (size_t pos = begin; pos < end; ++pos) {
    end = std::max(end, pos + literal_at(pos));
  }
  return end;
}

void Scanner::append_marker(std::string_view what) {
  if (!is_marker_kind(what)) std::abort();  // a new kind belongs in kMarkerKinds
  out_.append(kMarkerOpen);
  out_.append(what);
  out_.push_back(']');
}

// Emits the text up to `match` and its marker; returns where scanning resumes.
size_t Scanner::replace(Match match) {
  // Part of `match` may already be hidden by an overlapping secret.
  const size_t begin = std::max(match.begin, copied_);
  if (begin >= match.end) return copied_;
  if (!changed_) {
    out_.reserve(text_.size() + 32);
    changed_ = true;
  }
  out_.append(text_.substr(copied_, begin - copied_));
  append_marker(match.what);
  copied_ = last_end_ = cover_literals(begin, match.end);
  return copied_;
}

}  // namespace

Redactor::Redactor(std::vector<std::string> literal_secrets)
    : literals_(std::move(literal_secrets)) {
  std::erase_if(literals_, [](const std::string& s) { return s.size() < kMinLiteralLength; });
  std::sort(literals_.begin(), literals_.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  literals_.erase(std::unique(literals_.begin(), literals_.end()), literals_.end());
}

std::string Redactor::redact(std::string_view text) const {
  return Scanner(text, literals_).run();
}

}  // namespace cordon::audit
