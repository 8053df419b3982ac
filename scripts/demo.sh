#!/usr/bin/env bash
# scripts/demo.sh - a short guided tour of the labs (make demo).
#
# Runs a few programs and shows, with ps and /proc, what they do to the system: a zombie
# appearing and being reaped, a process walking through its states, an orphan being
# adopted. At a terminal it pauses between steps (press Enter); otherwise it runs through.
# Usage: scripts/demo.sh [BIN]   (BIN: root of the built programs, default the repository)
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:-$top}
lab1=$bin/labs/01-fork-wait-zombie
lab2=$bin/labs/02-orphan
for p in "$lab1/zombie" "$lab1/proc_states" "$lab1/reap" "$lab2/orphan"; do
    [[ -x $p ]] || { echo "demo: $p is missing: run make first" >&2; exit 1; }
done

bold=
plain=
if [[ -t 1 ]]; then
    bold=$(tput bold 2>/dev/null || true)
    plain=$(tput sgr0 2>/dev/null || true)
fi
step() {
    printf '\n%s== %s%s\n' "$bold" "$1" "$plain"
}
pause() {
    if [[ -t 0 && -t 1 ]]; then
        read -r -p "(press Enter to go on) " _
    fi
}
# Show a command as a student would type it from the top of the repository (paths
# relative to it, like every other command shown), then run it.
shown() {
    local a out=()
    for a in "$@"; do
        out+=("${a#"$top"/}")
    done
    printf '%s$ %s%s\n' "$bold" "${out[*]}" "$plain"
}
run_cmd() {
    shown "$@"
    "$@"
}

tmp=$(mktemp -d)
zpid=
cleanup() {
    [[ -n $zpid ]] && kill "$zpid" 2>/dev/null && wait "$zpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

step "Lab 01: a zombie process (僵尸进程) appears, and is reaped"
echo "zombie forks a child that exits at once, and does not reap it until SIGUSR1."
shown "$lab1/zombie" "&"
"$lab1/zombie" >"$tmp/zombie.out" 2>&1 &
zpid=$!
for ((i = 0; i < 500; i++)); do
    grep -q 'reaping it on SIGUSR1' "$tmp/zombie.out" && break
    sleep 0.01
done
cat "$tmp/zombie.out"
child=$(sed -n 's/^child \([0-9]*\):.*/\1/p' "$tmp/zombie.out")
echo
echo "The child has ended, yet it is still in the process table, in state Z:"
run_cmd ps -o pid,ppid,stat,cmd -p "$child" || true
pause
echo
echo "Now the parent gets SIGUSR1 and reaps it with waitpid():"
run_cmd kill -USR1 "$zpid"
wait "$zpid"
zpid=
sed -n '6,$p' "$tmp/zombie.out"
run_cmd ps -o pid,ppid,stat,cmd -p "$child" || echo "(no such process: the zombie is gone)"
pause

step "Lab 01: the states a process goes through (进程状态)"
run_cmd "$lab1/proc_states"
pause

step "Lab 01: reaping with a SIGCHLD handler"
run_cmd "$lab1/reap" sigchld
pause

step "Lab 02: an orphan (孤儿进程) is adopted and reaped by a child subreaper"
run_cmd "$lab2/orphan"

# The capstones bring their own demos: project/NAME/demo.sh BIN, each opening with its own
# heading (so none here). The file server comes first (the course's order), then the
# chatroom, then any other project.
demos=()
for name in fileserver chatroom; do
    [[ -x $top/project/$name/demo.sh ]] && demos+=("$top/project/$name/demo.sh")
done
for demo in "$top"/project/*/demo.sh; do
    [[ -x $demo ]] || continue
    case $demo in */project/fileserver/demo.sh | */project/chatroom/demo.sh) continue ;; esac
    demos+=("$demo")
done
for demo in "${demos[@]}"; do
    pause
    "$demo" "$bin"
done

step "That was the tour"
echo "Each lab has a README with exercises: labs/01-fork-wait-zombie/README.md, ..."
echo "Run the tests with: make test"
