// Background origins for the egress tests.
#include "integration/servers.h"

#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "integration/harness.h"
#include "net/address.h"

extern char** environ;

namespace cordon::testing {
namespace {

const std::string kOriginScript =
    std::string(CORDON_SOURCE_DIR) + "/tests/integration/servers/origin.py";

// Reads the first line from `fd` within `timeout_ms`.
std::string first_line(int fd, int timeout_ms) {
  std::string line;
  char c;
  while (line.find('\n') == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) break;
    if (::read(fd, &c, 1) != 1) break;
    line += c;
  }
  return line;
}

}  // namespace

BackgroundServer::BackgroundServer(const std::vector<std::string>& argv) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (pid_ > 0) port_ = std::atoi(first_line(out[0], 10'000).c_str());
  ::close(out[0]);
}

BackgroundServer::~BackgroundServer() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

HttpOrigin::HttpOrigin(const std::string& directory, const std::string& bind)
    : BackgroundServer({"python3", kOriginScript, "--directory", directory, "--bind", bind}) {}

std::string host_address_outside_blocked_ranges() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* i = list; i != nullptr && found.empty(); i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET ||
        (i->ifa_flags & IFF_UP) == 0) {
      continue;
    }
    net::IpAddress address;
    std::memcpy(address.bytes.data(), &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
    if (!net::blocked_range(address)) found = address.to_string();
  }
  ::freeifaddrs(list);
  return found;
}

HttpsOrigin::HttpsOrigin(const std::string& directory, const std::string& cert,
                         const std::string& key)
    : BackgroundServer({"python3", kOriginScript, "--directory", directory, "--tls", cert, key}) {}

bool make_certificate(const std::string& name, const std::string& cert, const std::string& key) {
  return run_program({"/usr/bin/env", "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                      "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                      "/CN=" + name, "-addext", "subjectAltName=DNS:" + name, "-keyout", key,
                      "-out", cert})
             .status == 0;
}

bool make_served_git_repository(const std::string& path, const std::string& content) {
  const std::string work = path + ".work";
  RunOptions quiet;
  quiet.set_env = {{"GIT_AUTHOR_NAME", "t"},
                   {"GIT_AUTHOR_EMAIL", "t@example.com"},
                   {"GIT_COMMITTER_NAME", "t"},
                   {"GIT_COMMITTER_EMAIL", "t@example.com"}};
  if (run_program({"/usr/bin/env", "git", "init", "-q", work}, quiet).status != 0) return false;
  write_text(work + "/README", content);
  if (run_program({"/usr/bin/env", "git", "-C", work, "add", "README"}, quiet).status != 0)
    return false;
  if (run_program({"/usr/bin/env", "git", "-C", work, "commit", "-qm", "first"}, quiet).status != 0)
    return false;
  if (run_program({"/usr/bin/env", "git", "clone", "-q", "--bare", work, path}, quiet).status != 0)
    return false;
  return run_program({"/usr/bin/env", "git", "-C", path, "update-server-info"}, quiet).status == 0;
}

}  // namespace cordon::testing
