#!/usr/bin/env bash
# Runs every "break it" experiment of the lessons in docs/learn/ and checks
# that each fails the way its lesson says: cairnsim exits 1 and prints the
# expected text. Exits 1 if any experiment passes or fails differently.
#
# Usage: docs/learn/check-variants.sh [CAIRNSIM]
#   CAIRNSIM defaults to build/debug/simulator/cairnsim under the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sim=${1:-$root/build/debug/simulator/cairnsim}
[[ -x $sim ]] || { echo "check-variants: no cairnsim at $sim" >&2; exit 1; }
lib=$root/scenarios
var=$here/variants

failures=0
# expect_failure TEXT ARGS...: runs `cairnsim ARGS...`, which must exit 1
# and print TEXT.
expect_failure() {
  local text=$1 rc=0 out
  shift
  out=$("$sim" "$@" 2>&1) || rc=$?
  if [[ $rc != 1 ]]; then
    echo "FAIL: cairnsim $*: exit $rc, expected 1" >&2
    failures=$((failures + 1))
  elif [[ $out != *"$text"* ]]; then
    echo "FAIL: cairnsim $*: no \"$text\" in the output" >&2
    failures=$((failures + 1))
  else
    echo "ok   cairnsim $*"
  fi
}

# Every variant must also be a file this script checks (no stray ones).
checked=(election-timeout-too-short replication-no-majority check-quorum-off
         pre-vote-off membership-no-quorum promote-before-caught-up)
for f in "$var"/*.scn; do
  name=$(basename "$f" .scn)
  if [[ " ${checked[*]} " != *" $name "* ]]; then
    echo "FAIL: $f is not checked by this script" >&2
    failures=$((failures + 1))
  fi
done

# 01: election timeouts shorter than a round trip.
expect_failure "waited 5.000s, but there is no leader" \
  run "$var/election-timeout-too-short.scn"
# 02: no majority, no commit.
expect_failure 'expected ok, got error "etcdserver: request timed out"' \
  run "$var/replication-no-majority.scn"
# 03: a leader that commits an earlier term's entry by counting replicas.
expect_failure "leader 3 of term 2 committed index 123 of term 1 by counting replicas" \
  fuzz --workload raft --planted-bug commit-previous-term --seeds 38 \
  --shrink-runs 0
# 04 and 09: a follower that answers linearizable reads from local state.
expect_failure 'expected an error containing "timed out", got 1 key(s): a="1"' \
  run --planted-bug follower-local-read "$lib/minority-partition.scn"
expect_failure "the history is not linearizable" \
  run --planted-bug follower-local-read "$lib/stale-read.scn"
# 05: no pre-vote: the isolated member's term races ahead.
expect_failure "expected f term = 1, but n2 term is 7" \
  run "$var/pre-vote-off.scn"
# 06: no check-quorum: the isolated leader never steps down.
expect_failure "waited 3.000s, but n1 is leader in term 1" \
  run "$var/check-quorum-off.scn"
# 07: a membership change without a majority cannot commit.
expect_failure 'expected ok, got error "etcdserver: request timed out"' \
  run "$var/membership-no-quorum.scn"
# 08: a learner promoted before its snapshot arrived.
expect_failure "can only promote a learner member which is in sync with leader" \
  run "$var/promote-before-caught-up.scn"
# 10: a revoke that leaves a key of the lease behind.
expect_failure 'expected absent, got 1 key(s): b="2"' \
  run --planted-bug lease-revoke-keeps-keys "$lib/lease-keepalive.scn"

if [[ $failures != 0 ]]; then
  echo "check-variants: $failures experiment(s) did not fail as their lesson says" >&2
  exit 1
fi
echo "check-variants: all experiments fail as their lessons say"
