// One message from cordon to its audit writer, read into its fields: what the writer decodes
// each event from (event_wire.h).
//
// The bytes are parsed by nlohmann's MessagePack reader through its SAX interface, which hands
// over each value as it is read; no JSON tree is built (building one, then copying every string
// out of it, was most of the writer's cost per event). A message is a map whose values are
// text, numbers, booleans, null, lists of text, or lists of maps of such scalars (a session's
// walls): nothing deeper is accepted, so no payload can make the reader recurse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.h"

namespace cordon::audit {

class WireFields {
 public:
  // The payload's fields; an error if it is not one well-formed message of the shape above.
  static Result<WireFields> read(std::string_view payload);

  // Whether the message has `key`, with a value other than null.
  bool has(std::string_view key) const;

  // Each accessor takes the field out (a field is read once) and returns the fallback when it
  // is absent. A field of another type records an error (error()) and returns the fallback.
  std::string text(std::string_view key);
  std::vector<std::string> list(std::string_view key);
  bool flag(std::string_view key, bool fallback);
  // A number of type T; one outside T's range is an error, never narrowed.
  template <class T>
  T number(std::string_view key, T fallback) {
    return optional_number<T>(key).value_or(fallback);
  }
  // nullopt when absent or null.
  template <class T>
  std::optional<T> optional_number(std::string_view key);
  // A list of maps of scalars.
  std::vector<WireFields> records(std::string_view key);

  // The first field that had the wrong type.
  const std::optional<Error>& error() const { return error_; }
  // A field read with the right type whose value the caller cannot take (a code this build
  // does not know): recorded in error() as a field of the wrong type is.
  void refuse(std::string_view key, const char* wanted) { mistyped(key, wanted); }
  // Takes on the error of one of records()' maps, if this has none yet.
  void adopt_error(const WireFields& part) {
    if (!error_) error_ = part.error_;
  }

 private:
  friend class WireFieldsReader;
  // Below zero, or not: MessagePack's two kinds of integer.
  using Number = std::variant<int64_t, uint64_t>;
  struct Value {
    enum class Kind { kNull, kFlag, kNumber, kText, kList, kRecords } kind = Kind::kNull;
    bool flag = false;
    Number number;
    std::string text;
    std::vector<std::string> list;
    // A list of maps: records_[first_record, first_record + record_count).
    size_t first_record = 0;
    size_t record_count = 0;
  };
  using Kind = Value::Kind;

  Value* find(std::string_view key, Value::Kind kind);
  std::optional<Number> find_number(std::string_view key);
  void mistyped(std::string_view key, const char* wanted);

  std::vector<std::pair<std::string, Value>> fields_;
  // The maps of every list of maps, in order (a Value cannot hold them: it would hold its own
  // type).
  std::vector<WireFields> records_;
  std::optional<Error> error_;
};

template <class T>
std::optional<T> WireFields::optional_number(std::string_view key) {
  static_assert(std::is_integral_v<T>);
  const std::optional<Number> n = find_number(key);
  if (!n) return std::nullopt;
  const bool fits = std::visit([](auto value) { return std::in_range<T>(value); }, *n);
  if (fits) return std::visit([](auto value) { return static_cast<T>(value); }, *n);
  mistyped(key, "a number in range");
  return std::nullopt;
}

}  // namespace cordon::audit
