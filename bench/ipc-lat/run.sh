#!/usr/bin/env bash
# bench/ipc-lat/run.sh - one run of the IPC latency benchmark, as CSV rows for bench/run.sh:
# bench/ipc's ipc_bench -l, a 1-byte ping-pong between a parent and its child through each
# mechanism (pipe first: each group's baseline), with both on one CPU and on two;
# microseconds per round trip (round trips per second = 1e6 / that). Then the reference:
# `perf bench sched pipe` (the classic pipe ping-pong, lmbench's lat_pipe method) pinned to
# one CPU, against ipc_bench's pipe there. BENCH_QUICK=1: tiny sizes; BENCH_SCALE=class:
# a tenth of the round trips.
# See bench/ipc/README.md.
set -euo pipefail
prog=${BIN:?BIN must be set (bench/run.sh sets it)}/bench/ipc/ipc_bench
[[ -x $prog ]] || { echo "bench/ipc-lat: $prog is missing: run make first" >&2; exit 1; }
n=10000
[[ ${BENCH_SCALE:-full} == class ]] && n=2000
[[ ${BENCH_QUICK:-0} == 1 ]] && n=1000
places=("0,0")
(($(getconf _NPROCESSORS_ONLN) >= 2)) && places+=("0,1")

echo "# title: IPC latency - a 1-byte ping-pong between two pinned processes"
echo "# unit: us"
echo "# better: lower"
echo "# note: $n round trips per measurement, after a warm-up of $((n / 8)); same CPU = both processes on CPU 0, 2 CPUs = parent on CPU 0, child on CPU 1"
"$prog" -l -C -n "$n" -c 0,0 pipe >/dev/null # warm up
for place in "${places[@]}"; do
    "$prog" -l -C -n "$n" -c "$place"
done

# perf bench sched pipe -l N: "... usecs/op" (an op is one round trip through two pipes).
if command -v perf >/dev/null && command -v taskset >/dev/null &&
    perf bench sched pipe -l 100 >/dev/null 2>&1; then
    echo "# note: reference: perf bench sched pipe -l $n under taskset -c 0; perf cannot pin its two processes apart, so there is no 2-CPU reference"
    taskset -c 0 perf bench sched pipe -l "$n" >/dev/null 2>&1 # warm up
    us=$(taskset -c 0 perf bench sched pipe -l "$n" 2>&1 | awk '$2 == "usecs/op" { print $1 }')
    [[ -n $us ]] || { echo "bench/ipc-lat: no usecs/op from perf bench sched pipe" >&2; exit 1; }
    echo "reference same CPU,perf bench sched pipe,$us"
    "$prog" -l -C -n "$n" -c 0,0 pipe | sed 's/^same CPU,pipe,/reference same CPU,ipc_bench pipe,/'
else
    echo "# note: no reference rows: perf (Debian package linux-perf) is not installed or does not run here"
fi
