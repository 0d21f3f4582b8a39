// The few HTTP responses the proxy writes itself beyond http_message.h's refusals: a timeout
// (408), the connection cap (503), the answer to an allowed CONNECT.
#pragma once

#include <string>
#include <string_view>

namespace cordon::net {

// "HTTP/1.1 <status> <phrase>" with a text body and Connection: close.
std::string simple_http_response(int status, std::string_view phrase, std::string_view body);

// "HTTP/1.1 200 Connection established", no body: the tunnel starts after it.
std::string connect_established_response();

}  // namespace cordon::net
