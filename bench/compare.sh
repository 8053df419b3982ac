#!/usr/bin/env bash
# bench/compare.sh - how much two runs of the benchmarks agree: cell by cell, the change of
# each median and of each "vs" ratio from run A to run B, and the cells that moved more than
# a threshold. Run make bench twice (the second with -o elsewhere) and compare: a table
# whose cells move more than a few % between two runs on a quiet machine cannot be trusted
# to the digits it prints.
#
# Usage: bench/compare.sh [-t PCT] DIR_A DIR_B [NAME...]
#   DIR_A, DIR_B  two results folders (bench/run.sh -o DIR; the default is bench/results)
#   NAME          the benchmarks to compare (default: every NAME.csv that both folders have)
#   -t PCT        the largest change that counts as "the same" (default 10)
# Exit status 0 when no median and no ratio moved more than PCT %, 1 otherwise (the moved
# cells are listed at the end), 2 for bad usage or a missing folder.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
limit=10

usage() { sed -n '7,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while getopts ":t:h" opt; do
    case $opt in
    t) limit=$OPTARG ;;
    h) usage; exit 0 ;;
    *) echo "compare.sh: bad option -$OPTARG; try -h" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
(($# >= 2)) || { echo "compare.sh: two results folders needed; try -h" >&2; exit 2; }
[[ $limit =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "compare.sh: PCT must be a number" >&2; exit 2; }
a=$1 b=$2
shift 2
for d in "$a" "$b"; do
    [[ -d $d ]] || { echo "compare.sh: no folder $d" >&2; exit 2; }
done
if (($# == 0)); then
    names=()
    for f in "$a"/*.csv; do
        [[ -e $f ]] || continue
        n=$(basename "$f" .csv)
        [[ -e $b/$n.csv ]] && names+=("$n")
    done
    ((${#names[@]})) || { echo "compare.sh: no benchmark has results in both $a and $b" >&2; exit 2; }
else
    names=("$@")
    for n in "${names[@]}"; do
        [[ -e $a/$n.csv && -e $b/$n.csv ]] || { echo "compare.sh: no $n.csv in both folders" >&2; exit 2; }
    done
fi

# stamp DIR NAME: DIR, with the date and load of the run (the Markdown page's machine line)
# and its steal time (a note of the CSV).
stamp() {
    local s st
    s=$(sed -n 's/^Machine: .*; \([0-9][0-9-]* [0-9:]* UTC\), load average \([0-9.]*\).*/\1, load \2/p' "$1/$2.md" 2>/dev/null | head -n1)
    st=$(sed -n 's/^# note: steal time while it ran: \([0-9.]*%\).*/steal \1/p' "$1/$2.csv" | head -n1)
    [[ -z $st ]] || s=${s:+$s, }$st
    echo "$1${s:+ ($s)}"
}

moved=() cells=0
tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
for n in "${names[@]}"; do
    echo "== $n   A: $(stamp "$a" "$n")   B: $(stamp "$b" "$n")"
    # Both runs' cells, joined on group and variant by awk (first A's lines, then B's).
    out=$(awk -F'\t' -v limit="$limit" -v name="$n" '
        function pct(x, y) { return y == 0 ? 0 : 100 * (y - x) / x }
        function abs(x) { return x < 0 ? -x : x }
        FNR == 1 { file++ }
        file == 1 { k = $1 SUBSEP $2; order[++nk] = k; am[k] = $3; av[k] = $4; ap[k] = $7; next }
        { k = $1 SUBSEP $2; bm[k] = $3; bv[k] = $4; bp[k] = $7; if (!(k in am)) order[++nk] = k }
        END {
            printf "%-34s %10s %10s %8s %7s %7s %8s\n", "group / variant", "A median", "B median", "change", "A vs", "B vs", "change"
            for (i = 1; i <= nk; i++) {
                k = order[i]; split(k, gv, SUBSEP); label = gv[1] " / " gv[2]
                if (!(k in am) || !(k in bm)) {
                    printf "%-34s %s\n", label, (k in am) ? "only in A" : "only in B"
                    print "MOVED\t" name ": " label " (in one run only)" > "/dev/stderr"
                    continue
                }
                c = pct(am[k], bm[k]); r = "-"; flag = abs(c) > limit; ra = rb = "-"
                if (av[k] != "-" && bv[k] != "-") {
                    rc = pct(av[k], bv[k]); r = sprintf("%+.1f%%", rc)
                    if (abs(rc) > limit) flag = 1
                }
                if (av[k] != "-") ra = sprintf("%.2fx", av[k])
                if (bv[k] != "-") rb = sprintf("%.2fx", bv[k])
                printf "%-34s %10s %10s %+7.1f%% %7s %7s %8s%s\n", label, ap[k], bp[k], c, ra, rb, r, flag ? "  MOVED" : ""
                if (flag) printf "MOVED\t%s: %s (median %+.1f%%, vs %s)\n", name, label, c, r > "/dev/stderr"
            }
            print "CELLS\t" nk > "/dev/stderr"
        }' <(awk -v fmt=tsv -v name="$n" -f "$here/render.awk" "$a/$n.csv") \
           <(awk -v fmt=tsv -v name="$n" -f "$here/render.awk" "$b/$n.csv") 2>"$tally") ||
        { echo "compare.sh: cannot read $n's results" >&2; exit 2; }
    echo "$out"
    while IFS=$'\t' read -r tag rest; do
        case $tag in
        MOVED) moved+=("$rest") ;;
        CELLS) cells=$((cells + rest)) ;;
        esac
    done <"$tally"
    echo
done
if ((${#moved[@]} == 0)); then
    echo "compare.sh: all $cells cells within ${limit}% (medians and vs ratios)"
    exit 0
fi
echo "compare.sh: ${#moved[@]} of $cells cells moved more than ${limit}%:"
printf '  %s\n' "${moved[@]}"
exit 1
