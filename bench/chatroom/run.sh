#!/usr/bin/env bash
# bench/chatroom/run.sh - one run of the chatroom's fan-out benchmark, as CSV rows for
# bench/run.sh: one sender, 10, 100 and 500 receivers, 64-byte datagrams; thousands of
# datagrams delivered per second, through project/chatroom's chat-server and, as each
# group's baseline, by a plain sendto() loop with no server logic (the machine's raw limit).
# Loss goes into "# note:" lines. BENCH_QUICK=1: tiny sizes. See bench/chatroom/README.md.
set -euo pipefail
bin=${BIN:?BIN must be set (bench/run.sh sets it)}
server=$bin/project/chatroom/chat-server
fanout=$bin/bench/chatroom/chat_fanout
for p in "$server" "$fanout"; do
    [[ -x $p ]] || { echo "bench/chatroom: $p is missing: run make first" >&2; exit 1; }
done
total=400000 # datagrams per measurement
[[ ${BENCH_QUICK:-0} == 1 ]] && total=2000

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

# A fresh chat-server for each measurement, on a free port (sets port). Its log (one line
# per message) goes to /dev/null: writing it is part of the cost.
start_server() {
    rm -f "$tmp/server.out"
    "$server" -p 0 </dev/null >"$tmp/server.out" 2>/dev/null &
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
echo "# note: 64-byte datagrams, $total per measurement; at most 32 messages in flight (the receivers keep up); the server's log goes to /dev/null"
lost=0 sent=0 status=0
for r in 10 100 500; do
    m=$((total / r))
    for mode in raw server; do
        args=()
        if [[ $mode == server ]]; then
            start_server
            args=(-p "$port")
        fi
        out=$("$fanout" -C "${args[@]}" -r "$r" -m "$m" "$mode") || status=1
        stop_server
        printf '%s\n' "$out"
        [[ $out =~ \#\#\ lost\ ([0-9]+)\ of\ ([0-9]+) ]] || { echo "bench/chatroom: no result" >&2; exit 1; }
        lost=$((lost + BASH_REMATCH[1]))
        sent=$((sent + BASH_REMATCH[2]))
    done
done
echo "# note: datagrams lost in this run: $lost of $sent"
exit "$status"
