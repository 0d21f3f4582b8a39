// Parses request heads from the box's HTTP proxy clients (decided on the URI, never on Host).
#include "net/http_message.h"
#include "net/http_syntax.h"

namespace cordon::net {

namespace {

using http_syntax::iequals;
using http_syntax::split_host_port;

// Host header vs URI authority, compared the way the canonicaliser would see them for the
// cases that matter here (case, one trailing dot, an explicit default port). The proxy decides
// on the authority alone, so this only has to refuse requests whose two names disagree.
bool same_authority(std::string_view a, std::string_view b, uint16_t default_port) {
  std::string ignored;
  auto normal = [&](std::string_view text) -> std::optional<std::pair<std::string, uint16_t>> {
    auto hp = split_host_port(text, &ignored);
    if (!hp) return std::nullopt;
    std::string_view host = hp->host;
    if (host.size() > 1 && host.back() == '.') host.remove_suffix(1);
    return std::make_pair(http_syntax::to_lower(host), hp->port.value_or(default_port));
  };
  auto na = normal(a);
  auto nb = normal(b);
  return na && nb && *na == *nb;
}

struct TargetParse {
  bool ok = false;
  std::string error;
};

TargetParse parse_absolute_form(std::string_view target, RequestHead* head) {
  TargetParse result;
  const size_t sep = target.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    result.error = "request target is not an absolute http:// URI";
    return result;
  }
  const std::string_view scheme = target.substr(0, sep);
  if (iequals(scheme, "https")) {
    // Forwarding https:// would mean the proxy speaks TLS for the client; clients use CONNECT.
    result.error = "https:// in a request target (use CONNECT)";
    return result;
  }
  if (!iequals(scheme, "http")) {
    result.error = "unsupported scheme in request target";
    return result;
  }
  std::string_view rest = target.substr(sep + 3);
  const size_t end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos) {
    result.error = "userinfo in authority";
    return result;
  }
  if (!split_host_port(authority, &result.error)) return result;
  head->authority = std::string(authority);
  head->absolute_form = true;
  head->default_port = 80;
  std::string_view path = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (path.empty() || path[0] == '?') {
    head->origin_form = "/";
  }
  head->origin_form += path;
  result.ok = true;
  return result;
}

enum class Form { kProxy, kOrigin };

TargetParse parse_target(std::string_view target, RequestHead* head, Form form) {
  TargetParse result;
  for (unsigned char c : target) {
    if (c <= 0x20 || c >= 0x7f) {
      result.error = "control or non-ASCII byte in request target";
      return result;
    }
    if (c == '\\') {
      // Some URL parsers read '\' as '/', so "http://a.example\@b.example/" names two hosts.
      result.error = "backslash in request target";
      return result;
    }
    if (c == '#') {
      result.error = "fragment in request target";
      return result;
    }
  }
  if (head->method == "CONNECT" && form == Form::kOrigin) {
    // A CONNECT through a tunnel would chain to a proxy on the decided host and on to anywhere.
    result.error = "CONNECT inside a tunnel";
    return result;
  }
  if (head->method == "CONNECT") {
    head->connect = true;
    head->default_port = 443;
    auto hp = split_host_port(target, &result.error);
    if (!hp) return result;
    if (!hp->port) {
      result.error = "CONNECT target without a port";
      return result;
    }
    head->authority = std::string(target);
    result.ok = true;
    return result;
  }
  if (form == Form::kOrigin && ((target == "*" && head->method == "OPTIONS") || target[0] == '/')) {
    result.ok = true;
    return result;
  }
  if (target == "*") {
    result.error = "asterisk-form request target";
    return result;
  }
  if (target[0] == '/') {
    result.error = "origin-form request target (a proxy needs an absolute URI)";
    return result;
  }
  return parse_absolute_form(target, head);
}

bool parse_request_line(std::string_view line, RequestHead* head, std::string* error, Form form) {
  const size_t first = line.find(' ');
  const size_t last = line.rfind(' ');
  if (first == std::string_view::npos || first == last) {
    *error = "malformed request line";
    return false;
  }
  const std::string_view method = line.substr(0, first);
  const std::string_view target = line.substr(first + 1, last - first - 1);
  const std::string_view version = line.substr(last + 1);
  if (!http_syntax::is_token(method)) {
    *error = "method is not a token";
    return false;
  }
  const auto minor = http_syntax::parse_version(version);
  if (!minor) {
    *error = "unsupported HTTP version";
    return false;
  }
  if (target.empty()) {
    *error = "malformed request line";
    return false;
  }
  head->method = std::string(method);
  head->target = std::string(target);
  head->minor_version = *minor;
  TargetParse t = parse_target(target, head, form);
  if (!t.ok) *error = std::move(t.error);
  return t.ok;
}

bool check_host_header(RequestHead& head, std::string* error) {
  const std::string* host = nullptr;
  for (const auto& [name, value] : head.headers) {
    if (!iequals(name, "Host")) continue;
    if (host != nullptr) {
      *error = "duplicate Host header";
      return false;
    }
    host = &value;
  }
  // A missing Host is not ambiguous in a proxy request: the proxy decides on the authority and
  // writes the upstream Host itself. An origin-form request names its host only there.
  if (!head.absolute_form && !head.connect) {
    if (host == nullptr) {
      *error = "no Host header";
      return false;
    }
    head.authority = *host;
    if (!split_host_port(head.authority, error)) return false;
    return true;
  }
  if (host != nullptr && !same_authority(*host, head.authority, head.default_port)) {
    *error = "Host header differs from the request target";
    return false;
  }
  return true;
}

bool parse_fields(RequestHead* head, std::string* error) {
  if (!check_host_header(*head, error)) return false;
  http_syntax::Framing framing;
  if (!http_syntax::parse_framing(head->headers, head->minor_version, &framing, error)) {
    return false;
  }
  if (head->connect && (framing.chunked || framing.content_length.value_or(0) != 0)) {
    // After a CONNECT head every byte belongs to the tunnel (RFC 9110 section 9.3.6).
    *error = "CONNECT with a body";
    return false;
  }
  head->content_length = framing.content_length;
  head->chunked = framing.chunked;
  std::vector<std::string> tokens;
  if (!http_syntax::connection_tokens(head->headers, &tokens, error)) return false;
  head->keep_alive = http_syntax::keeps_alive(head->minor_version, tokens);
  return true;
}

}  // namespace

RequestParse parse_request_head(std::string_view buffer, size_t max_head) {
  return http_syntax::parse_head<RequestParse>(
      buffer, max_head, [](std::string_view start_line, RequestHead* head, std::string* error) {
        return parse_request_line(start_line, head, error, Form::kProxy) &&
               parse_fields(head, error);
      });
}

RequestParse parse_origin_request_head(std::string_view buffer, size_t max_head) {
  return http_syntax::parse_head<RequestParse>(
      buffer, max_head, [](std::string_view start_line, RequestHead* head, std::string* error) {
        return parse_request_line(start_line, head, error, Form::kOrigin) &&
               parse_fields(head, error);
      });
}

}  // namespace cordon::net
