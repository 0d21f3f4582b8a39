// Connecting to session control sockets and exchanging JSON lines.
#include "review/control_client.h"

#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>

#include "base/socket_file.h"

namespace cordon::review {

Result<std::vector<SessionSocket>> find_session_sockets(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return Error::system("open " + dir);
  std::vector<SessionSocket> found;
  while (struct dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    constexpr std::string_view kSuffix = ".sock";
    if (name.size() <= kSuffix.size() ||
        name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
      continue;
    }
    const std::string path = dir + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    found.push_back({name.substr(0, name.size() - kSuffix.size()), path});
  }
  ::closedir(d);
  std::sort(found.begin(), found.end(),
            [](const SessionSocket& a, const SessionSocket& b) { return a.path < b.path; });
  return found;
}

Result<ControlClient> ControlClient::connect(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error::system("socket(AF_UNIX)");
  const auto addr = unix_address(path);
  if (!addr) return Error(Errc::kInvalidInput, "socket path " + path + " is too long");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    return Error::system("connect " + path);
  }
  return ControlClient(std::move(fd));
}

Result<nlohmann::json> ControlClient::request(const ControlRequest& request, int timeout_ms) {
  // A refusal may already be waiting (the server checks the peer at accept and hangs up):
  // writing into a closed socket fails with EPIPE, so a failed write still reads the reply.
  const Result<void> sent = send_all(encode_request(request));
  Result<nlohmann::json> reply = read_reply(timeout_ms);
  if (!reply.ok() && !sent.ok()) return sent.error();
  return reply;
}

Result<void> ControlClient::send_all(std::string_view data) {
  while (!data.empty()) {
    // MSG_NOSIGNAL: a server that hung up is an error to report, not a SIGPIPE.
    const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("write to the session");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok{};
}

Result<nlohmann::json> ControlClient::read_reply(int timeout_ms) {
  for (;;) {
    const size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      nlohmann::json j = nlohmann::json::parse(buffer_.substr(0, newline), nullptr, false);
      buffer_.erase(0, newline + 1);
      if (j.is_discarded() || !j.is_object()) {
        return Error(Errc::kInternal, "the session sent a reply that is not a JSON object");
      }
      return j;
    }
    if (buffer_.size() > (8u << 20)) {
      return Error(Errc::kInternal, "the session sent a reply longer than 8 MiB");
    }
    pollfd p{fd_.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Error::system("poll");
    if (ready == 0) return Error(Errc::kSystem, "the session did not answer in time", ETIMEDOUT);
    char chunk[8192];
    const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("read from the session");
    if (n == 0) return Error(Errc::kNotFound, "the session closed the connection");
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace cordon::review
