#!/usr/bin/env bash
# cairnsim run's failure reports and determinism: usage
#   scenario_failures.sh CAIRNSIM BAD_SCENARIO_DIR GOOD_SCENARIO
set -euo pipefail
sim=$1 bad=$2 good=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# Runs cairnsim expecting exit code 1; the output goes to $out.
run_failing() {
  local rc=0
  out=$("$sim" run "$@" 2>&1) || rc=$?
  [[ $rc == 1 ]] || fail "expected exit 1, got $rc: $out"
}
has() { [[ $out == *"$1"* ]] || fail "missing \"$1\" in: $out"; }

run_failing "$bad/fails-expectation.scn"
has "fails-expectation.scn:7: expected value \"wrong\", got 1 key(s): k=\"right\""
has "statement: get k expect value wrong"
has "cluster:"
has "last trace lines:"
has "0 passed, 1 failed"

run_failing "$bad/fails-wait.scn"
has "fails-wait.scn:10: waited 3.000s, but there is no leader"
has "n1: down"

run_failing "$bad/parse-error.scn"
has "parse-error.scn:5:1: error:"
has "crsh n1"
has "^"

# Several files: one line each and the total; a missing file is a usage
# error.
run_failing "$good" "$bad/fails-expectation.scn"
has "PASS $good"
has "1 passed, 1 failed"
rc=0
"$sim" run "$tmp/none.scn" >/dev/null 2>&1 || rc=$?
[[ $rc == 1 ]] || fail "a missing file: exit $rc"

# The same scenario and seed give the same trace, byte for byte; another
# seed gives another run.
"$sim" run "$good" --trace "$tmp/a.jsonl" >/dev/null
"$sim" run "$good" --trace "$tmp/b.jsonl" >/dev/null
cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl" || fail "traces differ"
[[ -s $tmp/a.jsonl ]] || fail "empty trace"
grep -q '"ev":"narrate"' "$tmp/a.jsonl" || fail "no narration in the trace"
"$sim" run "$good" --seed 99 --trace "$tmp/c.jsonl" >/dev/null
cmp -s "$tmp/a.jsonl" "$tmp/c.jsonl" && fail "--seed 99 gave the same trace"
echo "ok"
