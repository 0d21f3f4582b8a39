// Names and descriptions of the launch steps.
#include "box/step.h"

namespace cordon::box {
namespace {

struct StepInfo {
  const char* name;
  const char* description;
};

constexpr StepInfo kSteps[] = {
    {"preflight", "check that the kernel offers user namespaces and the walls the policy needs"},
    {"prepare-mounts", "resolve the host paths the box shows"},
    {"compile-seccomp", "compile the seccomp filter"},
    {"prepare-landlock", "create the Landlock ruleset"},
    {"clone", "create the box's namespaces"},
    {"init-parent-death-signal", "tie the box's life to the supervisor"},
    {"write-id-maps", "map the user's uid and gid into the box's user namespace"},
    {"join-cgroup", "place the box in its resource cgroup"},
    {"unshare-cgroup", "enter a private cgroup namespace"},
    {"set-hostname", "set the box's hostname"},
    {"loopback-up", "bring up the loopback interface"},
    {"network-capture",
     "route every address to loopback and redirect outbound connections to cordon's proxy"},
    {"open-listeners", "open the proxy's listening sockets inside the box"},
    {"mount-private", "stop mount propagation between the box and the host"},
    {"open-mount-sources", "open the host paths to show in the box"},
    {"mount-new-root", "create the box's root filesystem"},
    {"mount-system-dirs", "show the system directories read-only"},
    {"mount-workspace", "show the workspace"},
    {"mount-protected-paths", "make the protected workspace paths read-only"},
    {"mount-home", "replace the home directory"},
    {"mount-extra-paths", "show the extra host paths the policy names"},
    {"mount-tmp", "create the private /tmp"},
    {"mount-dev", "create the minimal /dev"},
    {"mount-proc", "mount a /proc for the box's pid namespace"},
    {"mount-run", "create the empty /run"},
    {"limit-nested-userns", "refuse nested user namespaces"},
    {"pivot-root", "switch to the box's root and detach the host's"},
    {"open-terminal", "create the box's terminal"},
    {"landlock-box-mounts", "add the box's own mounts to the Landlock ruleset"},
    {"fork-agent", "start the agent process"},
    {"agent-session", "give the agent its own session"},
    {"agent-stdio", "connect the agent to its terminal"},
    {"close-fds", "close every inherited file descriptor but 0-2"},
    {"rlimits", "set resource limits"},
    {"chdir", "enter the working directory"},
    {"drop-capabilities", "empty every capability set"},
    {"no-new-privs", "forbid regaining privileges through exec"},
    {"landlock", "enforce the Landlock ruleset"},
    {"gate-listener", "send every exec to the approval gate (seccomp notification)"},
    {"seccomp", "install the seccomp filter"},
    {"await-supervisor",
     "wait for the supervisor's go (its sinks, such as the audit store, ready)"},
    {"exec", "start the program"},
};
static_assert(sizeof(kSteps) / sizeof(kSteps[0]) == static_cast<int>(Step::kCount));

}  // namespace

const char* step_name(Step step) {
  return kSteps[static_cast<int>(step)].name;
}
const char* step_description(Step step) {
  return kSteps[static_cast<int>(step)].description;
}

}  // namespace cordon::box
