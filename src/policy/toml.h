// toml++, included the one way cordon includes it.
#pragma once

// toml++ 3.3 and 3.4 (Debian 12, Ubuntu 24.04) state a precondition of their key parser that a
// malformed table header breaks ("[[[a]]", "[[=", "[ ]"), a file cordon must refuse with its
// line: a workspace's cordon.toml is written by whoever wrote the repository. Without NDEBUG
// the precondition is an assertion (cordon aborted); with NDEBUG and clang it is
// __builtin_assume (undefined behaviour). Found by tests/fuzz/policy_toml_fuzz.cpp; fixed
// upstream in marzer/tomlplusplus#301. Past the precondition the parser reports the error
// itself, as GCC release builds of it do, so every build of cordon compiles toml++ that way:
// its assertions off, and NDEBUG hidden from it so that no precondition becomes an assumption.
#ifdef NDEBUG
#define CORDON_TOML_NDEBUG
#undef NDEBUG
#endif
#define TOML_ASSERT(expr) static_cast<void>(0)
#include <toml++/toml.h>
#ifdef CORDON_TOML_NDEBUG
#define NDEBUG
#undef CORDON_TOML_NDEBUG
#endif
