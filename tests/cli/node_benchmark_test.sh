#!/usr/bin/env bash
# Smoke test of `cairnctl benchmark` and `cairnctl check perf` against a
# real 1-member cairn cluster: each benchmark subcommand runs for about a
# second (text and -w json), its figures are sane (requests, no errors,
# min <= p50 <= p99 <= max), and check perf runs a short model and leaves
# no keys behind. Then the error paths: bad flags, --total 0, an unknown
# subcommand or load, a prefix that has keys, an unsupported -w, and an
# unreachable endpoint (an error within seconds, not a hang).
#
# usage: node_benchmark_test.sh CAIRN CAIRNCTL
# Every command runs under `timeout`; every process is killed by PID on exit.
set -uo pipefail
CAIRN=$1
CTL=$2
WORK_PREFIX=cairn-benchmark
source "$(dirname "$0")/node_test_lib.sh"
CPORT[b1]=$(free_port)
PPORT[b1]=$(free_port)
ctl() { timeout 30 "$CTL" --endpoints="$(client b1)" "$@"; }

# Checks one -w json report: operation, requests, no errors, ordered
# percentiles.
check_json() {  # file operation min_requests
  python3 - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
op, want = sys.argv[2], int(sys.argv[3])
assert d["operation"] == op, d["operation"]
assert d["requests"] >= want, ("requests", d["requests"])
assert d["errors"] == 0 and not d["aborted"], d["error_distribution"]
l = d["latency_ms"]
assert 0 < l["min"] <= l["p50"] <= l["p90"] <= l["p99"] <= l["p99.9"] <= l["max"], l
assert sum(b["count"] for b in d["histogram"]) == d["requests"]
assert d["requests_per_second"] > 0
PY
}

start b1 "b1=$(peer b1)"
eventually ctl endpoint health || fail "b1 never became healthy"
ctl put foo bar >/dev/null || fail "put foo"
ok "a 1-member cluster"

# ---- each benchmark, about a second ------------------------------------------
ctl benchmark put --clients 4 --duration 1s --val-size 64 >"$WORK/put.txt" ||
  fail "benchmark put"
for want in "Summary:" "Requests/sec:" "Response time histogram:" \
  "Latency distribution:" "99.9% in"; do
  grep -q "$want" "$WORK/put.txt" || fail "put report lacks $want"
done
ok "benchmark put prints etcd's report"

run_json() {  # operation min_requests args...
  local op=$1 min=$2
  shift 2
  ctl -w json benchmark "$@" >"$WORK/$op.json" || fail "benchmark $*"
  check_json "$WORK/$op.json" "$op" "$min" || fail "$op report: $(cat "$WORK/$op.json")"
  ok "benchmark $*"
}
run_json put 100 put --clients 4 --conns 2 --duration 1s --key-size 16 \
  --key-space-size 1000 --sequential-keys
run_json put 200 put --clients 2 --total 200
run_json range 50 range foo --clients 4 --duration 1s --consistency l
run_json range 50 range foo --clients 4 --duration 1s --consistency s
run_json txn-put 50 txn-put --clients 4 --duration 1s --txn-ops 3 --key-space-size 30
run_json watch-latency 50 watch-latency --clients 3 --duration 1s --put-rate 100
run_json watch-latency 50 watch-latency --clients 3 --duration 1s --put-rate 100 --prefix
[[ $(ctl get w --prefix --keys-only | grep -c .) -ge 50 ]] || fail "watch-latency --prefix did not put new keys under w"
out=$(ctl benchmark watch-latency --prefix --key-size 1 --total 1 2>&1)
[[ $? == 128 && $out == "Error: expected --key-size >= 2 with --prefix" ]] || fail "prefix with --key-size 1: $out"
ok "watch-latency --prefix puts new keys under the prefix; --key-size 1 refused"
run_json lease-keepalive 50 lease-keepalive --clients 4 --duration 1s
leases=$(ctl lease list | head -1)
[[ $leases == "found 0 leases" ]] || fail "lease-keepalive left leases: $leases"
ok "lease-keepalive revokes its leases"

# ---- check perf --------------------------------------------------------------
ctl check perf --load s --duration 2s >"$WORK/perf.txt"
rc=$?
[[ $rc == 0 || $rc == 1 ]] || fail "check perf exit $rc"
grep -Eq "^(PASS|FAIL): Throughput (is|too low:) [0-9]+ writes/s$" "$WORK/perf.txt" ||
  fail "check perf throughput line: $(cat "$WORK/perf.txt")"
grep -Eq "^(PASS|FAIL)$" "$WORK/perf.txt" || fail "check perf verdict"
grep -q " 2 / 2 " "$WORK/perf.txt" || fail "check perf progress: $(cat "$WORK/perf.txt")"
n=$(ctl get --prefix /etcdctl-check-perf/ --count-only -w fields | sed -n 's/"Count" : //p')
[[ $n == 0 ]] || fail "check perf left $n keys"
ok "check perf runs the s model and cleans up"

# ---- errors: clear, non-zero, bounded ----------------------------------------
expect_error() {  # code pattern args...
  local code=$1 pattern=$2 out rc
  shift 2
  out=$(timeout 20 "$CTL" "$@" 2>&1)
  rc=$?
  [[ $rc == "$code" ]] || fail "$* exited $rc, want $code: $out"
  [[ $out =~ $pattern ]] || fail "$* said: $out"
}
E="--endpoints=$(client b1)"
expect_error 128 "Error: expected positive --total, got 0" "$E" benchmark put --total 0
expect_error 128 "Error: expected positive --clients" "$E" benchmark put --clients 0
expect_error 1 "Error: --total excludes --duration" "$E" benchmark put --total 5 --duration 1s
expect_error 1 "Error: Could not convert" "$E" benchmark put --clients many
expect_error 1 "Error: unknown flag: --bogus" "$E" benchmark put --bogus
expect_error 1 "Error: unknown command \"bogus\" for \"cairnctl benchmark\"" "$E" benchmark bogus
expect_error 128 "Error: range needs a key" "$E" benchmark range
expect_error 128 "Error: unknown consistency flag \"x\"" "$E" benchmark range foo --consistency x
expect_error 128 "cannot hold 1000 distinct keys" "$E" benchmark put --key-size 2 --key-space-size 1000
expect_error 4 "Error: benchmark prints simple or json" "$E" -w table benchmark put --total 1
expect_error 4 "Error: unknown load option q" "$E" check perf --load q
expect_error 1 "Error: unknown command \"bogus\" for \"cairnctl check\"" "$E" check bogus
ctl put /etcdctl-check-perf/left over >/dev/null
expect_error 3 "Error: prefix \"/etcdctl-check-perf/\" has keys. Delete with etcdctl del --prefix /etcdctl-check-perf/ first" "$E" check perf
start_s=$SECONDS
expect_error 2 "Error: context deadline exceeded" --endpoints=127.0.0.1:1 --dial-timeout=300ms benchmark put --total 10
expect_error 1 "Error: context deadline exceeded" --endpoints=127.0.0.1:1 --dial-timeout=300ms check perf
((SECONDS - start_s < 15)) || fail "unreachable endpoint took $((SECONDS - start_s)) s"
ok "bad input and an unreachable endpoint: an error and a non-zero exit"

# ---- the cluster goes away in the middle of a run ----------------------------
ctl benchmark put --clients 2 --duration 20s >"$WORK/dead.txt" 2>&1 &
bench=$!
sleep 1
kill -9 "${PID[b1]}"
wait "${PID[b1]}" 2>/dev/null
start_s=$SECONDS
wait "$bench"
rc=$?
[[ $rc == 1 ]] || fail "a run against a dead member exited $rc"
grep -q "Error distribution:" "$WORK/dead.txt" || fail "no error distribution: $(cat "$WORK/dead.txt")"
grep -q "requests failed" "$WORK/dead.txt" || fail "no failure line"
ok "a member that dies mid-run: errors reported, exit 1"
finish
