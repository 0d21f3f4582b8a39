// The named steps of the box launch sequence. One enum feeds error messages, audit events and
// docs/launch-sequence.md. Keep the order equal to the order the steps run in.
#pragma once

#include <cstdint>

namespace cordon::box {

enum class Step : uint16_t {
  // parent (supervisor), before clone
  kPreflight,
  kPrepareMounts,
  kCompileSeccomp,
  kPrepareLandlock,
  kClone,
  // box init (pid 1), full capabilities inside its own user namespace only
  kInitParentDeathSignal,
  kWriteIdMaps,
  kJoinCgroup,
  kUnshareCgroup,
  kSetHostname,
  kLoopbackUp,
  kNetworkCapture,
  kOpenListeners,
  kMountPrivate,
  kOpenMountSources,
  kMountNewRoot,
  kMountSystemDirs,
  kMountWorkspace,
  kMountProtectedPaths,
  kMountHome,
  kMountExtraPaths,
  kMountTmp,
  kMountDev,
  kMountProc,
  kMountRun,
  kLimitNestedUserns,
  kPivotRoot,
  kOpenTerminal,
  kLandlockBoxMounts,
  kForkAgent,
  // agent (pid 2), before exec
  kAgentSession,
  kAgentStdio,
  kCloseFds,
  kRlimits,
  kChdir,
  kDropCapabilities,
  kNoNewPrivs,
  kLandlock,
  kGateListener,
  kSeccomp,
  kAwaitSupervisor,
  kExec,
  kCount,
};

// "mount-system-dirs": stable names for messages and audit events.
const char* step_name(Step step);
// One sentence describing what the step does, for error messages and docs.
const char* step_description(Step step);

// Written by the box to the parent over a CLOEXEC pipe when a step fails: fixed size, so it is
// written with one write(2) and no allocation between clone and exec.
struct StepFailure {
  Step step;
  int32_t sys_errno;
  int32_t detail;  // step-specific index (which mount, which rule), -1 if none
};

}  // namespace cordon::box
