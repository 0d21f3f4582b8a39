// "Did you mean ...?" for misspelt keys in policy files.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace cordon::policy {

// The candidate closest to `word` by edit distance (transpositions count once), or "" when
// none is close enough to be a plausible typo.
std::string closest_match(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace cordon::policy
