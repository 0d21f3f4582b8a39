// The box init's network steps: loopback-up, and in proxy mode network-capture and
// open-listeners. In proxy mode they run in a helper process (step network-helper) while the
// init builds the filesystem view: neither needs anything from the other, and the supervisor
// starts its proxy as soon as the listeners arrive. Child side: raw syscalls, no allocation.
#pragma once

#include <sys/types.h>

#include "box/box_network.h"

namespace cordon::box {

// Loopback up; in proxy mode the capture and the listeners (sent on `control_fd`) too, by a
// helper process whose pid is returned (0: the caller did the steps itself). A step that fails
// ends the process that ran it, with its StepFailure on `error_fd`.
pid_t start_box_network(const BoxNetworkPlan& plan, int control_fd, int error_fd);

// Waits for the helper (if any). If one of its steps failed, it has reported it: the calling
// process (the init) ends with status 125 and writes nothing more. A helper that died without
// reporting is reported as network-helper, with its signal as the detail.
void await_box_network(pid_t helper, int error_fd);

}  // namespace cordon::box
