# Shared by the integration tests that run real cairn processes (sourced,
# not run): a work directory, process bookkeeping with kill -9 by PID on
# exit, step reporting, free loopback ports and bounded waits.
#
# The sourcing script sets CAIRN, CTL and WORK_PREFIX first, and fills
# CPORT/PPORT for its member names with free_port.
WORK=$(mktemp -d "/tmp/${WORK_PREFIX}-XXXXXX")
declare -A PID CPORT PPORT
ALLPIDS=()
fails=0

cleanup() {
  for p in "${ALLPIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [[ $fails -ne 0 ]]; then
    for f in "$WORK"/*.log; do echo "== $f"; tail -n 20 "$f"; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
mark=0
ok() {  # closes a step: "ok" unless it failed somewhere
  if [[ $fails -eq $mark ]]; then echo "ok: $*"; else echo "not ok: $*"; fi
  mark=$fails
}

# A port nobody listens on (random, checked), below the kernel's
# ephemeral range: a port in that range can be taken by any outgoing
# connection (our own members' peer links included) between the check and
# the bind. A port is never handed out twice by one script.
EPHEMERAL_LOW=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
# (Callers run it in $(...), a subshell: the ports handed out are kept in
# a file.)
free_port() {
  local p span=$((EPHEMERAL_LOW - 10000))
  while true; do
    p=$((10000 + (RANDOM * 32768 + RANDOM) % span))
    grep -qx "$p" "$WORK/.ports" 2>/dev/null && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    echo "$p" >>"$WORK/.ports"
    echo "$p"
    return
  done
}
peer() { echo "http://127.0.0.1:${PPORT[$1]}"; }
client() { echo "127.0.0.1:${CPORT[$1]}"; }

start() {  # name cluster [state [data-dir]]
  "$CAIRN" --name "$1" --data-dir "${4:-$WORK/$1}" \
    --listen-client-urls "http://$(client "$1")" \
    --advertise-client-urls "http://$(client "$1")" \
    --listen-peer-urls "$(peer "$1")" \
    --initial-advertise-peer-urls "$(peer "$1")" \
    --initial-cluster "$2" --initial-cluster-state "${3:-new}" \
    --heartbeat-interval 50 --election-timeout 500 \
    >>"$WORK/$1.log" 2>&1 &
  PID[$1]=$!
  ALLPIDS+=($!)
}

# Waits (up to 30 s in all) until `cmd...` succeeds.
eventually() {
  local end=$((SECONDS + 30))
  while ((SECONDS < end)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

finish() {
  [[ $fails -eq 0 ]] && echo "PASS" || { echo "$fails failure(s)"; exit 1; }
}
