// Redaction: no secret ever lands in an audit event. Every string an event carries passes
// through a Redactor before it is hashed and stored.
//
// Two kinds of secret are hidden:
//   - literal values the session knows are secret (the values of its credential-looking
//     environment variables and of the variables the policy passes or sets), wherever they
//     appear, even inside a longer string;
//   - anything shaped like a common token (GitHub, GitLab, Slack, cloud access keys, API keys
//     "sk-...", JWTs, PEM private keys, "Bearer ..." headers, passwords in URLs, and the value
//     of "password=...", "--token ...", "api_key: ..." and similar assignments).
// A hidden value becomes "[redacted:<what>]", so a reader still sees that something was there.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cordon::audit {

class Redactor {
 public:
  // Values shorter than this are not hidden as literals: "1" or "yes" would blank out half of
  // every event. Token shapes are matched regardless.
  static constexpr size_t kMinLiteralLength = 6;

  Redactor() = default;
  // `literal_secrets`: values to hide wherever they appear ("[redacted:env]").
  explicit Redactor(std::vector<std::string> literal_secrets);

  // `text` with every secret replaced. Pure; safe to call from several threads.
  std::string redact(std::string_view text) const;

 private:
  std::vector<std::string> literals_;  // longest first, so a longer secret wins over its prefix
};

}  // namespace cordon::audit
