#!/usr/bin/env bash
# Runs the browser tests against the review fixture; exit 77 (skipped) without Chromium or
# without the npm packages (scripts/test.sh runs `npm ci` here).
# Usage: tests/browser/run.sh path/to/cordon-review-fixture path/to/cordon
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ ! -x /usr/bin/chromium ]; then
  echo "SKIP: /usr/bin/chromium is missing (apt-get install chromium)"
  exit 77
fi
if [ ! -d "$here/node_modules/playwright-core" ] || ! command -v node >/dev/null; then
  echo "SKIP: node or tests/browser/node_modules is missing (cd tests/browser && npm ci)"
  exit 77
fi
cd "$here"
CORDON_REVIEW_FIXTURE="$1" CORDON_BINARY="$2" exec node --test review_page.test.mjs \
  review_run.test.mjs
