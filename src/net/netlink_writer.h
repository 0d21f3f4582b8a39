// NetlinkWriter: appends hand-built netlink messages and attributes to a byte vector.
//
// Parent side only (it allocates). Usage: begin_message(), then attributes (nests opened and
// closed in LIFO order), then end_message() with the offset begin_message() returned; the
// lengths are patched in when a message or nest ends, so a message is complete only then.
#pragma once

#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace cordon::net {

class NetlinkWriter {
 public:
  // Appends an nlmsghdr followed by the protocol's fixed header (nfgenmsg, rtmsg, ...).
  size_t begin_message(uint16_t type, uint16_t flags, uint32_t seq, const void* fixed,
                       size_t fixed_size);
  void end_message(size_t start);

  void put(uint16_t type, const void* data, size_t size);
  void put_string(uint16_t type, const char* text);  // NUL included: NLA_STRING wants it
  void put_u32(uint16_t type, uint32_t value);       // host order (rtnetlink)
  void put_be32(uint16_t type, uint32_t value);      // network order (nf_tables' NLA_U32)

  // NLA_F_NESTED is set: the kernel's strict nested parsing accepts either, nft sets it.
  size_t begin_nested(uint16_t type);
  void end_nested(size_t start);

  std::vector<uint8_t> take() { return std::move(bytes_); }

 private:
  void align();
  void patch_length16(size_t at, size_t length);
  void patch_length32(size_t at, size_t length);

  std::vector<uint8_t> bytes_;
};

}  // namespace cordon::net
