// The client side of the control socket, for `cordon approvals` and tests.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "review/control_protocol.h"

namespace cordon::review {

struct SessionSocket {
  std::string session_id;
  std::string path;
};

// Every `<session-id>.sock` socket in `dir`, sorted by name. Nothing is removed: a socket
// whose session is gone is skipped when connecting to it fails.
Result<std::vector<SessionSocket>> find_session_sockets(const std::string& dir);

class ControlClient {
 public:
  static Result<ControlClient> connect(const std::string& path);

  // Sends one request and reads one reply line (a refusal sent at accept is the reply too).
  Result<nlohmann::json> request(const ControlRequest& request, int timeout_ms = 10000);
  // The next line; timeout_ms < 0 waits forever. kNotFound when the server closed.
  Result<nlohmann::json> read_reply(int timeout_ms);

  int fd() const { return fd_.get(); }

 private:
  explicit ControlClient(UniqueFd fd) : fd_(std::move(fd)) {}
  Result<void> send_all(std::string_view data);
  UniqueFd fd_;
  std::string buffer_;
};

}  // namespace cordon::review
