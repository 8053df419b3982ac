#!/usr/bin/env bash
# bench/run.sh - run the benchmarks and publish their results: a table with text bars on the
# terminal, and DIR/NAME.md, DIR/NAME.svg and DIR/NAME.csv for each, stamped with the machine.
#
# Usage: bench/run.sh [-q | -c] [-r RUNS] [-o DIR] [NAME...]     (make bench runs them all)
#   NAME     a folder bench/NAME/ with an executable run.sh (default: every such folder)
#   -q       quick: tiny sizes, one run (what tests/bench.bats uses); also BENCH_QUICK=1
#   -c       class: about a tenth of the work, 2 runs, the suite in about 2 minutes (make
#            bench QUICK=1); also BENCH_SCALE=class
#   -r RUNS  runs of each benchmark (default 5, class 2, quick 1); the tables show the
#            median, the min-max and the spread
#   -o DIR   where the results go (default bench/results, which git ignores)
#   -l       list the benchmarks and exit
# Environment: BIN  root of the programs to measure (default: the repository, built by
#              `make`); CC  the compiler named in the stamp (default cc).
# It says first how long it will take (each benchmark's "# duration:" line, else a table
# below) and, at the end, how long it took. Exit status 1 if a benchmark failed or
# reported errors (the 4th field of its rows), naming them; 2 for bad usage.
# Before each benchmark (not in quick runs) it syncs and waits, at most 20 s, for the CPUs
# to be idle; each table notes the steal time while it ran (other virtual machines' work).
# The contract with a benchmark is in bench/README.md: bench/NAME/run.sh prints CSV rows
# "group,variant,value[,errors]" and "# key: value" lines; this script repeats it, and
# bench/render.awk computes the statistics and draws the table, the Markdown and the SVG.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
export BIN=${BIN:-$top}
export BENCH_QUICK=${BENCH_QUICK:-0}
export BENCH_SCALE=${BENCH_SCALE:-full}
runs=${BENCH_RUNS:-}
out=$here/results

# Seconds a run of each benchmark takes on the course's machine (2 cores), full and class
# (measured by the runs of 2026-12-08 03:00 and 03:26 UTC, 24 minutes for 5 runs of all
# nine, and by two class runs of 1 min 43 s): used when bench/NAME/run.sh has no
# "# duration: N s a run, class M s" line.
declare -A full_s=([gil]=6 [pools]=1 [http]=96 [servers]=78 [ipc]=13 [ipc-lat]=5 [spawn]=8 [fileserver]=60 [chatroom]=16)
declare -A class_s=([gil]=2 [pools]=1 [http]=21 [servers]=8 [ipc]=3 [ipc-lat]=1 [spawn]=2 [fileserver]=8 [chatroom]=5)

usage() { sed -n '5,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
all_benchmarks() {
    local d
    for d in "$here"/*/; do
        [[ -x $d/run.sh ]] && basename "$d"
    done
    return 0
}
while getopts ":qcr:o:lh" opt; do
    case $opt in
    q) BENCH_QUICK=1 ;;
    c) BENCH_SCALE=class ;;
    r) runs=$OPTARG ;;
    o) out=$OPTARG ;;
    l) all_benchmarks; exit 0 ;;
    h) usage; exit 0 ;;
    *) echo "run.sh: bad option -$OPTARG; try -h" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[[ $BENCH_SCALE == full || $BENCH_SCALE == class ]] ||
    { echo "run.sh: BENCH_SCALE must be full or class" >&2; exit 2; }
if [[ -z $runs ]]; then
    runs=5
    [[ $BENCH_SCALE == class ]] && runs=2
    [[ $BENCH_QUICK == 1 ]] && runs=1
fi
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

# commas WORD...: the words joined by ", "
commas() {
    local all=$1
    shift
    for w; do all+=", $w"; done
    echo "$all"
}
# plural N WORD: "1 run", "2 runs"
plural() {
    if (($1 == 1)); then echo "$1 $2"; else echo "$1 $2s"; fi
}
# how_long SECONDS: "12 s", "about 3 minutes"
how_long() {
    if (($1 < 90)); then
        echo "$1 s"
    else
        echo "about $((($1 + 30) / 60)) minutes"
    fi
}
# scaled NAME: bench/NAME/run.sh reads BENCH_SCALE (outside its comments)
scaled() {
    grep -v '^[[:space:]]*#' "$here/$1/run.sh" | grep -q BENCH_SCALE
}
# estimate NAME: seconds a run of NAME takes at this scale: its "# duration:" line, else
# the table above, else 10 s (full) or 2 s (class). A run.sh that does not read BENCH_SCALE
# runs full size in a class run: counted so.
estimate() {
    local f=$here/$1/run.sh line full='' class=''
    line=$(grep -m1 '^# duration:' "$f" || true)
    [[ $line =~ duration:[^0-9]*([0-9]+) ]] && full=${BASH_REMATCH[1]}
    [[ $line =~ class[^0-9]*([0-9]+) ]] && class=${BASH_REMATCH[1]}
    full=${full:-${full_s[$1]:-10}}
    class=${class:-${class_s[$1]:-2}}
    if [[ $BENCH_SCALE == class ]] && scaled "$1"; then
        echo "$class"
    else
        echo "$full"
    fi
}

# The plan: what runs, and how long it should take.
if [[ $BENCH_QUICK == 1 ]]; then
    echo "bench: $(plural ${#names[@]} benchmark), quick run (tiny sizes, not a measurement): a few seconds each"
else
    total=0 parts=() unscaled=()
    for name in "${names[@]}"; do
        t=$(($(estimate "$name") * runs))
        total=$((total + t))
        parts+=("$name $(how_long "$t")")
        [[ $BENCH_SCALE != class ]] || scaled "$name" || unscaled+=("$name")
    done
    echo "bench: $(plural ${#names[@]} benchmark), $(plural "$runs" run) each, scale $BENCH_SCALE: $(how_long "$total") on a 2-core machine ($(commas "${parts[@]}"))"
    ((${#unscaled[@]} == 0)) ||
        echo "bench: ${unscaled[*]}: no class scale (BENCH_SCALE) in run.sh: full size"
fi
echo

# The stamp: what was measured on, and when.
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
compiler=$(${CC:-cc} --version 2>/dev/null | head -n1 || true)
stamp() { # stamp NAME
    printf '%s, %s cores, %s, %s; %s, load average %s at start' "${cpu:-$(uname -m)}" \
        "$(getconf _NPROCESSORS_ONLN)" "$(uname -sr)" "${compiler:-unknown compiler}" \
        "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
    if [[ $BENCH_QUICK == 1 ]]; then
        printf ' (quick run: tiny sizes, not a measurement)'
    elif [[ $BENCH_SCALE == class ]] && scaled "$1"; then
        printf ' (class run: about a tenth of the work per measurement)'
    fi
    return 0
}

# cpu_times: "IDLE STEAL TOTAL", the machine's idle time, steal time and all its CPU time so
# far, in ticks (/proc/stat's first line). Steal is time this virtual machine's CPUs were
# ready to run but the host ran another machine's work instead: a benchmark cannot be
# steadier than that.
cpu_times() {
    awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $5 + 0, $9 + 0, t; exit }' /proc/stat 2>/dev/null ||
        echo "0 0 0"
}
# share N "BEFORE" "AFTER": between two readings of cpu_times, column N (1 idle, 2 steal) in
# % of the CPU time, with one decimal.
share() {
    awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { split(a, x, " "); split(b, y, " ")
        t = y[3] - x[3]; printf "%.1f", (t > 0 ? 100 * (y[n] - x[n]) / t : 0) }'
}

# settle: before a benchmark, write back what the earlier ones left in the page cache (sync)
# and wait, at most 20 s, for half a second in which the CPUs are 90% idle (iowait counts as
# busy: a disk still writing is not quiet). Prints the idle % of the last look; status 1 if
# the machine never settled. A benchmark that starts while the previous one's writeback or
# someone else's job still runs measures them too.
settle() {
    local i a idle=0
    sync
    for ((i = 0; i < 40; i++)); do
        a=$(cpu_times)
        sleep 0.5
        idle=$(share 1 "$a" "$(cpu_times)")
        idle=${idle%.*}
        if ((idle >= 90)); then
            echo "$idle"
            return 0
        fi
    done
    echo "$idle"
    return 1
}

status=0 failed=() with_errors=()
start_all=$SECONDS
for name in "${names[@]}"; do
    data=$out/$name.csv
    : >"$data"
    if [[ $BENCH_QUICK != 1 ]]; then
        waited=$SECONDS
        if ! idle=$(settle); then
            echo "bench: the machine stayed busy ($idle% idle for 20 s): expect $name's cells to move" >&2
            echo "# note: the machine was busy when this started (only $idle% idle after 20 s of waiting): its figures include someone else's work" >>"$data"
        elif ((SECONDS - waited > 2)); then
            echo "bench: waited $((SECONDS - waited)) s for the machine to settle (writeback, other jobs)"
        fi
    fi
    machine=$(stamp "$name")
    ok=1
    start=$SECONDS
    t0=$(cpu_times)
    for ((k = 1; k <= runs; k++)); do
        if ! "$here/$name/run.sh" >>"$data"; then
            echo "run.sh: benchmark $name failed (run $k of $runs)" >&2
            ok=0
            break
        fi
    done
    took=$((SECONDS - start))
    steal=$(share 2 "$t0" "$(cpu_times)")
    echo "# note: steal time while it ran: $steal% of the CPU time (a virtual machine's CPUs waiting for the host, which ran other work: above a few %, expect the cells to move between runs)" >>"$data"
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
        echo "-> $out/$name.md, $name.svg, $name.csv ($(how_long "$took"), steal time $steal%)"
    else
        rm -f "$out/$name.md.tmp" "$out/$name.svg.tmp"
        failed+=("$name")
        status=1
    fi
    # Errors: the sum of the 4th fields of the rows (every run's).
    errors=$(awk -F, '!/^#/ && NF == 4 { s += $4 } END { print s + 0 }' "$data")
    if ((errors > 0)); then
        with_errors+=("$name ($errors)")
        status=1
    fi
    echo
done
if [[ $BENCH_QUICK != 1 ]]; then
    echo "bench: done in $(how_long $((SECONDS - start_all)))"
fi
((${#failed[@]} == 0)) || echo "run.sh: failed: ${failed[*]}" >&2
if ((${#with_errors[@]})); then
    echo "run.sh: errors reported (failed requests, timeouts, starved clients or lost messages: see FAILED in their tables): $(commas "${with_errors[@]}")" >&2
fi
exit "$status"
