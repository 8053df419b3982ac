#!/usr/bin/env bash
# scripts/lint.sh - shellcheck on every shell script and .bats file the project tracks
# (or, outside git, finds). Exit status: shellcheck's.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
command -v shellcheck >/dev/null 2>&1 ||
    { echo "lint: shellcheck is missing. Install it with: sudo apt-get install shellcheck" >&2; exit 1; }
mapfile -t files < <(
    { git ls-files --cached --others --exclude-standard 2>/dev/null || find . -type f; } |
        sed 's|^\./||' | sort -u | while read -r f; do
        [[ -f $f ]] || continue
        case $f in
        *.sh | *.bash | *.bats | .ci/run) echo "$f" ;;
        *.*) ;;
        *) head -c 64 "$f" | grep -qE '^#!.*\b(ba)?sh\b' && echo "$f" ;;
        esac
    done
)
echo "lint: shellcheck on ${#files[@]} files"
shellcheck -x "${files[@]}"
