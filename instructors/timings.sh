#!/usr/bin/env bash
# instructors/timings.sh - measure how long each lab and capstone takes in class.
#
# For every lab (labs/NN-*) and capstone (project/*) it measures, on this machine:
#   programs  the wall time of the commands the README's "Build and run" gives, run from
#             the folder the README says, each bounded by `timeout` (interactive steps are
#             scripted: a server is started on a free port, used, and stopped; Ctrl-C/Ctrl-Z
#             at the driver are sent with kill; a program waiting for SIGUSR1 gets it as
#             soon as its line appears)
#   tests     the wall time of `make test T=tests/NAME.bats` and its summary line
# and adds an ESTIMATE (not measured) of reading and exercise time from the README:
#   reading   README words / 120 words per minute (a lab sheet is read while typing)
#   exercises 10 min per exercise + 3 min per review question (numbered items counted by
#             instructors/check-key.sh --count)
# It writes a Markdown table (default instructors/timings.md) with the load average
# before and after: the figures mean little on a busy machine; run it on a quiet one.
#
# Usage: instructors/timings.sh [-T] [-o FILE] [UNIT...]  (UNIT: labs/04-pipe, project/chatroom)
#        -T: programs only, do not run the tests (much quicker on a busy machine)
# Needs: make has been run (the programs are built); curl for lab 12.
# Exit status: 0 when every command and every test file succeeded, 1 otherwise, 2 bad usage.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$top/instructors/timings.md
usage() { echo "usage: timings.sh [-T] [-o FILE] [UNIT...]"; }
tests=1
while getopts ':To:h' opt; do
    case $opt in
    T) tests=0 ;;
    o) out=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
units=("$@")
if ((${#units[@]} == 0)); then
    units=()
    for d in "$top"/labs/[0-9][0-9]-*/ "$top"/project/*/; do
        [[ -f $d/README.md ]] && units+=("${d#"$top"/}")
    done
fi
units=("${units[@]%/}")

tmp=$(mktemp -d)
bgpid=
cleanup() {
    [[ -n $bgpid ]] && kill "$bgpid" 2>/dev/null && wait "$bgpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
ncmd=0

now_us() { echo "${EPOCHREALTIME/./}"; }
secs() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1e6 }'; }

# run CMD...: one bounded command, output discarded, failure counted.
run() {
    ncmd=$((ncmd + 1))
    if ! timeout 60 "$@" >"$tmp/last.out" 2>&1 </dev/null; then
        echo "timings: FAILED in $PWD: $*" >&2
        failures=$((failures + 1))
    fi
}
# run_rc STATUS CMD...: the same, for a command whose expected exit status is STATUS
# (alarm_pause -d dies of SIGALRM by design: 128 + 14).
run_rc() {
    local want=$1 rc=0
    shift
    ncmd=$((ncmd + 1))
    timeout 60 "$@" >"$tmp/last.out" 2>&1 </dev/null || rc=$?
    if ((rc != want)); then
        echo "timings: FAILED in $PWD: $* (exit status $rc, expected $want)" >&2
        failures=$((failures + 1))
    fi
}
# bg OUT CMD...: start CMD in the background (stdin /dev/null), pid in bgpid.
bg() {
    local o=$1
    shift
    ncmd=$((ncmd + 1))
    "$@" >"$o" 2>&1 </dev/null &
    bgpid=$!
}
# wait_line FILE ERE: poll (bounded, 10 s) until FILE has a line matching ERE; print it.
wait_line() {
    local i
    for ((i = 0; i < 1000; i++)); do
        grep -m1 -E "$2" "$1" 2>/dev/null && return 0
        sleep 0.01
    done
    echo "timings: no line /$2/ in $1" >&2
    failures=$((failures + 1))
    return 1
}
# stop_bg [SIGNAL]: signal the background process and reap it (bounded).
stop_bg() {
    [[ -n $bgpid ]] || return 0
    kill -"${1:-TERM}" "$bgpid" 2>/dev/null
    local i
    for ((i = 0; i < 500; i++)); do
        kill -0 "$bgpid" 2>/dev/null || break
        sleep 0.01
    done
    kill -KILL "$bgpid" 2>/dev/null
    wait "$bgpid" 2>/dev/null
    bgpid=
}
port_of() { sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$1"; }

# One function per unit: the README's "Build and run" commands, scripted.
prog_01-fork-wait-zombie() {
    run ./fork_basics
    run ./exit_status 3
    run ./exit_status -s TERM
    bg "$tmp/z" ./zombie
    wait_line "$tmp/z" 'SIGUSR1' >/dev/null && kill -USR1 "$bgpid"
    stop_bg TERM
    local m
    for m in wait waitpid nohang double-fork sigchld ignore; do run ./reap "$m"; done
    run ./proc_states
}
prog_02-orphan() {
    run ./orphan
    run ./orphan -c
    run ./daemonize -p "$tmp/demo.pid" -l "$tmp/demo.log" -i 1
    wait_line "$tmp/demo.log" 'alive' >/dev/null
    [[ -s $tmp/demo.pid ]] && kill "$(cat "$tmp/demo.pid")"
    run ./nice_demo
}
prog_03-signals-driver-conductor() {
    bg "$tmp/dc" ./driver_conductor -g
    if wait_line "$tmp/dc" 'all aboard$' >/dev/null; then
        kill -INT -- "-$bgpid"              # Ctrl-C to the whole group
        wait_line "$tmp/dc" "let's go" >/dev/null
        kill -QUIT -- "-$bgpid"             # Ctrl-\
        wait_line "$tmp/dc" 'speeding up' >/dev/null
        kill -TSTP -- "-$bgpid"             # Ctrl-Z ends the trip
        wait "$bgpid" 2>/dev/null
        bgpid=
    fi
    stop_bg TERM
    run ./kill_raise
    run ./alarm_pause
    run_rc 142 ./alarm_pause -d
    run ./dispositions
}
prog_04-pipe() {
    run ./pipe_simplex
    run ./pipe_simplex one two three
    run ./pipe_duplex
    run ./pipe_duplex -p
    run ./pipe_limits
    bg "$tmp/fifo" ./fifo_reader -c "$tmp/demo.fifo"
    local i
    for ((i = 0; i < 500; i++)); do [[ -p $tmp/demo.fifo ]] && break; sleep 0.01; done
    run ./fifo_writer "$tmp/demo.fifo" hello world
    wait "$bgpid" 2>/dev/null
    bgpid=
}
prog_05-mqueue() {
    run ./mq_producer_consumer
    run ./mq_nonblock
    run ./mq_timeout
    run ./mq_info
}
prog_06-shm() {
    run ./shm_value
    run ./shm_array 1 2 3 4 5
    run ./shm_array -z 5
    run ./shm_anon
    run ./shm_race
}
prog_07-semaphore() {
    run ./sem_counter
    run ./sem_permits
    run ./sem_permits -v
    run ./sem_unnamed
    run ./sem_value
}
prog_08-event-lock-condition() {
    run ./threads_basics
    run ./race
    run ./event_demo
    run ./lock_demo
    run ./condition_demo
    run ./producer_consumer
    run ./pshared_sync
}
prog_09-gil-benchmark() {
    run ./gil_bench
    run ./gil_bench -w 3 -n 1000 -s 100 -r 2 -d 1
    run ./gil_bench -m serial,gil -s 5000
    run ./gil_bench -m serial,gil -s 5000 -U
    run ./gil_bench -C
}
prog_10-pools() {
    run ./process_pool
    run ./process_pool -w 2 -n 20 -t 0
    run ./thread_pool
    run ./pool_cost
    run ./pool_cost -C
}
prog_11-server-models() {
    bg "$tmp/echo" ./echo-server -m iterative -v -p 0
    if wait_line "$tmp/echo" '^listening on' >/dev/null; then
        local port
        port=$(port_of "$tmp/echo")
        run ./echo-client -p "$port" -t 5 hello 'two words'
        run ./echo-load -p "$port" -c 10 -n 1000
    fi
    stop_bg INT
}
prog_12-http-server() {
    bg "$tmp/http" ./http-server -p 0
    if wait_line "$tmp/http" '^listening on' >/dev/null; then
        local port u
        port=$(port_of "$tmp/http")
        u=http://127.0.0.1:$port
        run curl -s "$u/hello.txt"
        run curl -si "$u/no-such-page.html"
        run curl -sI "$u/img/threads.png"
        run curl -s --path-as-is "$u/../../etc/passwd"
        run curl -s -o /dev/null "$u/docs"
        run ./http-load -p "$port" -c 200 -n 5 -f www/index.html /
    fi
    stop_bg INT
}
prog_chatroom() { run ./demo.sh; }
prog_fileserver() { run ./demo.sh; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

load_before=$(loadavg)
rows=()
for u in "${units[@]}"; do
    name=${u##*/}
    readme=$top/$u/README.md
    [[ -f $readme ]] || { echo "timings: no $u/README.md" >&2; exit 2; }
    declare -F "prog_$name" >/dev/null || { echo "timings: no commands for $u" >&2; exit 2; }
    echo "timings: $u" >&2
    ncmd=0
    t=$(now_us)
    cd "$top/$u" || exit 1
    "prog_$name"
    cd "$top" || exit 1
    p=$(($(now_us) - t))
    if ((tests)); then
        t=$(now_us)
        summary=$(make -C "$top" --no-print-directory test T="tests/$name.bats" 2>&1 | tail -n 1)
        [[ $summary == *" 0 failed"* ]] || failures=$((failures + 1))
        tt=$(secs $(($(now_us) - t)))
    else
        summary="not run (-T)" tt="-"
    fi
    words=$(wc -w <"$readme")
    read -r ne nq < <("$top/instructors/check-key.sh" --count "$readme")
    read_min=$(((words + 119) / 120))
    ex_min=$((ne * 10 + nq * 3))
    rows+=("| $u | $(secs "$p") ($ncmd) | $tt | $summary | $read_min | $ne E + $nq Q: $ex_min |")
done
load_after=$(loadavg)

{
    echo "# Timings"
    echo
    echo "Written by \`instructors/timings.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPU(s),"
    echo "$(uname -sr). Load average (1, 5, 15 min) before: $load_before; after: $load_after."
    echo "A load average above the number of CPUs means the figures are inflated: re-run on a"
    echo "quiet machine (\`instructors/timings.sh\`, after \`make\`)."
    echo
    echo "Measured: *programs* = wall time of the README's \"Build and run\" commands (their"
    echo "number in parentheses), *tests* = wall time of \`make test T=tests/NAME.bats\`."
    echo "**Estimated, not measured**: *reading* = README words / 120 per minute; *exercises*"
    echo "= 10 min per exercise + 3 min per review question."
    echo
    echo "| unit | programs s (commands) | tests s | test result | reading min (est.) | exercises + questions min (est.) |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
} >"$out"
echo "timings: wrote $out (failures: $failures)" >&2
((failures == 0))
