# Tests of the repository as a whole: what a student gets with a fresh clone.
load helpers

# The files of the repository, each name ended by a NUL (names may hold any character):
# git's list in a clone, every file but the build otherwise.
repo_files() {
    if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git -C "$TOP" ls-files -z
    else
        (cd "$TOP" && find . -path ./.git -prune -o -path ./build -prune -o -path ./.tools -prune \
            -o -type f -print0)
    fi
}

@test "nothing in the repository points outside it (../shared, the course's specs or notes)" {
    # The course's own material lives outside the repository; students never have it. What
    # the repository needs from it is restated in its own docs (e.g. each PROTOCOL.md).
    local -a files
    mapfile -d '' -t files < <(repo_files)
    ((${#files[@]} > 50)) || fail "only ${#files[@]} files found in $TOP"
    local hits
    # grep: 0 found, 1 none found, 2 trouble (a file it could not read: fail on that too).
    hits=$(cd "$TOP" && grep -nIE '\.\./shared|shared/(specs|classroom-notes)' -- "${files[@]}") ||
        (($? == 1)) || fail "grep failed"
    [[ -z $hits ]] || fail "references to files outside the repository:" "$hits"
}
