// Token checks for the standalone proxy.
#include "net/client_auth.h"

#include <cstdint>

namespace cordon::net {
namespace {

// The name of the token equal to `presented`, looking at every token so the time taken does
// not say which one matched or how far.
const std::string* find_token(const ClientTokens& tokens, std::string_view presented) {
  const std::string* found = nullptr;
  for (const auto& [token, name] : tokens) {
    if (constant_time_equal(token, presented)) found = &name;
  }
  return found;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) {
  size_t n = a.size() > b.size() ? a.size() : b.size();
  uint8_t diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    uint8_t x = i < a.size() ? static_cast<uint8_t>(a[i]) : 0;
    uint8_t y = i < b.size() ? static_cast<uint8_t>(b[i]) : 0;
    diff |= static_cast<uint8_t>(x ^ y);
  }
  return diff == 0;
}

std::optional<std::string> decode_base64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[j] = value(c);
      if (v[j] < 0) return std::nullopt;
    }
    uint32_t bits = (static_cast<uint32_t>(v[0]) << 18) | (static_cast<uint32_t>(v[1]) << 12) |
                    (static_cast<uint32_t>(v[2]) << 6) | static_cast<uint32_t>(v[3]);
    out.push_back(static_cast<char>((bits >> 16) & 0xff));
    if (pad < 2) out.push_back(static_cast<char>((bits >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(bits & 0xff));
  }
  return out;
}

std::optional<std::string> authenticate_proxy_authorization(const ClientTokens& tokens,
                                                            std::string_view value) {
  value = trim(value);
  size_t space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view scheme = value.substr(0, space);
  std::string_view credentials = trim(value.substr(space + 1));
  if (iequals(scheme, "bearer")) {
    const std::string* name = find_token(tokens, credentials);
    if (name == nullptr) return std::nullopt;
    return *name;
  }
  if (iequals(scheme, "basic")) {
    auto decoded = decode_base64(credentials);
    if (!decoded) return std::nullopt;
    size_t colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    return authenticate_username_password(tokens, std::string_view(*decoded).substr(0, colon),
                                          std::string_view(*decoded).substr(colon + 1));
  }
  return std::nullopt;
}

std::optional<std::string> authenticate_username_password(const ClientTokens& tokens,
                                                          std::string_view username,
                                                          std::string_view password) {
  const std::string* name = find_token(tokens, password);
  if (name == nullptr || !constant_time_equal(*name, username)) return std::nullopt;
  return *name;
}

std::string proxy_auth_required_response() {
  static constexpr std::string_view kBody =
      "cordon: this proxy needs a client token (Proxy-Authorization: Basic base64(name:token) "
      "or Bearer token)\n";
  std::string response =
      "HTTP/1.1 407 Proxy Authentication Required\r\n"
      "Proxy-Authenticate: Basic realm=\"cordon\"\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(kBody.size()) +
      "\r\n"
      "Connection: close\r\n\r\n";
  response += kBody;
  return response;
}

}  // namespace cordon::net
