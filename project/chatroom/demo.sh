#!/usr/bin/env bash
# project/chatroom/demo.sh - the chatroom (群聊聊天室) in action, narrated: a chat-server on a
# free port, three scripted members (alice, bob, carol) joining, chatting, the
# administrator speaking, the members leaving, and the server stopped. `make demo` runs it
# after the labs' tour; it also runs on its own.
#
# Usage: project/chatroom/demo.sh [BIN]   (BIN: root of the built programs, default the repo)
#
# Each member is a real chat-client whose standard input is a FIFO this script writes to,
# as if someone typed; what each one's screen shows is printed with its name in front
# ("alice> bob joined"), the server's log with "server> ". After each action the server's
# log line for it is shown first, then what the members see: the order in which things
# happened. Commands are shown as typed in project/chatroom ("$ ./chat-client ...").
# Every step waits for the line it expects (at most 5 s), never for a fixed time.
# Everything started is stopped at the end, even on Ctrl-C.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${1:-$top}
dir=$bin/project/chatroom
for p in chat-server chat-client; do
    [[ -x $dir/$p ]] || { echo "demo: $dir/$p is missing: run make first" >&2; exit 1; }
done

bold='' plain=''
if [[ -t 1 ]]; then
    bold=$(tput bold 2>/dev/null || true)
    plain=$(tput sgr0 2>/dev/null || true)
fi
step() { printf '\n%s== %s%s\n' "$bold" "$1" "$plain"; }
pause() {
    if [[ -t 0 && -t 1 ]]; then
        read -r -p "(press Enter to go on) " _
    fi
    return 0
}

tmp=$(mktemp -d)
declare -A input=() shown=() pid=()
cleanup() {
    local name fd
    for name in "${!input[@]}"; do
        fd=${input[$name]}
        exec {fd}>&-
    done
    for name in "${!pid[@]}"; do
        kill -TERM "${pid[$name]}" 2>/dev/null || true
        wait "${pid[$name]}" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

# start NAME CMD...: run CMD in the background with its standard input from the FIFO
# $tmp/NAME.in (written by type_in), its output in $tmp/NAME.out.
start() {
    local name=$1 fd
    shift
    mkfifo "$tmp/$name.in"
    exec {fd}<>"$tmp/$name.in"
    input[$name]=$fd
    shown[$name]=0
    : >"$tmp/$name.out" # there from the start, for show
    # the child must not keep the other FIFOs open (they would never see their end)
    (
        for f in "${input[@]}"; do eval "exec $f>&-"; done
        exec "$@"
    ) <"$tmp/$name.in" >"$tmp/$name.out" 2>&1 &
    pid[$name]=$!
}

# cmd WORD...: show a command line, as typed in project/chatroom.
cmd() {
    printf '$ %s\n' "$*"
}

# type_in NAME LINE: NAME "types" LINE.
type_in() {
    printf '%s> (types) %s\n' "$1" "$2"
    printf '%s\n' "$2" >&"${input[$1]}"
}

# end_input NAME: NAME's input ends (Ctrl-D).
end_input() {
    local fd=${input[$1]}
    printf '%s> (Ctrl-D: end of input)\n' "$1"
    exec {fd}>&-
    unset "input[$1]"
}

# show NAME ERE: wait for a line matching ERE in NAME's output, then print every line not
# shown yet, as "NAME> line".
show() {
    local name=$1 re=$2 file=$tmp/$1.out n
    for ((n = 0; n < 250; n++)); do
        sed -n "$((shown[$name] + 1)),\$p" "$file" | grep -Eq -- "$re" && break
        sleep 0.02
    done
    ((n < 250)) || { echo "demo: no line /$re/ from $name after 5 s" >&2; exit 1; }
    sed -n "$((shown[$name] + 1)),\$p" "$file" | sed "s/^/$name> /"
    shown[$name]=$(wc -l <"$file")
}

# finished NAME: wait for NAME's process to exit, and say how it ended.
finished() {
    local status=0
    wait "${pid[$1]}" || status=$?
    unset "pid[$1]"
    echo "($1's chat-client has exited with status $status; both of its processes are gone)"
}

step "Capstone 2: the chatroom (群聊聊天室): a UDP server, three members and the administrator"
echo "Commands as typed in project/chatroom. chat-server reads the administrator's lines"
echo "from its standard input; its log goes to stderr."
cmd ./chat-server -p 0
start server "$dir/chat-server" -p 0
show server '^listening on '
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/server.out")

step "alice, bob and carol join (L name -> OK; the others get J name)"
cmd ./chat-client -p "$port" alice
start alice "$dir/chat-client" -p "$port" alice
show server '^join alice '
cmd ./chat-client -p "$port" bob
start bob "$dir/chat-client" -p "$port" bob
show server '^join bob '
show alice '^bob joined$'
cmd ./chat-client -p "$port" carol
start carol "$dir/chat-client" -p "$port" carol
show server '^join carol '
show alice '^carol joined$'
show bob '^carol joined$'
pause

step "They chat: each line goes to the server as C, and to every other member as M"
type_in bob "hi alice, hi carol"
show server '^message from bob'
show alice '^bob: hi alice, hi carol$'
show carol '^bob: hi alice, hi carol$'
type_in alice "hello! is the admin here?"
show server '^message from alice'
show bob '^alice: hello! is the admin here\?$'
show carol '^alice: hello! is the admin here\?$'
pause

step "The administrator types on the server's terminal: A text, to everyone"
type_in server "the room closes in a minute"
show server '^admin: '
for who in alice bob carol; do
    show "$who" '^admin: the room closes in a minute$'
done
pause

step "They leave: quit, or the end of input, sends Q; the others get X name"
type_in bob quit
show server '^leave bob '
show alice '^bob left$'
show carol '^bob left$'
finished bob
end_input alice
show server '^leave alice '
show carol '^alice left$'
finished alice
type_in carol quit
show server '^leave carol '
finished carol
pause

step "SIGTERM stops the server: it tells whoever is left, and exits 0"
cmd kill -TERM "${pid[server]}"
kill -TERM "${pid[server]}"
status=0
wait "${pid[server]}" || status=$?
unset "pid[server]"
show server '^shutting down on SIGTERM'
echo "(chat-server has exited with status $status)"
