#!/usr/bin/env bash
# Damaged data files at startup, with a real cairn process. A 1-member
# cluster writes 70 keys (a snapshot in its raft log store, tables and logs
# in both LevelDB stores) and stops. Then, for every file of its data dir
# (member/identity; CURRENT, MANIFEST-*, *.ldb and *.log of member/raft and
# member/kv) and each of three damages (a byte flipped in the middle, cut
# to half, emptied), a copy of the data dir is damaged and the member
# started on it. It must either
#  - refuse to start: exit status 1 with an "Error: " line that names the
#    damaged file (or, for a raft log cut short, says that the log lost
#    the entries the keyspace applied), or
#  - start and serve every key with its value: only a keyspace log cut
#    short may do that (LevelDB drops the torn tail, and the member applies
#    those entries again from its raft log);
# never abort (status 134) nor serve other data.
#
# usage: node_corrupt_test.sh CAIRN CAIRNCTL
set -uo pipefail
CAIRN=$1
CTL=$2
WORK_PREFIX=cairn-corrupt
source "$(dirname "$0")/node_test_lib.sh"
CPORT[c1]=$(free_port)
PPORT[c1]=$(free_port)
ctl() { timeout 10 "$CTL" --endpoints="$(client c1)" --command-timeout=5s "$@"; }
run() {  # data-dir: starts c1 on it with a small snapshot count
  "$CAIRN" --name c1 --data-dir "$1" \
    --listen-client-urls "http://$(client c1)" \
    --advertise-client-urls "http://$(client c1)" \
    --listen-peer-urls "$(peer c1)" --initial-advertise-peer-urls "$(peer c1)" \
    --initial-cluster "c1=$(peer c1)" --snapshot-count 20 \
    --heartbeat-interval 50 --election-timeout 500 >"$WORK/c1.log" 2>&1 &
  PID[c1]=$!
  ALLPIDS+=($!)
}
stop() {
  kill -TERM "${PID[c1]}" 2>/dev/null
  wait "${PID[c1]}" 2>/dev/null
}
T0=$SECONDS

# ---- a member with state in every kind of file ----------------------------
BASE=$WORK/base
run "$BASE"
eventually ctl put key00 v00 || fail "the member never took a write"
for i in $(seq 1 59); do ctl put "key$(printf %02d "$i")" "value-$i-$RANDOM" >/dev/null || fail "put $i"; done
grep -q "snapshot at" "$WORK/c1.log" || fail "no snapshot was taken"
stop
run "$BASE"  # the reopen turns the logs into tables
eventually ctl endpoint health || fail "restart"
for i in $(seq 60 69); do ctl put "key$i" "value-$i-$RANDOM" >/dev/null || fail "put $i"; done
ctl get key --prefix >"$WORK/expected" || fail "get"
[[ $(grep -c '^key' "$WORK/expected") -eq 70 ]] || fail "want 70 keys"
stop
files=$(cd "$BASE" && find member -type f ! -name LOCK ! -name 'LOG*' | sort)
for kind in identity raft/CURRENT raft/MANIFEST- 'raft/.*\.ldb' 'raft/.*\.log' \
  kv/CURRENT kv/MANIFEST- 'kv/.*\.ldb' 'kv/.*\.log'; do
  grep -qE "member/$kind" <<<"$files" || fail "no $kind file in the data dir"
done
ok "a member with 70 keys and a snapshot; its files: $(tr '\n' ' ' <<<"$files")"

# ---- every file, every damage ---------------------------------------------
damage() {  # how file
  local size
  size=$(stat -c %s "$2")
  case $1 in
    flip)
      local off=$((size / 2)) b
      b=$(od -An -tu1 -j "$off" -N1 "$2" | tr -d ' ')
      printf "$(printf '\\%03o' $((b ^ 0x40)))" |
        dd of="$2" bs=1 seek="$off" conv=notrunc 2>/dev/null
      ;;
    half) truncate -s $((size / 2)) "$2" ;;
    empty) truncate -s 0 "$2" ;;
  esac
}
refused=0 served=0
for f in $files; do
  for how in flip half empty; do
    case_name="$f $how"
    T=$WORK/t
    rm -rf "$T"
    cp -a "$BASE" "$T"
    damage "$how" "$T/$f"
    run "$T"
    for _ in $(seq 1 50); do
      kill -0 "${PID[c1]}" 2>/dev/null || break
      ctl endpoint health >/dev/null 2>&1 && break
      sleep 0.1
    done
    if kill -0 "${PID[c1]}" 2>/dev/null; then
      # Running: only with every key and value as written.
      got=$(ctl get key --prefix --consistency=s)
      if [[ $got != "$(cat "$WORK/expected")" ]]; then
        fail "$case_name: started and serves other data"
      elif [[ ! $f =~ ^member/kv/.*\.log$ || $how == flip ]]; then
        fail "$case_name: started (only a cut keyspace log may)"
      else
        served=$((served + 1))
      fi
      kill -9 "${PID[c1]}"
      wait "${PID[c1]}" 2>/dev/null
      continue
    fi
    wait "${PID[c1]}"
    rc=$?
    err=$(grep '^Error: ' "$WORK/c1.log" | tail -n 1)
    if [[ $rc -ne 1 ]]; then
      fail "$case_name: exit status $rc, want 1 ($(tail -n 1 "$WORK/c1.log"))"
    elif [[ $err == *"$T/$f"* || $err == *"$(basename "$f")"* ]]; then
      refused=$((refused + 1))
    elif [[ $f =~ ^member/raft/.*\.log$ && $err == *"the log lost entries it had synced"* ]]; then
      refused=$((refused + 1))
    else
      fail "$case_name: the error does not name the file: '$err'"
    fi
  done
done
ok "$refused damaged copies refused with an error naming the file, $served (cut keyspace logs) serve every key"
echo "took $((SECONDS - T0)) s"
finish
