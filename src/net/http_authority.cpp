// The authority syntax of http:// URIs and CONNECT targets ("host[:port]"), syntax only.
#include "net/http_syntax.h"

namespace cordon::net::http_syntax {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// 1..65535 in plain decimal. Leading zeros are refused so that "host:080" and "host:80" cannot
// be two spellings a later comparison has to reconcile.
std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5 || text[0] == '0') return std::nullopt;
  uint32_t port = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

}  // namespace

std::optional<HostPort> split_host_port(std::string_view authority, std::string* error) {
  HostPort out;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) {
      *error = "invalid IPv6 literal in authority";
      return std::nullopt;
    }
    for (char c : authority.substr(1, close - 1)) {
      if (!is_hex(c) && c != ':' && c != '.') {
        *error = c == '%' ? "zone id in IPv6 literal" : "invalid IPv6 literal in authority";
        return std::nullopt;
      }
    }
    out.host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') {
        *error = "invalid authority";
        return std::nullopt;
      }
      has_port = true;
      port_text = rest.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (out.host.empty()) {
      *error = "empty host in authority";
      return std::nullopt;
    }
    for (char c : out.host) {
      if (c == '@') {
        *error = "userinfo in authority";
        return std::nullopt;
      }
      if (c == '%') {
        *error = "percent-encoding in host";
        return std::nullopt;
      }
      if (!is_alnum(c) && c != '-' && c != '.' && c != '_') {
        *error = "invalid character in host";
        return std::nullopt;
      }
    }
  }
  if (has_port) {
    if (port_text.find('@') != std::string_view::npos) {
      *error = "userinfo in authority";
      return std::nullopt;
    }
    out.port = parse_port(port_text);
    if (!out.port) {
      *error = "invalid port in authority";
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace cordon::net::http_syntax
