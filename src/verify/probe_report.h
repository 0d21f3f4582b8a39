// The probe's output: one JSON finding per line on stdout, then {"done":true,"count":N}.
//
// Each line goes out in a single write(2), never through stdio buffers, so a forked child can
// neither duplicate nor tear a line, and a crash loses at most the attack in progress.
#pragma once

#include <string>
#include <string_view>

namespace cordon::verify::probe {

class Reporter {
 public:
  void add(std::string_view wall, std::string attack, std::string expected, std::string got,
           bool pass);
  // The final line; the host treats its absence as a crashed probe.
  void done();
  size_t count() const { return count_; }
  size_t failed() const { return failed_; }

 private:
  size_t count_ = 0;
  size_t failed_ = 0;
};

// Writes a whole line to stdout (async-signal-safe; used by the watchdog too).
void write_line(const char* data, size_t size);

// "EPERM" for EPERM; "errno 4095" for an unknown value.
std::string errno_name(int err);

// "succeeded" for rc >= 0, else the errno name.
std::string outcome(long rc, int err);

}  // namespace cordon::verify::probe
