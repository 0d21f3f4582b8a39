// Where a connection redirected by the box's nf_tables capture was headed: the kernel's
// SO_ORIGINAL_DST (IPv4) or IP6T_SO_ORIGINAL_DST (IPv6) on the accepted socket.
#pragma once

#include "base/result.h"
#include "base/unique_fd.h"
#include "net/socket_address.h"

namespace cordon::net {

// Fails (ENOENT) for a connection that was not redirected, e.g. one made to the transparent
// listener directly.
Result<Endpoint> socket_original_destination(const UniqueFd& client);

}  // namespace cordon::net
