#!/usr/bin/env bash
# tests/repeat.sh - run the suite N times in a row and report every test that ever failed.
#
# Usage: tests/repeat.sh N [BATS-ARGS...]      (make repeat N=20 [T=tests/x.bats])
# Exit status 0 only if all N runs passed. The log of every run with a failure is kept
# in build/repeat/run-K.log.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:?usage: tests/repeat.sh N [BATS-ARGS...]}
shift
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "repeat.sh: N must be a positive whole number" >&2; exit 2; }
logs=$top/build/repeat
mkdir -p "$logs"
rm -f "$logs"/run-*.log
declare -A flaky=()
bad=0
for ((k = 1; k <= n; k++)); do
    log=$logs/run-$k.log
    start=$SECONDS
    if "$top/tests/run.sh" "$@" >"$log" 2>&1; then
        echo "run $k/$n: $(tail -n1 "$log") ($((SECONDS - start)) s)"
        rm -f "$log"
    else
        bad=$((bad + 1))
        echo "run $k/$n: FAILED: $(grep -E '^[0-9]+ passed' "$log" | tail -n1) - log in $log"
        while IFS= read -r line; do
            flaky[$line]=$((${flaky[$line]:-0} + 1))
        done < <(grep '^not ok ' "$log" | sed -E 's/^not ok [0-9]+ //')
    fi
done
if ((bad == 0)); then
    echo "repeat: all $n runs passed"
    exit 0
fi
echo "repeat: $bad of $n runs failed; tests that failed (times):"
for t in "${!flaky[@]}"; do
    echo "  ${flaky[$t]}x  $t"
done
exit 1
