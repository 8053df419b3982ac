#!/usr/bin/env bash
# bench/http/slow.sh - slow clients: how long a new client waits for one GET while 0, 100
# or 1000 other connections trickle request heads (a byte a second, never finished) or
# sit idle after one reply, for lab 12's http-server at its default options and for nginx
# (one worker), side by side on 127.0.0.1. The slow connections come from lab 12's
# slowloris; each probe is one curl of a 1 KiB file, timed by curl (time_total).
# Validity: just before the probes, ss(8) looks at the server side: how many connections
# the server has accepted and how many wait in its listen queue ("accepted/queued" in the
# table). A case is only what it says if the slow connections are really there: accepted
# plus queued should be the N of the row.
#
# Usage: bench/http/slow.sh [-n PROBES]      (default 5 probes per case; prints a table)
# Environment: BIN (default: the repository), as for bench/run.sh; needs curl, and nginx
# for its column, and ss (iproute2). BENCH_HTTP_SERVER_ARGS: extra options for http-server
# (e.g. "-c 64": a small cap, to see what starving clients looks like).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${BIN:-$top}
server=$bin/labs/12-http-server/http-server
slowloris=$bin/labs/12-http-server/slowloris
probes=5
while getopts ":n:h" opt; do
    case $opt in
    n) probes=$OPTARG ;;
    h) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "slow.sh: bad option -$OPTARG; try -h" >&2; exit 2 ;;
    esac
done
[[ $probes =~ ^[1-9][0-9]*$ ]] || { echo "slow.sh: PROBES must be a positive whole number" >&2; exit 2; }
for p in "$server" "$slowloris"; do
    [[ -x $p ]] || { echo "slow.sh: $p is missing: run make first" >&2; exit 1; }
done
command -v curl >/dev/null || { echo "slow.sh: needs curl" >&2; exit 1; }
command -v ss >/dev/null || { echo "slow.sh: needs ss (Debian: iproute2)" >&2; exit 1; }
nginx=$(command -v nginx 2>/dev/null || true)
[[ -n $nginx || ! -x /usr/sbin/nginx ]] || nginx=/usr/sbin/nginx

tmp=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
    return 0
}
trap cleanup EXIT
mkdir -p "$tmp/www"
head -c 1024 /dev/urandom >"$tmp/www/1k.bin"
chmod -R a+rX "$tmp"

# http-server at its defaults (-q only drops the log), on a free port.
read -r -a server_args <<<"${BENCH_HTTP_SERVER_ARGS:-}"
"$server" -q -p 0 -r "$tmp/www" "${server_args[@]}" >"$tmp/server.out" 2>&1 &
pids+=("$!")
for ((i = 0; i < 250; i++)); do
    grep -q '^listening on ' "$tmp/server.out" && break
    sleep 0.02
done
server_port=$(sed -n '1s/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/server.out")
[[ -n $server_port ]] || { echo "slow.sh: http-server did not start" >&2; exit 1; }

# nginx, one worker, its defaults for slow clients (client_header_timeout 60 s) but the
# same keep-alive timeout as http-server.
nginx_port=''
if [[ -n $nginx ]]; then
    mkdir -p "$tmp/nginx"
    nginx_port=$((20000 + RANDOM % 40000))
    cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_timeout 10s;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server { listen 127.0.0.1:$nginx_port; root $tmp/www; }
}
EOF
    "$nginx" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" >/dev/null 2>&1 &
    pids+=("$!")
    for ((i = 0; i < 250; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null && break
        sleep 0.02
    done
    ((i < 250)) || { echo "slow.sh: nginx did not start" >&2; exit 1; }
fi

# probe PORT: PROBES GETs, one after another; prints "median max" in milliseconds, or
# "failed" if any probe got no 200 within 5 s.
probe() {
    local k out ms=()
    for ((k = 0; k < probes; k++)); do
        out=$(curl -s -m 5 -o /dev/null -w '%{http_code} %{time_total}' "http://127.0.0.1:$1/1k.bin" || true)
        [[ $out == "200 "* ]] || { echo failed; return 0; }
        ms+=("$(awk -v s="${out#* }" 'BEGIN { printf "%.1f", s * 1000 }')")
    done
    printf '%s\n' "${ms[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%s %s", v[int((NR + 1) / 2)], v[NR] }'
}

# look PORT: the server side of PORT, as "accepted/queued": established connections the
# server has accepted, and those still in its listen queue (the listening socket's Recv-Q).
look() {
    local q est
    q=$(ss -ltnH "sport = :$1" | awk '{ q += $2 } END { print q + 0 }')
    est=$(ss -tnH state established "sport = :$1" | wc -l)
    echo "$((est - q))/$q"
}

# slow_case MODE N PORT: hold N connections in MODE on PORT, then probe; prints the probe's
# "median max" (or "failed") and the look at the server side just before it.
slow_case() {
    local out=$tmp/slowloris.out pid seen
    if (($2 == 0)); then
        seen=$(look "$3")
        echo "$(probe "$3") $seen"
        return 0
    fi
    : >"$out" # exists before the child opens it: no grep on a missing file
    "$slowloris" -p "$3" -n "$2" -m "$1" -i 1000 >"$out" 2>&1 &
    pid=$!
    for ((i = 0; i < 500; i++)); do
        grep -q '^holding ' "$out" && break
        sleep 0.02
    done
    sleep 1 # let the server take every connection in (a benchmark, not a test)
    seen=$(look "$3")
    echo "$(probe "$3") $seen"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
    sleep 1 # and let it close them
}

printf '# %s; load average %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %-34s %-34s\n' "open connections" "http-server ms (med max) acc/queue" "nginx ms (med max) acc/queue"
for c in "0 -" "100 trickle" "1000 trickle" "100 idle" "1000 idle"; do
    n=${c% *} mode=${c#* }
    [[ $mode != - ]] || mode=trickle
    ours=$(slow_case "$mode" "$n" "$server_port")
    theirs=-
    [[ -z $nginx_port ]] || theirs=$(slow_case "$mode" "$n" "$nginx_port")
    label="$n"
    ((n == 0)) || label="$n $mode"
    printf '%-16s %-34s %-34s\n' "$label" "$ours" "$theirs"
done
