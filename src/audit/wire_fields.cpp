// Reading a message's fields through nlohmann's SAX interface.
#include "audit/wire_fields.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace cordon::audit {

// Receives the parser's values in order and files them: the top-level map's entries, and the
// elements of a list that is one of its values.
class WireFieldsReader {
 public:
  using json = nlohmann::json;
  using Kind = WireFields::Kind;
  explicit WireFieldsReader(WireFields& top) : top_(top) {}

  bool null() { return slot() != nullptr || refuse("a value outside a map"); }
  bool boolean(bool value) {
    WireFields::Value* v = slot();
    if (!v) return refuse("a value outside a map");
    v->kind = Kind::kFlag;
    v->flag = value;
    return true;
  }
  bool number_integer(json::number_integer_t value) { return number(value); }
  bool number_unsigned(json::number_unsigned_t value) { return number(value); }
  bool number_float(json::number_float_t, const json::string_t&) { return refuse("a float"); }
  bool binary(json::binary_t&) { return refuse("binary data"); }
  bool string(json::string_t& value) {
    if (where_ == Where::kList) {
      WireFields::Value& list = current();
      if (list.kind != Kind::kList) return refuse("a list of text and maps");
      list.list.push_back(std::move(value));
      return true;
    }
    WireFields::Value* v = slot();
    if (!v) return refuse("a value outside a map");
    v->kind = Kind::kText;
    v->text = std::move(value);
    return true;
  }

  bool start_object(std::size_t entries) {
    if (where_ == Where::kBefore) {
      where_ = Where::kTop;
      top_.fields_.reserve(std::min<std::size_t>(entries, kMaxReserve));
      return true;
    }
    if (where_ != Where::kList) return refuse("a map inside a map");
    WireFields::Value& list = current();
    if (list.kind == Kind::kList && !list.list.empty()) return refuse("a list of text and maps");
    if (list.kind == Kind::kList) {
      list.kind = Kind::kRecords;
      list.first_record = top_.records_.size();
    }
    list.record_count += 1;
    top_.records_.emplace_back().fields_.reserve(std::min<std::size_t>(entries, kMaxReserve));
    where_ = Where::kRecord;
    return true;
  }
  bool key(json::string_t& name) {
    WireFields& map = where_ == Where::kRecord ? top_.records_.back() : top_;
    for (const auto& field : map.fields_) {
      if (field.first == name) return refuse("a field given twice");
    }
    map.fields_.emplace_back(std::move(name), WireFields::Value{});
    return true;
  }
  bool end_object() {
    where_ = where_ == Where::kRecord ? Where::kList : Where::kAfter;
    return true;
  }
  bool start_array(std::size_t) {
    if (where_ != Where::kTop) return refuse("a list outside the message's map");
    current().kind = Kind::kList;
    where_ = Where::kList;
    return true;
  }
  bool end_array() {
    where_ = Where::kTop;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception& e) {
    if (problem_.empty()) problem_ = e.what();
    return false;
  }

  const std::string& problem() const { return problem_; }

 private:
  // A count from the payload reserves at most this many fields up front.
  static constexpr std::size_t kMaxReserve = 32;
  enum class Where { kBefore, kTop, kList, kRecord, kAfter };

  // The value of the top-level field being read.
  WireFields::Value& current() { return top_.fields_.back().second; }

  // The value a scalar read now fills in: the last key's, in the message's map or in a map of
  // a list; none elsewhere.
  WireFields::Value* slot() {
    if (where_ == Where::kTop) return &current();
    if (where_ == Where::kRecord) return &top_.records_.back().fields_.back().second;
    return nullptr;
  }
  bool number(WireFields::Number n) {
    WireFields::Value* v = slot();
    if (!v) return refuse("a value outside a map");
    v->kind = Kind::kNumber;
    v->number = n;
    return true;
  }
  bool refuse(const char* what) {
    if (problem_.empty()) problem_ = std::string("unexpected ") + what;
    return false;
  }

  WireFields& top_;
  Where where_ = Where::kBefore;
  std::string problem_;
};

Result<WireFields> WireFields::read(std::string_view payload) {
  WireFields fields;
  WireFieldsReader reader(fields);
  // strict: the payload is one message and nothing after it.
  if (!nlohmann::json::sax_parse(payload.begin(), payload.end(), &reader,
                                 nlohmann::json::input_format_t::msgpack, /*strict=*/true)) {
    return Error(Errc::kInvalidInput,
                 "malformed audit message: " +
                     (reader.problem().empty() ? std::string("not a map") : reader.problem()));
  }
  return fields;
}

WireFields::Value* WireFields::find(std::string_view key, Value::Kind kind) {
  for (auto& [name, value] : fields_) {
    if (name != key) continue;
    if (value.kind == Kind::kNull) return nullptr;
    if (value.kind == kind) return &value;
    // An empty list is a list of either kind.
    if (value.kind == Kind::kList && kind == Kind::kRecords && value.list.empty()) return nullptr;
    mistyped(key, kind == Kind::kText      ? "text"
                  : kind == Kind::kList    ? "a list of text"
                  : kind == Kind::kRecords ? "a list of maps"
                  : kind == Kind::kFlag    ? "true or false"
                                           : "a number");
    return nullptr;
  }
  return nullptr;
}

bool WireFields::has(std::string_view key) const {
  return std::any_of(fields_.begin(), fields_.end(), [&](const auto& field) {
    return field.first == key && field.second.kind != Kind::kNull;
  });
}

void WireFields::mistyped(std::string_view key, const char* wanted) {
  if (!error_) {
    error_ = Error(Errc::kInvalidInput,
                   "malformed audit message: field " + std::string(key) + " is not " + wanted);
  }
}

std::string WireFields::text(std::string_view key) {
  Value* v = find(key, Kind::kText);
  return v ? std::move(v->text) : std::string();
}

std::vector<std::string> WireFields::list(std::string_view key) {
  Value* v = find(key, Kind::kList);
  return v ? std::move(v->list) : std::vector<std::string>();
}

bool WireFields::flag(std::string_view key, bool fallback) {
  Value* v = find(key, Kind::kFlag);
  return v ? v->flag : fallback;
}

std::vector<WireFields> WireFields::records(std::string_view key) {
  std::vector<WireFields> out;
  if (Value* v = find(key, Kind::kRecords)) {
    const auto first = records_.begin() + static_cast<std::ptrdiff_t>(v->first_record);
    out.assign(std::make_move_iterator(first),
               std::make_move_iterator(first + static_cast<std::ptrdiff_t>(v->record_count)));
    v->kind = Kind::kNull;  // taken
  }
  return out;
}

std::optional<WireFields::Number> WireFields::find_number(std::string_view key) {
  Value* v = find(key, Kind::kNumber);
  if (!v) return std::nullopt;
  return v->number;
}

}  // namespace cordon::audit
