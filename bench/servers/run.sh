#!/usr/bin/env bash
# bench/servers/run.sh - one run of the server-model benchmark, as CSV rows for bench/run.sh:
# lab 11's echo-server in every model (iterative, fork, thread, prefork, select, poll, epoll,
# udp) loaded by lab 11's echo-load with 1, 10, 100 and 500 clients at once.
#
# Rows: group "C clients", variant the model, value requests/s (messages echoed per second,
# every byte checked, connects included); iterative is each group's baseline. The latency
# of the same runs goes into "## latency,GROUP,MODEL,P50,P99" comment lines (microseconds):
# bench/render.awk ignores them, they stay in results/servers.csv, and
#     awk -f bench/servers/latency.awk bench/results/servers.csv
# turns them into the p99 table (median and min-max over the runs).
#
# Sizes: every load is about BENCH_SERVERS_TOTAL (default 20000) messages of 64 bytes,
# shared among the clients (1 x 20000, 10 x 2000, 100 x 200, 500 x 40); BENCH_QUICK=1: 400
# (a second or two). 500 clients need about 520 fds in the server and in echo-load: the
# soft `ulimit -n` is raised to the hard one if it is lower than that; where it cannot be,
# the counts that do not fit are left out and a note says so.
set -euo pipefail
bin=${BIN:?BIN must be set (bench/run.sh sets it)}
server=$bin/labs/11-server-models/echo-server
load=$bin/labs/11-server-models/echo-load
for p in "$server" "$load"; do
    [[ -x $p ]] || { echo "bench/servers: $p is missing: run make first" >&2; exit 1; }
done
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    total=400
else
    total=${BENCH_SERVERS_TOTAL:-20000}
fi
[[ $total =~ ^[1-9][0-9]*$ ]] || { echo "bench/servers: BENCH_SERVERS_TOTAL must be a whole number" >&2; exit 2; }
models=(iterative fork thread prefork select poll epoll udp)
counts=(1 10 100 500)

# File descriptors: a client costs one in echo-load and one in the server.
need=540
soft=$(ulimit -Sn)
if [[ $soft != unlimited ]] && ((soft < need)); then
    hard=$(ulimit -Hn)
    if [[ $hard == unlimited ]] || ((hard >= need)); then
        ulimit -Sn "$need"
    else
        ulimit -Sn "$hard"
    fi
    soft=$(ulimit -Sn)
fi

tmp=$(mktemp -d)
server_pid=''
cleanup() {
    if [[ -n $server_pid ]]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
    return 0
}
trap cleanup EXIT

# start MODEL: start echo-server -m MODEL -p 0 with every inherited fd above 2 closed (the
# harness or bats may hold pipes there), then wait at most 10 s for its first line.
start() {
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then
                eval "exec $fd>&-" 2>/dev/null || true
            fi
        done
        exec "$server" -m "$1" -p 0
    ) </dev/null >"$tmp/out.$1" 2>"$tmp/err" &
    server_pid=$!
    local i line=''
    for ((i = 0; i < 500; i++)); do
        line=$(head -n1 "$tmp/out.$1" 2>/dev/null || true)
        [[ -z $line ]] || break
        sleep 0.02
    done
    [[ $line =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]] ||
        { echo "bench/servers: echo-server -m $1 did not start: $(cat "$tmp/err")" >&2; exit 1; }
    port=${BASH_REMATCH[1]}
}

# stop: SIGTERM; the server must exit 0 (every client closed, every child reaped).
stop() {
    kill -TERM "$server_pid"
    local rc=0
    wait "$server_pid" || rc=$?
    server_pid=''
    ((rc == 0)) || { echo "bench/servers: echo-server exited with status $rc: $(cat "$tmp/err")" >&2; exit 1; }
}

echo "# title: the server models - one echo service, 1 to 500 clients at once (lab 11)"
echo "# unit: req/s"
echo "# better: higher"
echo "# note: echo-load: C clients at once, each sending its share of $total messages of 64 bytes one after another (closed loop), every byte checked; requests/s over the whole load, connects included"
echo "# note: prefork: a pool of 4 workers (the default -w 4); udp: datagrams, a lost one is sent again after 200 ms"
echo "# note: server and load generator share the same cores; the p99 latencies are in results/servers.csv (awk -f bench/servers/latency.awk)"
for c in "${counts[@]}"; do
    if [[ $soft != unlimited ]] && ((c + 40 > soft)); then
        echo "# note: $c clients left out: ulimit -n is $soft here (raise the hard limit)"
    fi
done
for m in "${models[@]}"; do
    start "$m"
    for c in "${counts[@]}"; do
        [[ $soft == unlimited ]] || ((c + 40 <= soft)) || continue
        n=$(((total + c - 1) / c))
        udp=()
        [[ $m != udp ]] || udp=(-u)
        if ! result=$("$load" "${udp[@]}" -q -p "$port" -c "$c" -n "$n" -t 120); then
            echo "bench/servers: echo-load failed against -m $m with $c clients" >&2
            exit 1
        fi
        read -r rps p50 p99 <<<"$result"
        group="$c clients"
        [[ $c != 1 ]] || group="1 client"
        echo "$group,$m,$rps"
        echo "## latency,$group,$m,$p50,$p99"
    done
    stop
done
