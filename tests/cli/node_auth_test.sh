#!/usr/bin/env bash
# Integration test of auth on real cairn processes: a 3-member cluster
# (snapshots every 5 entries), set up with cairnctl (user add, role add,
# role grant-permission, user grant-role, auth enable), then over curl:
# a token issued by one member works on the others, etcd's errors and
# HTTP codes for no token (400), a bad token (401), a denied read or write
# (403) and a denied watch; admin calls and maintenance root-only; a
# password change kills the user's tokens; a member killed with -9 comes
# back with the auth state (tokens are per process, as in etcd); a member
# added later gets the auth state through a snapshot; snapshot save is
# root-only and a restored cluster keeps the auth state. The same flow
# against etcd, with identical output, is tests/testdata/cli/
# node_auth_compat.txt (run by etcdctl_compat.sh).
#
# usage: node_auth_test.sh CAIRN CAIRNCTL
set -uo pipefail
CAIRN=$1
CTL=$2
WORK_PREFIX=cairn-auth
source "$(dirname "$0")/node_test_lib.sh"
export CAIRN_SNAPSHOT_COUNT=5

for n in m1 m2 m3 m4 r1; do CPORT[$n]=$(free_port); PPORT[$n]=$(free_port); done
CLUSTER="m1=$(peer m1),m2=$(peer m2),m3=$(peer m3)"
ALL="$(client m1),$(client m2),$(client m3)"

ctl() { timeout 20 "$CTL" --endpoints="$ALL" --command-timeout=10s "$@"; }
# post MEMBER PATH BODY [TOKEN]: prints the body, then " [HTTP code]".
post() {
  curl -s -m 10 -w ' [%{http_code}]' -X POST ${4:+-H "Authorization: $4"} \
    "http://$(client "$1")$2" -d "$3"
}
token() {  # member user password
  post "$1" /v3/auth/authenticate "{\"name\":\"$2\",\"password\":\"$3\"}" |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
expect() {  # what output pattern
  [[ $2 == $3 ]] || fail "$1: $2"
}
DENIED='*"error":"etcdserver: permission denied"*"code":7}*\[403\]'
NOUSER='*"error":"etcdserver: user name is empty"*"code":3}*\[400\]'
BADTOKEN='*"error":"etcdserver: invalid auth token"*"code":16}*\[401\]'

for n in m1 m2 m3; do start "$n" "$CLUSTER" new; done
all_healthy() {
  for n in m1 m2 m3; do curl -sf "http://$(client "$n")/health" || return 1; done
}
# Nothing below means anything without the cluster: stop at once.
eventually all_healthy || { fail "cluster never became healthy"; finish; }
ok "3 members healthy"

# ---- set up with cairnctl --------------------------------------------------
ctl put foo/1 v1 >/dev/null && ctl put bar b >/dev/null || fail "puts"
out=$(ctl auth enable 2>&1)
expect "enable without root" "$out" "*root user does not exist*"
ctl user add root:rootpw >/dev/null || fail "user add root"
ctl user add alice:apw >/dev/null || fail "user add alice"
ctl role add reader >/dev/null || fail "role add"
ctl role grant-permission reader read foo/ --prefix >/dev/null || fail "grant"
ctl role grant-permission reader readwrite own/ --prefix >/dev/null ||
  fail "grant own/"
ctl user grant-role alice reader >/dev/null || fail "grant-role"
out=$(ctl auth enable)
expect "auth enable" "$out" "Authentication Enabled"
ok "users, roles, permissions, auth enable through cairnctl"

out=$(ctl --user=alice:apw get foo/1)
expect "alice reads foo/1" "$out" $'foo/1\nv1'
out=$(ctl --user=alice:apw get bar 2>&1)
expect "alice reads bar" "$out" "*etcdserver: permission denied*"
out=$(ctl --user=alice:wrong get foo/1 2>&1)
expect "wrong password" "$out" "*authentication failed, invalid user ID or password*"
out=$(ctl get foo/1 2>&1)
expect "no user" "$out" "*etcdserver: user name is empty*"
out=$(ctl --user=alice:apw put own/x 1 && ctl --user=alice:apw get own/x)
expect "alice writes own/x" "$out" $'OK\nown/x\n1'
ok "cairnctl --user: allowed, denied, wrong password, no user"

# ---- tokens across members, over the gateway -------------------------------
T=$(token m1 alice apw)
[[ $T =~ ^[A-Za-z]{16}\.[0-9]+$ ]] || fail "token shape: $T"
for n in m1 m2 m3; do
  ok_on() { [[ $(post "$1" /v3/kv/range '{"key":"Zm9vLzE="}' "$T") == *'"count":"1"'*'[200]' ]]; }
  eventually ok_on "$n" || fail "token from m1 refused by $n"
  expect "$n bar" "$(post "$n" /v3/kv/range '{"key":"YmFy"}' "$T")" "$DENIED"
  expect "$n put" "$(post "$n" /v3/kv/put '{"key":"Zm9vLzE="}' "$T")" "$DENIED"
  expect "$n no token" "$(post "$n" /v3/kv/range '{"key":"YmFy"}')" "$NOUSER"
  expect "$n bad token" "$(post "$n" /v3/kv/range '{"key":"YmFy"}' nope.1)" "$BADTOKEN"
done
out=$(post m2 /v3/kv/txn '{"compare":[{"key":"YmFy","target":"VERSION"}],"success":[{"request_put":{"key":"b3duL3k="}}]}' "$T")
expect "txn compare outside" "$out" "$DENIED"
out=$(post m3 /v3/kv/txn '{"compare":[{"key":"Zm9vLzE=","target":"VERSION"}],"success":[{"request_put":{"key":"b3duL3k="}}]}' "$T")
expect "txn inside" "$out" '{"header":*\[200\]'
out=$(post m2 /v3/auth/user/list '{}' "$T")
expect "user list by alice" "$out" "$DENIED"
out=$(post m2 /v3/auth/user/get '{"name":"alice"}' "$T")
expect "alice gets herself" "$out" '*"roles":\["reader"\]}*\[200\]'
out=$(post m3 /v3/maintenance/hash '{}' "$T")
expect "hash by alice" "$out" '*"auth: permission denied"*"code":2}*\[500\]'
out=$(post m1 /v3/cluster/member/remove '{"ID":"1"}' "$T")
expect "member remove by alice" "$out" "$DENIED"
out=$(timeout 3 curl -s -N -X POST -H "Authorization: $T" \
  "http://$(client m2)/v3/watch" -d '{"create_request":{"key":"YmFy"}}')
expect "watch bar" "$out" '*"canceled":true*PermissionDenied desc = etcdserver: permission denied*'
out=$(timeout 2 curl -s -N -X POST -H "Authorization: $T" \
  "http://$(client m3)/v3/watch" -d '{"create_request":{"key":"Zm9vLzE="}}')
expect "watch foo/1" "$out" '*"created":true*'
[[ $out != *canceled* ]] || fail "watch foo/1 canceled: $out"
ok "a token from m1 works on m2 and m3; 400/401/403 and etcd's texts; admin and maintenance root-only; watches checked"

R=$(token m2 root rootpw)
out=$(post m2 /v3/auth/user/changepw '{"name":"alice","password":"apw2"}' "$R")
expect "changepw" "$out" '*\[200\]'
gone() { [[ $(post "$1" /v3/kv/range '{"key":"Zm9vLzE="}' "$T") == $BADTOKEN ]]; }
for n in m1 m2 m3; do eventually gone "$n" || fail "old token alive on $n"; done
out=$(ctl --user=alice:apw2 get foo/1)
expect "new password" "$out" $'foo/1\nv1'
ok "a password change invalidates the user's tokens on every member"

# ---- restart and snapshot --------------------------------------------------
kill -9 "${PID[m2]}"; wait "${PID[m2]}" 2>/dev/null
start m2 "$CLUSTER" new
up() { [[ $(post m2 /v3/kv/range '{"key":"YmFy"}') == $NOUSER ]]; }
eventually up || fail "m2 back without auth: $(post m2 /v3/kv/range '{"key":"YmFy"}')"
expect "m2 old root token" "$(post m2 /v3/kv/range '{"key":"YmFy"}' "$R")" "$BADTOKEN"
T2=$(token m2 alice apw2)
out=$(post m2 /v3/kv/range '{"key":"Zm9vLzE="}' "$T2")
expect "m2 fresh token" "$out" '*"count":"1"*\[200\]'
ok "m2 killed -9 and restarted: auth state kept, tokens gone"

for i in $(seq 1 12); do ctl --user=root:rootpw put "k$i" v >/dev/null; done
out=$(ctl --user=root:rootpw member add m4 --learner --peer-urls="$(peer m4)")
expect "member add" "$out" "*added to cluster*"
start m4 "$CLUSTER,m4=$(peer m4)" existing
m4up() { [[ $(post m4 /v3/kv/range '{"key":"YmFy"}') == $NOUSER ]]; }
eventually m4up || fail "m4 has no auth state: $(post m4 /v3/kv/range '{"key":"YmFy"}')"
grep -q "installed snapshot" "$WORK/m4.log" || fail "m4 did not install a snapshot"
T4=$(token m4 alice apw2)
expect "m4 alice foo/1" "$(post m4 /v3/kv/range '{"key":"Zm9vLzE="}' "$T4")" '*"count":"1"*\[200\]'
expect "m4 alice bar" "$(post m4 /v3/kv/range '{"key":"YmFy"}' "$T4")" "$DENIED"
ok "m4 added later gets users, roles and auth on through a snapshot"

# ---- snapshot save (root only) and restore keep the auth state ------------
# etcd 3.4's stream error, byte for byte.
out=$(post m1 /v3/maintenance/snapshot '{}')
expect "snapshot without a user" "$out" '{"error":{"grpc_code":2,"http_code":500,"message":"auth: user name is empty","http_status":"Internal Server Error"}} \[500\]'
"$CTL" --endpoints="$(client m1)" snapshot save "$WORK/nope.db" >/dev/null 2>&1
[[ $? -eq 5 ]] || fail "cairnctl snapshot save without a user: not exit 5"
"$CTL" --endpoints="$(client m1)" --user=root:rootpw snapshot save \
  "$WORK/snap.db" >/dev/null || fail "snapshot save as root"
"$CTL" snapshot restore "$WORK/snap.db" --name r1 \
  --initial-cluster "r1=$(peer r1)" --initial-advertise-peer-urls "$(peer r1)" \
  --data-dir "$WORK/r1" >/dev/null 2>&1 || fail "snapshot restore"
start r1 "r1=$(peer r1)" new
r1up() { [[ $(post r1 /v3/kv/range '{"key":"YmFy"}') == $NOUSER ]]; }
eventually r1up || fail "restored r1 without auth: $(post r1 /v3/kv/range '{"key":"YmFy"}')"
T5=$(token r1 alice apw2)
expect "r1 alice foo/1" "$(post r1 /v3/kv/range '{"key":"Zm9vLzE="}' "$T5")" '*"count":"1"*\[200\]'
expect "r1 alice bar" "$(post r1 /v3/kv/range '{"key":"YmFy"}' "$T5")" "$DENIED"
ok "snapshot save is root-only; a restored cluster keeps users, roles and auth on"

out=$(ctl --user=root:rootpw auth disable)
expect "auth disable" "$out" "Authentication Disabled"
out=$(ctl get bar)
expect "get bar after disable" "$out" $'bar\nb'
ok "auth disable"

finish
