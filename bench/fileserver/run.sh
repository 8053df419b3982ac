#!/usr/bin/env bash
# bench/fileserver/run.sh - one run of the file server benchmark, as CSV rows for
# bench/run.sh (unit MB/s, higher is better; 4th field: errors).
#
# Groups, each with its honest limit first, measured in the same run:
#   GET <big>           file-server (sendfile, the client splices into /dev/null) and the
#                       client's download into a file, against the zero-copy pair
#                       (tcp_raw -z: sendfile() the same file, splice() into /dev/null);
#   GET <big> copying   file-server -C (read/write), nginx+curl, iperf3 and tcp_raw memory
#                       to memory, against the copying pair (tcp_raw -f: read() the file,
#                       write() it, the receiver read()s into memory);
#   PUT <big>           file-server and -C (the upload fsync'd, renamed) against the disk:
#                       disk_write -w, write() of the same size with the writeback streamed
#                       as the server does it, then fsync(), timed whole, on the same file
#                       system; and disk_write without -w (write, then one fsync) beside it;
#   PUT <big> network   the same upload against the network half: raw TCP memory to memory,
#                       and raw TCP into a file (no fsync);
#   PUT <big> tmpfs     the upload into /dev/shm against disk_write -w there (if /dev/shm is
#                       another file system with room);
#   N x GET <small>     N clients download the small file at once into files, each checked
#                       (size, cmp) after the clock stops; file-server, then nginx+curl.
# Each value is the median of REPS transfers made in this run, interleaved (one of each,
# then again; the many-clients loads 3 times per round, being short). The 4th field of a row counts its errors over those transfers: failed
# transfers, short files, downloads that differ from the original.
#
# Sizes: default 1 GiB and 10 MiB files, 50 clients, 3 repetitions; BENCH_SCALE=class
# 64 MiB and 2 MiB, 50 clients, 2 repetitions; BENCH_QUICK=1 (the tests) 8 MiB and 1 MiB,
# 5 clients, 1 repetition. BENCH_REPS overrides the repetitions.
#
# The files live in a temporary directory in $TMPDIR (/tmp: the disk, where a file server
# keeps its files and where an upload's fsync really writes); BENCH_DIR overrides. The run
# checks first that there is room for what it writes, and fails with what it needs if not.
# Everything it makes is removed at the end, whatever happens.
# BENCH_SERVER_ARGS: extra options for both file servers (e.g. "-c 10", a cap on clients,
# to see the errors field at work: the 50-client load then counts refused clients).
set -euo pipefail
bin=${BIN:?BIN must be set (bench/run.sh sets it)}
prog=$bin/project/fileserver
refdir=$bin/bench/fileserver
for p in "$prog/file-server" "$prog/file-client" "$refdir/tcp_raw" "$refdir/disk_write"; do
    [[ -x $p ]] || { echo "bench/fileserver: $p is missing: run make first" >&2; exit 1; }
done
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    big=8 small=1 nclients=5 reps=1
elif [[ ${BENCH_SCALE:-full} == class ]]; then
    big=64 small=2 nclients=50 reps=2
else
    big=1024 small=10 nclients=50 reps=3
fi
reps=${BENCH_REPS:-$reps}
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "bench/fileserver: BENCH_REPS must be a positive whole number" >&2; exit 2; }
read -ra server_args <<<"${BENCH_SERVER_ARGS:-}"
label() { (($1 >= 1024)) && echo "$(($1 / 1024)) GiB" || echo "$1 MiB"; }
B=$(label "$big")
S=$(label "$small")

echo "# title: file server throughput over loopback, against the disk's and the network's limits"
echo "# unit: MB/s"
echo "# better: higher"

# Room: the big file and one more file of its size at a time (an upload, a download, a
# reference's file; each removed before the next), the small file and the N downloads of
# it, and some slack.
dir=${BENCH_DIR:-${TMPDIR:-/tmp}}
need=$((2 * big + (nclients + 1) * small + 64))
echo "# note: space: this run needs $need MiB free in $dir (the $B file, one more file of that size at a time, the $S file and $nclients downloads of it, 64 MiB to spare)"
[[ -d $dir && -w $dir ]] || { echo "bench/fileserver: $dir is not a writable directory (TMPDIR or BENCH_DIR)" >&2; exit 1; }
free=$(df -Pm "$dir" | awk 'NR == 2 { print $4 }')
if ((free < need)); then
    from=\$TMPDIR
    [[ -z ${BENCH_DIR:-} ]] || from=\$BENCH_DIR
    hint="point TMPDIR (or BENCH_DIR) at a file system with room"
    ((big < 1024)) || hint+=", or run the short class mode (BENCH_SCALE=class)"
    echo "bench/fileserver: not enough space in $dir ($from): this run needs $need MiB, $free MiB are free; $hint" >&2
    exit 1
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
size_of() { stat -c %s "$1" 2>/dev/null || echo -1; }

# The measurements of this run: vals[KEY] the values, errs[KEY] the errors, KEY being
# "group,variant"; keys[] in the order of the first measurement.
declare -A vals errs
keys=()
# last_value, last_errors: those of the latest measurement.
record() { # record KEY VALUE ERRORS
    [[ -v "vals[$1]" ]] || keys+=("$1")
    vals[$1]+="$2 "
    errs[$1]=$((${errs[$1]:-0} + $3))
    last_value=$2 last_errors=$3
    return 0
}
# ref KEY CMD...: a reference program that prints its own MB/s; its failure is an error.
ref() {
    local key=$1 v
    shift
    if v=$("$@"); then
        record "$key" "$v" 0
    else
        echo "bench/fileserver: $key: failed: $*" >&2
        record "$key" 0 1
    fi
}
# timed KEY BYTES EXPECT CMD...: time CMD (stdout to /dev/null); an error if it fails, or
# if EXPECT (a file, or - for none) does not then hold BYTES bytes. EXPECT is removed.
timed() {
    local key=$1 bytes=$2 expect=$3 s e err=0
    shift 3
    s=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || err=1
    e=$EPOCHREALTIME
    if [[ $err == 0 && $expect != - && $(size_of "$expect") != "$bytes" ]]; then
        err=1 # a short (or missing) file
    fi
    [[ $expect == - ]] || rm -f "$expect"
    ((err == 0)) || echo "bench/fileserver: $key: failed: $*" >&2
    record "$key" "$(mbps "$bytes" "$s" "$e")" "$err"
}
# many KEY CMD...: N clients at once, client i running CMD with @ replaced by its file
# $tmp/dst/i; aggregate MB/s. Errors: clients that failed, files short or missing, files
# that differ from the original (cmp). The checks run after the clock stops.
many() {
    local key=$1 s e i fails=0 short=0 differ=0 jobs=()
    shift
    s=$EPOCHREALTIME
    for ((i = 0; i < nclients; i++)); do
        "${@//@/$tmp/dst/$i}" >/dev/null 2>&1 &
        jobs+=($!)
    done
    for i in "${!jobs[@]}"; do
        wait "${jobs[$i]}" || fails=$((fails + 1))
    done
    e=$EPOCHREALTIME
    for ((i = 0; i < nclients; i++)); do
        if [[ ! -e $tmp/dst/$i ]]; then
            : # its client failed: counted once, above
        elif [[ $(size_of "$tmp/dst/$i") != "$smallbytes" ]]; then
            short=$((short + 1))
        elif ! cmp -s "$tmp/lib/small" "$tmp/dst/$i"; then
            differ=$((differ + 1))
        fi
        rm -f "$tmp/dst/$i"
    done
    if ((fails + short + differ > 0)); then
        echo "bench/fileserver: $key: $fails of $nclients clients failed, $short files short, $differ differ from the original" >&2
    fi
    record "$key" "$(mbps $((nclients * smallbytes)) "$s" "$e")" $((fails + short + differ))
}

bigbytes=$((big * 1024 * 1024))
smallbytes=$((small * 1024 * 1024))
head -c "$bigbytes" /dev/urandom >"$tmp/lib/big"
head -c "$smallbytes" /dev/urandom >"$tmp/lib/small"
sync # nothing left to write back while we measure

start_server() { # start_server NAME LIBRARY ARGS...: sets $port to the port it listens on
    local name=$1 lib=$2
    shift 2
    "$prog/file-server" -p 0 -r "$lib" "${server_args[@]}" "$@" >"$tmp/$name.out" 2>/dev/null &
    pids+=($!)
    wait_for "$tmp/$name.out" '^listening on '
    port=$(sed -n 's/^listening on .*://p' "$tmp/$name.out")
}
start_server zc "$tmp/lib" # zero copy: sendfile, splice
port_zc=$port
start_server plain "$tmp/lib" -C # read()/write()
port_plain=$port
client() { "$prog/file-client" "$@"; }

# nginx, in the foreground, one process, serving the same library (sets nginx_port).
start_nginx() {
    local npid i
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
if ! command -v nginx >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1 || ! start_nginx; then
    nginx_port=
fi
iperf_port=
if command -v iperf3 >/dev/null 2>&1 && iperf_port=$(free_port); then
    iperf3 -s --forceflush -p "$iperf_port" >"$tmp/iperf.out" 2>&1 &
    pids+=($!)
    wait_for "$tmp/iperf.out" 'Server listening' || iperf_port=
fi
iperf() {
    local bps
    bps=$(iperf3 -c 127.0.0.1 -p "$iperf_port" -n "$bigbytes" -J |
        awk '/"sum_received"/ { r = 1 } r && /"bits_per_second"/ { gsub(/[^0-9.e+]/, "", $2); print $2; exit }')
    [[ $bps =~ ^[0-9.e+]+$ ]] || return 1
    awk -v b="$bps" 'BEGIN { printf "%.1f\n", b / 8 / 1e6 }'
}

# tmpfs: a second library on /dev/shm, if it is another file system with room.
shm=/dev/shm
port_shm=
if [[ -d $shm && -w $shm && $(df -P "$shm" | awk 'NR == 2 { print $1 }') != \
    "$(df -P "$tmp" | awk 'NR == 2 { print $1 }')" ]] &&
    (($(df -Pm "$shm" | awk 'NR == 2 { print $4 }') >= big + 64)); then
    shmlib=$(mktemp -d "$shm/fileserver-bench.XXXXXX")
    start_server shm "$shmlib"
    port_shm=$port
fi

# Warm up (untimed): the first write of fresh page cache pages in a VM is slow.
# A failure here shows again, counted, in the measurements.
client -p "$port_zc" get big "$tmp/dst/big" >/dev/null 2>&1 || true
client -p "$port_zc" put "$tmp/lib/big" up >/dev/null 2>&1 || true
rm -f "$tmp/dst/big" "$tmp/lib/up"

fstype=$(df -PT "$tmp" | awk 'NR == 2 { print $2 }')
if ((reps == 1)); then
    each="each value is one transfer"
else
    each="each value is the median of $reps transfers in this run, one of each row in turn ($((3 * reps)) of the $nclients-client loads)"
fi
echo "# note: files on $fstype ($dir); $each; errors: failed transfers, short files, downloads that differ from the original"
echo "# note: GET: the limit is the zero-copy pair (tcp_raw -z: the sender sendfile()s the same file, the receiver splice()s into /dev/null, as file-client get NAME /dev/null does)"
echo "# note: GET copying: the limit for read()/write() is the copying pair (tcp_raw -f: read() the file and write() it; the receiver read()s into memory, all that -C's write() to /dev/null costs); raw TCP: memory to memory"
echo "# note: PUT: from the client's start to the server's final OK (fsync'd, renamed); its limit is the disk written the way the server writes: write+writeback+fsync (disk_write -w: the same size in 1 MiB write()s, sync_file_range() every 8 MiB and fallocate() 8 MiB ahead as file-server does, then fsync(), timed whole, same file system); target: PUT >= 0.80x of it. write+fsync: the same without the streamed writeback (one fsync() at the end writes nearly everything)"
echo "# note: PUT network: the network half of an upload: raw TCP memory to memory, and into a file without fsync (the page cache only)"
[[ -n $nginx_port ]] ||
    echo "# note: nginx or curl is not installed (or nginx did not start): no nginx+curl rows"
[[ -n $iperf_port ]] ||
    echo "# note: iperf3 is not installed (or did not start): no iperf3 row"
if [[ -n $port_shm ]]; then
    echo "# note: PUT tmpfs: the library on $shm, against disk_write -w there; fsync has nothing to do, but every stored 4 KiB page is a new one"
else
    echo "# note: no PUT tmpfs rows: $shm is missing, is the file system of $dir, or has less than $((big + 64)) MiB free"
fi

G1="GET $B" G2="GET $B copying" P1="PUT $B" P2="PUT $B network" P3="PUT $B tmpfs"
GN="$nclients x GET $S"
for ((r = 0; r < reps; r++)); do
    ref "$G1,zero-copy pair" "$refdir/tcp_raw" -C -z -f "$tmp/lib/big"
    timed "$G1,file-server" "$bigbytes" - client -p "$port_zc" get big /dev/null
    timed "$G1,into a file" "$bigbytes" "$tmp/dst/big" client -p "$port_zc" get big "$tmp/dst/big"
    ref "$G2,copying pair" "$refdir/tcp_raw" -C -b 256 -f "$tmp/lib/big"
    timed "$G2,file-server -C" "$bigbytes" - client -C -p "$port_plain" get big /dev/null
    [[ -z $nginx_port ]] ||
        timed "$G2,nginx+curl" "$bigbytes" - curl -sf -o /dev/null "http://127.0.0.1:$nginx_port/big"
    ref "$G2,raw TCP" "$refdir/tcp_raw" -C -n "$big"
    [[ -z $iperf_port ]] || ref "$G2,iperf3" iperf

    # The four writers of the disk take turns at going first: on a virtual disk the first big
    # write after another (the GET into a file above) can run at half speed while the host
    # absorbs the last one, and whoever always went first would always pay for it.
    for ((w = 0; w < 4; w++)); do
        sync
        case $(((w + r) % 4)) in
        0) ref "$P1,write+writeback+fsync" "$refdir/disk_write" -w -C -n "$big" "$tmp/dst/disk" ;;
        1) ref "$P1,write+fsync" "$refdir/disk_write" -C -n "$big" "$tmp/dst/disk" ;;
        2)
            timed "$P1,file-server" "$bigbytes" "$tmp/lib/up" client -p "$port_zc" put "$tmp/lib/big" up
            put_value=$last_value put_errors=$last_errors
            ;;
        3) timed "$P1,file-server -C" "$bigbytes" "$tmp/lib/up" client -C -p "$port_plain" put "$tmp/lib/big" up ;;
        esac
    done
    ref "$P2,raw TCP" "$refdir/tcp_raw" -C -n "$big"
    ref "$P2,raw TCP to file" "$refdir/tcp_raw" -C -n "$big" -o "$tmp/dst/raw"
    # The same upload as in $P1, shown against the network half: one measurement, two ratios.
    record "$P2,file-server" "$put_value" "$put_errors"

    if [[ -n $port_shm ]]; then
        ref "$P3,write+writeback+fsync" "$refdir/disk_write" -w -C -n "$big" "$shmlib/disk"
        timed "$P3,file-server" "$bigbytes" "$shmlib/up" client -p "$port_shm" put "$tmp/lib/big" up
    fi

    # A load of many small files is over in a fraction of a second: 3 of each per round.
    for ((m = 0; m < (reps > 1 ? 3 : 1); m++)); do
        many "$GN,file-server" client -p "$port_zc" get small @
        [[ -z $nginx_port ]] ||
            many "$GN,nginx+curl" curl -sf -o @ "http://127.0.0.1:$nginx_port/small"
    done
done

# One row per key: the median of its values, and its errors.
for key in "${keys[@]}"; do
    # shellcheck disable=SC2086 # the values are words
    printf '%s\n' ${vals[$key]} | sort -g | awk -v k="$key" -v e="${errs[$key]}" '
        { v[NR] = $1 }
        END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s,%.1f,%d\n", k, m, e }'
done
