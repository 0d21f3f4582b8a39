#!/usr/bin/env bash
# Installs what cordon needs, builds it, and runs every test label (unit, sandbox, integration,
# e2e), then the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh            (CI calls exactly this through .ci/run)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
scripts/install-deps.sh
scripts/build.sh
if [ -d tests/browser ]; then
  if command -v npm >/dev/null; then
    echo "== browser test packages (npm ci)"
    (cd tests/browser && npm ci --no-audit --no-fund)
  else
    echo "== no npm: the browser test (e2e.review_page) will be skipped"
  fi
fi
echo "== tests: unit, sandbox, integration, e2e"
ctest --test-dir build --output-on-failure -j2 --timeout 600

echo "== unit tests (fuzz corpus replays included) under ASan + UBSan"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCORDON_SANITIZE=ON \
  -DCORDON_BUILD_BENCH=OFF >/dev/null
ninja -C build-asan cordon_unit_tests cordon_fuzz_targets
ctest --test-dir build-asan -L unit --output-on-failure -j2
