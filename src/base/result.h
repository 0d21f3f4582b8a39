// Result<T>: the error-carrying return type of every fallible function in cordon.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace cordon {

// What kind of failure an Error is. The CLI maps these to exit codes and message styles.
enum class Errc {
  kSystem,        // a syscall failed; sys_errno() says why
  kInvalidInput,  // the user gave us something malformed (flag, path, policy value)
  kPolicy,        // the policy is invalid or asks for something impossible
  kUnsupported,   // the kernel or machine lacks a feature a wall needs (fail closed)
  kNotFound,      // a file, profile or program does not exist
  kChildSetup,    // the box failed during its launch sequence (step + errno)
  kInternal,      // a bug in cordon
};

// An error with a code, the errno captured at the failing syscall, a message that grows context
// as it travels up ("bind /src -> /box/src: open: Permission denied") and an optional hint that
// tells the user how to fix it.
class Error {
 public:
  Error(Errc code, std::string message, int sys_errno = 0)
      : code_(code), sys_errno_(sys_errno), message_(std::move(message)) {}

  // An error from a syscall; call right after the failure so errno is still the syscall's.
  static Error system(std::string what, int err = errno) {
    return Error(Errc::kSystem, std::move(what), err);
  }

  Errc code() const { return code_; }
  int sys_errno() const { return sys_errno_; }
  const std::string& message() const { return message_; }
  const std::string& hint() const { return hint_; }

  // Prepends context: "mount /usr" + "open_tree: EPERM" -> "mount /usr: open_tree: EPERM".
  Error& context(const std::string& what) {
    message_ = what + ": " + message_;
    return *this;
  }
  Error& with_hint(std::string hint) {
    hint_ = std::move(hint);
    return *this;
  }

  // The full one-line description, with strerror when there is an errno.
  std::string describe() const;

 private:
  Errc code_;
  int sys_errno_;
  std::string message_;
  std::string hint_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return checked(); }
  const T& value() const& { return const_cast<Result*>(this)->checked(); }
  T&& value() && { return std::move(checked()); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &const_cast<Result*>(this)->checked(); }
  T& operator*() & { return checked(); }
  const T& operator*() const& { return const_cast<Result*>(this)->checked(); }

  Error& error() & { return errorChecked(); }
  const Error& error() const& { return const_cast<Result*>(this)->errorChecked(); }
  Error&& error() && { return std::move(errorChecked()); }

 private:
  T& checked() {
    if (!ok()) std::abort();  // programmer bug: value() on an error
    return std::get<0>(v_);
  }
  Error& errorChecked() {
    if (ok()) std::abort();  // programmer bug: error() on a value
    return std::get<1>(v_);
  }
  std::variant<T, Error> v_;
};

struct Ok {};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Ok) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : error_(std::move(error)), has_error_(true) {}  // NOLINT

  bool ok() const { return !has_error_; }
  explicit operator bool() const { return ok(); }
  Error& error() & {
    if (!has_error_) std::abort();
    return error_;
  }
  const Error& error() const& {
    if (!has_error_) std::abort();
    return error_;
  }
  Error&& error() && {
    if (!has_error_) std::abort();
    return std::move(error_);
  }

 private:
  Error error_{Errc::kInternal, ""};
  bool has_error_ = false;
};

}  // namespace cordon

// Propagates the error of a Result<void> expression.
#define CORDON_TRY(expr)                                          \
  do {                                                            \
    auto cordon_try_result_ = (expr);                             \
    if (!cordon_try_result_.ok()) return std::move(cordon_try_result_).error(); \
  } while (0)

#define CORDON_CONCAT_INNER(a, b) a##b
#define CORDON_CONCAT(a, b) CORDON_CONCAT_INNER(a, b)

// Declares `decl` from the value of a Result<T> expression, or propagates its error.
#define CORDON_ASSIGN_OR_RETURN(decl, expr)                                   \
  auto CORDON_CONCAT(cordon_result_, __LINE__) = (expr);                      \
  if (!CORDON_CONCAT(cordon_result_, __LINE__).ok())                          \
    return std::move(CORDON_CONCAT(cordon_result_, __LINE__)).error();        \
  decl = std::move(CORDON_CONCAT(cordon_result_, __LINE__)).value()
