// Real servers on the host's loopback for the egress tests: HTTP and HTTPS origins (a Python
// http.server, also serving a git repository the "dumb" way) and a TLS certificate for them.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace cordon::testing {

// A program started in the background that prints its port on its first stdout line; killed
// (and reaped) on destruction.
class BackgroundServer {
 public:
  explicit BackgroundServer(const std::vector<std::string>& argv);
  ~BackgroundServer();
  BackgroundServer(const BackgroundServer&) = delete;
  BackgroundServer& operator=(const BackgroundServer&) = delete;
  int port() const { return port_; }  // 0 if it failed to start

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// An HTTP origin serving `directory` on 127.0.0.1, or another of the host's IPv4 addresses
// (and /echo, which answers with the method, path, Host and body it saw).
class HttpOrigin : public BackgroundServer {
 public:
  explicit HttpOrigin(const std::string& directory, const std::string& bind = "127.0.0.1");
};

// One of the host's own IPv4 addresses that is not loopback and in no range the egress wall
// blocks (an eth0 address such as 192.0.2.2 or a public one), or "" when it has none.
std::string host_address_outside_blocked_ranges();

// An HTTPS origin; its certificate names `name` (see make_certificate).
class HttpsOrigin : public BackgroundServer {
 public:
  HttpsOrigin(const std::string& directory, const std::string& cert, const std::string& key);
};

// A self-signed certificate for `name` (CN and subjectAltName) at cert/key. True on success.
bool make_certificate(const std::string& name, const std::string& cert, const std::string& key);

// A bare git repository at `path` with one commit holding README (text `content`), prepared
// for the dumb HTTP protocol. True on success.
bool make_served_git_repository(const std::string& path, const std::string& content);

}  // namespace cordon::testing
