// The ports of cordon's own listeners inside a box (on 127.0.0.1, and ::1 where IPv6 exists):
// the box's side of the egress wall opens them (box/egress.cpp), `cordon verify` attacks through
// them, and the policy refuses a forward or a `loopback_ports` entry on a TCP one
// (policy/consistency.cpp).
#pragma once

#include <cstdint>

namespace cordon::net {

constexpr uint16_t kBoxHttpProxyPort = 3128;
constexpr uint16_t kBoxSocksPort = 1080;
constexpr uint16_t kBoxTransparentPort = 3129;
constexpr uint16_t kBoxDnsPort = 53;  // the DNS stub (UDP)

}  // namespace cordon::net
