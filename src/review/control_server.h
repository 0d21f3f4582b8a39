// The control socket: a thread serving `cordon approvals` on <runtime dir>/<session-id>.sock.
//
// The box cannot reach the socket (it sees none of the host's runtime directories); should a
// path to it exist anyway, the peer checks (review/peer_identity.h) refuse its processes. One
// thread polls the listening socket and every connection; each request is one JSON line
// (review/control_protocol.h), and `watch` connections get a line after every queue change.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "review/review_queue.h"

namespace cordon::review {

struct ControlServerOptions {
  std::string socket_path;              // see control_socket_path()
  // Peers must be in this pid namespace (cordon's own, "pid:[...]"): the box's processes, which
  // run as the same uid, are not. Empty: no check (tests without a box).
  std::string reviewer_pid_namespace;
  uid_t session_uid = 0;                // the user the session runs as (and root) may connect
  // Mints a web page URL for a reviewer name (`link`); unset when the session has no page.
  std::function<Result<std::string>(const std::string& name)> link;
};

// <runtime dir>/<session-id>.sock; the id must be [A-Za-z0-9_-]+ and the path fit sun_path.
Result<std::string> control_socket_path(const std::string& runtime_dir,
                                        const std::string& session_id);

class ControlServer {
 public:
  // Binds the socket (mode 0600 through the umask; a stale socket of the same name is
  // replaced, a live one is an error) and starts serving `queue`, which must outlive it.
  static Result<std::unique_ptr<ControlServer>> start(ReviewQueue& queue,
                                                      ControlServerOptions options);
  ~ControlServer();  // stop()
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Stops the thread, closes every connection and removes the socket (if it is still ours).
  void stop();
  // Tells the thread to stop and returns at once (ChannelThread::request_stop); stop() finishes.
  void request_stop();
  const std::string& path() const;

  struct Impl;

 private:
  explicit ControlServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cordon::review
