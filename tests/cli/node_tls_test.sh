#!/usr/bin/env bash
# Integration test of TLS on real cairn processes, as etcd 3.4 does it.
# Generates its own PKI with the openssl CLI (a client CA, a peer CA, a
# stranger CA; server, peer and client certificates with SANs for
# 127.0.0.1 and localhost), starts a 3-member cluster with https client and
# peer URLs, --client-cert-auth and --peer-client-cert-auth, and checks:
# put/get over TLS with cairnctl and curl; a write on one member read on
# another (peers replicate over TLS); lease keep-alive on followers
# (forwarded to the leader over TLS); a client without a certificate, or
# with one from another CA, refused (and logged); plain HTTP to a TLS port
# failing while the node stays up and serves the next TLS request; a
# member whose peer certificate and CA are from another PKI unable to join
# (and logging why); a Raft snapshot sent over TLS to a member that was
# down; etcdctl 3.4 over gRPC with TLS, on the https client port and on
# --listen-grpc-urls https:// (the certificate's CN as the user); etcd's startup errors for missing or bad
# TLS files;
# and, when etcd is installed, cairnctl against a TLS etcd.
#
# usage: node_tls_test.sh CAIRN CAIRNCTL
# Every wait is bounded; every process is killed by PID on exit.
set -uo pipefail
CAIRN=$1
CTL=$2
WORK_PREFIX=cairn-tls
source "$(dirname "$0")/node_test_lib.sh"
command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }

# ---- a PKI ----------------------------------------------------------------
PKI=$WORK/pki
mkdir -p "$PKI"
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$1-key.pem" 2>/dev/null; }
make_ca() {  # name
  newkey "$1" &&
    openssl req -x509 -new -key "$PKI/$1-key.pem" -out "$PKI/$1.pem" \
      -days 2 -subj "/CN=$1" 2>/dev/null
}
make_cert() {  # name common-name ca
  newkey "$1" &&
    openssl req -new -key "$PKI/$1-key.pem" -out "$PKI/$1.csr" \
      -subj "/CN=$2" 2>/dev/null &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' \
      >"$PKI/$1.ext" &&
    openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$3.pem" \
      -CAkey "$PKI/$3-key.pem" -CAcreateserial -out "$PKI/$1.pem" \
      -days 2 -extfile "$PKI/$1.ext" 2>/dev/null
}
make_ca ca && make_ca peer-ca && make_ca stranger-ca &&
  make_cert server server ca && make_cert client alice ca &&
  make_cert stranger alice stranger-ca && make_cert peer peer peer-ca &&
  make_cert rootc root ca &&
  make_cert bad-peer peer stranger-ca || { echo "FAIL: openssl"; exit 1; }
ok "a PKI made with openssl"

for n in m1 m2 m3 m4; do CPORT[$n]=$(free_port); PPORT[$n]=$(free_port); done
# m1..m3 also serve gRPC over TLS on their own address, for etcdctl.
declare -A GPORT
for n in m1 m2 m3; do GPORT[$n]=$(free_port); done
speer() { echo "https://127.0.0.1:${PPORT[$1]}"; }
sclient() { echo "https://127.0.0.1:${CPORT[$1]}"; }
CLUSTER="m1=$(speer m1),m2=$(speer m2),m3=$(speer m3)"
ALL="$(sclient m1),$(sclient m2),$(sclient m3)"

tstart() {  # name cluster state peer-cert peer-ca
  # A snapshot every 10 entries, so that one is sent to a member that was
  # down (as CAIRN_SNAPSHOT_COUNT: the environment sets flags too).
  CAIRN_SNAPSHOT_COUNT=10 "$CAIRN" --name "$1" --data-dir "$WORK/$1" \
    --listen-client-urls "$(sclient "$1")" \
    --advertise-client-urls "$(sclient "$1")" \
    --listen-peer-urls "$(speer "$1")" \
    --initial-advertise-peer-urls "$(speer "$1")" \
    --initial-cluster "$2" --initial-cluster-state "$3" \
    --cert-file "$PKI/server.pem" --key-file "$PKI/server-key.pem" \
    --trusted-ca-file "$PKI/ca.pem" --client-cert-auth \
    --peer-cert-file "$PKI/$4.pem" --peer-key-file "$PKI/$4-key.pem" \
    --peer-trusted-ca-file "$PKI/$5.pem" --peer-client-cert-auth \
    --heartbeat-interval 50 --election-timeout 500 \
    ${GPORT[$1]:+--listen-grpc-urls "https://127.0.0.1:${GPORT[$1]}"} \
    >>"$WORK/$1.log" 2>&1 &
  PID[$1]=$!
  ALLPIDS+=($!)
}

AUTH=(--cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client-key.pem")
ctl() { timeout 20 "$CTL" --endpoints="$ALL" "${AUTH[@]}" --command-timeout=10s "$@"; }
ctl_at() { local n=$1; shift; timeout 20 "$CTL" --endpoints="$(sclient "$n")" "${AUTH[@]}" --command-timeout=10s "$@"; }
tcurl() { curl -s -m 10 "${AUTH[@]}" "$@"; }
alive() { kill -0 "${PID[$1]}" 2>/dev/null; }

# ---- a TLS cluster -------------------------------------------------------
for n in m1 m2 m3; do tstart "$n" "$CLUSTER" new peer peer-ca; done
eventually ctl endpoint health || fail "TLS cluster never became healthy"
ok "3 members healthy over https client and peer URLs"

# ---- put/get over TLS ----------------------------------------------------
out=$(ctl_at m1 put foo bar) && [[ $out == OK ]] || fail "cairnctl put: $out"
# Written on m1, read on m3: it came over the TLS peer links.
eventually sh -c "'$CTL' --endpoints='$(sclient m3)' ${AUTH[*]} get foo --consistency=s | grep -qx bar" ||
  fail "m3 never saw m1's write"
out=$(ctl_at m2 get foo) && [[ $out == $'foo\nbar' ]] || fail "cairnctl get on m2: $out"
out=$(tcurl -X POST "$(sclient m2)/v3/kv/put" -d '{"key":"Y3VybA==","value":"dGxz"}')
[[ $out == *'"revision"'* ]] || fail "curl put: $out"
out=$(tcurl -X POST "$(sclient m3)/v3/kv/range" -d '{"key":"Y3VybA=="}')
[[ $out == *'"value":"dGxz"'* ]] || fail "curl range on m3: $out"
out=$(tcurl "$(sclient m1)/health")
[[ $out == *'"health":"true"'* ]] || fail "curl /health: $out"
ok "put/get with cairnctl and curl over TLS; replication over TLS peers"

# ---- leader-only requests forwarded over TLS -------------------------------
lease=$(ctl lease grant 60 | awk '{print $2}')
[[ -n $lease ]] || fail "lease grant"
for n in m1 m2 m3; do
  out=$(ctl_at "$n" lease keep-alive --once "$lease" 2>&1)
  [[ $out == *"keepalived with TTL"* ]] || fail "keep-alive on $n: $out"
done
ok "lease keep-alive on every member (followers forward to the leader over TLS)"

# ---- clients that must be refused -----------------------------------------
NOCERT=(--cacert "$PKI/ca.pem")
STRANGER=(--cacert "$PKI/ca.pem" --cert "$PKI/stranger.pem" --key "$PKI/stranger-key.pem")
out=$(timeout 20 "$CTL" --endpoints="$(sclient m1)" "${NOCERT[@]}" \
  --dial-timeout=1s --command-timeout=2s get foo 2>&1)
rc=$?
[[ $rc -eq 1 && $out == "Error: context deadline exceeded" ]] ||
  fail "cairnctl without a certificate: rc=$rc $out"
out=$(timeout 20 "$CTL" --endpoints="$(sclient m1)" "${STRANGER[@]}" \
  --dial-timeout=1s --command-timeout=2s get foo 2>&1)
rc=$?
[[ $rc -eq 1 && $out == "Error: context deadline exceeded" ]] ||
  fail "cairnctl with another CA's certificate: rc=$rc $out"
curl -s -m 10 "${NOCERT[@]}" "$(sclient m1)/v3/kv/range" -d '{"key":"Zm9v"}' >/dev/null &&
  fail "curl without a certificate was served"
curl -s -m 10 "${STRANGER[@]}" "$(sclient m1)/v3/kv/range" -d '{"key":"Zm9v"}' >/dev/null &&
  fail "curl with another CA's certificate was served"
# And the server is not trusted without the CA.
curl -s -m 10 --cert "$PKI/client.pem" --key "$PKI/client-key.pem" \
  "$(sclient m1)/health" >/dev/null && fail "curl trusted the server without --cacert"
grep -q '"msg":"rejected connection".*"error":"tls: client didn.t provide a certificate"' "$WORK/m1.log" ||
  fail "m1 did not log the client without a certificate"
grep -q '"msg":"rejected connection".*"error":"tls: failed to verify client certificate: x509: certificate signed by unknown authority"' "$WORK/m1.log" ||
  fail "m1 did not log the stranger's certificate"
out=$(timeout 20 "$CTL" --endpoints="$(sclient m1)" --insecure-skip-tls-verify \
  --cert "$PKI/client.pem" --key "$PKI/client-key.pem" get foo --print-value-only)
[[ $out == bar ]] || fail "cairnctl --insecure-skip-tls-verify: $out"
ok "no client certificate, or another CA's: refused and logged"

# ---- plain HTTP to a TLS port ---------------------------------------------
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST \
  "http://$(client m2)/v3/kv/range" -d '{"key":"Zm9v"}')
rc=$?
[[ $rc -ne 0 && $code == 000 ]] || fail "plain HTTP to the TLS port: rc=$rc code=$code"
out=$(timeout 20 "$CTL" --endpoints="http://$(client m2)" --dial-timeout=1s \
  --command-timeout=2s get foo 2>&1)
[[ $? -eq 1 && $out == "Error: context deadline exceeded" ]] || fail "cairnctl over http: $out"
# More than the server's threads, with garbage and silent connections too.
for i in $(seq 1 24); do
  curl -s -m 5 -o /dev/null "http://$(client m2)/health"
done
(exec 3<>"/dev/tcp/127.0.0.1/${CPORT[m2]}" && printf 'garbage\r\n\r\n' >&3) 2>/dev/null
(exec 3<>"/dev/tcp/127.0.0.1/${CPORT[m2]}") 2>/dev/null
alive m2 || fail "m2 died after plain HTTP"
out=$(tcurl -X POST "$(sclient m2)/v3/kv/range" -d '{"key":"Zm9v"}')
[[ $out == *'"value":"YmFy"'* ]] || fail "TLS request after plain HTTP: $out"
for i in 1 2 3 4 5 6 7 8 9 10; do
  out=$(ctl_at m2 get foo --print-value-only)
  [[ $out == bar ]] || { fail "TLS request $i after plain HTTP: $out"; break; }
done
grep -q '"msg":"rejected connection".*"error":"tls: first record does not look like a TLS handshake"' "$WORK/m2.log" ||
  fail "m2 did not log the plain HTTP connection"
ok "plain HTTP to a TLS port fails; the node logs it and serves TLS after"

# ---- a Raft snapshot over TLS ------------------------------------------------
kill -TERM "${PID[m3]}"
end=$((SECONDS + 30))
while alive m3 && ((SECONDS < end)); do sleep 0.2; done
alive m3 && fail "m3 did not stop on SIGTERM"
for i in $(seq 1 30); do
  ctl_at m1 put "snap$i" "v$i" >/dev/null || { fail "put snap$i"; break; }
done
tstart m3 "$CLUSTER" new peer peer-ca
eventually sh -c "'$CTL' --endpoints='$(sclient m3)' ${AUTH[*]} get snap30 --consistency=s --print-value-only | grep -qx v30" ||
  fail "restarted m3 never caught up"
grep -q 'restored snapshot' "$WORK/m3.log" || fail "m3 caught up without a snapshot"
ok "a member that was down catches up from the leader's snapshot over TLS"

# ---- a member from another PKI cannot join ---------------------------------
out=$(ctl member add m4 --peer-urls="$(speer m4)" 2>&1) || fail "member add: $out"
tstart m4 "$CLUSTER,m4=$(speer m4)" existing bad-peer stranger-ca
end=$((SECONDS + 30))
while alive m4 && ((SECONDS < end)); do sleep 0.2; done
if alive m4; then
  fail "m4 (another PKI) is still running after 30 s"
else
  wait "${PID[m4]}"
  rc=$?
  [[ $rc -ne 0 ]] || fail "m4 exited 0"
fi
grep -q '"msg":"failed to get cluster response".*x509: certificate signed by unknown authority' "$WORK/m4.log" ||
  fail "m4 did not log why it could not reach the cluster: $(tail -n 3 "$WORK/m4.log")"
grep -q 'Error: cannot fetch cluster info from peer urls' "$WORK/m4.log" ||
  fail "m4's error: $(tail -n 1 "$WORK/m4.log")"
grep -q '"msg":"rejected connection".*certificate signed by unknown authority' \
  "$WORK/m1.log" "$WORK/m2.log" "$WORK/m3.log" ||
  fail "no member logged m4's certificate"
id=$(ctl member list | grep "${PPORT[m4]}" | cut -d, -f1)
[[ -n $id ]] && { ctl member remove "$id" >/dev/null || fail "member remove m4"; }
eventually ctl endpoint health || fail "cluster unhealthy after m4"
out=$(ctl_at m3 put after-m4 ok) && [[ $out == OK ]] || fail "put after m4: $out"
ok "a member with another PKI's peer certificate and CA cannot join, and logs it"

# ---- auth: the client certificate's CN is the user -------------------------
ROOTC=(--cacert "$PKI/ca.pem" --cert "$PKI/rootc.pem" --key "$PKI/rootc-key.pem")
ctl user add root:rootpw >/dev/null && ctl user grant-role root root >/dev/null &&
  ctl role add r >/dev/null && ctl role grant-permission r readwrite /cn/ --prefix >/dev/null &&
  ctl user add alice:pw >/dev/null && ctl user grant-role alice r >/dev/null &&
  ctl auth enable >/dev/null || fail "setting up auth"
# client.pem's CN is alice: no token needed, alice's permissions apply.
out=$(ctl_at m2 put /cn/a 1 2>&1) && [[ $out == OK ]] || fail "put as CN alice: $out"
out=$(ctl_at m3 get /cn/a --print-value-only 2>&1) && [[ $out == 1 ]] || fail "get as CN alice: $out"
out=$(ctl_at m1 get foo 2>&1)
[[ $? -eq 1 && $out == "Error: etcdserver: permission denied" ]] || fail "CN alice read foo: $out"
out=$(ctl_at m1 user list 2>&1)
[[ $out == "Error: etcdserver: permission denied" ]] || fail "CN alice listed users: $out"
out=$(tcurl -X POST "$(sclient m2)/v3/kv/range" -d '{"key":"L2NuL2E="}')
[[ $out == *'"value":"MQ=="'* ]] || fail "curl as CN alice: $out"
# A token wins over the CN.
out=$(ctl_at m1 --user root:rootpw user list 2>&1) && [[ $out == $'alice\nroot' ]] ||
  fail "root's token with alice's certificate: $out"
# rootc.pem's CN is root: admin calls and the snapshot are allowed.
out=$(timeout 20 "$CTL" --endpoints="$(sclient m1)" "${ROOTC[@]}" user list 2>&1) &&
  [[ $out == $'alice\nroot' ]] || fail "user list as CN root: $out"
timeout 20 "$CTL" --endpoints="$(sclient m1)" "${ROOTC[@]}" snapshot save "$WORK/cn.db" >/dev/null 2>&1 ||
  fail "snapshot as CN root"
out=$(ctl_at m1 snapshot save "$WORK/cn-alice.db" 2>&1)
[[ $out == "Error: rpc error: code = Unknown desc = auth: permission denied" ]] ||
  fail "snapshot as CN alice: $out"
timeout 20 "$CTL" --endpoints="$(sclient m1)" "${ROOTC[@]}" auth disable >/dev/null ||
  fail "auth disable as CN root"
out=$(ctl_at m1 get foo --print-value-only 2>&1) && [[ $out == bar ]] || fail "get after auth disable: $out"
ok "with auth on, the client certificate's CN is the user; a token wins over it"

# ---- etcdctl 3.4 over gRPC with TLS ---------------------------------------
if command -v etcdctl >/dev/null; then
  # m1 through its own gRPC address; m2 and m3 through the client port,
  # which serves gRPC and the JSON gateway over one TLS listener, as
  # etcd's does.
  declare -A GEP=([m1]="127.0.0.1:${GPORT[m1]}" [m2]="127.0.0.1:${CPORT[m2]}"
    [m3]="https://127.0.0.1:${CPORT[m3]}")
  gctl() {  # gctl MEMBER CERT ARGS...: etcdctl over TLS with CERT's key pair
    local n=$1 c=$2; shift 2
    ETCDCTL_API=3 timeout "${GT:-20}" etcdctl --endpoints="${GEP[$n]}" \
      --cacert "$PKI/ca.pem" --cert "$PKI/$c.pem" --key "$PKI/$c-key.pem" \
      --command-timeout=5s "$@"
  }
  timeout 20 "$CTL" --endpoints="$(sclient m1)" "${ROOTC[@]}" auth enable >/dev/null ||
    fail "auth enable as CN root"
  out=$(gctl m2 client put /cn/g 2 2>&1) && [[ $out == OK ]] || fail "etcdctl put as CN alice: $out"
  out=$(gctl m3 client get /cn/g --print-value-only 2>&1) && [[ $out == 2 ]] ||
    fail "etcdctl get as CN alice: $out"
  out=$(gctl m1 client get foo 2>&1)
  [[ $out == *"Error: etcdserver: permission denied"* ]] || fail "etcdctl as CN alice read foo: $out"
  out=$(gctl m1 rootc user list 2>&1) && [[ $out == $'alice\nroot' ]] ||
    fail "etcdctl user list as CN root: $out"
  # No client certificate: the handshake is refused.
  out=$(ETCDCTL_API=3 timeout 20 etcdctl --endpoints="127.0.0.1:${GPORT[m1]}" \
    --cacert "$PKI/ca.pem" --command-timeout=3s get foo 2>&1)
  [[ $? -ne 0 && $out == *"context deadline exceeded"* ]] || fail "etcdctl without a certificate: $out"
  out=$(ETCDCTL_API=3 timeout 20 etcdctl --endpoints="${GEP[m2]}" \
    --cacert "$PKI/ca.pem" --command-timeout=3s get foo 2>&1)
  [[ $? -ne 0 && $out == *"context deadline exceeded"* ]] ||
    fail "etcdctl without a certificate on the client port: $out"
  gctl m3 client put /cn/w/x 1 >/dev/null || fail "etcdctl put /cn/w/x"
  # A watch stream from revision 1, ended by the timeout (GT seconds).
  out=$(GT=3 gctl m2 client watch /cn/w --prefix --rev 1 2>&1)
  [[ $out == $'PUT\n/cn/w/x\n1' ]] || fail "etcdctl watch on the client port: $out"
  gctl m1 rootc auth disable >/dev/null || fail "etcdctl auth disable as CN root"
  # A client that offers both HTTP/2 and HTTP/1.1 gets the JSON gateway.
  out=$(tcurl --http2 -X POST "$(sclient m2)/v3/kv/range" -d '{"key":"L2NuL2c="}')
  [[ $out == *'"value":"Mg=="'* ]] || fail "curl --http2 on the client port: $out"
  ok "etcdctl over gRPC with TLS, on the client port and on its own: the client certificate's CN is the user; none is refused"
fi

for n in m1 m2 m3; do alive "$n" || fail "$n died"; done
ok "every member still up"

# ---- etcd's startup errors -------------------------------------------------
bad_start() {  # expected-error flags...
  local want=$1
  shift
  out=$(timeout 20 "$CAIRN" --data-dir "$WORK/bad" \
    --listen-client-urls "$(sclient m4)" --advertise-client-urls "$(sclient m4)" \
    --listen-peer-urls "http://127.0.0.1:${PPORT[m4]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${PPORT[m4]}" \
    --initial-cluster "default=http://127.0.0.1:${PPORT[m4]}" "$@" 2>&1)
  rc=$?
  [[ $rc -eq 1 && $(tail -n 1 <<<"$out") == "Error: $want" ]] ||
    fail "startup with $*: rc=$rc, $(tail -n 1 <<<"$out")"
}
bad_start "TLS key/cert (--cert-file, --key-file) must be provided for client url $(sclient m4) with HTTPS scheme"
bad_start "KeyFile and CertFile must both be present[key: , cert: $PKI/server.pem]" \
  --cert-file "$PKI/server.pem"
bad_start "open $WORK/nope.pem: no such file or directory" \
  --cert-file "$WORK/nope.pem" --key-file "$PKI/server-key.pem"
echo garbage >"$WORK/garbage.pem"
bad_start "tls: failed to find any PEM data in certificate input" \
  --cert-file "$WORK/garbage.pem" --key-file "$PKI/server-key.pem"
bad_start "tls: private key does not match public key" \
  --cert-file "$PKI/server.pem" --key-file "$PKI/client-key.pem"
bad_start "open $WORK/nope.pem: no such file or directory" \
  --cert-file "$PKI/server.pem" --key-file "$PKI/server-key.pem" \
  --trusted-ca-file "$WORK/nope.pem" --client-cert-auth
ok "etcd's errors for missing, partial and bad TLS files"

# ---- cairnctl's TLS flags: etcdctl's errors -------------------------------
out=$(timeout 20 "$CTL" --endpoints="$(sclient m1)" --cacert "$PKI/ca.pem" \
  --cert "$PKI/client.pem" get foo 2>&1)
rc=$?
[[ $rc -eq 128 && $out == "Error: KeyFile and CertFile must both be present[key: , cert: $PKI/client.pem]" ]] ||
  fail "cairnctl --cert without --key: rc=$rc $out"
out=$(timeout 20 "$CTL" --endpoints="$(sclient m1)" --cacert "$WORK/nope.pem" \
  --cert "$PKI/client.pem" --key "$PKI/client-key.pem" get foo 2>&1)
rc=$?
[[ $rc -eq 128 && $out == "Error: open $WORK/nope.pem: no such file or directory" ]] ||
  fail "cairnctl --cacert missing: rc=$rc $out"
out=$(timeout 20 "$CTL" --endpoints="$(sclient m1)" --cacert "$PKI/ca.pem" \
  --cert "$PKI/client.pem" --key "$PKI/server-key.pem" get foo 2>&1)
rc=$?
[[ $rc -eq 128 && $out == "Error: tls: private key does not match public key" ]] ||
  fail "cairnctl mismatched key: rc=$rc $out"
ok "cairnctl's errors for bad TLS files, as etcdctl's"

# ---- cairnctl against a TLS etcd --------------------------------------------
if command -v etcd >/dev/null; then
  EC=$(free_port)
  EP=$(free_port)
  etcd --name e1 --data-dir "$WORK/etcd" \
    --listen-client-urls "https://127.0.0.1:$EC" \
    --advertise-client-urls "https://127.0.0.1:$EC" \
    --listen-peer-urls "http://127.0.0.1:$EP" \
    --initial-advertise-peer-urls "http://127.0.0.1:$EP" \
    --initial-cluster "e1=http://127.0.0.1:$EP" \
    --cert-file "$PKI/server.pem" --key-file "$PKI/server-key.pem" \
    --trusted-ca-file "$PKI/ca.pem" --client-cert-auth \
    >>"$WORK/etcd.log" 2>&1 &
  ALLPIDS+=($!)
  ectl() { timeout 20 "$CTL" --endpoints="https://127.0.0.1:$EC" "$@"; }
  eventually ectl "${AUTH[@]}" endpoint health || fail "TLS etcd never healthy"
  out=$(ectl "${AUTH[@]}" put foo etcd) && [[ $out == OK ]] || fail "put to etcd: $out"
  out=$(ectl "${AUTH[@]}" get foo --print-value-only) && [[ $out == etcd ]] ||
    fail "get from etcd: $out"
  out=$(ectl "${NOCERT[@]}" --dial-timeout=1s --command-timeout=2s get foo 2>&1)
  [[ $? -eq 1 && $out == "Error: context deadline exceeded" ]] ||
    fail "etcd served cairnctl without a certificate: $out"
  ok "cairnctl against a TLS etcd with client-cert-auth"
else
  echo "skip: etcd not installed"
fi

finish
