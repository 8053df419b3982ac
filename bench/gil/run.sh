#!/usr/bin/env bash
# bench/gil/run.sh - one run of lab 09's efficiency test (the GIL table), as CSV rows for
# bench/run.sh: groups cpu and io, one row per mode, seconds. BENCH_QUICK=1: tiny sizes;
# BENCH_SCALE=class: about a tenth of the work (primes below 300000, 2 requests per worker).
# If python3 is installed, the classroom's Python version of the same test runs too
# (bench/gil/gil_bench.py, smaller sizes: CPython is about 50 times slower at this task).
# BENCH_PYTHON names the interpreter (default python3); one that is not found is skipped.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prog=${BIN:?BIN must be set (bench/run.sh sets it)}/labs/09-gil-benchmark/gil_bench
[[ -x $prog ]] || { echo "bench/gil: $prog is missing: run make first" >&2; exit 1; }
workers=10 limit=1000000 requests=10 pylimit=100000
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    args=(-w 3 -n 20000 -s 1000 -r 2 -d 1)
    pyargs=(-w 2 -n 2000 -r 2 -d 1)
    workers=3 limit=20000 requests=2 pylimit=2000
elif [[ ${BENCH_SCALE:-} == class ]]; then
    args=(-n 300000 -r 2)
    pyargs=(-n 30000 -r 2)
    limit=300000 requests=2 pylimit=30000
else
    args=()
    pyargs=()
fi
echo "# title: the efficiency test - the same cpu and io work, run 4 ways (lab 09)"
echo "# unit: s"
echo "# better: lower"
echo "# note: $workers workers; cpu: each counts the primes below $limit; io: each makes $requests requests to a peer that answers after $([[ ${BENCH_QUICK:-0} == 1 ]] && echo 1 || echo 10) ms"
echo "# note: threads+GIL: threads that must hold one process-wide lock to compute, handed on every 50000 numbers and around I/O"
"$prog" -C "${args[@]}"
python=${BENCH_PYTHON:-python3}
if command -v "$python" >/dev/null 2>&1; then
    echo "# note: python groups: Python $("$python" -c 'import platform; print(platform.python_version())') running the same tasks ($([[ ${BENCH_QUICK:-0} == 1 ]] && echo 2 || echo 10) workers, primes below $pylimit)"
    "$python" "$here/gil_bench.py" "${pyargs[@]}"
fi
