#!/usr/bin/env bash
# bench/chatroom/run.sh - one run of the chatroom's fan-out benchmark, as CSV rows for
# bench/run.sh: one sender, 10, 100 and 500 receivers, 64-byte datagrams; thousands of
# datagrams delivered per second, through project/chatroom's chat-server and, as each
# group's baseline, by a plain sendto() loop with no server logic (the machine's raw limit).
# Each row is the median of REPS measurements (3; raw and server taken in turn), with a 4th
# field: the datagrams lost (or unexpected) in them, added up - a cell with any is a failure
# (bench/run.sh reports it); the run goes on. Loss also goes into "# note:" lines. The server runs with -r 0: its per-member rate limit
# (20 messages a second by default) lifted, so that the fan-out is measured, not the limit.
# One more run, with the default limit, floods it and shows the limit holding (a "# note:"
# line). BENCH_QUICK=1: tiny sizes, one measurement; BENCH_SCALE=class: a tenth of the
# work. See bench/chatroom/README.md.
set -euo pipefail
bin=${BIN:?BIN must be set (bench/run.sh sets it)}
server=$bin/project/chatroom/chat-server
fanout=$bin/bench/chatroom/chat_fanout
for p in "$server" "$fanout"; do
    [[ -x $p ]] || { echo "bench/chatroom: $p is missing: run make first" >&2; exit 1; }
done
total=150000 # datagrams per measurement
reps=3       # measurements per row: the row is their median
flood_s=3    # seconds of flooding, at 1000 messages a second
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    total=2000
    reps=1
    flood_s=1
elif [[ ${BENCH_SCALE:-} == class ]]; then
    total=15000
    flood_s=1
fi

tmp=$(mktemp -d)
server_pid=''
stop_server() {
    if [[ -n $server_pid ]]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=''
}
# shellcheck disable=SC2317  # called by the trap
cleanup() {
    stop_server
    rm -rf "$tmp"
}
trap cleanup EXIT

# start_server [OPTION...]: a fresh chat-server for each measurement, on a free port (sets
# port). Its log (one line per message) goes to /dev/null: writing it is part of the cost.
start_server() {
    rm -f "$tmp/server.out"
    "$server" -p 0 "$@" </dev/null >"$tmp/server.out" 2>/dev/null &
    server_pid=$!
    local i
    for ((i = 0; i < 250; i++)); do
        grep -qs '^listening on ' "$tmp/server.out" && break
        sleep 0.02
    done
    port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/server.out")
    [[ -n $port ]] || { echo "bench/chatroom: chat-server did not start" >&2; exit 1; }
}

echo "# title: chatroom fan-out - one sender, R receivers: chat-server vs a raw sendto() loop"
echo "# unit: k datagrams/s"
echo "# better: higher"
echo "# note: 64-byte datagrams, $total per measurement, each value the median of $reps (raw and server in turn), the 4th field the datagrams lost in them; at most 32 messages in flight (the receivers keep up); the server's log goes to /dev/null; its rate limit lifted (chat-server -r 0)"
# median: the middle of the numbers on stdin, one a line
median() { sort -g | awk '{ v[NR] = $0 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
lost=0 sent=0 status=0
for r in 10 100 500; do
    m=$((total / r))
    declare -A vals=() errs=() name=()
    for ((k = 0; k < reps; k++)); do
        for mode in raw server; do
            args=()
            if [[ $mode == server ]]; then
                start_server -r 0 # no rate limit: measure the fan-out
                args=(-p "$port")
            fi
            # chat_fanout exits 1 when a datagram was lost: that is counted, not fatal
            out=$("$fanout" -C "${args[@]}" -r "$r" -m "$m" "$mode") || true
            stop_server
            [[ $out =~ (^|$'\n')([0-9]+\ receivers),([^,]+),([0-9.]+)($'\n'|$) ]] ||
                { echo "bench/chatroom: no result from chat_fanout $mode" >&2; exit 1; }
            name[$mode]=${BASH_REMATCH[3]}
            vals[$mode]+="${BASH_REMATCH[4]} "
            [[ $out =~ \#\#\ lost\ ([0-9]+)\ of\ ([0-9]+),\ unexpected\ ([0-9]+) ]] ||
                { echo "bench/chatroom: no result" >&2; exit 1; }
            printf '%s\n' "${BASH_REMATCH[0]}"
            lost=$((lost + BASH_REMATCH[1]))
            sent=$((sent + BASH_REMATCH[2]))
            errs[$mode]=$((${errs[$mode]:-0} + BASH_REMATCH[1] + BASH_REMATCH[3]))
        done
    done
    for mode in raw server; do
        # shellcheck disable=SC2086  # the values, split on purpose
        echo "$r receivers,${name[$mode]},$(printf '%s\n' ${vals[$mode]} | median),${errs[$mode]}"
    done
    unset vals errs name
done
echo "# note: datagrams lost in this run: $lost of $sent"
# The rate limit holding: a flooder against chat-server's default limit (20 messages a
# second, bursts of 40) gets about 40 + 20 a second through, whatever it sends.
start_server
"$fanout" -C -p "$port" -m $((flood_s * 1000)) -d "$flood_s" flood || status=1
stop_server
exit "$status"
