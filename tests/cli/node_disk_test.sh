#!/usr/bin/env bash
# Disk faults with real processes: a 3-member cairn cluster whose member
# m3 keeps its data directory on a small tmpfs of its own.
#
#  1. The tmpfs fills up (a filler file, then puts of 100 KB values): m3
#     raises etcd's NOSPACE alarm for itself before the disk is full
#     (--disk-reserve-bytes); every member refuses puts, txns with puts and
#     lease grants with etcd's "etcdserver: mvcc: database space exceeded"
#     and still serves reads and deletes.
#  2. Disarmed while m3 is still short, the alarm comes back.
#  3. Space freed (the filler removed) and the alarm disarmed: writes flow
#     again and the three members' KV hashes agree.
#  4. With no reserve left (--disk-reserve-bytes 1) m3's disk really fills:
#     m3 exits with status 1 and one fatal log line, nothing it could not
#     write is served; restarted on the still-full disk it refuses to start
#     with "no space left on device"; with space again it starts, catches
#     up and holds every write the cluster acknowledged.
#  5. etcd 3.4's etcdctl prints the same error for a NOSPACE put (when etcd
#     is installed; its NOSPACE comes from --quota-backend-bytes).
#
# Needs root (mount -t tmpfs); exits 77 (skipped) without it. The mount is
# made in a private mount namespace when unshare(1) allows it, and is
# unmounted on exit in any case.
#
# usage: node_disk_test.sh CAIRN CAIRNCTL
set -uo pipefail
CAIRN=$1
CTL=$2

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: needs root to mount a tmpfs"
  exit 77
fi
# A private mount namespace: the tmpfs disappears with this script's
# processes even if it is killed before its trap runs.
if [[ -z ${CAIRN_DISK_TEST_NS:-} ]] &&
  unshare -m --propagation private true 2>/dev/null; then
  CAIRN_DISK_TEST_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

WORK_PREFIX=cairn-disk
source "$(dirname "$0")/node_test_lib.sh"
MNT=$WORK/m3-disk
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=64m cairn-disk-test "$MNT" 2>/dev/null; then
  echo "SKIP: cannot mount a tmpfs here"
  exit 77
fi
disk_cleanup() {
  for p in "${ALLPIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null
  cleanup
}
trap disk_cleanup EXIT

for n in m1 m2 m3; do CPORT[$n]=$(free_port); PPORT[$n]=$(free_port); done
CLUSTER="m1=$(peer m1),m2=$(peer m2),m3=$(peer m3)"
ctl() {  # member args...
  local m=$1
  shift
  timeout 15 "$CTL" --endpoints="$(client "$m")" --command-timeout=10s "$@"
}
free_bytes() { df --output=avail -B1 "$MNT" | tail -n 1 | tr -d ' '; }
NOSPACE_ERR="Error: etcdserver: mvcc: database space exceeded"
RESERVE=$((16 << 20))
MiB=$((1 << 20))
start_m3() {  # reserve
  "$CAIRN" --name m3 --data-dir "$MNT/m3" \
    --listen-client-urls "http://$(client m3)" \
    --advertise-client-urls "http://$(client m3)" \
    --listen-peer-urls "$(peer m3)" \
    --initial-advertise-peer-urls "$(peer m3)" \
    --initial-cluster "$CLUSTER" --initial-cluster-state new \
    --heartbeat-interval 50 --election-timeout 500 \
    --disk-reserve-bytes "$1" >>"$WORK/m3.log" 2>&1 &
  PID[m3]=$!
  ALLPIDS+=($!)
}
head -c 75000 /dev/urandom | base64 -w0 >"$WORK/value"
VALUE=$(cat "$WORK/value")
T0=$SECONDS

# ---- a cluster, m3 on the tmpfs -----------------------------------------------
start m1 "$CLUSTER"
start m2 "$CLUSTER"
start_m3 "$RESERVE"
for n in m1 m2 m3; do
  eventually ctl "$n" endpoint health || fail "$n never became healthy"
done
for i in 1 2 3; do ctl m1 put "key$i" "value$i" >/dev/null || fail "put key$i"; done
M3_ID=$(ctl m1 member list | awk -F', ' '$3 == "m3" {print $1}')
M3_DEC=$(printf '%u' "0x$M3_ID")
[[ -n $M3_ID ]] || fail "m3's id not in member list"
ok "3 members, m3's data dir on a 64 MiB tmpfs ($(free_bytes) bytes free), reserve 16 MiB"

# ---- 1. the tmpfs fills up ----------------------------------------------------
fallocate -l $(($(free_bytes) - RESERVE - 3 * MiB)) "$MNT/filler" || fail "fallocate"
acked=0 err=""
for i in $(seq 1 60); do
  if err=$(ctl m1 put "big$i" "$VALUE" 2>&1 >/dev/null); then
    acked=$i
  else
    break
  fi
done
[[ $err == "$NOSPACE_ERR" ]] || fail "put $((acked + 1)) through m1: '$err', want '$NOSPACE_ERR'"
((acked >= 1 && acked < 60)) || fail "$acked puts before NOSPACE"
alarms=$(ctl m2 alarm list)
[[ $alarms == "memberID:$M3_DEC alarm:NOSPACE"* ]] || fail "alarm list: '$alarms'"
grep -q "disk space short: raising NOSPACE" "$WORK/m3.log" ||
  fail "m3 logged no NOSPACE raise"
[[ $(free_bytes) -gt $((RESERVE / 2)) ]] || fail "m3's disk used past half its reserve: $(free_bytes) free"
ok "the tmpfs filled: $acked puts acknowledged, then NOSPACE raised by m3 ($(free_bytes) bytes still free)"

for n in m1 m2 m3; do
  out=$(ctl "$n" put other x 2>&1)
  [[ $out == "$NOSPACE_ERR" ]] || fail "put via $n: '$out'"
done
LEASE_ERR="Error: failed to grant lease (etcdserver: mvcc: database space exceeded)"
out=$(ctl m3 lease grant 60 2>&1)
[[ $out == "$LEASE_ERR" ]] || fail "lease grant: '$out'"
out=$(printf 'value("key1") = "value1"\n\nput key1 changed\n\n\n' | ctl m2 txn 2>&1)
[[ $out == "$NOSPACE_ERR" ]] || fail "txn with a put: '$out'"
for n in m1 m2 m3; do
  [[ $(ctl "$n" get key2 --print-value-only) == value2 ]] || fail "linearizable get via $n"
  [[ $(ctl "$n" get "big$acked" --print-value-only --consistency=s) == "$VALUE" ]] ||
    fail "serializable get of big$acked via $n"
done
[[ $(ctl m3 del key3) == 1 ]] || fail "delete under NOSPACE"
status=$(ctl m1 endpoint status)
[[ $status == *"memberID:$M3_DEC alarm:NOSPACE"* ]] || fail "endpoint status errors: $status"
ok "puts, txns with puts, lease grants refused with etcd's error on every member; reads and deletes served"

# ---- 2. disarmed while still short: the alarm comes back -----------------------
fallocate -l $(($(stat -c %s "$MNT/filler") + $(free_bytes) - RESERVE + MiB)) "$MNT/filler" ||
  fail "fallocate more"
eventually grep -q "data directory short of disk space" "$WORK/m3.log" ||
  fail "m3 never logged it is short of space"
out=$(ctl m1 alarm disarm)
[[ $out == "memberID:$M3_DEC alarm:NOSPACE"* ]] || fail "disarm: '$out'"
alarm_back() { [[ $(ctl m1 alarm list) == "memberID:$M3_DEC alarm:NOSPACE"* ]]; }
eventually alarm_back || fail "the alarm did not come back"
out=$(ctl m1 put other x 2>&1)
[[ $out == "$NOSPACE_ERR" ]] || fail "put after the alarm came back: '$out'"
ok "disarmed while m3 is still short ($(free_bytes) bytes free), NOSPACE is raised again"

# ---- 3. space freed, alarm disarmed: writes flow -------------------------------
rm -f "$MNT/filler"
eventually grep -q "data directory has disk space again" "$WORK/m3.log" ||
  fail "m3 never noticed the space"
ctl m2 alarm disarm >/dev/null || fail "disarm"
[[ -z $(ctl m1 alarm list) ]] || fail "alarms left: $(ctl m1 alarm list)"
for n in m1 m2 m3; do
  ctl "$n" put "after-$n" ok >/dev/null || fail "put via $n after disarm"
done
ctl m1 put "big-after" "$VALUE" >/dev/null || fail "big put after disarm"
hashes_agree() {
  local h
  h=$(for n in m1 m2 m3; do ctl "$n" endpoint hashkv | awk -F', ' '{print $2}'; done | sort -u)
  [[ $(wc -l <<<"$h") -eq 1 && -n $h ]]
}
eventually hashes_agree || fail "KV hashes differ"
ok "space freed ($(free_bytes) bytes), alarm disarmed: writes flow, the members' hashes agree"

# ---- 4. no reserve: the disk really fills, m3 exits cleanly -------------------
kill -TERM "${PID[m3]}"
wait "${PID[m3]}" 2>/dev/null
start_m3 1
eventually ctl m3 endpoint health || fail "m3 did not come back"
fallocate -l $(($(free_bytes) - 2 * MiB)) "$MNT/filler" || fail "fallocate"
acked2=()
for i in $(seq 1 60); do
  ctl m1 put "full$i" "$VALUE" >/dev/null 2>&1 && acked2+=("full$i")
  kill -0 "${PID[m3]}" 2>/dev/null || break
done
for _ in $(seq 1 50); do kill -0 "${PID[m3]}" 2>/dev/null || break; sleep 0.1; done
if kill -0 "${PID[m3]}" 2>/dev/null; then
  fail "m3 still runs on a full disk ($(free_bytes) bytes free)"
else
  wait "${PID[m3]}"
  rc=$?
  [[ $rc -eq 1 ]] || fail "m3 exited with $rc, want 1"
  line=$(grep '"level":"fatal"' "$WORK/m3.log" | tail -n 1)
  [[ $line == *'"msg":"cannot write to the data directory"'*"No space left on device"* ]] ||
    fail "fatal line: '$line'"
fi
ok "no reserve: m3 exited with status 1 when its disk filled, the cluster acknowledged ${#acked2[@]} puts"

# Restarted on the still-full disk: a clear error, no service.
out=$(timeout 20 "$CAIRN" --name m3 --data-dir "$MNT/m3" \
  --listen-client-urls "http://$(client m3)" --listen-peer-urls "$(peer m3)" \
  --initial-advertise-peer-urls "$(peer m3)" --initial-cluster "$CLUSTER" 2>&1)
rc=$?
[[ $rc -eq 1 && $(tail -n 1 <<<"$out") == "Error: "*"No space left on device" ]] ||
  fail "restart on a full disk: status $rc, '$(tail -n 1 <<<"$out")'"
ok "restarted on the full disk, m3 refuses to start: $(tail -n 1 <<<"$out")"

rm -f "$MNT/filler"
start_m3 "$RESERVE"
eventually ctl m3 endpoint health || fail "m3 did not start with space again"
eventually hashes_agree || fail "KV hashes differ after m3's recovery"
for k in "${acked2[@]}"; do
  [[ $(ctl m3 get "$k" --print-value-only --consistency=s) == "$VALUE" ]] || fail "m3 lacks $k"
done
[[ $(ctl m3 get key2 --print-value-only --consistency=s) == value2 ]] || fail "m3 lost key2"
ok "with space again m3 recovers: every acknowledged put served, the hashes agree"

# ---- 5. etcd's text for the same alarm ----------------------------------------
if command -v etcd >/dev/null && command -v etcdctl >/dev/null; then
  CPORT[e1]=$(free_port)
  PPORT[e1]=$(free_port)
  etcd --name e1 --data-dir "$WORK/e1" --listen-client-urls "http://$(client e1)" \
    --advertise-client-urls "http://$(client e1)" --listen-peer-urls "$(peer e1)" \
    --initial-advertise-peer-urls "$(peer e1)" --initial-cluster "e1=$(peer e1)" \
    --quota-backend-bytes 65536 >>"$WORK/e1.log" 2>&1 &
  ALLPIDS+=($!)
  ectl() { ETCDCTL_API=3 timeout 15 etcdctl --endpoints="$(client e1)" "$@"; }
  eventually ectl endpoint health || fail "etcd never became healthy"
  eout=""
  # (etcdctl's client logs a JSON warning first: the last line is the error.)
  for i in $(seq 1 20); do
    eout=$(ectl put "big$i" "$VALUE" 2>&1 >/dev/null | tail -n 1) && [[ -z $eout ]] || break
  done
  [[ $eout == "$NOSPACE_ERR" ]] || fail "etcd's put error: '$eout'"
  eout=$(ectl lease grant 60 2>&1 | tail -n 1)
  [[ $eout == "$LEASE_ERR" ]] || fail "etcd's lease grant error: '$eout'"
  ealarm=$(ectl alarm list)
  [[ $ealarm == "memberID:"*" alarm:NOSPACE"* ]] || fail "etcd's alarm list: '$ealarm'"
  ok "etcd 3.4 prints the same errors and alarm list ($ealarm)"
fi

echo "took $((SECONDS - T0)) s"
finish
