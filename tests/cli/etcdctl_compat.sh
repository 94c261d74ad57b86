#!/usr/bin/env bash
# Runs the same command script with etcdctl and with cairnctl, each against
# a fresh etcd 3.4 on loopback started with the same name and URLs (so the
# cluster and member ids match), and fails on any difference in stdout,
# stderr or exit code. Values that change from run to run (lease ids,
# timings, remaining TTLs) are normalized first; etcdctl's client-side
# retry log lines ({"level":"warn",...}) are dropped.
#
# Usage: etcdctl_compat.sh CAIRNCTL SCRIPT [CAIRN]
# With CAIRN (the server binary), the second run is cairnctl against a
# 3-member cairn cluster (its first member on the first run's ports)
# instead of against etcd: the server's answers must match etcd's too.
# Script lines: a command (arguments after the program name), optionally
# followed by " <<< TEXT" (stdin, printf escapes) or " <<<+ TEXT" (the
# same, with stdin held open one more second before it ends); "set VAR =
# COMMAND" stores the second word of the command's output in $VAR; '#'
# comments. Concurrent commands: "bg NAME COMMAND" starts a command in the
# background (at most 60 seconds, stdin empty); "sleep SECONDS" pauses;
# "wait NAME" waits for it to end and "stop NAME" sends it SIGINT first;
# both then print its output and exit code.
# Exits 77 (ctest skip) when etcd or etcdctl is not installed.
set -u
CAIRNCTL=$1
SCRIPT=$2
CAIRN=${3:-}
command -v etcd >/dev/null && command -v etcdctl >/dev/null || {
  echo "etcd/etcdctl not installed; skipping"; exit 77; }

WORK=$(mktemp -d)
ETCD_PID=
# The background commands of the script being run: name -> pid.
declare -A BG_PID
CAIRN_PIDS=()
cleanup() {
  local pid
  for pid in "${BG_PID[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${CAIRN_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
  [ -n "$ETCD_PID" ] && kill "$ETCD_PID" 2>/dev/null && wait "$ETCD_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
[ -n "${KEEP_COMPAT_OUT:-}" ] && trap "cp $WORK/*.out /tmp/; cleanup" EXIT

start_etcd() {
  rm -rf "$WORK/data"
  for attempt in 1 2 3 4 5; do
    # The second run reuses the first run's ports: the member and cluster
    # ids derive from the peer URL, and must match between the runs.
    if [ -z "${CPORT:-}" ] || [ "$attempt" -gt 1 ]; then
      CPORT=$((20000 + RANDOM % 12000)); PPORT=$((CPORT + 1))  # below the ephemeral ports
    fi
    etcd --name compat --data-dir "$WORK/data" \
      --listen-client-urls "http://127.0.0.1:$CPORT" \
      --advertise-client-urls "http://127.0.0.1:$CPORT" \
      --listen-peer-urls "http://127.0.0.1:$PPORT" \
      --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
      --initial-cluster "compat=http://127.0.0.1:$PPORT" \
      >"$WORK/etcd.log" 2>&1 &
    ETCD_PID=$!
    for _ in $(seq 1 100); do
      if curl -sf "http://127.0.0.1:$CPORT/health" >/dev/null 2>&1; then
        return 0
      fi
      kill -0 "$ETCD_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$ETCD_PID" 2>/dev/null; wait "$ETCD_PID" 2>/dev/null; ETCD_PID=
  done
  echo "could not start etcd"; cat "$WORK/etcd.log"; exit 1
}

stop_etcd() {
  kill "$ETCD_PID" 2>/dev/null; wait "$ETCD_PID" 2>/dev/null; ETCD_PID=
}

# A 3-member cairn cluster on fresh ports (etcd's may linger in
# TIME_WAIT); CPORT/PPORT become its first member's. Ports are drawn at
# random: if a member cannot bind (another test took the port), the
# cluster is started again on other ports.
start_cairn() {
  local p2 p3 q2 q3 cluster attempt ok n
  start_member() {
    "$CAIRN" --name "$1" --data-dir "$WORK/cairn-$1" \
      --listen-client-urls "http://127.0.0.1:$2" \
      --advertise-client-urls "http://127.0.0.1:$2" \
      --listen-peer-urls "http://127.0.0.1:$3" \
      --initial-advertise-peer-urls "http://127.0.0.1:$3" \
      --initial-cluster "$cluster" \
      --heartbeat-interval 50 --election-timeout 500 \
      >>"$WORK/cairn-$1.log" 2>&1 &
    CAIRN_PIDS+=($!)
  }
  for attempt in 1 2 3; do
    CPORT=$((20000 + RANDOM % 12000)); PPORT=$((CPORT + 1))  # below the ephemeral ports
    p2=$((CPORT + 2)); q2=$((CPORT + 3)); p3=$((CPORT + 4)); q3=$((CPORT + 5))
    cluster="compat=http://127.0.0.1:$PPORT,c2=http://127.0.0.1:$q2,c3=http://127.0.0.1:$q3"
    rm -rf "$WORK"/cairn-*
    start_member compat "$CPORT" "$PPORT"
    start_member c2 "$p2" "$q2"
    start_member c3 "$p3" "$q3"
    for _ in $(seq 1 150); do
      ok=1
      for n in "$CPORT" "$p2" "$p3"; do
        curl -sf "http://127.0.0.1:$n/health" >/dev/null 2>&1 || ok=
      done
      [ -n "$ok" ] && return 0
      sleep 0.1
    done
    stop_cairn
  done
  echo "could not start cairn"; cat "$WORK"/cairn-*.log; exit 1
}

stop_cairn() {
  local pid
  for pid in "${CAIRN_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  CAIRN_PIDS=()
}

# Against cairn the member and cluster ids and the Raft term differ from
# etcd's (three members, not one): they are normalized too.
normalize_ids() {
  if [ -n "$CAIRN" ]; then
    sed -E -e 's/"(cluster_id|member_id|raft_term)":[0-9]+/"\1":N/g' \
      -e 's/"(ClusterID|MemberID|RaftTerm)" : [0-9]+/"\1" : N/g'
  else
    cat
  fi
}

normalize() {
  normalize_ids | grep -v '^{"level":' | sed -E \
    -e 's/took = [0-9.]+(ns|µs|ms|s)/took = T/g' \
    -e 's/"took":"[^"]*"/"took":"T"/g' \
    -e 's/remaining\([0-9]+s\)/remaining(R)/g' \
    -e 's/"ttl":[0-9]+/"ttl":R/g' \
    -e 's/"TTL" : [0-9]+/"TTL" : R/g' \
    -e 's/lease [0-9a-f]{16}/lease HEXID/g' \
    -e 's#/[0-9a-f]{12,16}([^0-9a-f]|$)#/HEXID\1#g' \
    -e 's/"(ID|id)":[0-9]+/"\1":N/g' \
    -e 's/"ID" : [0-9]+/"ID" : N/g' \
    -e 's/"lease":[0-9]+/"lease":N/g' \
    -e 's/"(dbSize|dbSizeInUse)":[0-9]+/"\1":SIZE/g' \
    -e 's/"DBSize" : [0-9]+/"DBSize" : SIZE/g' \
    -e 's/, [0-9.]+ [kMG]?B, /, SIZE, /g' \
    -e "s/127\.0\.0\.1:$CPORT/ENDPOINT/g" \
    -e "s/127\.0\.0\.1:$PPORT/PEER/g"
}

# bg_line TOOL OUT LINE: runs a concurrency line (bg, sleep, wait, stop);
# returns 1 when LINE is not one.
bg_line() {
  local tool=$1 out=$2 line=$3 name
  if [[ "$line" =~ ^bg\ ([A-Za-z0-9_]+)\ (.*)$ ]]; then
    name=${BASH_REMATCH[1]}
    echo "\$ $line" >>"$out"
    eval "exec timeout -k 2 60 $tool --endpoints=127.0.0.1:$CPORT ${BASH_REMATCH[2]}" \
      </dev/null >"$WORK/bg.$name" 2>&1 &
    BG_PID[$name]=$!
  elif [[ "$line" =~ ^sleep\ ([0-9.]+)$ ]]; then
    echo "\$ $line" >>"$out"
    sleep "${BASH_REMATCH[1]}"
  elif [[ "$line" =~ ^(wait|stop)\ ([A-Za-z0-9_]+)$ ]]; then
    name=${BASH_REMATCH[2]}
    echo "\$ $line" >>"$out"
    # timeout passes the SIGINT on to the command.
    [ "${BASH_REMATCH[1]}" = stop ] && kill -INT "${BG_PID[$name]}"
    wait "${BG_PID[$name]}"
    local rc=$?
    { cat "$WORK/bg.$name"; echo "[exit $rc]"; } | normalize >>"$out"
  else
    return 1
  fi
}

# run_script TOOL OUT: runs every line of SCRIPT with TOOL.
run_script() {
  local tool=$1 out=$2 line var cmd input hold
  : >"$out"
  while IFS= read -r line || [ -n "$line" ]; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    bg_line "$tool" "$out" "$line" && continue
    var=
    if [[ "$line" =~ ^set\ ([A-Z_]+)\ =\ (.*)$ ]]; then
      var=${BASH_REMATCH[1]}; line=${BASH_REMATCH[2]}
    fi
    cmd=$line; input=; hold=
    if [[ "$line" == *" <<<+ "* ]]; then
      cmd=${line%% <<<+ *}; input=${line#* <<<+ }; hold="; sleep 1"
    elif [[ "$line" == *" <<< "* ]]; then
      cmd=${line%% <<< *}; input=${line#* <<< }
    fi
    echo "\$ $line" >>"$out"
    local result
    # A watch never ends by itself: it is stopped after 2 seconds (exit 124).
    local limit=""
    [[ "$cmd" == watch* ]] && limit="timeout 2"
    # NUL bytes (keys such as role permissions' "\0") are shown as <NUL>,
    # since the shell would drop them.
    result=$(eval "{ printf '$input'$hold; } | $limit $tool --endpoints=127.0.0.1:$CPORT $cmd" 2>&1 |
      sed 's/\x0/<NUL>/g'; exit "${PIPESTATUS[0]}")
    local rc=$?
    [ -n "$var" ] && eval "$var=\$(echo \"\$result\" | awk 'NR==1{print \$2}')"
    { echo "$result"; echo "[exit $rc]"; } | normalize >>"$out"
  done <"$SCRIPT"
}

export ETCDCTL_API=3
start_etcd
run_script etcdctl "$WORK/etcdctl.out"
stop_etcd
if [ -n "$CAIRN" ]; then
  start_cairn
  run_script "$CAIRNCTL" "$WORK/cairnctl.out"
  stop_cairn
else
  start_etcd
  run_script "$CAIRNCTL" "$WORK/cairnctl.out"
  stop_etcd
fi

if diff -u "$WORK/etcdctl.out" "$WORK/cairnctl.out"; then
  echo "cairnctl matches etcdctl on $(grep -c '^\$ ' "$WORK/etcdctl.out") commands"
  exit 0
fi
echo "cairnctl differs from etcdctl (- etcdctl, + cairnctl)"
exit 1
