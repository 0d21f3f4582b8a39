// The request head cordon sends to an origin: origin-form, its own Host, no hop-by-hop headers.
#include <algorithm>
#include <cstdlib>

#include "net/http_message.h"
#include "net/http_syntax.h"

namespace cordon::net {

namespace {

using http_syntax::iequals;

bool is_hop_by_hop(std::string_view name) {
  for (std::string_view hop : {"Connection", "Keep-Alive", "Proxy-Connection",
                               "Proxy-Authorization", "TE", "Trailer", "Upgrade", "Host"}) {
    if (iequals(name, hop)) return true;
  }
  return false;
}

// The request is relayed with the client's own framing, so a Connection header naming
// Content-Length or Transfer-Encoding must not strip them (that would desynchronise the
// origin from the proxy: request smuggling).
bool is_framing(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding");
}

}  // namespace

std::string upstream_request_head(const RequestHead& head, bool keep_alive) {
  if (head.connect) std::abort();  // programmer bug: a CONNECT is tunnelled, not rewritten
  // The client's version is kept: the response is relayed unchanged, so an HTTP/1.0 client
  // must not receive a chunked body it cannot read.
  std::string out = head.method + " " + head.origin_form + " HTTP/1." +
                    std::to_string(head.minor_version) + "\r\n";
  std::string ignored;
  const auto hp = http_syntax::split_host_port(head.authority, &ignored);
  if (!hp) std::abort();  // programmer bug: the head did not come from parse_request_head
  out += "Host: ";
  out += hp->host;
  if (hp->port && *hp->port != head.default_port) out += ":" + std::to_string(*hp->port);
  out += "\r\n";
  std::vector<std::string> named;
  if (!http_syntax::connection_tokens(head.headers, &named, &ignored)) std::abort();
  for (const auto& [name, value] : head.headers) {
    if (is_hop_by_hop(name)) continue;
    if (!is_framing(name) &&
        std::find(named.begin(), named.end(), http_syntax::to_lower(name)) != named.end()) {
      continue;
    }
    out.append(name).append(": ").append(value).append("\r\n");
  }
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return out;
}

}  // namespace cordon::net
