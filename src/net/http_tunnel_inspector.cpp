// Request-by-request inspection of plain HTTP in a tunnel (see http_tunnel_inspector.h).
#include "net/http_tunnel_inspector.h"

#include <algorithm>
#include <vector>

#include "net/host.h"
#include "net/http_syntax.h"

namespace cordon::net {
namespace {

using http_syntax::iequals;

// Longest method looks_like_http waits on: longer than any registered method.
constexpr size_t kMaxMethod = 32;

bool contains_nocase(std::string_view text, std::string_view what) {
  if (text.size() < what.size()) return false;
  for (size_t i = 0; i + what.size() <= text.size(); ++i) {
    if (iequals(text.substr(i, what.size()), what)) return true;
  }
  return false;
}

// The lower-cased elements of every Upgrade header ("websocket", "h2c", "TLS/1.0").
std::vector<std::string> upgrade_protocols(const HeaderList& headers) {
  std::vector<std::string> out;
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "Upgrade")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = http_syntax::trim_ows(rest.substr(0, comma));
      if (!item.empty()) out.push_back(http_syntax::to_lower(item));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  return out;
}

}  // namespace

LooksLikeHttp looks_like_http(std::string_view bytes, size_t max_head) {
  if (bytes.empty()) return LooksLikeHttp::kWait;
  const unsigned char first = static_cast<unsigned char>(bytes.front());
  // Some servers skip empty lines or whitespace before a request line: treat them as HTTP (the
  // inspector refuses them) rather than as bytes the origin might read as a request.
  if (first == '\r' || first == '\n' || first == ' ' || first == '\t') return LooksLikeHttp::kYes;
  size_t i = 0;
  bool letters = true;  // a method as servers take one: letters and '-' ("GET", "M-SEARCH")
  while (i < bytes.size() && http_syntax::is_tchar(bytes[i])) {
    const char c = bytes[i];
    letters = letters && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c == '-' && i > 0));
    ++i;
  }
  // A lone token may pass (alone it makes no server do anything) only while short; a longer one
  // waits for what follows (a server takes a method of any length), up to a head's size: longer,
  // it is no request the proxy would pass either, and bulk data that happens to be a token
  // (100 KB of 'x') goes on as bytes.
  if (i == bytes.size()) {
    if (i <= kMaxMethod) return LooksLikeHttp::kToken;
    return i < max_head ? LooksLikeHttp::kWait : LooksLikeHttp::kNo;
  }
  if (bytes[i] != ' ' && bytes[i] != '\t') return LooksLikeHttp::kNo;
  // "METHOD SP /", "METHOD SP *" or a URI: a request, however the rest of the line looks (no
  // version, a control byte: lenient servers take those too; the parser refuses what is bad).
  const size_t target = bytes.find_first_not_of(" \t", i);
  if (target == std::string_view::npos) return LooksLikeHttp::kWait;
  if (letters && (bytes[target] == '/' || bytes[target] == '*')) return LooksLikeHttp::kYes;
  // Otherwise another protocol's text command ("EHLO x", an SSH banner) or a request with a URI:
  // the line up to its end or its first control byte tells them apart (up to it, so that a
  // verdict never changes as more bytes come). A control byte other than HTAB and CR (git's
  // "0032git-upload-pack /x\0host=...\0") is in no such request line.
  size_t eol = i;
  bool control = false;
  while (eol < bytes.size() && bytes[eol] != '\n' && !control) {
    const unsigned char c = static_cast<unsigned char>(bytes[eol]);
    control = (c < 0x20 && c != '\t' && c != '\r') || c == 0x7f;
    if (!control) ++eol;
  }
  const std::string_view line = bytes.substr(0, eol);
  if (letters && line.find("://") != std::string_view::npos) return LooksLikeHttp::kYes;
  if (control) return LooksLikeHttp::kNo;
  if (eol == bytes.size()) return LooksLikeHttp::kWait;
  return contains_nocase(line, "HTTP/") ? LooksLikeHttp::kYes : LooksLikeHttp::kNo;
}

HttpTunnelInspector::HttpTunnelInspector(SniPolicy policy, uint16_t port, size_t max_head)
    : policy_(std::move(policy)), port_(port), max_head_(max_head) {}

HttpTunnelInspector::Step HttpTunnelInspector::refuse(std::string reason) {
  refused_ = true;
  return Step{Step::Kind::kRefuse, 0, "plain HTTP in the tunnel: " + std::move(reason)};
}

HttpTunnelInspector::Step HttpTunnelInspector::client(std::string_view pending) {
  if (refused_) return Step{Step::Kind::kRefuse, 0, "refused already"};
  if (pending.empty()) return Step{};
  switch (state_) {
    case State::kUndecided:
      return undecided(pending);
    case State::kHead:
      return on_head(pending);
    case State::kLength: {
      size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, pending.size()));
      remaining_ -= n;
      if (remaining_ == 0) after_body();
      return Step{Step::Kind::kPass, n, ""};
    }
    case State::kChunked: {
      long n = chunks_.consume(pending);
      if (n < 0) return refuse("malformed chunked body");
      if (chunks_.done()) after_body();
      return Step{Step::Kind::kPass, static_cast<size_t>(n), ""};
    }
    case State::kAwaitUpgrade:
      return Step{};  // the origin's answer decides what these bytes are
    case State::kBytes:
      return Step{Step::Kind::kPass, pending.size(), ""};
  }
  return refuse("internal state");
}

HttpTunnelInspector::Step HttpTunnelInspector::undecided(std::string_view pending) {
  // The first line so far: the token already passed, then what waits. Bounded: a token is at
  // most kMaxMethod bytes, and the caller holds at most one head.
  const std::string line = token_ + std::string(pending);
  switch (looks_like_http(line, max_head_)) {
    case LooksLikeHttp::kToken:
      token_ = line;
      return Step{Step::Kind::kPass, pending.size(), ""};
    case LooksLikeHttp::kWait:
      return Step{};
    case LooksLikeHttp::kNo:
      not_http_ = true;
      state_ = State::kBytes;
      std::string().swap(token_);
      return Step{Step::Kind::kPass, pending.size(), ""};
    case LooksLikeHttp::kYes:
      break;
  }
  state_ = State::kHead;
  return on_head(pending);
}

HttpTunnelInspector::Step HttpTunnelInspector::on_head(std::string_view pending) {
  // The first head starts with the token that passed while undecided.
  std::string joined;
  if (!token_.empty()) {
    joined = token_ + std::string(pending);
    pending = joined;
  }
  const size_t already = token_.size();
  if (pending.starts_with("PRI * HTTP/2.0")) {
    return refuse("HTTP/2 with prior knowledge (h2c) would carry requests for any host");
  }
  RequestParse parse = parse_origin_request_head(pending, max_head_);
  if (parse.status == ParseStatus::kIncomplete) return Step{};
  if (parse.status == ParseStatus::kBad) return refuse(parse.error);
  const RequestHead& head = parse.head;
  std::string error;
  auto host_port = http_syntax::split_host_port(head.authority, &error);
  if (!host_port) return refuse(error);
  std::string_view host_text = host_port->host;
  const bool bracketed = host_text.size() > 1 && host_text.front() == '[';
  if (bracketed) host_text = host_text.substr(1, host_text.size() - 2);
  auto name = canonicalize_host(host_text, /*allow_bare_ipv6=*/bracketed);
  if (!name.ok()) return refuse("request host " + std::string(host_text) + " is malformed");
  const char* what = head.absolute_form ? "request URI host" : "Host";
  if (auto why = name_refusal(policy_, *name, what)) return refuse(*why);
  if (host_port->port && *host_port->port != port_) {
    return refuse(std::string(what) + " port " + std::to_string(*host_port->port) +
                  " differs from the tunnel's port " + std::to_string(port_));
  }
  std::vector<std::string> upgrades = upgrade_protocols(head.headers);
  bool websocket = false;
  for (const std::string& protocol : upgrades) {
    if (protocol == "h2c" || protocol.starts_with("h2c/")) {
      return refuse("Upgrade: h2c would carry HTTP/2 requests for any host");
    }
    if (protocol != "websocket") return refuse("Upgrade to " + protocol + " (only websocket)");
    websocket = true;
  }
  if (find_header(head.headers, "HTTP2-Settings")) return refuse("HTTP2-Settings (h2c)");
  if (websocket && requests_ != 0) {
    return refuse("a websocket Upgrade after the connection's first request");
  }
  // Servers disagree on whether a GET or HEAD has a body (some ignore its Content-Length):
  // one that reads none would take this body as the next request, which nobody inspected.
  const bool has_body = head.chunked || head.content_length.value_or(0) > 0;
  if (has_body && (head.method == "GET" || head.method == "HEAD")) {
    return refuse("a body on " + head.method +
                  " (a server that reads none would take it for the next request)");
  }
  ++requests_;
  if (websocket) upgrade_ = Upgrade::kRequested;
  if (head.chunked) {
    chunks_ = ChunkedBodyScanner();
    state_ = State::kChunked;
  } else if (head.content_length.value_or(0) > 0) {
    remaining_ = *head.content_length;
    state_ = State::kLength;
  } else {
    after_body();
  }
  std::string().swap(token_);
  return Step{Step::Kind::kPass, head.head_size - already, ""};
}

void HttpTunnelInspector::after_body() {
  switch (upgrade_) {
    case Upgrade::kRequested:
      state_ = State::kAwaitUpgrade;
      return;
    case Upgrade::kSwitched:
      state_ = State::kBytes;
      return;
    case Upgrade::kNone:
    case Upgrade::kDeclined:
      state_ = State::kHead;
      return;
  }
}

HttpTunnelInspector::Step HttpTunnelInspector::origin(std::string_view pending) {
  if (refused_) return Step{Step::Kind::kRefuse, 0, "refused already"};
  if (upgrade_ != Upgrade::kRequested) return Step{Step::Kind::kPass, pending.size(), ""};
  const http_syntax::HeadEnd end = http_syntax::find_head_end(pending, max_head_);
  if (end.status == ParseStatus::kIncomplete) return Step{};
  if (end.status == ParseStatus::kBad) return refuse("the origin's answer: " + end.error);
  // "HTTP/1.1 101 ...": the status is all that matters; the origin is the decided host.
  std::string_view line = pending.substr(0, pending.find("\r\n"));
  if (line.size() < 12 || !line.starts_with("HTTP/1.") || line[8] != ' ') {
    return refuse("the origin's answer to the upgrade is not an HTTP/1.x response");
  }
  std::string_view status = line.substr(9, 3);
  if (status == "101") {
    upgrade_ = Upgrade::kSwitched;
    if (state_ == State::kAwaitUpgrade) state_ = State::kBytes;
  } else if (status[0] != '1') {
    upgrade_ = Upgrade::kDeclined;  // a final answer: later requests are inspected as before
    if (state_ == State::kAwaitUpgrade) state_ = State::kHead;
  }
  // 1xx other than 101 (100 Continue, 103 Early Hints): the answer is still to come.
  return Step{Step::Kind::kPass, end.size, ""};
}

}  // namespace cordon::net
