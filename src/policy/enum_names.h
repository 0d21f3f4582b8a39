// The spelling of every policy enum in config files, shared by parsing, rendering and errors.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "policy/policy.h"

namespace cordon::policy {

template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

// One table per enum, in declaration order (defined in policy.cpp).
template <class E>
std::span<const EnumName<E>> enum_names();

template <class E>
std::optional<E> enum_from_string(std::string_view text) {
  for (const auto& entry : enum_names<E>()) {
    if (entry.name == text) return entry.value;
  }
  return std::nullopt;
}

// "low, medium, high" — for hints that list the accepted values.
template <class E>
std::string enum_choices() {
  std::string out;
  for (const auto& entry : enum_names<E>()) {
    if (!out.empty()) out += ", ";
    out += entry.name;
  }
  return out;
}

}  // namespace cordon::policy
