// NetlinkWriter: byte layout of netlink messages and attributes (see netlink_writer.h).
#include "net/netlink_writer.h"

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

namespace cordon::net {

size_t NetlinkWriter::begin_message(uint16_t type, uint16_t flags, uint32_t seq, const void* fixed,
                                    size_t fixed_size) {
  align();
  size_t start = bytes_.size();
  nlmsghdr header{};
  header.nlmsg_type = type;
  header.nlmsg_flags = flags;
  header.nlmsg_seq = seq;
  // nlmsg_pid stays 0: the kernel fills in the sender's port id, and 0 addresses the kernel.
  bytes_.resize(start + NLMSG_HDRLEN);
  std::memcpy(bytes_.data() + start, &header, sizeof(header));
  if (fixed_size > 0) {
    const auto* p = static_cast<const uint8_t*>(fixed);
    bytes_.insert(bytes_.end(), p, p + fixed_size);
  }
  return start;
}

void NetlinkWriter::end_message(size_t start) {
  align();
  patch_length32(start + offsetof(nlmsghdr, nlmsg_len), bytes_.size() - start);
}

void NetlinkWriter::put(uint16_t type, const void* data, size_t size) {
  align();
  size_t start = bytes_.size();
  nlattr attr{};
  attr.nla_type = type;
  bytes_.resize(start + NLA_HDRLEN);
  std::memcpy(bytes_.data() + start, &attr, sizeof(attr));
  if (size > 0) {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
  }
  // nla_len counts the payload without its padding; the next attribute starts aligned.
  patch_length16(start + offsetof(nlattr, nla_len), NLA_HDRLEN + size);
  align();
}

void NetlinkWriter::put_string(uint16_t type, const char* text) {
  put(type, text, std::strlen(text) + 1);
}

void NetlinkWriter::put_u32(uint16_t type, uint32_t value) {
  put(type, &value, sizeof(value));
}

void NetlinkWriter::put_be32(uint16_t type, uint32_t value) {
  uint32_t be = htonl(value);
  put(type, &be, sizeof(be));
}

size_t NetlinkWriter::begin_nested(uint16_t type) {
  align();
  size_t start = bytes_.size();
  nlattr attr{};
  attr.nla_type = static_cast<uint16_t>(type | NLA_F_NESTED);
  bytes_.resize(start + NLA_HDRLEN);
  std::memcpy(bytes_.data() + start, &attr, sizeof(attr));
  return start;
}

void NetlinkWriter::end_nested(size_t start) {
  align();
  patch_length16(start + offsetof(nlattr, nla_len), bytes_.size() - start);
}

void NetlinkWriter::align() {
  bytes_.resize(NLMSG_ALIGN(bytes_.size()), 0);
}

void NetlinkWriter::patch_length16(size_t at, size_t length) {
  if (length > std::numeric_limits<uint16_t>::max()) std::abort();  // a bug: nests are small
  auto value = static_cast<uint16_t>(length);
  std::memcpy(bytes_.data() + at, &value, sizeof(value));
}

void NetlinkWriter::patch_length32(size_t at, size_t length) {
  if (length > std::numeric_limits<uint32_t>::max()) std::abort();
  auto value = static_cast<uint32_t>(length);
  std::memcpy(bytes_.data() + at, &value, sizeof(value));
}

}  // namespace cordon::net
