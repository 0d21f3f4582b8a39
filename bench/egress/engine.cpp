// A diagnostic for the egress benchmark: cordon's proxy engine (net::Proxy) alone, configured
// as `cordon proxy` would be from the same policy and tokens, but with no audit trail behind
// it, and with a choice of buffer size and tunnel relay. It tells how much of `cordon proxy`'s
// cost is the engine and how much the audit trail, and what a relay setting would change. It is
// never what the benchmark reports as cordon.
//
// Usage: cordon-bench-engine --listen 127.0.0.1:PORT --config POLICY --tokens FILE
//            [--buffer BYTES] [--relay splice|copy]
// Decisions are counted, not stored. SIGTERM ends it.
#include <signal.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "bench_net.h"
#include "net/proxy.h"
#include "policy/egress_config.h"
#include "policy/loader.h"

namespace {

using cordon::bench::die;

template <class T>
T must(cordon::Result<T> result, const std::string& what) {
  if (!result.ok()) die(what + ": " + result.error().describe());
  return std::move(result).value();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) die("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// "NAME TOKEN" lines -> token -> name (the file was written by egress_bench.py).
std::map<std::string, std::string> read_tokens(const std::string& path) {
  std::map<std::string, std::string> tokens;
  const std::string text = read_file(path);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    const size_t space = line.find(' ');
    if (space == std::string::npos) continue;
    tokens[line.substr(space + 1)] = line.substr(0, space);
  }
  if (tokens.empty()) die(path + " names no client");
  return tokens;
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: cordon-bench-engine --listen A:P --config POLICY --tokens FILE "
      "[--buffer BYTES] [--relay splice|copy]";
  std::string listen, config, tokens;
  cordon::net::ProxyLimits limits;
  for (int i = 1; i < argc; i += 2) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) die(usage);
    const std::string value = argv[i + 1];
    if (arg == "--listen") {
      listen = value;
    } else if (arg == "--config") {
      config = value;
    } else if (arg == "--tokens") {
      tokens = value;
    } else if (arg == "--buffer") {
      limits.buffer_bytes = std::strtoull(value.c_str(), nullptr, 10);
    } else if (arg == "--relay") {
      if (value != "splice" && value != "copy") die(usage);
      limits.tunnel_splice = value == "splice";
    } else {
      die(usage);
    }
  }
  if (listen.empty() || config.empty() || tokens.empty()) die(usage);

  namespace policy = cordon::policy;
  const std::string text = read_file(config);
  const policy::Policy loaded =
      must(policy::apply_toml(policy::builtin_profile(policy::Profile::kWorkspaceWrite), text,
                              config, /*trusted=*/true),
           config);
  auto rules =
      must(cordon::net::EgressRules::compile(policy::egress_config(loaded.network)), "rules");

  const cordon::bench::HostPort where = cordon::bench::parse_host_port(listen);
  cordon::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) cordon::bench::die_errno("socket");
  int one = 1;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in a = cordon::bench::ipv4_address(where);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(fd.get(), 1024) != 0) {
    cordon::bench::die_errno("listen on " + listen);
  }
  std::vector<cordon::net::Listener> listeners;
  listeners.push_back({cordon::net::EntryPoint::kHttp, std::move(fd), ""});

  cordon::net::ProxyOptions options;
  options.limits = limits;
  options.client_tokens = read_tokens(tokens);
  uint64_t decisions = 0;
  options.on_decision = [&decisions](const cordon::net::DecisionRecord&) { ++decisions; };
  auto proxy =
      must(cordon::net::Proxy::create(std::move(rules), std::move(listeners), std::move(options)),
           "proxy");

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  cordon::net::Proxy* engine = proxy.get();
  std::thread stopper([&stop_signals, engine] {
    int sig = 0;
    ::sigwait(&stop_signals, &sig);
    engine->stop();
  });
  auto ran = engine->run();
  ::pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  if (!ran.ok()) die("proxy: " + ran.error().describe());
  std::fprintf(stderr, "cordon-bench-engine: %llu decisions\n",
               static_cast<unsigned long long>(decisions));
  return 0;
}
