// Emitting the probe's findings as JSON lines.
#include "verify/probe_report.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace cordon::verify::probe {

void write_line(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(STDOUT_FILENO, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

void Reporter::add(std::string_view wall, std::string attack, std::string expected, std::string got,
                   bool pass) {
  nlohmann::json j = {{"wall", wall},
                      {"attack", std::move(attack)},
                      {"expected", std::move(expected)},
                      {"got", std::move(got)},
                      {"pass", pass}};
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  write_line(line.data(), line.size());
  ++count_;
  if (!pass) ++failed_;
}

void Reporter::done() {
  std::string line = "{\"done\":true,\"count\":" + std::to_string(count_) + "}\n";
  write_line(line.data(), line.size());
}

std::string errno_name(int err) {
  if (const char* name = ::strerrorname_np(err)) return name;
  return "errno " + std::to_string(err);
}

std::string outcome(long rc, int err) {
  return rc >= 0 ? "succeeded" : errno_name(err);
}

}  // namespace cordon::verify::probe
