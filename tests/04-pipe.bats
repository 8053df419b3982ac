# Lab 04: pipes and FIFOs.
# shellcheck disable=SC2154  # stderr: set by run --separate-stderr
load helpers

LAB=labs/04-pipe
README=$TOP/$LAB/README.md

setup() {
    P=$BIN/$LAB
}

# pid_of_prefix PREFIX: the pid in the first line of $output that starts "PREFIX <pid>:".
pid_of_prefix() {
    local l
    for l in "${lines[@]}"; do
        if [[ $l =~ ^$1\ ([0-9]+): ]]; then
            printf '%s\n' "${BASH_REMATCH[1]}"
            return 0
        fi
    done
    fail "no line starts with '$1 <pid>:'"
}

# bats test_tags=task:1,points:2
@test "pipe_simplex: the parent writes, the child reads every line, then end of file" {
    run -0 --separate-stderr timeout 10 "$P/pipe_simplex"
    assert_eq "$stderr" ""
    assert_readme_output "$README" pipe_simplex
    local parent child
    parent=$(pid_of_prefix parent) child=$(pid_of_prefix child)
    [[ $parent != "$child" ]]
    assert_eq "${lines[6]}" "parent $parent: child $child read everything and exited with status 0"
}

# bats test_tags=task:1
@test "pipe_simplex: any messages, empty and long ones included, arrive whole and in order" {
    local long
    long=$(printf 'x%.0s' {1..1000})
    run -0 --separate-stderr timeout 10 "$P/pipe_simplex" "one" "" "two  spaces" "$long"
    assert_eq "$stderr" ""
    local child
    child=$(pid_of_prefix child)
    assert_eq "${lines[1]}" "parent $(pid_of_prefix parent): writing 4 lines, then closing the write end"
    assert_eq "${lines[2]}" "child $child: read 'one'"
    assert_eq "${lines[3]}" "child $child: read ''"
    assert_eq "${lines[4]}" "child $child: read 'two  spaces'"
    assert_eq "${lines[5]}" "child $child: read '$long'"
    assert_eq "${lines[6]}" "child $child: read() returned 0: end of file, every write end is closed"
    assert_eq "${#lines[@]}" 8
    run -2 --separate-stderr timeout 10 "$P/pipe_simplex" "x$long"
    assert_eq "${stderr%%$'\n'*}" "pipe_simplex: message 1 is longer than 1000 bytes"
}

# bats test_tags=task:2
@test "pipe_duplex: a conversation over a socketpair" {
    run -0 --separate-stderr timeout 10 "$P/pipe_duplex"
    assert_eq "$stderr" ""
    assert_readme_output "$README" pipe_duplex
}

# bats test_tags=task:2
@test "pipe_duplex -p: the same conversation over two pipes" {
    run -0 --separate-stderr timeout 10 "$P/pipe_duplex" -p
    assert_eq "$stderr" ""
    assert_readme_output "$README" "pipe_duplex -p"
}

# bats test_tags=task:2
@test "pipe_duplex -n: every round answered, in order, both ways" {
    local mode i
    for mode in "" -p; do
        # shellcheck disable=SC2086  # $mode: no option, or one
        run -0 --separate-stderr timeout 20 "$P/pipe_duplex" $mode -n 50
        assert_eq "$stderr" ""
        assert_eq "${#lines[@]}" $((1 + 50 * 3 + 3))
        local parent child
        parent=$(pid_of_prefix parent) child=$(pid_of_prefix child)
        for i in 1 17 50; do
            assert_eq "${lines[$((3 * i - 2))]}" "parent $parent: send 'ping $i'"
            assert_eq "${lines[$((3 * i - 1))]}" "child $child: got 'ping $i', answer 'pong $i'"
            assert_eq "${lines[$((3 * i))]}" "parent $parent: got 'pong $i'"
        done
    done
    run -2 timeout 5 "$P/pipe_duplex" -n 0
    run -2 timeout 5 "$P/pipe_duplex" -n
}

@test "pipe_limits: capacity by EAGAIN, empty pipe, end of file, SIGPIPE and EPIPE" {
    run -0 --separate-stderr timeout 20 "$P/pipe_limits"
    assert_eq "$stderr" ""
    assert_readme_output "$README" pipe_limits
    # The measured capacity is what the kernel says it is.
    [[ ${lines[0]} =~ ^full:\ ([0-9]+)\ one-byte ]]
    local measured=${BASH_REMATCH[1]}
    [[ ${lines[1]} =~ F_GETPIPE_SZ\)\ says\ ([0-9]+)\ bytes ]]
    assert_eq "$measured" "${BASH_REMATCH[1]}"
}

@test "fifo: reader first - it waits in open() until the writer comes" {
    cd "$BATS_TEST_TMPDIR"
    start_bg reader.out "$P/fifo_reader" -c demo.fifo
    local reader=$BG_PID
    wait_for_line reader.out 'open\(\) waits for a writer$' >/dev/null
    [[ -p demo.fifo ]] # a named pipe in the file system (ls -l: type p)
    wait_for_state "$reader" S
    # Blocked in open(): the FIFO is not open yet, and nothing more is printed.
    assert_eq "$(fd_count "$reader")" 3
    assert_eq "$(wc -l <reader.out)" 2
    run -0 --separate-stderr timeout 10 "$P/fifo_writer" demo.fifo
    assert_eq "$stderr" ""
    assert_readme_output "$README" fifo_writer
    wait_exit "$reader"
    assert_eq "$BG_STATUS" 0
    output=$(cat reader.out)
    assert_readme_output "$README" "fifo_reader -c"
    assert_eq "$(cat reader.out.err)" ""
    [[ ! -e demo.fifo ]] # -c removed it
}

@test "fifo: writer first - it waits in open() until the reader comes" {
    cd "$BATS_TEST_TMPDIR"
    mkfifo demo.fifo
    start_bg writer.out "$P/fifo_writer" demo.fifo "first line" "second line"
    local writer=$BG_PID
    wait_for_line writer.out 'open\(\) waits for a reader$' >/dev/null
    wait_for_state "$writer" S
    assert_eq "$(fd_count "$writer")" 3
    assert_eq "$(wc -l <writer.out)" 1
    run -0 --separate-stderr timeout 10 "$P/fifo_reader" demo.fifo
    assert_eq "$stderr" ""
    local me
    me=$(pid_of_prefix fifo_reader)
    assert_eq "$output" "fifo_reader $me: opening demo.fifo for reading; open() waits for a writer
fifo_reader $me: open() returned: a writer has opened it too
fifo_reader $me: got 'first line'
fifo_reader $me: got 'second line'
fifo_reader $me: end of file: no writer has it open any more"
    wait_exit "$writer"
    assert_eq "$BG_STATUS" 0
    assert_eq "$(tail -n1 writer.out)" "fifo_writer $writer: closed my end: the reader sees end of file"
    [[ -p demo.fifo ]] # without -c, the FIFO stays: it was not the reader's to remove
}

@test "fifo: a path that is not a FIFO is refused, and nothing is written into it" {
    cd "$BATS_TEST_TMPDIR"
    echo "precious" >plain.txt
    run -1 --separate-stderr timeout 5 "$P/fifo_writer" plain.txt
    assert_eq "$stderr" "fifo_writer: plain.txt is not a FIFO (make one with: mkfifo plain.txt)"
    assert_eq "$(cat plain.txt)" precious
    run -1 --separate-stderr timeout 5 "$P/fifo_reader" plain.txt
    assert_eq "$stderr" "fifo_reader: plain.txt is not a FIFO (make one with: mkfifo plain.txt, or use -c)"
    run -1 --separate-stderr timeout 5 "$P/fifo_reader" missing.fifo
    assert_eq "$stderr" "fifo_reader: stat missing.fifo: No such file or directory"
    run -1 --separate-stderr timeout 5 "$P/fifo_reader" -c plain.txt
    assert_eq "$stderr" "fifo_reader: mkfifo plain.txt: File exists"
    assert_eq "$(cat plain.txt)" precious
    run -2 timeout 5 "$P/fifo_reader"
    run -2 timeout 5 "$P/fifo_reader" a b
    run -2 timeout 5 "$P/fifo_writer"
}

@test "every program has -h (exit 0, usage on stdout) and rejects a bad option (exit 2)" {
    local prog
    for prog in pipe_simplex pipe_duplex pipe_limits fifo_reader fifo_writer; do
        assert_usage "$P/$prog"
    done
}

@test "valgrind: no memory errors, leaks or leaked fds" {
    vg "$P/pipe_simplex"
    vg "$P/pipe_duplex" -n 2
    vg "$P/pipe_duplex" -p -n 2
    # pipe_limits' child dies of SIGPIPE in write(), its end of the pipe still open.
    vg --parent-fds-only "$P/pipe_limits"
    cd "$BATS_TEST_TMPDIR"
    mkfifo vg.fifo
    start_bg reader.out "$P/fifo_reader" vg.fifo
    vg "$P/fifo_writer" vg.fifo
    wait_exit "$BG_PID"
    assert_eq "$BG_STATUS" 0
    start_bg writer.out "$P/fifo_writer" vg.fifo
    vg "$P/fifo_reader" vg.fifo
    wait_exit "$BG_PID"
    assert_eq "$BG_STATUS" 0
}

@test "filetype: one file of each of the seven types, like ls -l; nothing left behind" {
    local P=$BIN/labs/04-pipe
    run -0 --separate-stderr timeout 10 "$P/filetype"
    assert_eq "$stderr" ""
    assert_readme_output "$TOP/labs/04-pipe/README.md" filetype
    local dir=${lines[0]##* }
    dir=${dir%/file}
    [[ ! -e $dir ]] || fail "$dir was left behind"
    # With a block device in /dev, the b line names it, and ls agrees.
    local blk
    blk=$(find /dev -maxdepth 1 -type b -print -quit)
    if [[ -n $blk ]]; then
        assert_match "${lines[6]}" '^b  006[0-7]{4} = 0060000 \| [0-7]{4}  block device       /dev/'
    else
        assert_eq "${lines[6]}" "b  0060000 = 0060000 | ????  block device       none in /dev (a container usually has none)"
    fi
    assert_usage "$P/filetype"
}

@test "filetype PATH...: the same first letter as ls -l (stat -c %A), and the mode split by & S_IFMT" {
    local P=$BIN/labs/04-pipe d=$BATS_TEST_TMPDIR f
    mkfifo "$d/fifo"
    ln -s fifo "$d/link"
    : >"$d/file"
    chmod 0640 "$d/file"
    run -0 timeout 10 "$P/filetype" /dev/null "$d/file"
    assert_eq "${lines[0]}" "c  0020666 = 0020000 | 0666  character device   /dev/null (major 1, minor 3)"
    assert_eq "${lines[1]}" "-  0100640 = 0100000 | 0640  regular file       $d/file"
    for f in /dev/null "$d" "$d/fifo" "$d/link" "$d/file" /dev/stdin; do
        run -0 timeout 10 "$P/filetype" "$f"
        assert_eq "${output:0:1}" "$(stat -c %A "$f" | cut -c1)" # as ls -ld shows it
    done
    run -1 --separate-stderr timeout 10 "$P/filetype" "$d/nothing"
    assert_eq "$stderr" "filetype: lstat $d/nothing: No such file or directory"
}

@test "filetype: valgrind" {
    vg "$BIN/labs/04-pipe/filetype"
}
