#!/usr/bin/env bash
# Runs the replay view's browser test: installs playwright-core from the
# npm registry when it is missing (package-lock.json pins it), then drives
# Debian's Chromium. Usage: run.sh CAIRNSIM SCENARIOS_DIR OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null || { echo "FAIL: node is not installed" >&2; exit 1; }
[[ -x ${CAIRN_CHROMIUM:-/usr/bin/chromium} ]] ||
  { echo "FAIL: no Chromium (scripts/setup installs Debian's chromium)" >&2; exit 1; }
if [[ ! -f $here/node_modules/playwright-core/package.json ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
exec node "$here/replay_view_test.mjs" "$@"
