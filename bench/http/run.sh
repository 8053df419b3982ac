#!/usr/bin/env bash
# bench/http/run.sh - one run of the HTTP benchmark, as CSV rows for bench/run.sh: lab 12's
# http-server (a thread per connection) against nginx (event-driven) serving the same files
# with comparable settings, side by side: a 1 KiB file at 10, 100 and 1000 keep-alive
# connections, a 1 MiB file at 10 and 100; requests per second. nginx with one worker is
# each group's baseline, so the "vs" column is the ratio to it; "nginx-auto" is nginx with
# `worker_processes auto` (a worker per core), in the same run (not in class runs). The
# 1 KiB groups also have the floor: http_ref (bench/http/http_ref.c), epoll loops, one per
# CPU, that answer every request head with a canned reply from memory - no parsing, no file,
# no log - the least work per request any server can do here: no server can beat its row.
# (The slow-client run - latency of one GET while 100 or 1000 slow or idle connections are
# open - is bench/http/slow.sh.)
#
# Validity: a rate alone can hide clients that were never served (a server that stops
# accepting at its cap leaves the rest in the listen queue, and wrk still prints a rate).
# So during each measurement (every quarter of it) the server side is sampled with ss(8): the
# listen queue of the port (Recv-Q), the established connections, and how many of them the
# server has sent data on (answered). Connections that were never answered are "starved"; they, and
# wrk's socket errors (connect, read, write, timeout) and non-2xx replies, are the row's
# errors: a 4th CSV field, present only when there are errors (3 fields = 0 errors), and a
# line on stderr. A "## ..." comment line per measurement (kept in results/http.csv, ignored
# by the renderer) has wrk's Transfer/sec, the error counts, the samples, and the CPU time
# per request of the server's processes and of wrk (from /proc and bash's `time`): on a
# 2-core machine the two share the CPUs, and these say how much of them each one took.
#
# Load generator: wrk (Debian's wrk) when installed, -t2 -cN per measurement. Without wrk,
# and always with BENCH_QUICK=1 (tiny sizes, for the tests), lab 12's http-load does it: it
# opens all the connections, the server side is checked (every one accepted), then N rounds
# on C connections, each reply checked, timed whole - slower than wrk (it sends a round,
# then waits for every reply of it), and said so in a note.
# Without nginx (Debian's nginx) only http-server is measured, and a note says so.
#
# Environment: BIN (set by bench/run.sh); BENCH_QUICK=1 tiny; BENCH_SCALE=class short (1 s
# per measurement), default full (5 s); BENCH_HTTP_SECONDS=N overrides the seconds;
# BENCH_HTTP_SERVER_ARGS: extra options for http-server (e.g. "-c 64": a small cap, to see
# the validity check catch the clients it starves); BENCH_HTTP_OTHER=PATH: another build of
# http-server (an older version, a student's) measured as a row "other" after http-server
# in every group, same options - e.g. to show that a change does not slow it down.
set -euo pipefail
bin=${BIN:?BIN must be set (bench/run.sh sets it)}
server=$bin/labs/12-http-server/http-server
load=$bin/labs/12-http-server/http-load
ref=$bin/bench/http/http_ref
www=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/labs/12-http-server/www
for p in "$server" "$load" "$ref"; do
    [[ -x $p ]] || { echo "bench/http: $p is missing: run make first" >&2; exit 1; }
done
quick=${BENCH_QUICK:-0}
scale=${BENCH_SCALE:-full}
case $scale in
class) secs=${BENCH_HTTP_SECONDS:-1} ;;
full) secs=${BENCH_HTTP_SECONDS:-5} ;;
*) echo "bench/http: BENCH_SCALE must be class or full, not '$scale'" >&2; exit 2 ;;
esac
read -r -a server_args <<<"${BENCH_HTTP_SERVER_ARGS:-}"
other=${BENCH_HTTP_OTHER:-}
[[ -z $other || -x $other ]] || { echo "bench/http: BENCH_HTTP_OTHER: $other is not a program" >&2; exit 2; }
command -v ss >/dev/null 2>&1 ||
    { echo "bench/http: needs ss (Debian: iproute2) to check that every connection is served" >&2; exit 1; }
[[ $secs =~ ^[1-9][0-9]*$ ]] || { echo "bench/http: BENCH_HTTP_SECONDS must be a whole number" >&2; exit 2; }
tool=wrk
if [[ $quick == 1 ]] || ! command -v wrk >/dev/null 2>&1; then
    tool=http-load
fi
nginx=$(command -v nginx 2>/dev/null || true)
[[ -n $nginx || ! -x /usr/sbin/nginx ]] || nginx=/usr/sbin/nginx

tmp=$(mktemp -d)
server_pid='' ref_pid='' other_pid='' started_pid='' nginx_pids=()
declare -A pid_of # the process of each variant (nginx: its master; its workers are children)
cleanup() {
    local p
    for p in $server_pid $ref_pid $other_pid $started_pid; do
        kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    for p in "${nginx_pids[@]}"; do
        kill -QUIT "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
    return 0
}
trap cleanup EXIT

# The site: the lab's www/ plus the two files measured. nginx's worker may run as another
# user (nobody) when started by root: everything must be readable by all.
mkdir -p "$tmp/www"
cp -R "$www/." "$tmp/www/"
head -c 1024 /dev/urandom >"$tmp/www/1k.bin"
head -c 1048576 /dev/urandom >"$tmp/www/1m.bin"
chmod -R a+rX "$tmp"

# ready PORT: wait (at most 5 s) until something accepts connections on 127.0.0.1:PORT.
ready() {
    local i
    for ((i = 0; i < 250; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
            return 0
        fi
        sleep 0.02
    done
    return 1
}

# start_at NAME OUT CMD...: start a server that prints "listening on HOST:PORT" first;
# sets started_pid and started_port (exits if it does not start within 5 s).
start_at() {
    local name=$1 out=$2 i
    shift 2
    : >"$out" # exists before the background child opens it: no grep on a missing file
    "$@" >"$out" 2>&1 &
    started_pid=$!
    for ((i = 0; i < 250; i++)); do
        grep -q '^listening on ' "$out" && break
        kill -0 "$started_pid" 2>/dev/null || break
        sleep 0.02
    done
    started_port=$(sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$out")
    [[ -n $started_port ]] || { echo "bench/http: $name did not start: $(cat "$out")" >&2; exit 1; }
}
# http-server on a free port (-p 0), its log quiet (-q), like nginx's access_log off.
start_at http-server "$tmp/server.out" "$server" -q -p 0 -r "$tmp/www" "${server_args[@]}"
server_pid=$started_pid server_port=$started_port
pid_of[http-server]=$server_pid
other_port=''
if [[ -n $other ]]; then
    start_at other "$tmp/other.out" "$other" -q -p 0 -r "$tmp/www" "${server_args[@]}"
    other_pid=$started_pid other_port=$started_port
    pid_of[other]=$other_pid
fi

# The floor: http_ref with a 1 KiB canned reply, an event loop per CPU.
start_at http_ref "$tmp/ref.out" "$ref" -p 0 -s 1024
ref_pid=$started_pid ref_port=$started_port
pid_of[http_ref]=$ref_pid

# start_nginx NAME WORKERS: nginx with WORKERS worker processes ("1" or "auto") on a high
# port (it cannot report a port of its own choosing: try a few); sets nginx_port.
start_nginx() {
    local dir=$tmp/$1 attempt port pid
    nginx_port=''
    mkdir -p "$dir"
    for ((attempt = 0; attempt < 8; attempt++)); do
        port=$((20000 + RANDOM % 40000))
        cat >"$dir/nginx.conf" <<EOF
# Written by bench/http/run.sh: the same files, settings comparable to http-server's.
worker_processes $2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
    access_log off;               # http-server runs with -q
    sendfile on;                  # as http-server does for files over 16 KiB
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 10s;        # http-server's idle timeout
    keepalive_requests 1000000;   # http-server has no such limit
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$port;
        root $tmp/www;
    }
}
EOF
        "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/out" 2>&1 &
        pid=$!
        if ready "$port" && kill -0 "$pid" 2>/dev/null; then
            nginx_port=$port
            nginx_pids+=("$pid")
            pid_of[$1]=$pid
            return 0
        fi
        kill -QUIT "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        grep -q 'Address already in use' "$dir/error.log" "$dir/out" 2>/dev/null ||
            { echo "bench/http: nginx did not start: $(cat "$dir/error.log" "$dir/out" 2>/dev/null)" >&2; exit 1; }
    done
    echo "bench/http: no free port for nginx" >&2
    exit 1
}
nginx1_port='' nginx_auto_port=''
if [[ -n $nginx ]]; then
    start_nginx nginx 1
    nginx1_port=$nginx_port
    if [[ $scale != class ]]; then # a class run keeps to the main comparison: 2 minutes in all
        start_nginx nginx-auto auto
        nginx_auto_port=$nginx_port
    fi
fi

# sample PORT [PEERS]: one look at the server side of PORT, as "queue established
# answered": the listen queue (connections the kernel completed that the server has not
# accepted), the established connections (queued ones included), and those the server has
# sent data on; the answered ones' peer addresses are appended to the file PEERS.
sample() {
    local q ea
    q=$(ss -ltnH "sport = :$1" | awk '{ q += $2 } END { print q + 0 }')
    ea=$(ss -tniH state established "sport = :$1" | awk -v peers="${2:-/dev/null}" '
        /^[0-9]/ { n++; peer = $4; next }
        /data_segs_out:[1-9]/ { a++; print peer >>peers }
        END { print n + 0, a + 0 }')
    echo "$q $ea"
}

# cpu_ticks PID: the CPU time (user + system, in clock ticks, every thread counted) of
# process PID and of its children (nginx's workers).
cpu_ticks() {
    local p t=0 stat f
    for p in "$1" $(pgrep -P "$1" || true); do
        stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        stat=${stat##*) } # what follows the command name (which may hold spaces): field 3 on
        read -r -a f <<<"$stat"
        t=$((t + f[11] + f[12])) # fields 14 and 15: utime and stime
    done
    echo "$t"
}
clk_tck=$(getconf CLK_TCK)

# row GROUP NAME RATE ERRORS: the CSV row; the errors field only when there are errors.
row() {
    if (($4 > 0)); then
        echo "$1,$2,$3,$4"
    else
        echo "$1,$2,$3"
    fi
}

# measure NAME PORT FILE CONNS GROUP: one measurement, printed as a row and a ## line.
measure() {
    local name=$1 port=$2 file=$3 conns=$4 group=$5 rate errors starved
    local url=http://127.0.0.1:$port/$file
    if [[ $tool == wrk ]]; then
        local out samples wrk_errors gap sampler d=$secs c0 c1 cpu TIMEFORMAT='%3U %3S'
        # 1000 connections arrive at once; a busy one-worker nginx takes up to about a second
        # to accept them all (one accept per turn of its event loop): a 1-second cell would
        # count late ones as starved. So at least 3 s there (in a 2 s cell of a class run, a
        # one-worker nginx still had 37 of 1000 in its listen queue at the last look).
        ((conns < 1000 || d >= 3)) || d=3
        # Looks at the server side every quarter of the measurement while wrk runs; a look
        # that ends after wrk has ended does not count (wrk may be closing connections).
        gap=$(awk -v s="$d" 'BEGIN { printf "%.2f", s / 4 }')
        local attempt
        for attempt in 1 2 3; do
            rm -f "$tmp/done" "$tmp/peers.new"
            : >"$tmp/peers"
            # A look counts only if it ended a quarter of a second before wrk's end: at its
            # end wrk closes its connections, and a look then sees only some of them.
            local looks_end=$((${EPOCHREALTIME/./} + d * 1000000 - 250000))
            (while sleep "$gap"; do
                : >"$tmp/peers.new"
                look=$(sample "$port" "$tmp/peers.new")
                if [[ -e $tmp/done ]] || ((${EPOCHREALTIME/./} >= looks_end)); then
                    break
                fi
                # No connection established at all: not a look at this measurement either.
                [[ ${look#* } != 0\ * ]] || continue
                cat "$tmp/peers.new" >>"$tmp/peers"
                echo "$look"
            done) >"$tmp/samples" &
            sampler=$!
            c0=$(cpu_ticks "${pid_of[$name]}")
            out=$( { time wrk -t2 -c"$conns" -d"${d}s" --timeout 10s "$url"; } 2>"$tmp/wrk.time") || true
            : >"$tmp/done"
            c1=$(cpu_ticks "${pid_of[$name]}")
            kill "$sampler" 2>/dev/null || true
            wait "$sampler" 2>/dev/null || true
            samples=$(paste -sd';' "$tmp/samples")
            # No look at all while wrk ran (seen once in a quiet run: the sampler was not
            # scheduled in time) verifies nothing: measure the cell again, at most 3 times.
            [[ -z $samples ]] || break
            echo "bench/http: $name, $group: no look at the server side during attempt $attempt; measuring again" >&2
        done
        rate=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
        [[ -n $rate ]] || { echo "bench/http: wrk said: $out" >&2; return 1; }
        # Socket errors: connect 0, read 0, write 0, timeout 0 / Non-2xx or 3xx responses: 0
        wrk_errors=$(awk '/Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
            /Non-2xx or 3xx responses:/ { n += $NF } END { print n + 0 }' <<<"$out")
        # Starved: the connections no look found answered (the peers answered in any look,
        # counted once). No look at all (a machine too busy to run ss in time) is not a
        # pass: every connection counts as unverified.
        starved=$(sort -u "$tmp/peers" | awk -v c="$conns" 'END { print (c > NR) ? c - NR : 0 }')
        [[ -n $samples ]] || samples="no look at the server side while wrk ran: not verified"
        errors=$((wrk_errors + starved))
        # CPU per request, in microseconds: the server's (its processes, all threads) and wrk's.
        cpu=$(awk -v ticks=$((c1 - c0)) -v hz="$clk_tck" -v t="$(tail -n1 "$tmp/wrk.time")" '
            / requests in / { n = $1 }
            END { split(t, w, " "); if (n > 0) printf "server %.1f us, wrk %.1f us", ticks / hz * 1e6 / n, (w[1] + w[2]) * 1e6 / n }' <<<"$out")
        echo "## $name, $group: $rate req/s; wrk: $(awk '/^Transfer\/sec:/ { printf "transfer/s %s", $2 }
            /Socket errors/ { sub(/^ */, ""); printf ", %s", $0 }
            /Non-2xx/ { sub(/^ */, ""); printf ", %s", $0 }' <<<"$out"); CPU per request: ${cpu:-unknown}; server side (listen queue, established, answered): $samples; errors $errors ($starved of $conns connections starved)"
        if ((errors > 0)); then
            echo "bench/http: $name, $group: $errors errors: $starved of $conns connections never answered (listen queue, established, answered: $samples), $wrk_errors from wrk$(awk '/Socket errors|Non-2xx/ { sub(/^ */, ""); printf "; %s", $0 }' <<<"$out")" >&2
        fi
    else
        local rounds t0 t1 load_pid i look='0 0' failed=0 s3
        local total=200000 # requests per measurement: 1 KiB
        [[ $file == 1k.bin ]] || total=5000
        [[ $quick != 1 ]] || total=$((total / 1000))
        rounds=$(((total + conns - 1) / conns))
        # http-load -w opens every connection, says "connected N" and waits for a line:
        # then the server side must show every one of them accepted (none left in the listen
        # queue) before the requests are sent and the clock starts.
        rm -f "$tmp/go"
        mkfifo "$tmp/go"
        : >"$tmp/load.out"
        "$load" -w -p "$port" -c "$conns" -n "$rounds" "/$file" <"$tmp/go" >"$tmp/load.out" 2>&1 &
        load_pid=$!
        exec {go}>"$tmp/go"
        for ((i = 0; i < 250; i++)); do
            grep -q '^connected ' "$tmp/load.out" && break
            kill -0 "$load_pid" 2>/dev/null || break
            sleep 0.02
        done
        for ((i = 0; i < 50; i++)); do # at most about a second for the server to accept them
            read -r -a s3 <<<"$(sample "$port")"
            look="${s3[0]} ${s3[1]}"
            ((s3[0] > 0 || s3[1] - s3[0] < conns)) || break
            sleep 0.02
        done
        starved=$(awk -v c="$conns" '{ a = $2 - $1; print (c > a) ? c - a : 0 }' <<<"$look")
        t0=$(date +%s%N)
        (trap '' PIPE; echo go >&"$go") 2>/dev/null || true # http-load may have died
        exec {go}>&-
        wait "$load_pid" || failed=1
        t1=$(date +%s%N)
        rate=$(awk -v n=$((conns * rounds)) -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }')
        errors=$((starved > failed ? starved : failed))
        echo "## $name, $group: $rate req/s (http-load, $((conns * rounds)) requests); server side once connected (listen queue, established): $look; errors $errors ($starved of $conns connections not accepted$( ((failed == 0)) || printf '; %s' "$(tail -n1 "$tmp/load.out")"))"
        if ((errors > 0)); then
            echo "bench/http: $name, $group: $errors errors: $starved of $conns connections not accepted (listen queue, established: $look)$( ((failed == 0)) || printf '; %s' "$(tail -n1 "$tmp/load.out")")" >&2
        fi
    fi
    row "$group" "$name" "$rate" "$errors"
}

echo "# title: static files over HTTP - lab 12's http-server (a thread per connection) vs nginx (one worker, and a worker per core)"
echo "# unit: req/s"
echo "# better: higher"
if [[ $tool == wrk ]]; then
    echo "# note: wrk -t2 -c(conns) -d${secs}s$( ((secs >= 2)) || echo " (2 s at 1000 connections)"), keep-alive, all servers running side by side on 127.0.0.1, measured in turns"
    echo "# note: validity: during each measurement ss looks at the server side every quarter of it (listen queue, established connections, those answered); connections never answered (starved), wrk's socket errors and non-2xx replies are the row's errors"
else
    echo "# note: measured with http-load (lab 12), not wrk: a round of requests on every connection, then every reply read and checked; slower than wrk, and tiny sizes with BENCH_QUICK=1"
    echo "# note: validity: once http-load has connected, ss must show every connection accepted by the server (none left in the listen queue); those not accepted, and a wrong or missing reply, are the row's errors"
fi
if [[ -n $nginx1_port ]]; then
    auto="worker_processes 1 (nginx) and auto = $(getconf _NPROCESSORS_ONLN) (nginx-auto)"
    [[ -n $nginx_auto_port ]] || auto="worker_processes 1 (nginx-auto, a worker per core, is measured in full runs only)"
    echo "# note: $("$nginx" -v 2>&1 | sed 's/^nginx version: //'): $auto, access_log off, sendfile on, tcp_nopush on, keepalive 10 s and 1000000 requests; http-server -q (no log)"
else
    echo "# note: nginx is not installed (Debian: apt-get install nginx): http-server alone"
fi
[[ -z $other ]] || echo "# note: other: $other (BENCH_HTTP_OTHER), with the same options as http-server"
echo "# note: http_ref: the floor - an epoll loop per CPU answering every request with a canned 1 KiB reply from memory (bench/http/http_ref.c): no server answers a small file faster on this machine"
echo "# note: transfer/s = req/s x the file size (1 KiB or 1 MiB) plus a head of about 150 bytes; wrk's own figures are in the ## lines of results/http.csv"

# Warm up (threads, page cache, every server), except in quick and class runs, which are for
# the shapes and must stay short.
if [[ $tool == wrk && $quick != 1 && ${BENCH_SCALE:-full} != class ]]; then
    wrk -t2 -c100 -d1s "http://127.0.0.1:$server_port/1k.bin" >/dev/null
    [[ -z $nginx1_port ]] || wrk -t2 -c100 -d1s "http://127.0.0.1:$nginx1_port/1k.bin" >/dev/null
    [[ -z $nginx_auto_port ]] || wrk -t2 -c100 -d1s "http://127.0.0.1:$nginx_auto_port/1k.bin" >/dev/null
fi
for file in 1k.bin 1m.bin; do
    size=$([[ $file == 1k.bin ]] && echo "1 KiB" || echo "1 MiB")
    conns_list="10 100"
    [[ $file != 1k.bin ]] || conns_list="10 100 1000" # 1000: all served at once (cap 4096)
    for conns in $conns_list; do
        group="$size $conns conns"
        if [[ -n $nginx1_port ]]; then
            measure nginx "$nginx1_port" "$file" "$conns" "$group"
            [[ -z $nginx_auto_port ]] || measure nginx-auto "$nginx_auto_port" "$file" "$conns" "$group"
        fi
        measure http-server "$server_port" "$file" "$conns" "$group"
        [[ -z $other_port ]] || measure other "$other_port" "$file" "$conns" "$group"
        [[ $file != 1k.bin ]] || measure http_ref "$ref_port" "$file" "$conns" "$group"
    done
done
