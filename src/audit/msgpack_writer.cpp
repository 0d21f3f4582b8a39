// MessagePack's shortest forms (the format's spec: fixmap, fixarray, fixstr, fixint first).
#include "audit/msgpack_writer.h"

namespace cordon::audit {

void MsgpackWriter::big_endian(uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
    byte(static_cast<uint8_t>(value >> shift));
}

void MsgpackWriter::map(uint32_t entries) {
  header(entries, 0x80, 16, {{0xde, 2}, {0xdf, 4}});
}

void MsgpackWriter::array(uint32_t items) {
  header(items, 0x90, 16, {{0xdc, 2}, {0xdd, 4}});
}

void MsgpackWriter::text(std::string_view bytes) {
  // frames.h caps a frame far below 4 GiB.
  header(bytes.size(), 0xa0, 32, {{0xd9, 1}, {0xda, 2}, {0xdb, 4}});
  out_.append(bytes);
}

void MsgpackWriter::number(uint64_t value) {
  header(value, 0x00, 128, {{0xcc, 1}, {0xcd, 2}, {0xce, 4}, {0xcf, 8}});
}

void MsgpackWriter::number(int64_t value) {
  if (value >= 0) return number(static_cast<uint64_t>(value));
  const auto bits = static_cast<uint64_t>(value);
  if (value >= -32) {
    byte(static_cast<uint8_t>(bits));  // negative fixint: 111xxxxx
  } else if (value >= INT8_MIN) {
    byte(0xd0);
    big_endian(bits, 1);
  } else if (value >= INT16_MIN) {
    byte(0xd1);
    big_endian(bits, 2);
  } else if (value >= INT32_MIN) {
    byte(0xd2);
    big_endian(bits, 4);
  } else {
    byte(0xd3);
    big_endian(bits, 8);
  }
}

void MsgpackWriter::boolean(bool value) {
  byte(value ? 0xc3 : 0xc2);
}

void MsgpackWriter::null() {
  byte(0xc0);
}

}  // namespace cordon::audit
