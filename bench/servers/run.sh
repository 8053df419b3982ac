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
# Each cell is the median of REPS loads (default 3) taken in turn by the same server, so that
# one load disturbed by another program on the machine does not move it; the errors of the
# REPS loads are added up in the row's 4th field: "group,model,req/s,errors", where errors =
# messages that failed or timed out. echo-load stops at the first failure (a refused or
# reset connection, a wrong byte): such a load counts every one of its messages as failed;
# a load that gives up after BENCH_SERVERS_TIMEOUT seconds (default 60) counts those not
# echoed. With udp, a datagram the server's full socket buffer dropped is sent again after
# 200 ms: that is UDP working as designed (no delivery guarantee, the client retries), not
# an error; the resends are counted in a "## resent" line and a note, and only a message
# never echoed is an error.
# The failures themselves go to stderr and into "# note: failure:" lines; the run goes on.
#
# Sizes: every load is BENCH_SERVERS_TOTAL (default 25000) messages of 64 bytes, shared
# among the clients (1 x 25000, 10 x 2500, 100 x 250, 500 x 50): REPS x that per cell, about
# 1 s or more; BENCH_SCALE=class: 2500 (a tenth); BENCH_QUICK=1: 400 and one load per cell
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
reps=${BENCH_SERVERS_REPS:-3}
limit=${BENCH_SERVERS_TIMEOUT:-60}
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    total=400
    reps=1
elif [[ ${BENCH_SCALE:-} == class ]]; then
    total=${BENCH_SERVERS_TOTAL:-2500}
else
    total=${BENCH_SERVERS_TOTAL:-25000}
fi
for v in total reps limit; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "bench/servers: $v must be a positive whole number (BENCH_SERVERS_${v^^})" >&2; exit 2; }
done
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
    rm -f "$tmp/out.$1" # a round before may have left it: its port is not this server's
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

# run_load C N MODEL: one echo-load run against the server on $port; sets rps, p50, p99 (µs) and
# errs (the messages that failed or timed out: see the top of this file).
run_load() {
    local c=$1 n=$2 udp=() out rc=0
    [[ $3 != udp ]] || udp=(-u)
    out=$("$load" "${udp[@]}" -p "$port" -c "$c" -n "$n" -t "$limit" 2>"$tmp/load.err") || rc=$?
    if ((rc == 0)); then
        rps=$(sed -n 's/^requests\/s: \([0-9.]*\)$/\1/p' <<<"$out")
        read -r p50 p99 < <(sed -n 's/^latency: p50 \([0-9.]*\) us, p99 \([0-9.]*\) us,.*/\1 \2/p' <<<"$out")
        resent=$(sed -n 's/^datagrams sent again after [0-9]* ms without an echo: \([0-9]*\)$/\1/p' <<<"$out")
        resent_total=$((resent_total + ${resent:-0}))
        errs=0
        [[ -n $rps && -n $p99 ]] || { echo "bench/servers: no result from echo-load: $out" >&2; exit 1; }
        return 0
    fi
    local why
    why=$(head -n1 "$tmp/load.err")
    echo "bench/servers: -m $3, $c clients: $why" >&2
    echo "# note: failure: -m $3, $c clients: $why"
    rps='' p50='' p99=''
    if [[ $why =~ gave\ up\ after\ [0-9]+\ s:\ ([0-9]+)\ of\ ([0-9]+)\ messages\ echoed ]]; then
        errs=$((BASH_REMATCH[2] - BASH_REMATCH[1]))
    else
        errs=$((c * n))
    fi
}

# median: the middle of the numbers on stdin, one a line (the lower middle of an even count)
median() { sort -g | awk '{ v[NR] = $0 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

echo "# title: the server models - one echo service, 1 to 500 clients at once (lab 11)"
echo "# unit: req/s"
echo "# better: higher"
echo "# note: echo-load: C clients at once, each sending its share of $total messages of 64 bytes one after another (closed loop), every byte checked; requests/s over the whole load, connects included; each value the median of $reps loads"
echo "# note: errors: messages that failed or were never echoed in the $reps loads (a load that fails counts all its messages)"
echo "# note: prefork: a pool of 4 workers (the default -w 4); udp: datagrams, a lost one is sent again after 200 ms"
echo "# note: server and load generator share the same cores; the p99 latencies are in results/servers.csv (awk -f bench/servers/latency.awk)"
for c in "${counts[@]}"; do
    if [[ $soft != unlimited ]] && ((c + 40 > soft)); then
        echo "# note: $c clients left out: ulimit -n is $soft here (raise the hard limit)"
    fi
done
# The loads go round REPS times - every model, every count - so that a disturbance of a
# second or two (another program on the machine) hits one load of several cells, not every
# load of one: the median then leaves it out. Each round starts each server afresh.
declare -A rates=() lats=() errsum=()
resent_total=0
for ((k = 0; k < reps; k++)); do
    for m in "${models[@]}"; do
        start "$m"
        for c in "${counts[@]}"; do
            [[ $soft == unlimited ]] || ((c + 40 <= soft)) || continue
            run_load "$c" "$(((total + c - 1) / c))" "$m"
            errsum[$m,$c]=$((${errsum[$m,$c]:-0} + errs))
            [[ -z $rps ]] || { rates[$m,$c]+="$rps "; lats[$m,$c]+="$rps:$p50:$p99 "; }
        done
        stop
    done
done
for c in "${counts[@]}"; do
    [[ $soft == unlimited ]] || ((c + 40 <= soft)) || continue
    group="$c clients"
    [[ $c != 1 ]] || group="1 client"
    for m in "${models[@]}"; do
        if [[ -z ${rates[$m,$c]:-} ]]; then
            echo "$group,$m,0,${errsum[$m,$c]}" # every load failed
            continue
        fi
        # shellcheck disable=SC2086  # the rates, split on purpose
        rps=$(printf '%s\n' ${rates[$m,$c]} | median)
        echo "$group,$m,$rps,${errsum[$m,$c]}"
        for l in ${lats[$m,$c]}; do # the latencies of the load whose rate is the median
            IFS=: read -r r p50 p99 <<<"$l"
            [[ $r != "$rps" ]] || break
        done
        echo "## latency,$group,$m,$p50,$p99"
    done
done
echo "## resent,udp,$resent_total"
((resent_total == 0)) ||
    echo "# note: udp: $resent_total datagrams were dropped by a full socket buffer and sent again after 200 ms (counted in udp's latency, not as errors: every message was echoed)"
