#!/usr/bin/env bash
# bench/run.sh - run the benchmarks and publish their results: a table with text bars on the
# terminal, and DIR/NAME.md, DIR/NAME.svg and DIR/NAME.csv for each, stamped with the machine.
#
# Usage: bench/run.sh [-q] [-r RUNS] [-o DIR] [NAME...]     (make bench runs them all)
#   NAME     a folder bench/NAME/ with an executable run.sh (default: every such folder)
#   -q       quick: tiny sizes, one run (what tests/bench.bats uses); also BENCH_QUICK=1
#   -r RUNS  runs of each benchmark (default 5, quick 1); the tables show median, min-max
#   -o DIR   where the results go (default bench/results, which git ignores)
#   -l       list the benchmarks and exit
# Environment: BIN  root of the programs to measure (default: the repository, built by
#              `make`); CC  the compiler named in the stamp (default cc).
# The contract with a benchmark is in bench/README.md: bench/NAME/run.sh prints CSV rows
# "group,variant,value" and "# key: value" lines; this script repeats it, and
# bench/render.awk computes the statistics and draws the table, the Markdown and the SVG.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
export BIN=${BIN:-$top}
export BENCH_QUICK=${BENCH_QUICK:-0}
runs=${BENCH_RUNS:-}
out=$here/results

usage() { sed -n '4,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
all_benchmarks() {
    local d
    for d in "$here"/*/; do
        [[ -x $d/run.sh ]] && basename "$d"
    done
    return 0
}
while getopts ":qr:o:lh" opt; do
    case $opt in
    q) BENCH_QUICK=1 ;;
    r) runs=$OPTARG ;;
    o) out=$OPTARG ;;
    l) all_benchmarks; exit 0 ;;
    h) usage; exit 0 ;;
    *) echo "run.sh: bad option -$OPTARG; try -h" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[[ -n $runs ]] || { [[ $BENCH_QUICK == 1 ]] && runs=1 || runs=5; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: RUNS must be a positive whole number" >&2; exit 2; }
if (($# == 0)); then
    mapfile -t names < <(all_benchmarks)
else
    names=("$@")
fi
((${#names[@]})) || { echo "run.sh: no benchmarks in $here" >&2; exit 1; }
for name in "${names[@]}"; do
    [[ -x $here/$name/run.sh ]] || { echo "run.sh: no benchmark '$name' (no executable bench/$name/run.sh)" >&2; exit 2; }
done
mkdir -p "$out"

# The stamp: what was measured on, and when.
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
compiler=$(${CC:-cc} --version 2>/dev/null | head -n1 || true)
stamp() {
    printf '%s, %s cores, %s, %s; %s, load average %s at start' "${cpu:-$(uname -m)}" \
        "$(getconf _NPROCESSORS_ONLN)" "$(uname -sr)" "${compiler:-unknown compiler}" \
        "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
    [[ $BENCH_QUICK == 1 ]] && printf ' (quick run: tiny sizes, not a measurement)'
    return 0
}

status=0
for name in "${names[@]}"; do
    machine=$(stamp)
    data=$out/$name.csv
    : >"$data"
    ok=1
    for ((k = 1; k <= runs; k++)); do
        if ! "$here/$name/run.sh" >>"$data"; then
            echo "run.sh: benchmark $name failed (run $k of $runs)" >&2
            ok=0
            break
        fi
    done
    if ((ok)); then
        for fmt in md svg; do
            awk -v fmt="$fmt" -v name="$name" -v machine="$machine" -v runs="$runs" \
                -f "$here/render.awk" "$data" >"$out/$name.$fmt.tmp" &&
                mv "$out/$name.$fmt.tmp" "$out/$name.$fmt" || ok=0
        done
        awk -v fmt=text -v name="$name" -v machine="$machine" -v runs="$runs" \
            -f "$here/render.awk" "$data" || ok=0
    fi
    if ((ok)); then
        echo "-> $out/$name.md, $name.svg, $name.csv"
    else
        rm -f "$out/$name.md.tmp" "$out/$name.svg.tmp"
        status=1
    fi
    echo
done
exit "$status"
