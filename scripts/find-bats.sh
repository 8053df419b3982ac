#!/usr/bin/env bash
# scripts/find-bats.sh - print the path of a usable bats-core, installing one if needed.
#
# 1. bats on PATH (Debian/Ubuntu: apt-get install bats) - what CI and most users have;
# 2. else a local copy in .tools/ (git-ignored), installed from the npm registry the first
#    time (bats 1.8.2, the version Debian 12 ships, so everyone runs the same bats);
# 3. else explain how to install it, and fail.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
local_bats=$top/.tools/node_modules/bats/bin/bats  # its package.json declares no "bin" link

if command -v bats >/dev/null 2>&1; then
    command -v bats
elif [[ -x $local_bats ]]; then
    echo "$local_bats"
elif command -v npm >/dev/null 2>&1; then
    echo "bats is not on PATH: installing bats-core 1.8.2 into .tools/ with npm" >&2
    mkdir -p "$top/.tools"
    if npm install --silent --no-audit --no-fund --prefix "$top/.tools" bats@1.8.2 >&2 &&
        [[ -x $local_bats ]]; then
        echo "$local_bats"
    else
        echo "npm could not install bats. Install it with: sudo apt-get install bats" >&2
        exit 1
    fi
else
    echo "bats-core is needed for the tests. Install it with: sudo apt-get install bats" >&2
    echo "(or install npm, and make test will fetch a local copy)" >&2
    exit 1
fi
