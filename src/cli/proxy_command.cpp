// `cordon proxy`: the egress proxy alone on a host address, for a sidecar or a shared egress
// gateway. The same decisions as in a box; every client presents its own token; every decision
// goes to the audit trail, and the proxy stops if its writer does (proxy_stopper.h).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <iostream>
#include <sstream>

#include "base/files.h"
#include "box/decision_events.h"
#include "cli/audit_setup.h"
#include "cli/commands.h"
#include "cli/errors.h"
#include "cli/proxy_stopper.h"
#include "net/host.h"
#include "net/proxy.h"
#include "policy/egress_config.h"
#include "policy/loader.h"

namespace cordon::cli {
namespace {

constexpr size_t kMinTokenLength = 16;

bool valid_client_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

// "NAME TOKEN" per line; '#' starts a comment. The file holds secrets: only its owner may read it.
Result<std::map<std::string, std::string>> read_client_tokens(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error::system("token file " + path);
  if ((st.st_mode & 077) != 0) {
    return Error(Errc::kInvalidInput, "token file " + path + " is readable by other users")
        .with_hint("chmod 600 " + path);
  }
  CORDON_ASSIGN_OR_RETURN(std::string text, read_file(path));
  std::map<std::string, std::string> tokens;  // token -> client name
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string name, token, extra;
    if (!(fields >> name)) continue;
    const std::string where = path + ":" + std::to_string(number);
    if (!(fields >> token) || (fields >> extra)) {
      return Error(Errc::kInvalidInput, where + ": expected NAME TOKEN")
          .with_hint(
              "one client per line, e.g. \"ci-runner-1 3f9c...\" (a token from "
              "`openssl rand -hex 24`)");
    }
    if (!valid_client_name(name)) {
      return Error(Errc::kInvalidInput, where + ": client name \"" + name + "\" is not valid")
          .with_hint("use letters, digits, '-', '_' and '.'");
    }
    if (token.size() < kMinTokenLength) {
      return Error(Errc::kInvalidInput, where + ": the token of " + name + " is too short")
          .with_hint("use at least 16 characters, e.g. `openssl rand -hex 24`");
    }
    if (!tokens.emplace(token, name).second) {
      return Error(Errc::kInvalidInput, where + ": two clients share a token")
          .with_hint("give every client its own token");
    }
  }
  if (tokens.empty()) {
    return Error(Errc::kInvalidInput, "token file " + path + " names no client")
        .with_hint("add a line \"NAME TOKEN\" for each client that may use the proxy");
  }
  return tokens;
}

Result<UniqueFd> listen_on(const std::string& address) {
  CORDON_ASSIGN_OR_RETURN(net::Authority where, net::split_authority(address, 0));
  auto ip = net::IpAddress::parse(where.host);
  if (!ip || where.port == 0) {
    return Error(Errc::kInvalidInput, "--listen " + address + ": expected ADDRESS:PORT")
        .with_hint("e.g. 127.0.0.1:3128 or [::1]:3128 (an address, not a name)");
  }
  sockaddr_storage storage{};
  socklen_t size;
  if (ip->is_v4()) {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(where.port);
    std::memcpy(&a->sin_addr, ip->bytes.data(), 4);
    size = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(where.port);
    std::memcpy(&a->sin6_addr, ip->bytes.data(), 16);
    size = sizeof *a;
  }
  UniqueFd fd(::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error::system("socket");
  int one = 1;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&storage), size) != 0) {
    return Error::system("listen on " + address);
  }
  if (::listen(fd.get(), 1024) != 0) return Error::system("listen on " + address);
  return fd;
}

Result<policy::Policy> load_proxy_policy(const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(std::string text, read_file(path));
  CORDON_ASSIGN_OR_RETURN(
      policy::Policy policy,
      policy::apply_toml(policy::builtin_profile(policy::Profile::kWorkspaceWrite), text, path,
                         /*trusted=*/true));
  if (policy.network.mode.value != policy::NetworkMode::kProxy) {
    return Error(Errc::kPolicy, path +
                                    ": network.mode is \"none\", so the proxy would refuse "
                                    "everything")
        .with_hint("remove network.mode or set it to \"proxy\"");
  }
  return policy;
}

// A long-running proxy keeps no summary: its events go to the audit trail only.
class NoSummary : public events::EventSink {
 public:
  void emit(const events::Event&) override {}
};

Error writer_lost_error() {
  return Error(Errc::kSystem,
               "the audit writer stopped, so the proxy stopped and closed every connection: no "
               "decision may take effect unrecorded")
      .with_hint(
          "the writer's own error, if it left one, is above; `cordon audit verify` checks what "
          "was stored; start the proxy again to go on");
}

}  // namespace

int proxy_command(const ProxyCommandOptions& options) {
  ProxyStopper::block_stop_signals();  // before any thread starts
  const UserFacts user = current_user();
  auto tokens = read_client_tokens(options.tokens);
  if (!tokens.ok()) return report_error(tokens.error());
  auto policy = load_proxy_policy(options.config);
  if (!policy.ok()) return report_error(policy.error());
  auto rules = net::EgressRules::compile(policy::egress_config(policy->network));
  if (!rules.ok()) return report_error(rules.error());

  std::vector<net::Listener> listeners;
  auto http = listen_on(options.listen);
  if (!http.ok()) return report_error(http.error());
  listeners.push_back(net::Listener{net::EntryPoint::kHttp, std::move(*http), ""});
  if (options.socks) {
    auto socks = listen_on(*options.socks);
    if (!socks.ok()) return report_error(socks.error());
    listeners.push_back(net::Listener{net::EntryPoint::kSocks5, std::move(*socks), ""});
  }

  auto audit = open_session_audit(*policy, user);
  if (!audit.ok()) return report_error(audit.error());
  auto session_id = random_hex(8);
  if (!session_id.ok()) return report_error(session_id.error());
  NoSummary no_summary;
  // Every event is emitted on this thread: the proxy's loop runs here (engine->run() below).
  SessionSinks sink(**audit, no_summary);
  std::vector<std::string> command = {"cordon", "proxy", "--listen", options.listen};
  if (options.socks) command.insert(command.end(), {"--socks", *options.socks});
  sink.emit(events::SessionStarted{
      *session_id,
      CORDON_VERSION,
      "proxy",
      policy::render_policy(*policy),
      user.name,
      "",
      command,
      {{"egress",
        "standalone proxy: per-client tokens; " +
            std::to_string(policy->network.allow.value.size()) + " allow rules",
        true, ""}}});
  if (auto ready = sink.wait_ready(); !ready.ok()) return report_error(ready.error());

  net::ProxyOptions proxy_options;
  proxy_options.client_tokens = std::move(*tokens);
  const std::string id = *session_id;
  box::DecisionEvents decisions(id, sink);
  // A turn whose rows could not be sent stops the proxy at its end: no later decision takes
  // effect unrecorded. (The stopper below catches a writer that dies while the proxy is idle.)
  net::Proxy* engine = nullptr;
  decisions.attach(proxy_options, [&engine] { engine->stop(); });
  auto proxy =
      net::Proxy::create(std::move(*rules), std::move(listeners), std::move(proxy_options));
  if (!proxy.ok()) return report_error(proxy.error());
  engine = proxy->get();
  auto stopper = ProxyStopper::start(*engine, sink.hangup_fd());
  if (!stopper.ok()) return report_error(stopper.error());

  std::cerr << "cordon proxy: HTTP proxy on " << options.listen
            << (options.socks ? ", SOCKS5 on " + *options.socks : std::string()) << "; session "
            << id << " in the audit trail\n";
  const auto started = std::chrono::steady_clock::now();
  auto ran = engine->run();
  const bool writer_lost = (*stopper)->writer_lost() || sink.lost();
  stopper->reset();
  events::SessionEnded end;
  end.session_id = id;
  end.exit_code = ran.ok() && !writer_lost ? 0 : 1;
  end.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  sink.emit(end);
  auto stored = (*audit)->close();
  if (!stored.ok()) report_error(stored.error());
  if (writer_lost) return report_error(writer_lost_error());
  if (!ran.ok()) return report_error(ran.error());
  return 0;
}

}  // namespace cordon::cli
