// Client authentication for the standalone proxy (`cordon proxy --listen`): every client
// presents a token from ProxyOptions::client_tokens. Tokens are compared in constant time.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cordon::net {

using ClientTokens = std::map<std::string, std::string>;  // token -> client name

// The client's name for a Proxy-Authorization value ("Basic base64(name:token)" or
// "Bearer token"); nullopt when it is malformed or names no known token. For Basic, the name
// must be the token's own.
std::optional<std::string> authenticate_proxy_authorization(const ClientTokens& tokens,
                                                            std::string_view value);

// SOCKS5 (RFC 1929): username = the client's name, password = its token.
std::optional<std::string> authenticate_username_password(const ClientTokens& tokens,
                                                          std::string_view username,
                                                          std::string_view password);

// Equal bytes, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// RFC 4648 base64 (with padding); nullopt on any other byte.
std::optional<std::string> decode_base64(std::string_view text);

// The 407 an HTTP client gets without valid credentials (Connection: close).
std::string proxy_auth_required_response();

}  // namespace cordon::net
