#!/usr/bin/env bash
# bench/fileserver/run.sh - one run of the file server benchmark, as CSV rows for
# bench/run.sh (unit MB/s, higher is better). BENCH_QUICK=1: a few MiB instead of 1 GiB.
#
# Groups, each with the machine's raw limit first, as the yardstick:
#   GET <big>      one client downloads one big file: to /dev/null (what curl -o /dev/null
#                  does for nginx), with sendfile+splice and with -C (read/write), and into
#                  a file (the client's normal atomic download);
#   PUT <big>      one client uploads it (the server writes it, fsyncs it, renames it);
#   50 x GET <small>  fifty clients download a smaller file at the same time (aggregate).
# Yardsticks: tcp_raw (our minimal sender/receiver, memory to memory over one loopback TCP
# stream), the same with the receiver writing into a file on the same file system (the
# limit for anything that stores what it receives), and iperf3 if installed. Comparison:
# nginx serving the same file to curl, if both are installed. And, when /dev/shm is
# another file system (tmpfs) with room, a PUT there too (see the note it prints).
# Sizes: 1 GiB and 10 MiB; quick: 8 MiB and 1 MiB, 5 clients.
#
# The files live in a temporary directory in $TMPDIR (/tmp: the disk, where a file server
# keeps its files, and where an upload's fsync really writes) when it has room, else on
# /dev/shm. BENCH_DIR overrides. The directories are removed at the end, whatever happens.
set -euo pipefail
bin=${BIN:?BIN must be set (bench/run.sh sets it)}
prog=$bin/project/fileserver
raw=$bin/bench/fileserver/tcp_raw
for p in "$prog/file-server" "$prog/file-client" "$raw"; do
    [[ -x $p ]] || { echo "bench/fileserver: $p is missing: run make first" >&2; exit 1; }
done
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    big=8 small=1 nclients=5
else
    big=1024 small=10 nclients=50
fi
label() { (($1 >= 1024)) && echo "$(($1 / 1024)) GiB" || echo "$1 MiB"; }

# A directory with room for the big file twice, the small one, and some slack.
need=$((2 * big + small + 64))
dir=
for d in ${BENCH_DIR:-} "${TMPDIR:-/tmp}" /dev/shm; do
    [[ -d $d && -w $d ]] || continue
    free=$(df -Pm "$d" | awk 'NR == 2 { print $4 }')
    if ((free >= need)); then
        dir=$d
        break
    fi
done
if [[ -z $dir ]]; then
    echo "bench/fileserver: skipped: it needs $need MiB free in ${TMPDIR:-/tmp} or /dev/shm" >&2
    exit 0
fi
tmp=$(mktemp -d "$dir/fileserver-bench.XXXXXX")
pids=()
shmlib=
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp" ${shmlib:+"$shmlib"}
}
trap cleanup EXIT
mkdir "$tmp/lib" "$tmp/dst"

# Wait (at most 10 s) for a line matching ERE in FILE.
wait_for() {
    local i
    for ((i = 0; i < 500; i++)); do
        grep -qE -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.02
    done
    echo "bench/fileserver: timed out waiting for /$2/ in $1" >&2
    return 1
}
# A port that nobody listens on now (for the tools that cannot take port 0), below the
# range the kernel hands out to outgoing connections (ip_local_port_range).
free_port() {
    local p low
    low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    for _ in $(seq 50); do
        p=$((10000 + RANDOM % (low - 10000)))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}
# mbps BYTES START END: MB/s (10^6 bytes per second) from two $EPOCHREALTIME stamps.
mbps() {
    awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.1f\n", b / 1e6 / (e - s) }'
}
# timed BYTES CMD...: run CMD (stdout to /dev/null), print MB/s; fail if CMD fails.
timed() {
    local bytes=$1 s e
    shift
    s=$EPOCHREALTIME
    "$@" >/dev/null || { echo "bench/fileserver: failed: $*" >&2; return 1; }
    e=$EPOCHREALTIME
    mbps "$bytes" "$s" "$e"
}
# row GROUP VARIANT CMD...: a CSV row with CMD's output as the value; a failure ends the run.
row() {
    local group=$1 variant=$2 value
    shift 2
    value=$("$@") || exit 1
    echo "$group,$variant,$value"
}

bigbytes=$((big * 1024 * 1024))
smallbytes=$((small * 1024 * 1024))
head -c "$bigbytes" /dev/urandom >"$tmp/lib/big"
head -c "$smallbytes" /dev/urandom >"$tmp/lib/small"
cp "$tmp/lib/big" "$tmp/up" # the upload's source, read from the page cache
sync                        # nothing left to write back while we measure

start_server() { # start_server NAME ARGS...: sets $port to the port it listens on
    local name=$1
    shift
    "$prog/file-server" -p 0 -r "$tmp/lib" "$@" >"$tmp/$name.out" 2>/dev/null &
    pids+=($!)
    wait_for "$tmp/$name.out" '^listening on '
    port=$(sed -n 's/^listening on .*://p' "$tmp/$name.out")
}
start_server zc # zero copy: sendfile, splice
port_zc=$port
start_server plain -C # read()/write()
port_plain=$port
client() { "$prog/file-client" "$@"; }

# Warm up (untimed): the first write of fresh page cache pages in a VM is slow.
client -p "$port_zc" get big "$tmp/dst/big" >/dev/null
client -p "$port_zc" put "$tmp/up" up >/dev/null
rm -f "$tmp/dst/big" "$tmp/lib/up"

B=$(label "$big")
echo "# title: file server throughput over loopback, against the machine's one-stream limit"
echo "# unit: MB/s"
echo "# better: higher"
echo "# note: files on $(df -PT "$tmp" | awk 'NR == 2 { print $2 }') ($dir); raw TCP = one loopback stream, memory to memory, 128 KiB buffers (tcp_raw)"
echo "# note: GET: the client writes to /dev/null (as curl -o /dev/null), or into a file (into a file); -C: read()/write() instead of sendfile()/splice()"
echo "# note: PUT: from the client's start to the server's final OK (the data fsync'd and renamed)"

rawmb=$("$raw" -n "$big" -C) || exit 1
rawfile=$("$raw" -n "$big" -C -o "$tmp/dst/raw") || exit 1
echo "GET $B,raw TCP,$rawmb"
echo "GET $B,raw TCP to file,$rawfile"
if command -v iperf3 >/dev/null 2>&1 && port=$(free_port); then
    iperf3 -s -1 --forceflush -p "$port" >"$tmp/iperf.out" 2>&1 &
    pids+=($!)
    wait_for "$tmp/iperf.out" 'Server listening'
    bps=$(iperf3 -c 127.0.0.1 -p "$port" -n "$bigbytes" -J |
        awk '/"sum_received"/ { r = 1 } r && /"bits_per_second"/ { gsub(/[^0-9.e+]/, "", $2); print $2; exit }')
    if [[ $bps =~ ^[0-9.e+]+$ ]]; then
        awk -v b="$bps" 'BEGIN { printf "GET '"$B"',iperf3,%.1f\n", b / 8 / 1e6 }'
    else
        echo "# note: iperf3 gave no result"
    fi
fi
row "GET $B" "file-server" timed "$bigbytes" client -p "$port_zc" get big /dev/null
row "GET $B" "file-server -C" timed "$bigbytes" client -C -p "$port_plain" get big /dev/null
row "GET $B" "into a file" timed "$bigbytes" client -p "$port_zc" get big "$tmp/dst/big"
rm -f "$tmp/dst/big"

# nginx, in the foreground, one process, serving the same library (sets nginx_port).
start_nginx() {
    local npid
    mkdir -p "$tmp/nginx"
    for _ in 1 2 3; do # a port taken in the meantime: try another
        nginx_port=$(free_port) || return 1
        {
            echo "daemon off; master_process off; worker_processes 1; pid $tmp/nginx/pid;"
            echo "error_log $tmp/nginx/error.log; events { worker_connections 256; }"
            echo "http { access_log off; sendfile on; tcp_nopush on;"
            echo "  client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx;"
            echo "  fastcgi_temp_path $tmp/nginx; uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;"
            echo "  server { listen 127.0.0.1:$nginx_port; root $tmp/lib; } }"
        } >"$tmp/nginx/nginx.conf"
        nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" 2>/dev/null &
        npid=$!
        for ((i = 0; i < 500; i++)); do
            if curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/small"; then
                pids+=("$npid")
                return 0
            fi
            kill -0 "$npid" 2>/dev/null || break
            sleep 0.02
        done
        kill "$npid" 2>/dev/null || true
        wait "$npid" 2>/dev/null || true
    done
    return 1
}
nginx_port=
if command -v nginx >/dev/null 2>&1 && command -v curl >/dev/null 2>&1 && start_nginx; then
    row "GET $B" nginx+curl timed "$bigbytes" curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/big"
else
    nginx_port=
    echo "# note: nginx or curl is not installed (or nginx did not start): no nginx+curl rows"
fi

echo "PUT $B,raw TCP,$rawmb"
echo "PUT $B,raw TCP to file,$rawfile"
row "PUT $B" "file-server" timed "$bigbytes" client -p "$port_zc" put "$tmp/up" up
rm -f "$tmp/lib/up"
row "PUT $B" "file-server -C" timed "$bigbytes" client -C -p "$port_plain" put "$tmp/up" up
rm -f "$tmp/lib/up"

# On tmpfs: the same upload into /dev/shm (if it is another file system with room). Its
# fsync costs nothing, yet it is slower than on the disk here: tmpfs stores in 4 KiB pages,
# and each fresh page costs the VM a fault (see bench/fileserver/README.md).
shm=/dev/shm
if [[ ${BENCH_QUICK:-0} != 1 && -d $shm && -w $shm && $(df -P "$shm" | awk 'NR == 2 { print $1 }') != \
    "$(df -P "$tmp" | awk 'NR == 2 { print $1 }')" ]] &&
    (($(df -Pm "$shm" | awk 'NR == 2 { print $4 }') >= big + 64)); then
    mkdir "$tmp/shm"
    shmlib=$(mktemp -d "$shm/fileserver-bench.XXXXXX")
    "$prog/file-server" -p 0 -r "$shmlib" >"$tmp/shm/out" 2>/dev/null &
    pids+=($!)
    wait_for "$tmp/shm/out" '^listening on '
    port=$(sed -n 's/^listening on .*://p' "$tmp/shm/out")
    echo "# note: PUT into tmpfs: the library on $shm, where fsync has nothing to do but every stored 4 KiB page is a new one"
    row "PUT $B" "into tmpfs" timed "$bigbytes" client -p "$port" put "$tmp/up" up
    rm -rf "$shmlib"
    shmlib=
fi

# N clients at once, each downloading the small file; aggregate MB/s.
many() {
    local s e i fails=0 jobs=()
    s=$EPOCHREALTIME
    for ((i = 0; i < nclients; i++)); do
        "$@" >/dev/null &
        jobs+=($!)
    done
    for i in "${jobs[@]}"; do
        wait "$i" || fails=$((fails + 1))
    done
    e=$EPOCHREALTIME
    ((fails == 0)) || { echo "bench/fileserver: $fails of $nclients clients failed" >&2; return 1; }
    mbps $((nclients * smallbytes)) "$s" "$e"
}
G="$nclients x GET $(label "$small")"
row "$G" file-server many client -p "$port_zc" get small /dev/null
if [[ -n $nginx_port ]]; then
    row "$G" nginx+curl many curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/small"
fi
