#!/usr/bin/env bash
# project/fileserver/demo.sh - the file server's guided demo (make demo runs it).
#
# Starts file-server on a free port with a copy of the sample library (sample/), runs a
# scripted session with the client's menu (list, download, upload, list again), then
# shows two clients connected at once - one child process of the server each - and stops
# the server with SIGTERM. Everything it starts, it stops; everything it makes is in a
# temporary directory ($TMPDIR), removed at the end, even after an error or Ctrl-C.
# At a terminal it pauses between steps; with stdin not a terminal it runs straight through.
# The commands it shows are the commands it runs, with the programs' bare names: it puts
# the folder of the programs first in PATH and works in a directory laid out like the
# project's folder (library/ in it), so each shown line can be typed there as it is.
# Usage: project/fileserver/demo.sh [BIN]   (BIN: root of the built programs, default the
#        repository; the programs are BIN/project/fileserver/file-server and file-client)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-$(cd "$here/../.." && pwd)}
prog=$bin/project/fileserver
for p in "$prog/file-server" "$prog/file-client"; do
    [[ -x $p ]] || { echo "demo: $p is missing: run make first" >&2; exit 1; }
done

bold=
plain=
if [[ -t 1 ]]; then
    bold=$(tput bold 2>/dev/null || true)
    plain=$(tput sgr0 2>/dev/null || true)
fi
title() { # the demo's one heading: scripts/demo.sh (make demo) prints none of its own
    printf '%s== %s%s\n' "$bold" "$1" "$plain"
}
step() {
    printf '\n%s-- %s%s\n' "$bold" "$1" "$plain"
}
pause() {
    if [[ -t 0 && -t 1 ]]; then
        read -r -p "(press Enter to go on) " _ || true # Ctrl-D: go on as well
    fi
}
say() {
    printf '%s$ %s%s\n' "$bold" "$*" "$plain"
}

tmp=$(mktemp -d)
server=
clients=()
fds=()
cleanup() {
    local fd pid
    for fd in "${fds[@]}"; do
        exec {fd}>&-
    done
    for pid in "${clients[@]}" $server; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
# Ctrl-C (or kill) ends the demo through the EXIT trap above. The explicit traps matter:
# without one, bash may go on after SIGINT if the command it was waiting for survived it.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# wait_for FILE ERE: until a line of FILE matches (at most 10 s), or fail.
wait_for() {
    local i
    for ((i = 0; i < 500; i++)); do
        grep -qE -- "$2" "$1" 2>/dev/null && return 0
        [[ -n $server ]] && ! kill -0 "$server" 2>/dev/null && break
        sleep 0.02
    done
    echo "demo: timed out waiting for /$2/ in $1" >&2
    exit 1
}

title "Capstone 1: the file server (文件服务器), one process per client"
PATH=$prog:$PATH # the commands below are shown and run by their bare names
cd "$tmp"
mkdir library alice bob
cp "$here/sample/"* library/
echo "The library to serve is a copy of project/fileserver/sample:"
say ls -l library
ls -l library
echo
say file-server -p 0 -r library
file-server -p 0 -r library >server.out 2>server.log &
server=$!
wait_for "$tmp/server.out" '^listening on '
cat "$tmp/server.out"
port=$(sed -n 's/^listening on .*://p' "$tmp/server.out")
echo "(-p 0: the kernel chose a free port. The server logs one line per request on stderr."
echo " The demo has the programs in its PATH; in project/fileserver, type ./file-server.)"
pause

step "A session with the client's menu: list, download, upload, list again"
say cd alice
cd alice
say "echo 'my homework' >homework.txt"
echo 'my homework' >homework.txt
echo "Alice types five commands (here they come from a pipe, so the client echoes them):"
say "printf 'list\\nget hello.txt\\nput homework.txt\\nlist\\nquit\\n' | file-client -p $port"
printf 'list\nget hello.txt\nput homework.txt\nlist\nquit\n' | file-client -p "$port"
echo
echo "hello.txt arrived whole (it went to a hidden temporary file first, then was renamed):"
say cat hello.txt
cat hello.txt
echo
echo "What the server logged for that session:"
wait_for "$tmp/server.log" 'closed: quit$'
grep -v ' - \[' "$tmp/server.log"
pause

step "Two clients at once"
echo "Alice and Bob each start an interactive client and leave it connected."
for who in alice bob; do
    mkfifo "$tmp/$who.in"
    exec {fd}<>"$tmp/$who.in" # read-write: opening never blocks, and we are its writer
    fds+=("$fd")
    (cd "$tmp/$who" && exec file-client -p "$port" <"$tmp/$who.in" >"$tmp/$who.out" 2>&1) &
    clients+=($!)
    wait_for "$tmp/$who.out" '^command> '
done
echo "Both are connected now; the server has one child process for each:"
say ps -o pid,ppid,stat,cmd --ppid "$server"
ps -o pid,ppid,stat,cmd --ppid "$server" || true
echo "(At a terminal, look for yourself now, in another one: the same ps, or"
echo " ls -l /proc/$server/fd - the parent holds none of the clients' connections.)"
pause
echo
echo "Both send a command at the same moment; each child serves its own client:"
printf 'list\n' >&"${fds[0]}"
printf 'get 静夜思.txt\n' >&"${fds[1]}"
wait_for "$tmp/alice.out" 'homework\.txt$'
wait_for "$tmp/bob.out" '^got '
printf 'quit\n' >&"${fds[0]}"
printf 'quit\n' >&"${fds[1]}"
for pid in "${clients[@]}"; do
    wait "$pid"
done
clients=()
# Until both children have logged their end (with Alice's first session: three "quit"s).
for ((i = 0; i < 500; i++)); do
    (($(grep -c 'closed: quit$' "$tmp/server.log") >= 3)) && break
    sleep 0.02
done
echo "--- Alice's screen:"
sed -n '/^command> list/,$p' "$tmp/alice.out"
echo "--- Bob's screen:"
sed -n '/^command> get/,$p' "$tmp/bob.out"
echo "--- the poem Bob downloaded:"
cat "$tmp/bob/静夜思.txt"
echo "--- the server's log: two pids, one per client:"
grep -v ' - \[' "$tmp/server.log" | tail -n +8
pause

step "Stopping the server with SIGTERM"
say kill -TERM "$server"
kill -TERM "$server"
status=0
wait "$server" || status=$?
server=
echo "the server has stopped (exit status $status); its last words:"
tail -n 2 "$tmp/server.log"
echo "Read project/fileserver/README.md and PROTOCOL.md next."
