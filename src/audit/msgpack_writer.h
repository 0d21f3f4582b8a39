// Writes MessagePack values straight into a string: the wire form of cordon's events to its
// audit writer (event_wire.h), without building a JSON value first.
//
// Why not nlohmann's to_msgpack: it encodes a json value, so each event would first become a
// tree of maps and strings (about 25 allocations for a network decision) only to be flattened
// again; that was most of the cost of an event on cordon's side, paid in the proxy's loop and
// in the gate's tracer before each program is released. The writer reads these bytes with
// nlohmann's own MessagePack parser (wire_fields.h), so the format is checked by the library.
// Every value takes its shortest form, the bytes nlohmann's to_msgpack gives the same value (a
// test holds this).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace cordon::audit {

class MsgpackWriter {
 public:
  explicit MsgpackWriter(std::string& out) : out_(out) {}

  // A map of `entries` key/value pairs follows: a key (text()) then its value, `entries` times.
  void map(uint32_t entries);
  // `items` values follow.
  void array(uint32_t items);
  // Bytes as they are: MessagePack's str carries any bytes, valid UTF-8 or not.
  void text(std::string_view bytes);
  void number(int64_t value);
  void number(uint64_t value);
  void boolean(bool value);
  void null();

  // A key and its value, for map entries.
  template <class T>
  void entry(std::string_view key, const T& value) {
    text(key);
    put(value);
  }

 private:
  void put(std::string_view value) { text(value); }
  void put(const std::string& value) { text(value); }
  void put(const char* value) { text(value); }
  void put(bool value) { boolean(value); }
  void put(int value) { number(static_cast<int64_t>(value)); }
  void put(int64_t value) { number(value); }
  void put(uint16_t value) { number(static_cast<uint64_t>(value)); }
  void put(uint64_t value) { number(value); }

  // A size (or a number) in its shortest form: the fixed form (`fixed` | size) below
  // `fixed_limit`, else the first of `wide` it fits in, a marker byte and `width` bytes.
  struct Wide {
    uint8_t marker;
    int width;
  };
  void header(uint64_t size, uint8_t fixed, uint64_t fixed_limit, std::initializer_list<Wide> wide) {
    if (size < fixed_limit) return byte(static_cast<uint8_t>(fixed | size));
    for (const Wide& form : wide) {
      if (form.width == 8 || size >> (form.width * 8) == 0) {
        byte(form.marker);
        return big_endian(size, form.width);
      }
    }
  }
  void byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void big_endian(uint64_t value, int bytes);

  std::string& out_;
};

}  // namespace cordon::audit
