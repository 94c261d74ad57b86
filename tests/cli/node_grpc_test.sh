#!/usr/bin/env bash
# The stock etcdctl 3.4 against cairn's gRPC front end, on the client port
# (part 1) and on its own address (--listen-grpc-urls, part 2).
#
# Part 1: two scripts of etcdctl commands (put/get with --prefix, --rev,
# --limit and -w json, del, txn, leases, member list, endpoint status,
# compaction, and the errors of a compacted revision, an unknown lease and
# a put with an unknown lease; then the streams and auth: watch with
# --prefix, --prev-kv, --rev, -w json, -i with a progress request, a
# watch of a compacted revision, lease keep-alive and --once, lock, elect,
# users, roles, auth enable, --user, a wrong password, permission denied)
# run against a 1-member cairn through its client port, then, when
# etcd 3.4 is installed, against etcd started with the same name and peer
# URL (so the member and cluster ids match), listening for clients on the
# same port (so the endpoints and member lists match). The outputs must be the same, after
# normalizing what changes from run to run (lease ids, remaining TTLs,
# database sizes, Raft indexes) and the Raft term (a lone etcd member
# leads at term 2, cairn's at term 1). Without etcd the script's output is
# checked against the expectations below.
#
# Part 2: a 3-member cairn with gRPC on every member: writes through one
# member are read through another, the member list has all three, a
# lease's time-to-live asked of followers is forwarded to the leader, a
# learner is added, refused promotion before it has started, started,
# promoted and removed, and leadership moves. Lease keep-alive
# through every member (followers forward to the leader), a watch on one
# member seeing the writes made through the others, and
# Maintenance.Snapshot sending what the gateway's snapshot sends. A
# member whose gRPC address is taken logs gRPC's error as JSON.
#
# Usage: node_grpc_test.sh CAIRN. Exits 77 (skip) without etcdctl.
set -u
CAIRN=$1
CTL=etcdctl
WORK_PREFIX=cairn-grpc
command -v etcdctl >/dev/null || { echo "etcdctl not installed; skipping"; exit 77; }
# shellcheck source=tests/cli/node_test_lib.sh
source "$(dirname "$0")/node_test_lib.sh"
export ETCDCTL_API=3

declare -A GPORT
grpc() { echo "127.0.0.1:${GPORT[$1]}"; }
# etcdctl through member $1's gRPC port, or (ctlc) its client port.
ctl() { local m=$1; shift; etcdctl --endpoints="$(grpc "$m")" --command-timeout=10s "$@"; }
ctlc() { local m=$1; shift; etcdctl --endpoints="$(client "$m")" --command-timeout=10s "$@"; }

# start_grpc NAME CLUSTER: a member serving gRPC on GPORT[NAME] too.
start_grpc() {
  CAIRN_LISTEN_GRPC_URLS="http://$(grpc "$1")" start "$1" "$2"
}

# ---- Part 1: one member, compared with etcd --------------------------------

for m in m1; do CPORT[$m]=$(free_port); PPORT[$m]=$(free_port); GPORT[$m]=$(free_port); done

# run_script ENDPOINT OUT: the script against ENDPOINT, normalized.
run_script() {
  local ep=$1 out=$2 lease
  e() { etcdctl --endpoints="$ep" --command-timeout=10s "$@"; }
  step() {  # step ARGS...: runs etcdctl, records the command, output, exit
    echo "\$ $*" >>"$out"
    e "$@" 2>&1 | grep -v '^{"level":'
    echo "[exit ${PIPESTATUS[0]}]"
  } >>"$out"
  : >"$out"
  step put foo bar
  step put foo2 baz
  step put zoo z1
  step get foo
  step get --prefix foo
  step get --prefix foo --limit 1
  step get "" --from-key --keys-only
  step get foo --rev 1
  step put foo bar2 --prev-kv
  step get foo --rev 2 -w json
  step get --prefix foo -w json
  step get foo --print-value-only
  step get --prefix "" --count-only -w json
  step del foo2
  step del --prefix zo --prev-kv
  echo '$ txn (value("foo") = "bar2")' >>"$out"
  printf 'value("foo") = "bar2"\n\nput t1 yes\nget foo\n\nput t1 no\n\n' |
    e txn >>"$out" 2>&1; echo "[exit $?]" >>"$out"
  echo '$ txn -w json (mod("foo") > "100")' >>"$out"
  printf 'mod("foo") > "100"\n\nput t2 a\n\ndel t1\n\n' |
    e txn -w json >>"$out" 2>&1; echo "[exit $?]" >>"$out"
  # Before any key has a lease: the hash covers lease ids, which differ.
  step endpoint hashkv
  lease=$(e lease grant 100 | awk '{print $2}')
  step lease timetolive "$lease"
  step put lk lv --lease="$lease"
  step lease timetolive "$lease" --keys
  step lease timetolive "$lease" -w json
  step lease list
  step get lk -w json
  step lease revoke "$lease"
  step lease timetolive "$lease"
  step get lk
  step member list
  step member list -w json
  step endpoint status
  step endpoint status -w json
  step endpoint health
  step endpoint status --cluster
  step endpoint health --cluster
  step alarm list
  step alarm disarm
  step get --prefix "" --sort-by=MODIFY --order=DESCEND --keys-only
  step get a --from-key --limit 2
  step get foo --consistency=s
  step put foo --ignore-value
  step defrag
  step compaction 5
  step get foo --rev 3
  step get foo --rev 100
  step lease timetolive 1234
  step lease revoke 1234
  step put x y --lease=1234
  step compaction 3
  step compaction --physical 6
  step del --from-key t
  step get "" --from-key -w json
  # Normalized: lease ids (the granted one by name), remaining TTLs,
  # sizes, Raft indexes and the time a health check took.
  sed -i -E \
    -e "s/$lease/LEASE/g" \
    -e "s/$((16#$lease))/LEASE/g" \
    -e 's/remaining\([0-9]+s\)/remaining(R)/g' \
    -e 's/"TTL":[0-9]+/"TTL":R/g' \
    -e 's/, [0-9.]+ [kMG]?B, (true|false), (true|false), ([0-9]+), [0-9]+, [0-9]+, /, SIZE, \1, \2, \3, I, I, /' \
    -e 's/"(dbSize|dbSizeInUse|raftIndex|raftAppliedIndex)":[0-9]+/"\1":N/g' \
    -e 's/took = [0-9.]+(ns|µs|ms|s)/took = T/g' \
    -e 's/"(raft_term|raftTerm)":[0-9]+/"\1":TERM/g' \
    -e 's/, SIZE, (true|false), (true|false), [0-9]+, /, SIZE, \1, \2, TERM, /' \
    "$out"
}

# run_streams ENDPOINT OUT: the streams (watch, lease keep-alive, lock,
# elect) and the auth service, after run_script, normalized. A watcher
# runs in the background under a timeout while the writes it should see
# are made; its output is recorded when it has ended.
run_streams() {
  local ep=$1 out=$2 lease rev d=$WORK/streams
  e() { etcdctl --endpoints="$ep" --command-timeout=10s "$@"; }
  step() {
    echo "\$ $*" >>"$out"
    e "$@" 2>&1 | grep -v '^{"level":'
    echo "[exit ${PIPESTATUS[0]}]"
  } >>"$out"
  # bg NAME SECONDS ARGS...: etcdctl ARGS in the background for SECONDS.
  bg() {
    local name=$1 secs=$2; shift 2
    echo "$*" >"$d/$name.cmd"
    timeout "$secs" etcdctl --endpoints="$ep" "$@" >"$d/$name.out" 2>&1 &
    echo $! >"$d/$name.pid"
  }
  # show NAME: waits for a background etcdctl and records what it printed.
  show() {
    wait "$(cat "$d/$1.pid")" 2>/dev/null
    echo "\$ (background) $(cat "$d/$1.cmd")"
    grep -v '^{"level":' "$d/$1.out"
  } >>"$out"
  mkdir -p "$d"; : >"$out"
  rev=$(e get nothing -w json | sed -nE 's/.*"revision":([0-9]+).*/\1/p')
  bg w_key 4 watch wk --prev-kv
  bg w_prefix 4 watch --prefix w
  bg w_json 4 watch wk -w json
  bg w_rev 4 watch wk --rev $((rev + 1))
  (printf 'watch wk2\n'; sleep 2; printf 'progress\n'; sleep 4) |
    timeout 4 etcdctl --endpoints="$ep" watch -i >"$d/w_i.out" 2>&1 &
  echo $! >"$d/w_i.pid"; echo "watch -i (watch wk2, progress)" >"$d/w_i.cmd"
  sleep 1.5
  step put wk v1
  step put wk v2
  step del wk
  step put wx x
  step put wk2 i1
  for name in w_key w_prefix w_json w_rev w_i; do show "$name"; done
  step watch wk --rev 2
  lease=$(e lease grant 30 | awk '{print $2}')
  step lease keep-alive --once "$lease"
  bg ka 2 lease keep-alive "$lease"
  show ka
  step lease keep-alive 1234
  step lease keep-alive --once 1234
  step lock l1 echo locked
  bg holder 4 lock l1
  sleep 1
  bg waiter 2 lock l1 echo never  # the holder has it
  show waiter
  show holder
  bg leader 4 elect el p1
  sleep 1
  bg listen 2 elect -l el
  show listen
  show leader
  step user add root --new-user-password=x
  step user grant-role root root
  step role add r1
  step role grant-permission r1 read foo
  step role grant-permission r1 readwrite --prefix p/
  step role get r1
  step user add u1 --new-user-password=y
  step user grant-role u1 r1
  step user get u1
  step user list
  step role list
  step auth enable
  step get foo
  step --user root:x get foo
  step --user root:bad get foo
  step --user u1:y get foo
  step --user u1:y put foo no
  step --user u1:y put p/1 yes
  step --user u1:y get --prefix p/
  step --user u1:y user list
  bg w_denied 2 --user u1:y watch zoo
  show w_denied
  step --user root:x auth disable
  step user delete u1
  step get p/1
  # Normalized: lease ids (a lock's or election's key ends in one), the
  # revision header of -w json watch output.
  sed -i -E \
    -e "s/$lease/LEASE/g" \
    -e 's#(l1|el)/[0-9a-f]+#\1/LEASE#g' \
    -e 's/"(raft_term|raftTerm)":[0-9]+/"\1":TERM/g' \
    "$out"
}

start m1 "m1=$(peer m1)"
eventually ctlc m1 endpoint health || fail "m1 answered no health check over gRPC on its client port"
run_script "$(client m1)" "$WORK/cairn.out"
ok "etcdctl's script ran against cairn over gRPC on the client port"
run_streams "$(client m1)" "$WORK/cairn-streams.out"
ok "etcdctl's streams and auth script ran against cairn over gRPC on the client port"

# What must hold whatever etcd says (also without etcd installed).
expect() {  # expect PATTERN WHY
  grep -qE -- "$1" "$WORK/cairn.out" || fail "$2: no line matches '$1'"
}
expect '^foo$' "get prints the key"
expect '^bar2$' "--print-value-only prints the new value"
expect '"kvs":\[\{"key":"Zm9v","create_revision":2,"mod_revision":2,"version":1,"value":"YmFy"\}\]' "get --rev 2 -w json"
expect '^SUCCESS$' "the txn's compare holds"
expect 'lease LEASE granted with TTL\(100s\), remaining\(R\), attached keys\(\[lk\]\)' "timetolive --keys"
expect '^lease LEASE revoked$' "lease revoke"
expect '^lease LEASE already expired$' "a revoked lease has expired"
expect ', started, m1, http://127.0.0.1:[0-9]+, http://127.0.0.1:[0-9]+, false$' "member list"
expect '^compacted revision 5$' "compaction"
expect '^Error: etcdserver: mvcc: required revision has been compacted$' "get --rev of a compacted revision"
expect '^Error: etcdserver: mvcc: required revision is a future revision$' "get --rev of a future revision"
expect '^lease 0000000000001234 already expired$' "timetolive of an unknown lease"
expect '^Error: etcdserver: requested lease not found$' "an unknown lease"
expect 'is healthy: successfully committed proposal' "endpoint health"
ok "etcdctl's answers from cairn"

kill "${PID[m1]}"; wait "${PID[m1]}" 2>/dev/null
if command -v etcd >/dev/null; then
  etcd --name m1 --data-dir "$WORK/etcd" \
    --listen-client-urls "http://$(client m1)" \
    --advertise-client-urls "http://$(client m1)" \
    --listen-peer-urls "$(peer m1)" \
    --initial-advertise-peer-urls "$(peer m1)" \
    --initial-cluster "m1=$(peer m1)" >"$WORK/etcd.log" 2>&1 &
  ALLPIDS+=($!)
  eventually ctlc m1 endpoint health || fail "etcd did not start"
  run_script "$(client m1)" "$WORK/etcd.out"
  if ! diff -u "$WORK/etcd.out" "$WORK/cairn.out"; then
    fail "etcdctl's output differs (- etcd 3.4, + cairn)"
  fi
  ok "etcdctl prints the same for etcd and cairn ($(grep -c '^\$ ' "$WORK/etcd.out") commands)"
  run_streams "$(client m1)" "$WORK/etcd-streams.out"
  if ! diff -u "$WORK/etcd-streams.out" "$WORK/cairn-streams.out"; then
    fail "etcdctl's streams and auth output differs (- etcd 3.4, + cairn)"
  fi
  ok "etcdctl's streams and auth print the same for etcd and cairn ($(grep -c '^\$ ' "$WORK/etcd-streams.out") commands)"
  kill "${ALLPIDS[-1]}"; wait "${ALLPIDS[-1]}" 2>/dev/null
else
  echo "etcd not installed: no comparison with etcd"
fi

# ---- Part 2: three members -------------------------------------------------

for m in n1 n2 n3; do CPORT[$m]=$(free_port); PPORT[$m]=$(free_port); GPORT[$m]=$(free_port); done
cluster="n1=$(peer n1),n2=$(peer n2),n3=$(peer n3)"
for m in n1 n2 n3; do start_grpc "$m" "$cluster"; done
for m in n1 n2 n3; do
  eventually ctl "$m" endpoint health || fail "$m answered no health check"
done
ctl n1 put k3 v3 >/dev/null || fail "put through n1"
for m in n2 n3; do
  eventually sh -c "etcdctl --endpoints=$(grpc "$m") get k3 --print-value-only | grep -qx v3" ||
    fail "$m does not read k3"
done
ok "a write through one member is read through the others"

[[ $(ctl n2 member list | grep -c ', started, ') -eq 3 ]] || fail "n2 lists three started members"
ok "member list over gRPC"

# The client port serves gRPC too: etcdctl asks every member's client URL.
st=$(ctlc n1 endpoint status --cluster 2>&1) || fail "endpoint status --cluster: $st"
[[ $(wc -l <<<"$st") -eq 3 && $(grep -c ', true, false, ' <<<"$st") -eq 1 ]] ||
  fail "endpoint status --cluster lists three members, one leader: $st"
ok "endpoint status --cluster over every member's client port"

lease=$(ctl n3 lease grant 60 | awk '{print $2}')
for m in n1 n2 n3; do
  ctl "$m" lease timetolive "$lease" | grep -qE "^lease $lease granted with TTL\(60s\), remaining\([0-9]+s\)$" ||
    fail "$m: timetolive of $lease"
done
ok "lease timetolive answered by every member (followers forward to the leader)"

for m in n1 n2 n3; do
  ctl "$m" lease keep-alive --once "$lease" | grep -qx "lease $lease keepalived with TTL(60)" ||
    fail "$m: keep-alive --once of $lease"
done
timeout 2 etcdctl --endpoints="$(grpc n2)" lease keep-alive "$lease" >"$WORK/ka.out" 2>&1
grep -qx "lease $lease keepalived with TTL(60)" "$WORK/ka.out" || fail "keep-alive stream through n2: $(cat "$WORK/ka.out")"
ok "lease keep-alive through every member (followers forward to the leader)"

timeout 4 etcdctl --endpoints="$(grpc n3)" watch --prefix wp >"$WORK/w3.out" 2>&1 &
sleep 1.5
ctl n1 put wp1 a >/dev/null && ctl n2 put wp2 b >/dev/null || fail "puts for the watch"
wait $! 2>/dev/null
[[ $(cat "$WORK/w3.out") == $'PUT\nwp1\na\nPUT\nwp2\nb' ]] || fail "n3's watch: $(cat "$WORK/w3.out")"
ok "a watch on one member sees the writes made through the others"

# Maintenance.Snapshot streams the gateway's snapshot: the same bytes,
# sized as a bolt file (512-byte pages and a 32-byte SHA-256), which is
# what etcdctl 3.4 checks before it keeps the file.
ctl n2 put snap-key v >/dev/null
curl -s -m 20 -X POST "http://$(client n2)/v3/maintenance/snapshot" -d '{}' >"$WORK/stream.json"
python3 -c '
import base64, json, sys
with open(sys.argv[2], "wb") as f:
    for l in open(sys.argv[1]):
        f.write(base64.b64decode(json.loads(l)["result"]["blob"]))
' "$WORK/stream.json" "$WORK/gateway.db"
out=$(ctlc n2 snapshot save "$WORK/grpc.db" 2>&1)
[[ $out == *"Snapshot saved at $WORK/grpc.db"* ]] || fail "etcdctl snapshot save: $out"
[[ ! -e "$WORK/grpc.db.part" ]] || fail "etcdctl left grpc.db.part"
cmp -s "$WORK/grpc.db" "$WORK/gateway.db" || fail "etcdctl saved other bytes than the gateway streams"
bytes=$(stat -c %s "$WORK/grpc.db")
(( bytes % 512 == 32 )) || fail "a snapshot of $bytes bytes is not pages and a SHA-256"
ok "etcdctl snapshot save keeps Maintenance.Snapshot's $bytes bytes, the gateway's"

ctl n2 txn <<<$'version("k3") = "1"\n\nput k4 v4\n\n' | grep -qx SUCCESS || fail "txn through n2"
[[ $(ctl n3 get k4 --print-value-only) == v4 ]] || fail "n3 reads k4"
ok "txn over gRPC"

spare=$(free_port)
added=$(ctl n1 member add n4 --learner --peer-urls="http://127.0.0.1:$spare")
id=$(echo "$added" | sed -nE 's/^Member +([0-9a-f]+) added to cluster.*/\1/p')
[[ -n "$id" ]] || fail "member add: $added"
ctl n2 member list | grep -q "^$id, unstarted, , http://127.0.0.1:$spare, , true$" ||
  fail "n2 lists the learner"
out=$(ctl n1 member promote "$id" 2>&1)
[[ $out == *"Error: etcdserver: can only promote a learner member which is in sync with leader"* ]] ||
  fail "promoting a learner that never started: $out"
# The learner starts, catches up, and is promoted.
CPORT[n4]=$(free_port); PPORT[n4]=$spare
start n4 "$cluster,n4=http://127.0.0.1:$spare" existing
eventually sh -c "etcdctl --endpoints=$(grpc n1) member promote $id 2>/dev/null | grep -q '^Member *$id promoted in cluster '" ||
  fail "member promote of the started learner"
ctl n2 member list | grep -q "^$id, started, n4, http://127.0.0.1:$spare, http://127.0.0.1:${CPORT[n4]}, false$" ||
  fail "n2 lists n4 as a voter: $(ctl n2 member list)"
ctl n3 member remove "$id" | grep -q "^Member *$id removed from cluster " ||
  fail "member remove"
[[ $(ctl n1 member list | wc -l) -eq 3 ]] || fail "three members after the removal"
kill "${PID[n4]}" 2>/dev/null; wait "${PID[n4]}" 2>/dev/null
ok "member add (learner), promote and remove over gRPC"

all="$(grpc n1),$(grpc n2),$(grpc n3)"
status=$(etcdctl --endpoints="$all" endpoint status)
leader=$(echo "$status" | awk -F', ' '$5 == "true" {print $2}')
target=$(echo "$status" | awk -F', ' '$5 == "false" {print $2; exit}')
etcdctl --endpoints="$all" move-leader "$target" |
  grep -qx "Leadership transferred from $leader to $target" || fail "move-leader"
eventually sh -c "etcdctl --endpoints=$all endpoint status | grep -q ', $target, .*, true, false, '" ||
  fail "$target leads after move-leader"
ok "move-leader over gRPC"

# gRPC's own log lines are JSON records too: a member whose gRPC address
# is taken (n1's) fails to start, and gRPC's bind error is in its log.
CPORT[n5]=$(free_port); PPORT[n5]=$(free_port); GPORT[n5]=${GPORT[n1]}
start_grpc n5 "n5=$(peer n5)"
wait "${PID[n5]}" && fail "n5 started on a taken gRPC address"
grep -q '^{"level":"error",.*"msg":"UNKNOWN:No address added.*"caller":"[^"]*chttp2_server.cc:[0-9]*"}$' "$WORK/n5.log" ||
  fail "gRPC's bind error as a JSON record: $(cat "$WORK/n5.log")"
bad=$(grep -v '^{.*}$' "$WORK/n5.log" | grep -v '^Error: ')
[[ -z $bad ]] || fail "lines that are not JSON records: $bad"
ok "gRPC's log lines are JSON records"

finish
