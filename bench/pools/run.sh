#!/usr/bin/env bash
# bench/pools/run.sh - one run of lab 10's pool_cost, as CSV rows for bench/run.sh: groups
# processes (fork per task vs process pool) and threads (thread per task vs thread pool),
# milliseconds for the whole batch. BENCH_QUICK=1: tiny sizes.
set -euo pipefail
prog=${BIN:?BIN must be set (bench/run.sh sets it)}/labs/10-pools/pool_cost
[[ -x $prog ]] || { echo "bench/pools: $prog is missing: run make first" >&2; exit 1; }
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    args=(-n 40 -w 2)
else
    args=(-n 2000 -w 4)
fi
echo "# title: what a pool saves - many tiny tasks, a process/thread per task or a pool (lab 10)"
echo "# unit: ms"
echo "# better: lower"
echo "# note: 2000 tasks of square(x), at most 4 at a time; the pools are timed whole (made, fed, closed, joined)"
"$prog" -C "${args[@]}"
