#!/usr/bin/env bash
# Quick start: installs what cordon needs, builds it, proves the box with `cordon verify`, then
# opens your shell inside a box on the current directory (built-in default profile).
set -euo pipefail
here="$(pwd)"
repo="$(cd "$(dirname "$0")/.." && pwd)"
"$repo/scripts/install-deps.sh"
"$repo/scripts/build.sh"
cd "$here"
workspace="$here"
if [ "$workspace" = "$HOME" ] || [ "$workspace" = "/" ]; then
  # cordon refuses a workspace that is your whole home; use the repository instead.
  workspace="$repo"
fi
"$repo/build/src/cordon" verify --workspace "$workspace"
echo
echo "Opening a shell in the box (workspace: $workspace). Type 'exit' to leave."
exec "$repo/build/src/cordon" run --workspace "$workspace"
