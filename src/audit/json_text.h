// Writes a JSON value's text straight into a string: the body of each audit row (encode.cpp),
// without building a JSON tree first.
//
// The text is exactly what nlohmann's dump() prints for the same value (no spaces, UTF-8 kept,
// control characters escaped, invalid UTF-8 replaced by U+FFFD as its `replace` handler does),
// so rows written this way are byte for byte the rows the store always held; the tests compare
// against dump(). The writer puts an object's keys in the order it is given them: callers give
// them sorted, as dump() prints them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cordon::audit {

// Appends `bytes` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view bytes);

class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out) {}

  JsonText& begin_object();
  JsonText& end_object();
  JsonText& begin_array();
  JsonText& end_array();
  // An object's key; its value comes next.
  JsonText& key(std::string_view name);
  JsonText& text(std::string_view bytes);
  JsonText& texts(const std::vector<std::string>& items);  // an array of strings
  JsonText& number(int64_t value);
  JsonText& number(uint64_t value);
  JsonText& boolean(bool value);
  JsonText& null();

 private:
  void separate();
  JsonText& open(char bracket);
  JsonText& close(char bracket);
  // A number, true, false or null, as text.
  JsonText& literal(std::string_view text);

  std::string& out_;
  bool after_value_ = false;  // a value was written at this level: the next one needs a comma
};

}  // namespace cordon::audit
