#!/usr/bin/env bash
# bench/spawn/run.sh - one run of spawn_bench, as CSV rows for bench/run.sh: the cost of
# creating and reaping a process or a thread, per operation, in microseconds (the median of
# spawn_bench's batches): group "create and reap" (fork first: "vs" is fork's time over
# each one's), then fork against posix_spawn with 1 MiB, 100 MiB and 1 GiB written in the
# parent (copy-on-write made visible). BENCH_QUICK=1: tiny counts (the same rows);
# BENCH_SCALE=class: a tenth of the operations.
# See bench/spawn/README.md.
set -euo pipefail
prog=${BIN:?BIN must be set (bench/run.sh sets it)}/bench/spawn/spawn_bench
[[ -x $prog ]] || { echo "bench/spawn: $prog is missing: run make first" >&2; exit 1; }
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    args=(-n 5 -r 1)
    mem=("1 -n 5 -r 1" "100 -n 2 -r 1" "1024 -n 1 -r 1")
elif [[ ${BENCH_SCALE:-} == class ]]; then
    args=(-n 20 -r 5)
    mem=("1 -n 20 -r 5" "100 -n 5 -r 5" "1024 -n 1 -r 3")
else
    args=(-n 200 -r 5)
    mem=("1 -n 200 -r 5" "100 -n 50 -r 5" "1024 -n 10 -r 3")
fi
echo "# title: creating and reaping a process or a thread, per operation"
echo "# unit: us"
echo "# better: lower"
echo "# note: each value is the median of spawn_bench's batches (after a warm-up batch); posix_spawn and fork+exec run /bin/true"
echo "# note: thread pool task / process pool task: submit one task to lab 10's pool (one worker, already running) and wait for its result"
echo "# note: parent with N MiB: the parent has first written N MiB of its own memory (4 KiB pages); fork copies their page tables, posix_spawn does not"
"$prog" -C "${args[@]}"
for m in "${mem[@]}"; do
    # shellcheck disable=SC2086  # "$m" is "MIB -n N -r R", split on purpose
    "$prog" -C -m $m fork posix_spawn
done
