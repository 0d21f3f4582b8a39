// The proxy's own HTTP answers: refusals (403), bad requests (400) and gateway errors (5xx).
#include <cstdlib>

#include "net/http_message.h"

namespace cordon::net {

namespace {

// Header values carry text from rules and reasons the proxy did not write (a host from the
// request, a rule from a policy file). CR or LF there would let that text add headers or end
// the head early, so every control byte and every non-ASCII byte becomes '?'.
std::string header_safe(std::string_view text, size_t max_size) {
  std::string out;
  for (unsigned char c : text.substr(0, max_size)) {
    out += (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c);
  }
  return out;
}

// The body is read by the agent and often printed to a terminal: no control bytes there
// either (escape sequences), but UTF-8 in a reason written by the user is kept.
std::string body_safe(std::string_view text) {
  std::string out;
  for (unsigned char c : text) out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  return out;
}

std::string reply(int status, std::string_view phrase, std::string_view extra_headers,
                  std::string_view body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " ";
  out += phrase;
  out += "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\nConnection: close\r\n";
  out += extra_headers;
  out += "\r\n";
  out += body;
  return out;
}

}  // namespace

std::string denied_response(std::string_view host, uint16_t port, std::string_view rule,
                            std::string_view reason) {
  const std::string_view why = rule.empty() ? reason : rule;
  std::string value = header_safe(why, 256);
  if (value.empty()) value = "denied";
  const std::string header = "X-Cordon-Denied: " + value + "\r\n";
  std::string body = "cordon: connection to " + body_safe(host) + " port " + std::to_string(port) +
                     " denied by the sandbox's network policy\n";
  if (!rule.empty()) body += "rule: " + body_safe(rule) + "\n";
  if (!reason.empty()) body += "reason: " + body_safe(reason) + "\n";
  return reply(403, "Forbidden", header, body);
}

std::string bad_request_response(std::string_view reason) {
  return reply(400, "Bad Request", "", "cordon: bad request: " + body_safe(reason) + "\n");
}

std::string gateway_error_response(int status, std::string_view reason) {
  std::string_view phrase;
  switch (status) {
    case 502:
      phrase = "Bad Gateway";
      break;
    case 503:
      phrase = "Service Unavailable";
      break;
    case 504:
      phrase = "Gateway Timeout";
      break;
    default:
      std::abort();  // programmer bug: only upstream failures come here
  }
  return reply(status, phrase, "", "cordon: " + body_safe(reason) + "\n");
}

}  // namespace cordon::net
