#!/usr/bin/env bash
# Integration test of a real cairn node next to hostile clients. The node
# runs with 256 descriptors, so a listener holds at most 64 connections
# (a quarter of the limit). Checks, with generous bounds (functional, not
# a benchmark):
#  - puts succeed while 20 slowloris connections trickle a request head
#    and 30 connections sit idle;
#  - the slowloris connections are closed by the header timeout (10 s);
#  - 100 more idle connections (over the bound): the oldest idle ones are
#    closed to make room, and puts still succeed;
#  - when every connection is busy (open watch streams), a new connection
#    is answered 503 "too many open connections" and closed;
#  - once they end, puts succeed again;
#  - a watcher that reads slower than 40 MiB of events are written (more
#    than the node queues per stream, 16 MiB, and the sockets hold) is
#    held back, not cut off: it gets every event, in order, on the same
#    stream;
#  - on a second node with an https client URL: puts over TLS succeed
#    while 20 TCP connections never send a ClientHello and 20 TLS clients
#    (openssl s_client) trickle a request head after their handshake;
#    both kinds are closed by the 10 s bounds (handshake, head).
#
# usage: node_hostile_test.sh CAIRN
# Every wait is bounded; every process is killed by PID on exit.
set -uo pipefail
CAIRN=$1
WORK_PREFIX=cairn-hostile
source "$(dirname "$0")/node_test_lib.sh"

CPORT[m1]=$(free_port); PPORT[m1]=$(free_port)
URL="http://$(client m1)"
(ulimit -n 256 && exec "$CAIRN" --name m1 --data-dir "$WORK/m1" \
  --listen-client-urls "$URL" --advertise-client-urls "$URL" \
  --listen-peer-urls "$(peer m1)" --initial-advertise-peer-urls "$(peer m1)" \
  --initial-cluster "m1=$(peer m1)" >>"$WORK/m1.log" 2>&1) &
PID[m1]=$!
ALLPIDS+=($!)
eventually sh -c "curl -sf -m 2 $URL/health | grep -q true" || fail "node not healthy"

put() {  # key-suffix: one put, answered within 5 s
  curl -s -m 5 -X POST "$URL/v3/kv/put" \
    -d "{\"key\":\"$(printf 'hostile/%s' "$1" | base64)\",\"value\":\"dg==\"}" |
    grep -q '"revision"'
}
# Opens a connection (to m1, or the named member); its descriptor goes
# to the named array.
open_conn() {  # array-name [member]
  local fd
  exec {fd}<>"/dev/tcp/127.0.0.1/${CPORT[${2:-m1}]}" || return 1
  eval "$1+=($fd)"
}
# Whether the server closed the connection on `fd` (read sees EOF within
# 1 s; anything it sent first is skipped).
closed_by_server() {
  local line rc
  while true; do
    IFS= read -r -t 1 -u "$1" line 2>/dev/null; rc=$?
    ((rc == 0)) && continue
    ((rc == 1)) && return 0  # EOF
    return 1                 # timeout: still open
  done
}

SLOW=() IDLE=()
for _ in $(seq 20); do
  open_conn SLOW || fail "cannot open a slowloris connection"
done
for fd in "${SLOW[@]}"; do printf 'POST /v3/kv/put HTTP/1.1\r\n' >&"$fd"; done
# One byte a second on each, for at most 25 s (SIGPIPE once closed).
(trap '' PIPE; for _ in $(seq 25); do
  for fd in "${SLOW[@]}"; do printf 'X' >&"$fd" 2>/dev/null; done; sleep 1
done) &
TRICKLE=$!
ALLPIDS+=($!)
for _ in $(seq 30); do open_conn IDLE || fail "cannot open an idle connection"; done
for i in 1 2 3 4 5; do put "a$i" || fail "put $i next to slowloris and idle connections"; done
ok "puts succeed next to 20 slowloris and 30 idle connections"

# The header timeout is 10 s; give it 20 (and the trickle goes on).
end=$((SECONDS + 20)); left=${#SLOW[@]}
while ((SECONDS < end && left > 0)); do
  left=0
  for fd in "${SLOW[@]}"; do closed_by_server "$fd" || left=$((left + 1)); done
done
((left == 0)) || fail "$left slowloris connections still open after 20 s"
kill "$TRICKLE" 2>/dev/null
for fd in "${SLOW[@]}"; do exec {fd}>&-; done
ok "slowloris connections are closed by the header timeout"

for _ in $(seq 100); do open_conn IDLE || fail "cannot open an idle connection"; done
for i in 1 2 3; do put "b$i" || fail "put $i over the connection bound"; done
evicted=0
for fd in "${IDLE[@]:0:30}"; do closed_by_server "$fd" && evicted=$((evicted + 1)); done
((evicted > 0)) || fail "no idle connection was closed over the bound"
for fd in "${IDLE[@]}"; do exec {fd}>&-; done
ok "over the bound the oldest idle connections make room ($evicted of the first 30 closed)"

# 70 watch streams whose (chunked) request body never ends: 64 fill the bound,
# every one busy in a handler; the rest are refused.
WATCH=()
for i in $(seq 70); do
  open_conn WATCH || { fail "cannot open watch connection $i"; break; }
  fd=${WATCH[-1]}
  key=$(printf 'hostile/w/%s' "$i" | base64)
  msg="{\"create_request\":{\"key\":\"$key\"}}"
  printf 'POST /v3/watch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n' \
    "${#msg}" "$msg" >&"$fd" 2>/dev/null
done
refused=0 streaming=0
for fd in "${WATCH[@]}"; do
  IFS= read -r -t 5 -u "$fd" status 2>/dev/null || continue
  case $status in
    "HTTP/1.1 200"*) streaming=$((streaming + 1)) ;;
    "HTTP/1.1 503"*)
      body=$(timeout 5 cat <&"$fd")
      grep -q '"message":"too many open connections","code":14' <<<"$body" &&
        refused=$((refused + 1)) ;;
  esac
done
((refused > 0)) || fail "no watch stream over the bound was refused with 503"
((streaming >= 50)) || fail "only $streaming watch streams were served"
ok "over the bound with every connection busy: $refused refused with 503, $streaming streaming"
for fd in "${WATCH[@]}"; do exec {fd}>&-; done

eventually put c1 || fail "put after the watch streams ended"
ok "puts succeed once the hostile clients are gone"

# A slow watcher. python3 opens the stream, reads its "created" response,
# then reads 1 MiB every 0.5 s (about 2 MB/s) until the writes are done
# (the file "$WORK/go"), then as fast as it can: the events come faster
# than 2 MB/s, so the node's queue for the stream fills.
head -c $((1000 * 1000)) /dev/zero | tr '\0' s >"$WORK/big"
python3 - "${CPORT[m1]}" "$WORK/slow.out" "$WORK/go" <<'PY' &
import base64, json, os, socket, sys, time
port, out, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port))
body = json.dumps({"create_request": {"key": base64.b64encode(b"slow/").decode(),
                                      "range_end": base64.b64encode(b"slow0").decode()}})
s.sendall(("POST /v3/watch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           "%x\r\n%s\r\n" % (len(body), body)).encode())
s.settimeout(20)
buf, revs, deadline, since_nap = b"", [], time.time() + 90, 0
try:
    while len(revs) < 40 and time.time() < deadline:
        data = s.recv(1 << 20)
        if not data:
            break
        buf += data
        since_nap += len(data)
        *lines, buf = buf.split(b"\n")
        for line in lines:
            if b'"events"' in line:
                # The body is chunked: a line may start with a chunk size.
                line = line[line.index(b"{"):]
                for ev in json.loads(line)["result"]["events"]:
                    revs.append(int(ev["kv"]["mod_revision"]))
        if since_nap >= 1 << 20 and not os.path.exists(go):
            since_nap = 0
            time.sleep(0.5)
except Exception as e:
    print("slow watcher:", repr(e), file=sys.stderr)
open(out, "w").write(" ".join(map(str, revs)))
PY
SLOWPID=$!
ALLPIDS+=($SLOWPID)
sleep 1
first=""
for i in $(seq 40); do
  rev=$(curl -s -m 10 -X POST "$URL/v3/kv/put" \
    --data-binary @<(printf '{"key":"%s","value":"' "$(printf 'slow/%02d' "$i" | base64)"
                     base64 -w0 <"$WORK/big"; printf '"}') |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])') ||
    { fail "big put $i"; break; }
  first=${first:-$rev}
done
touch "$WORK/go"
wait "$SLOWPID"
want=$(seq -s ' ' "$first" $((first + 39)))
got=$(cat "$WORK/slow.out" 2>/dev/null)
[[ $got == "$want" ]] || fail "the slow watcher got revisions [$got], want [$want]"
ok "a watcher slower than the writes is held back and gets all 40 MiB of events in order"

# A TLS listener bounds its clients the same way.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 -subj /CN=m2 \
  -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 ||
  fail "cannot make a certificate"
CPORT[m2]=$(free_port); PPORT[m2]=$(free_port)
TURL="https://$(client m2)"
(ulimit -n 256 && exec "$CAIRN" --name m2 --data-dir "$WORK/m2" \
  --listen-client-urls "$TURL" --advertise-client-urls "$TURL" \
  --cert-file "$WORK/cert.pem" --key-file "$WORK/key.pem" \
  --listen-peer-urls "$(peer m2)" --initial-advertise-peer-urls "$(peer m2)" \
  --initial-cluster "m2=$(peer m2)" >>"$WORK/m2.log" 2>&1) &
PID[m2]=$!
ALLPIDS+=($!)
eventually sh -c "curl -skf -m 2 $TURL/health | grep -q true" || fail "TLS node not healthy"
tput() {  # key-suffix: one put over TLS, answered within 5 s
  curl -sk -m 5 -X POST "$TURL/v3/kv/put" \
    -d "{\"key\":\"$(printf 'hostile/%s' "$1" | base64)\",\"value\":\"dg==\"}" |
    grep -q '"revision"'
}
NOHELLO=() TLSSLOW=()
for _ in $(seq 20); do
  open_conn NOHELLO m2 || fail "cannot open a connection to the TLS node"
done
for _ in $(seq 20); do
  # Handshake, then a head one byte a second for at most 25 s.
  (trap '' PIPE; printf 'POST /v3/kv/put HTTP/1.1\r\n'
   for _ in $(seq 25); do printf X; sleep 1; done) |
    openssl s_client -quiet -connect "$(client m2)" >/dev/null 2>&1 &
  TLSSLOW+=($!)
  ALLPIDS+=($!)
done
sleep 2
for i in 1 2 3 4 5; do
  tput "t$i" || fail "put $i over TLS next to hostile TLS clients"
done
ok "puts over TLS succeed next to 20 silent and 20 slowloris TLS clients"

# Both bounds are 10 s; give them 20.
end=$((SECONDS + 20)); left=${#NOHELLO[@]}
while ((SECONDS < end && left > 0)); do
  left=0
  for fd in "${NOHELLO[@]}"; do closed_by_server "$fd" || left=$((left + 1)); done
done
((left == 0)) || fail "$left connections without a ClientHello still open after 20 s"
for fd in "${NOHELLO[@]}"; do exec {fd}>&-; done
while ((SECONDS < end)); do
  left=0
  for pid in "${TLSSLOW[@]}"; do kill -0 "$pid" 2>/dev/null && left=$((left + 1)); done
  ((left == 0)) && break
  sleep 0.5
done
((left == 0)) || fail "$left TLS slowloris clients still connected after 20 s"
ok "TLS clients without a handshake or a head are closed by the bounds"
finish
