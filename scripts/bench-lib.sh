# shellcheck shell=bash disable=SC2154 # $work is the caller's
# Shared by scripts/bench-cluster and scripts/bench-state (sourced, not
# run): 3-member clusters of cairn or etcd on loopback, their members' CPU
# time, and the medians and ratios of the figures. The caller sets $work
# (a scratch folder) and the array pids (every member started, for its
# cleanup).

# The callers' base ports (21000 for cairn, 22000 for etcd) are below the
# kernel's ephemeral range (32768 and up): a client connection that left
# from a member's port would otherwise leave a TIME_WAIT on it that
# refuses the member's bind, cairn's and etcd's alike, for a minute.
launch_cluster() {  # program base_port: starts 3 members, does not wait
  local prog=$1 base=$2 cluster="" i
  for i in 0 1 2; do cluster+="${cluster:+,}m$i=http://127.0.0.1:$((base + 10 * i + 1))"; done
  for i in 0 1 2; do
    "$prog" --name "m$i" --data-dir "$work/$(basename "$prog")-m$i" \
      --listen-client-urls "http://127.0.0.1:$((base + 10 * i))" \
      --advertise-client-urls "http://127.0.0.1:$((base + 10 * i))" \
      --listen-peer-urls "http://127.0.0.1:$((base + 10 * i + 1))" \
      --initial-advertise-peer-urls "http://127.0.0.1:$((base + 10 * i + 1))" \
      --initial-cluster "$cluster" >>"$work/$(basename "$prog")-m$i.log" 2>&1 &
    pids+=($!)
  done
}
start_cluster() {  # program base_port: starts 3 members, waits for health
  launch_cluster "$@"
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$2/health" | grep -q true && return 0
    sleep 0.2
  done
  echo "$1 cluster did not become healthy" >&2; exit 1
}
endpoints() { echo "127.0.0.1:$1,127.0.0.1:$(($1 + 10)),127.0.0.1:$(($1 + 20))"; }

cpu_ticks() {  # pids... -> their utime + stime, in clock ticks
  local p t=0
  for p in "$@"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}

machine() {  # one line: cores, CPU, memory, etcd's version, the date
  echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
    "$(free -g | awk '/Mem:/{print $2}') GiB; $(etcd --version | head -1);" \
    "$(date -u '+%Y-%m-%d %H:%M UTC')"
}

# $1 is a list of words.
# shellcheck disable=SC2086
median() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
