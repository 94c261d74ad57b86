#!/usr/bin/env bash
# Integration test of real cairn processes: a 3-member cluster on free
# loopback ports, used over curl (the JSON gateway) and cairnctl. Covers
# a second member on ports in use (etcd's error), basic KV, errors for bad
# requests, a watch stream, lease keep-alive sent to a follower
# (forwarded to the leader), leader kill -9 and re-election
# without losing an acknowledged write, restart with data intact, member
# add (learner) / promote / remove (the removed member stops by itself),
# a lock whose holder is killed (its lease expires, the next locker gets
# it), cairnctl's failover past a dead endpoint and its error paths, and
# SIGTERM (exit 0, leadership handed over).
#
# usage: node_cluster_test.sh CAIRN CAIRNCTL
# Every wait is bounded; every process is killed by PID on exit.
set -uo pipefail
CAIRN=$1
CTL=$2
WORK_PREFIX=cairn-cluster
source "$(dirname "$0")/node_test_lib.sh"

for n in m1 m2 m3 m4; do CPORT[$n]=$(free_port); PPORT[$n]=$(free_port); done
CLUSTER="m1=$(peer m1),m2=$(peer m2),m3=$(peer m3)"
ALL="$(client m1),$(client m2),$(client m3)"

ctl() { timeout 20 "$CTL" --endpoints="$ALL" --command-timeout=10s "$@"; }
post() { curl -s -m 10 -X POST "http://$(client "$1")$2" -d "$3"; }

leader() {  # prints the name of the member that says it is the leader
  for n in m1 m2 m3 m4; do
    [[ -n "${PID[$n]:-}" ]] || continue
    kill -0 "${PID[$n]}" 2>/dev/null || continue
    if post "$n" /v3/maintenance/status '{}' | grep -q "\"leader\":\"$(member_id "$n")\""; then
      echo "$n"; return 0
    fi
  done
  return 1
}
member_id() {
  post "$1" /v3/maintenance/status '{}' |
    sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p'
}

# ---- a cluster ----------------------------------------------------------
for n in m1 m2 m3; do start "$n" "$CLUSTER" new; done
eventually ctl endpoint health || fail "cluster never became healthy"
ok "3 members healthy"
# etcd's --initial-election-tick-advance: each member, once a peer answered,
# skipped all but two ticks of its first election timeout.
for n in m1 m2 m3; do
  grep -q '"msg":"initialized peer connections; fast-forwarding election ticks".*"forward-ticks":8.*"active-remote-members":[12]' "$WORK/$n.log" ||
    fail "$n did not fast-forward its election ticks"
done
ok "every member fast-forwarded its first election"

# ---- a port in use: refused as etcd refuses it, not shared ----------------
out=$(timeout 10 "$CAIRN" --name dup --data-dir "$WORK/dup" \
  --listen-client-urls "http://$(client m1)" --advertise-client-urls "http://$(client m1)" \
  --listen-peer-urls "$(peer m1)" --initial-advertise-peer-urls "$(peer m1)" \
  --initial-cluster "dup=$(peer m1)" 2>&1)
rc=$?
[[ $rc == 1 && $out == *"Error: listen tcp 127.0.0.1:${PPORT[m1]}: bind: address already in use" ]] ||
  fail "second member on m1's ports: rc=$rc ${out: -200}"
ok "a second member on ports in use exits with etcd's error"

# ---- KV over the JSON gateway -------------------------------------------
out=$(post m1 /v3/kv/put '{"key":"Zm9v","value":"YmFy"}')
[[ $out == *'"revision":"2"'* ]] || fail "put: $out"
out=$(post m2 /v3/kv/range '{"key":"Zm9v"}')
[[ $out == *'"value":"YmFy"'* && $out == *'"count":"1"'* ]] || fail "range on a follower: $out"
out=$(post m3 /v3/kv/txn '{"compare":[{"key":"Zm9v","target":"VALUE","value":"YmFy"}],"success":[{"request_put":{"key":"Zm9v","value":"YmF6"}}]}')
[[ $out == *'"succeeded":true'* ]] || fail "txn: $out"
out=$(post m1 /v3/kv/deleterange '{"key":"Zm9v"}')
[[ $out == *'"deleted":"1"'* ]] || fail "delete: $out"
ok "put, range, txn, delete over curl"

# ---- bad requests get etcd's errors --------------------------------------
out=$(post m1 /v3/kv/put '{"key":')
[[ $out == *'"code":3'* ]] || fail "malformed JSON: $out"
out=$(post m1 /v3/kv/put '{"value":"YmFy"}')
[[ $out == *'etcdserver: key is not provided'* ]] || fail "empty key: $out"
out=$(post m1 /v3/kv/put '{"key":"!!!"}')
[[ $out == *'"code":3'* ]] || fail "bad base64: $out"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://$(client m1)/v3/kv/nope" -d '{}')
[[ $code == 404 ]] || fail "unknown path answered $code"
{ printf '{"key":"Yg==","value":"'; head -c 2000000 /dev/zero | base64 -w0; printf '"}'; } >"$WORK/big.json"
out=$(curl -s -m 10 -X POST "http://$(client m1)/v3/kv/put" --data-binary @"$WORK/big.json")
[[ $out == *'etcdserver: request is too large'* ]] || fail "oversize: ${out:0:200}"
ok "bad requests answered with etcd's errors"

# ---- a watch stream ------------------------------------------------------
curl -s -N -m 4 -X POST "http://$(client m2)/v3/watch" \
  -d '{"create_request":{"key":"dw=="}}' >"$WORK/watch.out" 2>/dev/null &
wpid=$!
sleep 0.5
ctl put w v1 >/dev/null
wait $wpid
grep -q '"created":true' "$WORK/watch.out" && grep -q '"value":"djE="' "$WORK/watch.out" ||
  fail "watch stream: $(cat "$WORK/watch.out")"
ok "watch stream on a follower saw the put"

# ---- leases through a follower -------------------------------------------
lead=$(leader) || fail "no leader"
follower=m1; [[ $lead == m1 ]] && follower=m2
lid=$(timeout 10 "$CTL" --endpoints="$(client $follower)" lease grant 30 | awk '{print $2}')
out=$(timeout 10 "$CTL" --endpoints="$(client $follower)" lease keep-alive --once "$lid")
[[ $out == "lease $lid keepalived with TTL(30)" ]] || fail "keep-alive via follower: $out"
out=$(timeout 10 "$CTL" --endpoints="$(client $follower)" lease timetolive "$lid")
[[ $out == *"granted with TTL(30s)"* ]] || fail "timetolive via follower: $out"
ok "lease keep-alive and time-to-live forwarded to the leader"

# ---- lock: a holder that crashes loses the lock when its lease expires -----
"$CTL" --endpoints="$ALL" lock --ttl 2 crashlock -- sh -c "echo \$\$ >'$WORK/held'; sleep 30" \
  >"$WORK/lockA.out" 2>&1 &
holder=$!
ALLPIDS+=($holder)
held() { [[ -s $WORK/held ]]; }
eventually held || fail "first locker never held the lock"
kill -9 "$holder"; wait "$holder" 2>/dev/null
kill -9 "$(cat "$WORK/held")" 2>/dev/null
out=$(timeout 20 "$CTL" --endpoints="$ALL" lock --ttl 2 crashlock -- sh -c 'echo acquired "$ETCD_LOCK_KEY"')
[[ $out == "acquired crashlock/"* ]] || fail "lock after the holder crashed: $out"
[[ -z $(ctl get --prefix crashlock --keys-only) ]] || fail "lock keys left behind"
ok "lock: the crashed holder's lease expired and the next locker got the lock"

# ---- leader kill -9: no acknowledged write lost ---------------------------
for i in $(seq 1 30); do ctl put "k$i" "v$i" >/dev/null || fail "put k$i"; done
lead=$(leader)
kill -9 "${PID[$lead]}"; wait "${PID[$lead]}" 2>/dev/null
eventually ctl put after-kill 1 || fail "no write after the leader died"
for i in $(seq 1 30); do
  [[ $(ctl get "k$i" --print-value-only) == "v$i" ]] || fail "lost k$i"
done
ok "leader $lead killed; new leader $(leader); 30 acknowledged writes kept"

# ---- cairnctl against cairn: failover and error paths ---------------------
alive=m1; [[ $lead == m1 ]] && alive=m2
out=$(timeout 20 "$CTL" --endpoints="$(client "$lead"),$(client "$alive")" put failover 1)
[[ $out == OK ]] || fail "no failover from the dead $lead to $alive: $out"
err=$(timeout 20 "$CTL" --endpoints="$(client "$lead")" --dial-timeout=1s --command-timeout=3s get k1 2>&1 >/dev/null)
rc=$?
[[ $rc == 1 && $err == "Error: context deadline exceeded" ]] || fail "dead endpoint: exit $rc, '$err'"
out=$(ctl get no-such-key); rc=$?
[[ $rc == 0 && -z $out ]] || fail "missing key: exit $rc, '$out'"
ctl compaction 5 >/dev/null || fail "compaction"
err=$(ctl get k1 --rev=3 2>&1 >/dev/null); rc=$?
[[ $rc == 1 && $err == "Error: etcdserver: mvcc: required revision has been compacted" ]] ||
  fail "compacted revision: exit $rc, '$err'"
err=$(ctl get --bogus-flag 2>&1 >/dev/null); rc=$?
[[ $rc == 1 && $err == *"unknown flag: --bogus-flag"* ]] || fail "bad flag: exit $rc, '$err'"
ok "cairnctl fails over past a dead endpoint; etcdctl's errors for a dead cluster, a missing key, a compacted revision, a bad flag"

# ---- restart with data intact ---------------------------------------------
start "$lead" "$CLUSTER" new
got() { [[ $(timeout 5 "$CTL" --endpoints="$(client "$lead")" get after-kill --consistency=s --print-value-only) == 1 ]]; }
eventually got || fail "restarted member never caught up"
[[ $(timeout 5 "$CTL" --endpoints="$(client "$lead")" get k7 --consistency=s --print-value-only) == v7 ]] ||
  fail "restarted member lost k7"
ok "restarted $lead caught up with its data"

# ---- member add (learner), promote, remove --------------------------------
out=$(ctl member add m4 --learner --peer-urls="$(peer m4)")
[[ $out == *"added to cluster"* ]] || fail "member add: $out"
start m4 "$CLUSTER,m4=$(peer m4)" existing
m4id=$(ctl member list | awk -F', ' '$3 == "m4" || $4 == "'"$(peer m4)"'" {print $1}')
promote() { ctl member promote "$m4id"; }
eventually promote || fail "learner never promoted"
[[ $(ctl member list | grep -c ', false$') == 4 ]] || fail "not 4 voters: $(ctl member list)"
ok "m4 added as learner, caught up, promoted"
ctl member remove "$m4id" >/dev/null || fail "member remove"
gone() { ! kill -0 "${PID[m4]}" 2>/dev/null; }
eventually gone || fail "removed member still running"
unset 'PID[m4]'
ok "m4 removed and stopped by itself"

# ---- SIGTERM: exit 0 and hand leadership over -----------------------------
lead=$(leader)
kill -TERM "${PID[$lead]}"
wait "${PID[$lead]}"; rc=$?
[[ $rc == 0 ]] || fail "SIGTERM exit code $rc"
grep -q 'transferred leadership' "$WORK/$lead.log" || fail "no leadership hand-over"
unset "PID[$lead]"
eventually ctl put after-term 1 || fail "no write after SIGTERM"
ok "SIGTERM: $lead exited 0 after handing leadership over"

finish
