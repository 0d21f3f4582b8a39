// MessagePack's shortest forms (the format's spec: fixmap, fixarray, fixstr, fixint first).
#include "audit/msgpack_writer.h"

namespace cordon::audit {

void MsgpackWriter::big_endian(uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
    byte(static_cast<uint8_t>(value >> shift));
}

void MsgpackWriter::map(uint32_t entries) {
  if (entries < 16) {
    byte(static_cast<uint8_t>(0x80 | entries));
  } else if (entries <= 0xffff) {
    byte(0xde);
    big_endian(entries, 2);
  } else {
    byte(0xdf);
    big_endian(entries, 4);
  }
}

void MsgpackWriter::array(uint32_t items) {
  if (items < 16) {
    byte(static_cast<uint8_t>(0x90 | items));
  } else if (items <= 0xffff) {
    byte(0xdc);
    big_endian(items, 2);
  } else {
    byte(0xdd);
    big_endian(items, 4);
  }
}

void MsgpackWriter::text(std::string_view bytes) {
  const uint64_t size = bytes.size();
  if (size < 32) {
    byte(static_cast<uint8_t>(0xa0 | size));
  } else if (size <= 0xff) {
    byte(0xd9);
    big_endian(size, 1);
  } else if (size <= 0xffff) {
    byte(0xda);
    big_endian(size, 2);
  } else {
    byte(0xdb);  // frames.h caps a frame far below 4 GiB
    big_endian(size, 4);
  }
  out_.append(bytes);
}

void MsgpackWriter::number(uint64_t value) {
  if (value < 128) {
    byte(static_cast<uint8_t>(value));
  } else if (value <= 0xff) {
    byte(0xcc);
    big_endian(value, 1);
  } else if (value <= 0xffff) {
    byte(0xcd);
    big_endian(value, 2);
  } else if (value <= 0xffffffff) {
    byte(0xce);
    big_endian(value, 4);
  } else {
    byte(0xcf);
    big_endian(value, 8);
  }
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
