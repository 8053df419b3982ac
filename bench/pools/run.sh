#!/usr/bin/env bash
# bench/pools/run.sh - one run of lab 10's pool_cost, as CSV rows for bench/run.sh: groups
# processes (fork per task vs process pool) and threads (thread per task vs thread pool),
# milliseconds for the whole batch. BENCH_QUICK=1: tiny sizes; BENCH_SCALE=class: a tenth
# of the tasks.
set -euo pipefail
prog=${BIN:?BIN must be set (bench/run.sh sets it)}/labs/10-pools/pool_cost
[[ -x $prog ]] || { echo "bench/pools: $prog is missing: run make first" >&2; exit 1; }
tasks=2000 workers=4
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    tasks=40 workers=2
elif [[ ${BENCH_SCALE:-} == class ]]; then
    tasks=200
fi
args=(-n "$tasks" -w "$workers")
echo "# title: what a pool saves - many tiny tasks, a process/thread per task or a pool (lab 10)"
echo "# unit: ms"
echo "# better: lower"
echo "# note: $tasks tasks of square(x), at most $workers at a time; the pools are timed whole (made, fed, closed, joined)"
"$prog" -C "${args[@]}"
