#!/usr/bin/env bash
# The auth service over the JSON gateway, byte for byte: the same curl
# calls against etcd 3.4 and against a cairn member (both fresh, single
# member, on loopback), bodies and HTTP codes compared after normalizing
# what differs between any two clusters (ids, ports, tokens, sizes, Raft
# indexes). Covers every /v3/auth path and its errors, the texts and codes
# for no token / a bad token / permission denied on kv, lease, watch,
# cluster and maintenance calls, and what etcd leaves unchecked.
# Exits 77 (ctest skip) when etcd is not installed.
#
# usage: gateway_auth_compat.sh CAIRN
set -u
CAIRN=$1
command -v etcd >/dev/null || { echo "etcd not installed; skipping"; exit 77; }
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

start() {  # binary
  local bin=$1
  for _ in 1 2 3 4 5; do
    P=$((20000 + RANDOM % 12000))  # below the ephemeral ports
    rm -rf "$WORK/data"
    "$bin" --name p --data-dir "$WORK/data" \
      --listen-client-urls "http://127.0.0.1:$P" \
      --advertise-client-urls "http://127.0.0.1:$P" \
      --listen-peer-urls "http://127.0.0.1:$((P + 1))" \
      --initial-advertise-peer-urls "http://127.0.0.1:$((P + 1))" \
      --initial-cluster "p=http://127.0.0.1:$((P + 1))" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 100); do
      curl -sf "http://127.0.0.1:$P/health" >/dev/null 2>&1 && return 0
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
  done
  echo "could not start $bin"; cat "$WORK/server.log"; exit 1
}
stop() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=; }

c() {  # path body [token]
  echo "== $1 $2 ${3:+(token)}"
  curl -s -m 3 -w ' [%{http_code}]\n' -X POST ${3:+-H "Authorization: $3"} \
    "http://127.0.0.1:$P$1" -d "$2" | sed -E \
    -e 's/"(cluster_id|member_id|raft_term|ID|leader|raftIndex|raftTerm|raftAppliedIndex|dbSize|dbSizeInUse)":"[0-9]+"/"\1":"N"/g' \
    -e "s/127\.0\.0\.1:$P/CLIENT/g; s/127\.0\.0\.1:$((P + 1))/PEER/g" \
    -e 's/"token":"[A-Za-z]{16}\.[0-9]+"/"token":"TOKEN"/'
}
tok() {
  curl -s -X POST "http://127.0.0.1:$P/v3/auth/authenticate" \
    -d "{\"name\":\"$1\",\"password\":\"$2\"}" | sed -E 's/.*"token":"([^"]*)".*/\1/'
}

calls() {
c /v3/watch '{"create_request":{"key":"YQ=="}}' bogus
c /v3/kv/range '{"key":"YQ=="}' bogus
c /v3/auth/authenticate '{"name":"root","password":"x"}'
c /v3/auth/enable '{}'
c /v3/auth/user/add '{"name":"","password":"x"}'
c /v3/auth/user/add '{"name":"root","password":"rootpw"}'
c /v3/auth/user/add '{"name":"root","password":"rootpw"}'
c /v3/auth/enable '{}'
c /v3/auth/user/grant '{"user":"root","role":"root"}'
c /v3/auth/user/grant '{"user":"root","role":"root"}'
c /v3/auth/user/get '{"name":"root"}'
c /v3/auth/user/get '{"name":"nope"}'
c /v3/auth/role/get '{"role":"root"}'
c /v3/auth/role/add '{"name":"r1"}'
c /v3/auth/role/add '{"name":""}'
c /v3/auth/role/add '{"name":"r1"}'
c /v3/auth/role/grant '{"name":"r1","perm":{"permType":"READ","key":"L2Zvbw==","range_end":"L2ZvcA=="}}'
c /v3/auth/role/grant '{"name":"r1","perm":{"permType":"WRITE","key":"YQ=="}}'
c /v3/auth/role/grant '{"name":"r1","perm":{"permType":1,"key":"Yg==","range_end":"AA=="}}'
c /v3/auth/role/get '{"role":"r1"}'
c /v3/auth/role/list '{}'
c /v3/auth/user/add '{"name":"u1","password":"pw"}'
c /v3/auth/user/add '{"name":"u2","options":{"no_password":true}}'
c /v3/auth/user/grant '{"user":"u1","role":"r1"}'
c /v3/auth/user/grant '{"user":"u1","role":"nope"}'
c /v3/auth/user/revoke '{"name":"u1","role":"zz"}'
c /v3/auth/user/list '{}'
c /v3/auth/role/revoke '{"role":"r1","key":"eg=="}'
c /v3/auth/enable '{}'
c /v3/auth/enable '{}'
c /v3/kv/range '{"key":"YQ=="}'
c /v3/kv/range '{"key":"YQ=="}' bogus
c /v3/auth/authenticate '{"name":"u1","password":"bad"}'
c /v3/auth/authenticate '{"name":"nouser","password":"bad"}'
c /v3/auth/authenticate '{"name":"u1","password":"pw"}'
R=$(tok root rootpw); U=$(tok u1 pw)
c /v3/watch '{"create_request":{"key":"YQ=="}}' bogus
c /v3/watch '{"create_request":{"key":"YQ=="}}'
c /v3/lease/grant '{"TTL":"60","ID":"9"}' bogus
c /v3/lease/keepalive '{"ID":"9"}' bogus
c /v3/maintenance/status '{}' bogus
c /v3/cluster/member/list '{}' bogus
c /v3/maintenance/hash '{}' bogus
c /v3/maintenance/hash '{}'
c /v3/kv/compaction '{"revision":"1"}'
c /v3/lease/grant '{"TTL":"60","ID":"9"}'
c /v3/maintenance/alarm '{}'
c /v3/maintenance/alarm '{}' bogus
c /v3/auth/authenticate '{"name":"root","password":"r"}' bogus
c /v3/kv/put '{"key":"YQ==","value":"dg=="}' $U
c /v3/kv/put '{"key":"YQ==","value":"dg==","prev_kv":true}' $U
c /v3/kv/range '{"key":"YQ=="}' $U
c /v3/kv/range '{"key":"L2Zvbw=="}' $U
c /v3/kv/range '{"key":"L2Zvbw==","range_end":"L2ZvcA=="}' $U
c /v3/kv/range '{"key":"L2Zvbw==","range_end":"L2ZvcQ=="}' $U
c /v3/kv/range '{"key":"Yw=="}' $U
c /v3/kv/put '{"key":"Yw==","value":"dg=="}' $U
c /v3/kv/deleterange '{"key":"Yw==","range_end":"AA=="}' $U
c /v3/kv/compaction '{"revision":"1"}' $U
c /v3/lease/grant '{"TTL":"60","ID":"5"}' 
c /v3/cluster/member/list '{}' $U
c /v3/maintenance/alarm '{}' $U
c /v3/maintenance/hash '{}' $U
c /v3/maintenance/defragment '{}' $U
c /v3/maintenance/snapshot '{}' $U
c /v3/auth/user/list '{}' $U
c /v3/auth/user/get '{"name":"u1"}' $U
c /v3/auth/user/get '{"name":"root"}' $U
c /v3/auth/role/get '{"role":"r1"}' $U
c /v3/auth/role/list '{}' $U
c /v3/auth/user/delete '{"name":"root"}' $R
c /v3/auth/user/revoke '{"name":"root","role":"root"}' $R
c /v3/auth/role/delete '{"role":"root"}' $R
c /v3/auth/disable '{}' $U
c /v3/kv/txn '{"compare":[{"key":"L2Zvbw==","target":"VERSION"}],"success":[{"request_put":{"key":"YQ=="}}]}' $U
c /v3/kv/txn '{"compare":[{"key":"YQ==","target":"VERSION"}],"success":[{"request_put":{"key":"YQ=="}}]}' $U
c /v3/cluster/member/remove '{"ID":"1"}' $U
c /v3/watch '{"create_request":{"key":"YQ=="}}' $U
c /v3/auth/user/get '{"name":"u1"}'
c /v3/auth/user/changepw '{"name":"u1","password":"pw2"}' $R
c /v3/kv/put '{"key":"YQ==","value":"dg=="}' $U
c /v3/auth/disable '{}' $R
c /v3/auth/disable '{}' $R
c /v3/auth/authenticate '{"name":"u1","password":"pw2"}'
c /v3/auth/bogus '{}'
# Malformed bodies: jsonpb's texts.
c /v3/auth/user/add '{"name":5}'
c /v3/auth/user/add '{"name":"x","options":{"no_password":"y"}}'
c /v3/auth/user/add '{"name":"x","options":[]}'
c /v3/auth/role/grant '{"name":"r1","perm":{"permType":"BAD"}}'
c /v3/auth/role/grant '{"name":"r1","perm":{"permType":7,"key":"cQ=="}}'
c /v3/auth/role/grant '{"name":"r1","perm":{"permType":-3,"key":"cg=="}}'
c /v3/auth/role/get '{"role":"r1"}'
c /v3/auth/role/grant '{"name":"r1","perm":{"key":"!!"}}'
c /v3/auth/role/revoke '{"role":"r1","range_end":5}'
c /v3/auth/authenticate '{"name":["a"]}'
c /v3/auth/user/get '[]'
}

start etcd
calls >"$WORK/etcd.out" 2>&1
stop
start "$CAIRN"
calls >"$WORK/cairn.out" 2>&1
stop
if diff -u "$WORK/etcd.out" "$WORK/cairn.out"; then
  echo "cairn matches etcd on $(grep -c '^== ' "$WORK/etcd.out") gateway calls"
  exit 0
fi
echo "cairn differs from etcd (- etcd, + cairn)"
exit 1
