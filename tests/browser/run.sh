#!/usr/bin/env bash
# Runs a browser test: installs playwright-core from the npm registry when
# it is missing (package-lock.json pins it), then drives Debian's Chromium.
# Usage: run.sh replay CAIRNSIM SCENARIOS_DIR OUT_DIR
#        run.sh play PLAY_HTML CAIRNSIM OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null || { echo "FAIL: node is not installed" >&2; exit 1; }
[[ -x ${CAIRN_CHROMIUM:-/usr/bin/chromium} ]] ||
  { echo "FAIL: no Chromium (scripts/setup installs Debian's chromium)" >&2; exit 1; }
if [[ ! -f $here/node_modules/playwright-core/package.json ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
case ${1:-} in
  replay) shift; exec node "$here/replay_view_test.mjs" "$@" ;;
  play)
    shift
    [[ -f $1 ]] || { echo "FAIL: no $1: run scripts/build-play" >&2; exit 1; }
    exec node "$here/play_mode_test.mjs" "$@" ;;
  *) echo "usage: run.sh replay|play ARGS..." >&2; exit 2 ;;
esac
