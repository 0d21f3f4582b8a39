// cordon-probe: runs inside a `cordon verify` box and attacks every wall, reporting JSON lines.
//
//   cordon-probe --spec <workspace>/.cordon-verify-spec.json
//
// Safe to run unconfined on a host (it then reports the walls the host lacks): every attack
// uses arguments that make the call harmless if it is allowed, state-changing calls run in
// children, and the resource attacks stop at a bound derived from the spec.
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "verify/probe_util.h"
#include "verify/probe_walls.h"

namespace {

using namespace cordon::verify;
using namespace cordon::verify::probe;

// The whole run must end well inside the verify session's budget.
constexpr unsigned kWatchdogSeconds = 30;

void on_watchdog(int) {
  static const char kLine[] =
      "{\"wall\":\"probe\",\"attack\":\"probe watchdog\",\"expected\":\"the probe finishes in "
      "time\",\"got\":\"still running after the watchdog\",\"pass\":false}\n";
  write_line(kLine, sizeof kLine - 1);
  ::_exit(3);
}

int usage(Reporter& r, const std::string& why) {
  r.add("probe", "read the spec", "--spec <file> with a valid spec", why, false);
  r.done();
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Started by the gate attacks as their bait: nothing else happens in this process.
  if (argc >= 2 && std::strncmp(argv[1], "--cordon-verify-", 16) == 0) {
    return run_gate_bait(argc, argv);
  }
  Context ctx;
  ctx.fds_at_start = open_fds();  // first: before anything of ours is open

  ::signal(SIGALRM, on_watchdog);
  ::alarm(kWatchdogSeconds);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGXFSZ, SIG_IGN);

  Reporter r;
  if (argc != 3 || std::strcmp(argv[1], "--spec") != 0) return usage(r, "bad arguments");
  ctx.spec_path = argv[2];
  auto text = read_small(ctx.spec_path);
  if (!text) return usage(r, "cannot read " + ctx.spec_path + ": " + errno_name(errno));
  auto spec = parse_spec(*text);
  if (!spec) return usage(r, spec.error().describe());
  ctx.spec = std::move(spec).value();

  probe_isolation(ctx, r);
  probe_syscalls(ctx, r);
  probe_filesystem(ctx, r);
  probe_protected(ctx, r);
  probe_host_view(ctx, r);
  probe_network(ctx, r);
  probe_gate(ctx, r);
  probe_resources(ctx, r);
  probe_lifecycle(ctx, r);
  r.done();
  return 0;
}
