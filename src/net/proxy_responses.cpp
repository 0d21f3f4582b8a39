// Plain-text HTTP responses written by the proxy itself.
#include "net/proxy_responses.h"

namespace cordon::net {

std::string simple_http_response(int status, std::string_view phrase, std::string_view body) {
  std::string response = "HTTP/1.1 " + std::to_string(status) + " " + std::string(phrase) +
                         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  response += body;
  return response;
}

std::string connect_established_response() {
  return "HTTP/1.1 200 Connection established\r\n\r\n";
}

}  // namespace cordon::net
