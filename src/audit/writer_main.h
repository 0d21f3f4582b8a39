// The session writer's main loop (`cordon-audit-writer`, see writer_main.cpp).
#pragma once

namespace cordon::audit {

// Serves one session on fd 0; returns the process's exit status.
int run_session_writer();

}  // namespace cordon::audit
