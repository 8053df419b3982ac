#!/usr/bin/env bash
# tests/run.sh - run bats on the suite (or the files/folders given) and end with one
# plain summary line, "N passed, N failed, N skipped".
#
# Usage: tests/run.sh [BATS-OPTION...] [FILE-OR-DIR...]     (default: tests/)
# Environment: BIN  root of the programs under test (default: the repository);
#              a path under build/asan or build/tsan means sanitized programs, which get
#              longer bounded waits (TIMEOUT_SCALE).
#
# Exit status: bats' own (0 only if every test passed), 1 if no test ran at all.
# bats prints TAP without any summary when stdout is not a terminal (as in CI), so the
# summary is counted here from the TAP stream. The whole run happens under
# tests/fixtures/reaper, a child subreaper that reaps the orphans tests create and fails
# the run if a test leaves a process behind.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top" || exit 1
BIN=${BIN:-$top}
export BIN TOP=$top
case $BIN in
*/build/asan*) export TIMEOUT_SCALE=${TIMEOUT_SCALE:-4} ;;
*/build/tsan*) export TIMEOUT_SCALE=${TIMEOUT_SCALE:-6} ;;
esac
# Make a sanitizer's finding fail loudly instead of scrolling by.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
# A backstop only: every command in a test is bounded by its own timeout.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}

bats=$(scripts/find-bats.sh) || exit 1
reaper=$BIN/tests/fixtures/reaper
[[ -x $reaper ]] || { echo "run.sh: $reaper is missing: run make first" >&2; exit 1; }

args=("$@")
# Tests tagged tsan-only check what ThreadSanitizer reports: they run only against the TSan
# build (make check), and are left out elsewhere instead of being shown as skipped.
[[ $BIN == */build/tsan* ]] || args=(--filter-tags '!tsan-only' "${args[@]}")
have_target=0
for a in "${args[@]}"; do
    [[ -e $a ]] && have_target=1
done
((have_target)) || args+=(tests)

tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
"$reaper" "$bats" --formatter tap --print-output-on-failure "${args[@]}" </dev/null | tee "$tap"
rc=${PIPESTATUS[0]}

ok=$(grep -c '^ok ' "$tap")
failed=$(grep -c '^not ok ' "$tap")
skipped=$(grep -c '^ok .* # skip' "$tap")
echo "$((ok - skipped)) passed, $failed failed, $skipped skipped"
if ((ok + failed == 0)); then
    echo "run.sh: no test ran" >&2
    exit 1
fi
exit "$rc"
