# Lab 11: the server models - one echo service, eight ways of serving clients.
# bats file_tags=tsan
# shellcheck disable=SC2154  # stderr, stderr_lines: set by run --separate-stderr
load helpers

LAB=labs/11-server-models
README=$TOP/$LAB/README.md
TCP_MODELS=(iterative fork thread prefork select poll epoll)

setup() {
    P=$BIN/$LAB
}

# serve MODEL [ARG...]: start `echo-server -m MODEL ARG... -p 0`; its stdout is in $OUT.
# Sets SERVER_PID and SERVER_PORT (start_server).
serve() {
    OUT=$BATS_TEST_TMPDIR/server.$1.$RANDOM
    start_server "$OUT" "$P/echo-server" -m "$@" -p 0
}

# stop_server [SIGNAL]: stop the server (default TERM); it must exit 0 and say so last.
stop_server() {
    kill "-${1:-TERM}" "$SERVER_PID"
    wait_exit "$SERVER_PID" 20
    assert_eq "$BG_STATUS" 0
    assert_eq "$(tail -n1 "$OUT")" "stopped by SIG${1:-TERM}"
}

# A client held by the test shell itself, through bash's /dev/tcp: no process of its own,
# so nothing else holds a copy of its socket and closing it really closes the connection.
#   connect VAR          open a connection, its fd in VAR
#   say FD TEXT          send TEXT and a newline
#   hear FD SECS         read one line within SECS (not scaled), into REPLY; fails if none
connect() {
    local -n fd=$1
    exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
}
say() {
    printf '%s\n' "$2" >&"$1"
}
hear() {
    REPLY=
    read -r -t "$2" REPLY <&"$1"
}
hangup() {
    local fd=$1
    exec {fd}>&-
}

# stop_bg, also when the process has already ended and bash has reaped it (stop_bg's
# `kill -KILL` then fails, which set -e would turn into a failed test)
end_bg() {
    stop_bg "$1" || true
}
workers_started() {
    (($(grep -c '^worker [0-9]* started$' "$OUT") == $1))
}
can_connect() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
fd_is() {
    [[ $(fd_count "$1") == "$2" ]]
}
# tasks_are PID N: PID has N threads. Under ThreadSanitizer, a process that has created a
# thread has one more: TSan's own, started with the first pthread_create (TSAN_EXTRA=1).
tasks_are() {
    local -a t=("/proc/$1/task/"*)
    [[ ${#t[@]} == $(($2 + ${TSAN_EXTRA:-0})) ]]
}
children_are() {
    local -a c
    mapfile -t c < <(children_of "$1")
    [[ ${#c[@]} == "$2" ]]
}

@test "every program: -h prints the usage (exit 0), bad usage exits 2 with a message" {
    local prog
    for prog in echo-server echo-client echo-load; do
        assert_usage "$P/$prog"
        run -2 --separate-stderr timeout 5 "$P/$prog" -p 70000
        assert_eq "${stderr_lines[0]}" "$prog: bad port '70000' (expected a whole number from $([[ $prog == echo-server ]] && echo 0 || echo 1) to 65535)"
        run -2 --separate-stderr timeout 10 "$P/$prog" -a no-such-host.invalid
        assert_match "${stderr_lines[0]}" "^$prog: bad host 'no-such-host\.invalid' or port '[0-9]+': "
    done
    run -0 timeout 5 "$P/echo-server" -h
    local m
    for m in "${TCP_MODELS[@]}" udp; do
        assert_line_matches "^     $m +[a-z]"
    done
    run -2 --separate-stderr timeout 5 "$P/echo-server" -m fibers
    assert_eq "${stderr_lines[0]}" "echo-server: unknown model 'fibers' (models: iterative fork thread prefork select poll epoll udp)"
    run -2 --separate-stderr timeout 5 "$P/echo-server" -m fork -w 3
    assert_eq "${stderr_lines[0]}" "echo-server: -w is for the prefork model only"
    run -2 --separate-stderr timeout 5 "$P/echo-server" -m prefork -w 0
    assert_eq "${stderr_lines[0]}" "echo-server: bad number of workers '0' (expected a whole number from 1 to 64)"
    run -2 --separate-stderr timeout 5 "$P/echo-server" extra
    assert_eq "${stderr_lines[0]}" "echo-server: no arguments expected"
    run -2 --separate-stderr timeout 5 "$P/echo-load" -u -s 65508
    assert_eq "${stderr_lines[0]}" "echo-load: a UDP message holds at most 65507 bytes"
    run -2 --separate-stderr timeout 5 "$P/echo-load" -c 10000 -n 1001
    assert_eq "${stderr_lines[0]}" "echo-load: CLIENTS x MESSAGES is at most 10000000"
}

# listening_and_stop MODEL...: "listening on ..." first, then the model; SIGTERM stops it, exit 0
listening_and_stop() {
    local m
    for m in "$@"; do
        serve "$m"
        assert_match "$(head -n1 "$OUT")" '^listening on 127\.0\.0\.1:[1-9][0-9]*$'
        assert_match "$(sed -n 2p "$OUT")" "^model $m: "
        [[ $SERVER_PORT != 0 ]]
        stop_server TERM
        assert_eq "$(cat "$OUT.err")" ""
    done
}

@test "echo-server, iterative, fork, thread, prefork, select, udp: 'listening on 127.0.0.1:PORT' first; SIGTERM and SIGINT stop it, exit 0" {
    listening_and_stop iterative fork thread prefork select udp
    serve fork
    stop_server INT
    serve prefork
    stop_server INT
}

# bats test_tags=task:1
@test "poll: 'listening on 127.0.0.1:PORT' first; SIGTERM stops it, exit 0" {
    listening_and_stop poll
}

# bats test_tags=task:2
@test "epoll: 'listening on 127.0.0.1:PORT' first; SIGTERM stops it, exit 0" {
    listening_and_stop epoll
}

# on_ipv6 MODEL...: each MODEL on ::1: "listening on [::1]:PORT", and a client reaches it
on_ipv6() {
    local m u
    for m in "$@"; do
        serve "$m" -v -a ::1
        assert_match "$(head -n1 "$OUT")" '^listening on \[::1\]:[1-9][0-9]*$'
        u=()
        [[ $m != udp ]] || u=(-u)
        run -0 --separate-stderr timeout 10 "$P/echo-client" "${u[@]}" -a ::1 -p "$SERVER_PORT" -t 5 hello
        assert_eq "$output" hello
        assert_eq "$stderr" ""
        wait_for_line "$OUT" '^client \[::1\]:[1-9][0-9]*: ' >/dev/null
        if [[ $m == epoll ]]; then
            run -0 --separate-stderr timeout 60 "$P/echo-load" -a ::1 -p "$SERVER_PORT" -c 5 -n 5 -t 50
            assert_eq "$stderr" ""
        fi
        stop_server TERM
        assert_eq "$(cat "$OUT.err")" ""
    done
}

@test "echo-server, iterative, fork, thread, prefork, select, udp, on IPv6 (-a ::1): 'listening on [::1]:PORT'; the clients reach it" {
    on_ipv6 iterative fork thread prefork select udp
}

# bats test_tags=task:1
@test "poll, on IPv6 (-a ::1): 'listening on [::1]:PORT'; the clients reach it" {
    on_ipv6 poll
}

# bats test_tags=task:2
@test "epoll, on IPv6 (-a ::1): 'listening on [::1]:PORT'; the clients reach it" {
    on_ipv6 epoll
}

@test "echo-server: bind fails clearly on a port in use (exit 1)" {
    serve select
    run -1 --separate-stderr timeout 5 "$P/echo-server" -m select -p "$SERVER_PORT"
    assert_eq "$stderr" "echo-server: bind 127.0.0.1 port $SERVER_PORT: Address already in use"
    assert_eq "$output" ""
}

@test "echo-client: messages as arguments or lines on stdin, echoed exactly" {
    serve fork
    run -0 --separate-stderr timeout 10 "$P/echo-client" -p "$SERVER_PORT" -t 5 hello 'two words'
    assert_readme_output "$README" echo-client
    assert_eq "$stderr" ""
    run -0 --separate-stderr timeout 10 "$P/echo-client" -p "$SERVER_PORT" -t 5 ''
    assert_eq "$output" ""
    assert_eq "${#lines[@]}" 0
    printf 'one\n\n  spaces  \n%s\nno newline' "$(head -c 3000 /dev/zero | tr '\0' x)" >"$BATS_TEST_TMPDIR/in"
    run -0 --separate-stderr timeout 10 "$P/echo-client" -p "$SERVER_PORT" -t 5 <"$BATS_TEST_TMPDIR/in"
    assert_eq "$output" "$(cat "$BATS_TEST_TMPDIR/in")"
    assert_eq "$stderr" ""
    # UDP: one datagram per line.
    serve udp
    run -0 --separate-stderr timeout 10 "$P/echo-client" -u -p "$SERVER_PORT" -t 5 hello 'two words'
    assert_readme_output "$README" echo-client
}

@test "echo-client: nobody listening is an error (exit 1)" {
    serve select
    local port=$SERVER_PORT
    stop_server
    run -1 --separate-stderr timeout 10 "$P/echo-client" -p "$port" hi
    assert_eq "$stderr" "echo-client: connect 127.0.0.1:$port: Connection refused"
    run -1 --separate-stderr timeout 10 "$P/echo-client" -u -p "$port" -t 5 hi
    assert_eq "$stderr" "echo-client: recv: Connection refused"
    run -1 --separate-stderr timeout 10 "$P/echo-load" -p "$port" -c 3 -n 1
    assert_eq "${stderr_lines[0]}" "echo-load: client 0: connect 127.0.0.1:$port: Connection refused"
}

# byte_exact MODEL...: echo-load checks every byte, small messages to 20 clients and huge ones
byte_exact() {
    local m
    for m in "$@"; do
        serve "$m"
        # 20 clients x 20 messages of 100 bytes: every byte checked by echo-load
        run -0 --separate-stderr timeout 60 "$P/echo-load" -p "$SERVER_PORT" -c 20 -n 20 -s 100 -t 50
        assert_eq "${lines[1]}" "all 400 echoes came back byte for byte in ${lines[1]##* in }"
        assert_eq "$stderr" ""
        # Large messages: the echo comes back while the client is still sending, both
        # sides' buffers fill, and the server must stop reading until it can write.
        run -0 --separate-stderr timeout 60 "$P/echo-load" -p "$SERVER_PORT" -c 3 -n 2 -s 700000 -t 50
        assert_eq "${lines[1]}" "all 6 echoes came back byte for byte in ${lines[1]##* in }"
        stop_server
        assert_eq "$(cat "$OUT.err")" ""
    done
}

@test "iterative, fork, thread, prefork, select echo byte-exact data to many clients at once (iterative: one after another)" {
    byte_exact iterative fork thread prefork select
}

# bats test_tags=task:1
@test "poll echoes byte-exact data to many clients at once" {
    byte_exact poll
}

# bats test_tags=task:2
@test "epoll echoes byte-exact data to many clients at once" {
    byte_exact epoll
}

# bats test_tags=task:2
@test "echo-load: the README's run, and its -q line for scripts" {
    serve epoll
    run -0 --separate-stderr timeout 60 "$P/echo-load" -p "$SERVER_PORT" -c 10 -n 1000
    output=${output//:$SERVER_PORT/:<port>}
    assert_readme_output "$README" echo-load
    assert_eq "$stderr" ""
    run -0 --separate-stderr timeout 60 "$P/echo-load" -p "$SERVER_PORT" -c 2 -n 10 -q
    assert_match "$output" '^[0-9]+ [0-9]+\.[0-9] [0-9]+\.[0-9]$'
}

@test "udp model: byte-exact datagrams, up to the largest one (65507 bytes)" {
    serve udp
    run -0 --separate-stderr timeout 60 "$P/echo-load" -u -p "$SERVER_PORT" -c 10 -n 100 -t 50
    output=${output//:$SERVER_PORT/:<port>}
    assert_readme_output "$README" "echo-load -u"
    run -0 --separate-stderr timeout 60 "$P/echo-load" -u -p "$SERVER_PORT" -c 2 -n 3 -s 65507 -t 50
    assert_eq "${lines[1]}" "all 6 echoes came back byte for byte in ${lines[1]##* in }"
    stop_server
}

@test "iterative: a client holding the connection makes the next one wait; then it is served" {
    serve iterative -v
    local a b
    connect a
    say "$a" first
    hear "$a" 5 || fail "A got no echo"
    assert_eq "$REPLY" first
    connect b # the kernel completes B's connection (the backlog), but nobody serves it
    say "$b" second
    ! hear "$b" 1 || fail "B was served while A held the server: '$REPLY'"
    # ... and not even accepted: the log has A's "connected" line only
    assert_eq "$(grep -c ': connected (pid ' "$OUT")" 1
    hangup "$a" # A leaves: B's turn
    hear "$b" $((5 * TIMEOUT_SCALE)) || fail "B got no echo after A left"
    assert_eq "$REPLY" second
    hangup "$b"
    wait_for_line "$OUT" 'closed, 7 bytes echoed' >/dev/null
    stop_server INT
    output=$(cat "$OUT")
    assert_readme_output "$README" "echo-server -m iterative -v"
    assert_eq "$(grep -c "(pid $SERVER_PID, thread $SERVER_PID)" "$OUT")" 4
}

@test "iterative: echo-client -t bounds the wait behind a client holding the server" {
    serve iterative
    local a
    connect a
    say "$a" first
    hear "$a" 5 || fail "A got no echo"
    run -1 --separate-stderr timeout 10 "$P/echo-client" -p "$SERVER_PORT" -t 1 second
    assert_eq "$stderr" "echo-client: no echo within 1 s"
    assert_eq "$output" ""
    hangup "$a"
    run -0 --separate-stderr timeout 10 "$P/echo-client" -p "$SERVER_PORT" -t 5 third
    assert_eq "$output" third
    stop_server
}

# Two clients, A then B, both served while A still holds its connection; prints the log.
two_clients_at_once() {
    local a b
    connect a
    say "$a" first
    hear "$a" $((5 * TIMEOUT_SCALE)) || fail "A got no echo"
    assert_eq "$REPLY" first
    connect b
    say "$b" second
    hear "$b" $((5 * TIMEOUT_SCALE)) || fail "B got no echo while A held its connection"
    assert_eq "$REPLY" second
    hangup "$a"
    wait_for_line "$OUT" 'closed, 6 bytes echoed' >/dev/null
    hangup "$b"
    wait_for_line "$OUT" 'closed, 7 bytes echoed' >/dev/null
}

# The pid and thread in the log line of client N (1 or 2) for EVENT (connected, closed)
who() {
    grep "$2" "$OUT" | grep -v '^worker' | sed -n "$1s/.*(pid \([0-9]*\), thread \([0-9]*\))$/\1 \2/p"
}

@test "fork: each client is served by a new child process, while the first still holds its connection" {
    serve fork -v
    two_clients_at_once
    stop_server INT
    output=$(cat "$OUT")
    assert_readme_output "$README" "echo-server -m fork -v"
    local a b
    read -r a _ <<<"$(who 1 connected)"
    read -r b _ <<<"$(who 2 connected)"
    [[ $a != "$SERVER_PID" && $b != "$SERVER_PID" && $a != "$b" ]] || fail "pids: server $SERVER_PID, A $a, B $b"
    assert_eq "$(who 1 connected)" "$a $a"
}

@test "thread: each client is served by a new thread of the one process" {
    serve thread -v
    two_clients_at_once
    stop_server INT
    output=$(cat "$OUT")
    assert_readme_output "$README" "echo-server -m thread -v"
    local pa ta pb tb
    read -r pa ta <<<"$(who 1 connected)"
    read -r pb tb <<<"$(who 2 connected)"
    assert_eq "$pa $pb" "$SERVER_PID $SERVER_PID"
    [[ $ta != "$SERVER_PID" && $tb != "$SERVER_PID" && $ta != "$tb" ]] || fail "threads: A $ta, B $tb"
}

@test "prefork: workers made at start serve the clients; the pool bounds how many at once" {
    serve prefork -w 2 -v
    wait_until 10 workers_started 2
    two_clients_at_once
    stop_server INT
    output=$(cat "$OUT")
    assert_readme_output "$README" "echo-server -m prefork -w 2 -v"
    local -a workers
    mapfile -t workers < <(sed -n 's/^worker \([0-9]*\) started$/\1/p' "$OUT")
    assert_eq "${#workers[@]}" 2
    local a b
    read -r a _ <<<"$(who 1 connected)"
    read -r b _ <<<"$(who 2 connected)"
    [[ " ${workers[*]} " == *" $a "* && " ${workers[*]} " == *" $b "* && $a != "$b" ]] ||
        fail "clients served by $a and $b, workers are ${workers[*]}"

    # Two workers, two clients holding them: a third client waits for a free worker.
    serve prefork -w 2
    local c1 c2 c3
    connect c1
    connect c2
    say "$c1" one
    say "$c2" two
    hear "$c1" $((5 * TIMEOUT_SCALE)) && hear "$c2" $((5 * TIMEOUT_SCALE)) || fail "the first two were not served"
    connect c3
    say "$c3" three
    ! hear "$c3" 1 || fail "a third client was served by a pool of two busy workers"
    hangup "$c1"
    hear "$c3" $((5 * TIMEOUT_SCALE)) || fail "the third client got no echo after a worker became free"
    assert_eq "$REPLY" three
    hangup "$c2"
    hangup "$c3"
    stop_server
}

# one_thread_serves_two MODEL...: two clients at once, served by the one thread of the one process
one_thread_serves_two() {
    local m pa ta pb tb
    for m in "$@"; do
        serve "$m" -v
        two_clients_at_once
        stop_server INT
        output=$(cat "$OUT")
        [[ $m != epoll ]] || assert_readme_output "$README" "echo-server -m epoll -v"
        read -r pa ta <<<"$(who 1 connected)"
        read -r pb tb <<<"$(who 2 connected)"
        assert_eq "$pa $ta $pb $tb" "$SERVER_PID $SERVER_PID $SERVER_PID $SERVER_PID"
    done
}

@test "select: both clients served by the one thread of the one process" {
    one_thread_serves_two select
}

# bats test_tags=task:1
@test "poll: both clients served by the one thread of the one process" {
    one_thread_serves_two poll
}

# bats test_tags=task:2
@test "epoll: both clients served by the one thread of the one process (the README's log)" {
    one_thread_serves_two epoll
}

@test "fork: after serving 200 clients, no zombie, no child and no fd left" {
    serve fork
    local base
    base=$(fd_count "$SERVER_PID")
    run -0 timeout 120 "$P/echo-load" -p "$SERVER_PORT" -c 100 -n 5 -t 100
    run -0 timeout 120 "$P/echo-load" -p "$SERVER_PORT" -c 100 -n 5 -t 100
    # Each child ends when its client has gone; the parent reaps it on SIGCHLD.
    wait_until 20 children_are "$SERVER_PID" 0
    assert_eq "$(zombies_of "$SERVER_PID")" ""
    assert_eq "$(fd_count "$SERVER_PID")" "$base"
    stop_server
    assert_eq "$(cat "$OUT.err")" ""
}

@test "fork and thread: a process or a thread for each connected client, gone when it leaves" {
    local c1 c2 c3 base
    serve fork
    base=$(fd_count "$SERVER_PID")
    connect c1
    connect c2
    connect c3
    wait_until 10 children_are "$SERVER_PID" 3
    assert_eq "$(fd_count "$SERVER_PID")" "$base" # the parent closed its copy of each
    hangup "$c1"
    hangup "$c2"
    hangup "$c3"
    wait_until 10 children_are "$SERVER_PID" 0
    assert_eq "$(zombies_of "$SERVER_PID")" ""
    stop_server

    serve thread
    base=$(fd_count "$SERVER_PID")
    wait_until 10 tasks_are "$SERVER_PID" 1
    connect c1
    connect c2
    connect c3
    [[ $BIN != */build/tsan* ]] || TSAN_EXTRA=1
    wait_until 10 tasks_are "$SERVER_PID" 4
    assert_eq "$(fd_count "$SERVER_PID")" $((base + 3))
    hangup "$c1"
    hangup "$c2"
    hangup "$c3"
    wait_until 10 tasks_are "$SERVER_PID" 1
    wait_until 10 fd_is "$SERVER_PID" "$base"
    stop_server
}

# one_fd_per_client MODEL...: one fd more per client, no thread, no child; all closed after
one_fd_per_client() {
    local m c1 c2 c3 base
    for m in "$@"; do
        serve "$m"
        base=$(fd_count "$SERVER_PID")
        connect c1
        connect c2
        connect c3
        wait_until 10 fd_is "$SERVER_PID" $((base + 3))
        tasks_are "$SERVER_PID" 1
        children_are "$SERVER_PID" 0
        run -0 timeout 60 "$P/echo-load" -p "$SERVER_PORT" -c 50 -n 10 -t 50
        hangup "$c1"
        hangup "$c2"
        hangup "$c3"
        wait_until 10 fd_is "$SERVER_PID" "$base"
        stop_server
    done
}

@test "select: one fd more per client, no thread, no child; all closed after" {
    one_fd_per_client select
}

# bats test_tags=task:1
@test "poll: one fd more per client, no thread, no child; all closed after" {
    one_fd_per_client poll
}

# bats test_tags=task:2
@test "epoll: one fd more per client, no thread, no child; all closed after" {
    one_fd_per_client epoll
}

# sleeps_or_ended PID: PID is asleep (state S), or has ended
sleeps_or_ended() { _state_in "$1" S || _ended "$1"; }

# hog_does_not_stall MODEL...: a client that sends without reading does not stall the others
hog_does_not_stall() {
    local m hog base
    for m in "$@"; do
        serve "$m"
        base=$(fd_count "$SERVER_PID")
        # shellcheck disable=SC2016  # $0 is expanded by the inner bash
        start_bg "$BATS_TEST_TMPDIR/hog" bash -c 'exec head -c 1000000000 /dev/zero >"/dev/tcp/127.0.0.1/$0"' "$SERVER_PORT"
        hog=$BG_PID
        # head only sleeps when its socket takes no more: the echo filled the buffers, and
        # the server stopped reading from it (or is blocked writing to it).
        # (A hog that could not connect - the server has failed - ends at once: no wait.)
        wait_until 20 sleeps_or_ended "$hog"
        # (Not a second look at the state: head wakes up whenever the server reads a little.)
        ! _ended "$hog" || fail "the hog ended at once: it could not connect (has the server failed?)"
        run -0 --separate-stderr timeout 20 "$P/echo-client" -p "$SERVER_PORT" -t $((5 * TIMEOUT_SCALE)) "still served"
        assert_eq "$output" "still served"
        end_bg "$hog" # its socket closes with unread data: the server sees a reset
        wait_until 20 fd_is "$SERVER_PID" "$base"
        run -0 timeout 20 "$P/echo-client" -p "$SERVER_PORT" -t $((5 * TIMEOUT_SCALE)) after
        stop_server
    done
}

@test "fork, thread, prefork, select: a client that sends without reading does not stall the others" {
    hog_does_not_stall fork thread prefork select
}

# bats test_tags=task:1
@test "poll: a client that sends without reading does not stall the others" {
    hog_does_not_stall poll
}

# bats test_tags=task:2
@test "epoll: a client that sends without reading does not stall the others" {
    hog_does_not_stall epoll
}

# stop_with_clients MODEL...: a stop with clients connected closes them, reaps every child, exits 0
stop_with_clients() {
    local m c1 c2
    for m in "$@"; do
        serve "$m"
        connect c1
        connect c2
        say "$c1" hello
        hear "$c1" $((5 * TIMEOUT_SCALE))
        stop_server TERM
        # The clients see the end of the connection (or a reset), not a hang.
        read -r -t 5 _ <&"$c1" || [[ $? -lt 128 ]] || fail "$m: client 1 still open after the stop"
        hangup "$c1"
        hangup "$c2"
        assert_eq "$(cat "$OUT.err")" ""
        [[ ! -e /proc/$SERVER_PID ]]
    done
}

@test "iterative, fork, thread, prefork, select: a stop while clients are connected closes them, reaps every child, exits 0" {
    stop_with_clients iterative fork thread prefork select
}

# bats test_tags=task:1
@test "poll: a stop while clients are connected closes them, exits 0" {
    stop_with_clients poll
}

# bats test_tags=task:2
@test "epoll: a stop while clients are connected closes them, exits 0" {
    stop_with_clients epoll
}

@test "prefork: a worker that dies is replaced; the pool goes on serving" {
    serve prefork -w 3
    wait_until 10 children_are "$SERVER_PID" 3
    local victim
    victim=$(children_of "$SERVER_PID" | head -n1)
    kill -KILL "$victim"
    wait_for_line "$OUT" "^worker $victim was killed by signal 9; starting another\$" >/dev/null
    wait_until 10 children_are "$SERVER_PID" 3
    if children_of "$SERVER_PID" | grep -qx "$victim"; then
        fail "the killed worker $victim is still a child"
    fi
    assert_eq "$(zombies_of "$SERVER_PID")" ""
    run -0 timeout 60 "$P/echo-load" -p "$SERVER_PORT" -c 6 -n 20 -t 50
    stop_server
}

@test "udp: there is no connection to hold; two clients take turns datagram by datagram" {
    serve udp -v
    local a b
    exec {a}<>"/dev/udp/127.0.0.1/$SERVER_PORT"
    exec {b}<>"/dev/udp/127.0.0.1/$SERVER_PORT"
    say "$a" "a1"
    hear "$a" 5 && assert_eq "$REPLY" a1
    say "$b" "b1"
    hear "$b" 5 && assert_eq "$REPLY" b1
    say "$a" "a2"
    hear "$a" 5 && assert_eq "$REPLY" a2
    exec {a}>&- {b}>&-
    stop_server
    assert_eq "$(grep -c ': 3 bytes echoed (pid ' "$OUT")" 3
}

@test "select: a client whose fd is past FD_SETSIZE (1024) is turned away" {
    serve select
    run -1 --separate-stderr timeout 60 "$P/echo-load" -p "$SERVER_PORT" -c 1030 -n 1 -t 50
    # closed at once, with the client's message unread: a FIN or a reset (RST)
    assert_match "${stderr_lines[0]}" '^echo-load: client [0-9]+: (the server closed the connection after 0 of 1 messages|recv: Connection reset by peer)$'
    wait_for_line "$OUT.err" '^echo-server: fd 10[0-9][0-9] does not fit in an fd_set \(FD_SETSIZE 1024\): client turned away$' >/dev/null
    run -0 timeout 60 "$P/echo-load" -p "$SERVER_PORT" -c 5 -n 5 # still serving
    stop_server
}

# bats test_tags=task:2
@test "epoll: takes the clients whose fds are past FD_SETSIZE (1024), which select turns away" {
    serve epoll
    run -0 timeout 60 "$P/echo-load" -p "$SERVER_PORT" -c 1030 -n 1 -t 50
    stop_server
}

# bats test_tags=task:2
@test "epoll: out of file descriptors, the server says so, waits, and serves everyone in the end" {
    OUT=$BATS_TEST_TMPDIR/server.emfile
    # 16 fds: 0-2, the listening socket, the stop pipe (2), epoll: room for 9 clients.
    start_server "$OUT" bash -c 'ulimit -n 16 && exec "$@"' _ "$P/echo-server" -m epoll -p 0
    run -0 --separate-stderr timeout 60 "$P/echo-load" -p "$SERVER_PORT" -c 20 -n 20 -t 50
    wait_for_line "$OUT.err" '^echo-server: accept: Too many open files$' >/dev/null
    stop_server
}

@test "echo-load catches a server that changes bytes or loses them" {
    command -v socat >/dev/null ||
        fail "socat is not installed (Debian: apt-get install socat; .ci/run installs it): it plays the faulty servers"
    # A port for socat: ask the kernel for a free one through an echo-server, then free it.
    serve select
    local port=$SERVER_PORT
    stop_server
    start_bg "$BATS_TEST_TMPDIR/socat" socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'dd bs=64 conv=ucase status=none'
    wait_until 10 can_connect "$port"
    run -1 --separate-stderr timeout 30 "$P/echo-load" -p "$port" -c 1 -n 5 -t 20
    assert_match "$stderr" '^echo-load: client 0, message 0, byte [0-9]+: sent 0x(6[1-9a-f]|7[0-9a]), got 0x(4[1-9a-f]|5[0-9a]) back$'
    end_bg "$BG_PID"
    start_bg "$BATS_TEST_TMPDIR/socat2" socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" SYSTEM:'dd bs=1 count=100 status=none'
    wait_until 10 can_connect "$port"
    run -1 --separate-stderr timeout 30 "$P/echo-load" -p "$port" -c 1 -n 5 -s 64 -t 20
    assert_eq "$stderr" "echo-load: client 0: the server closed the connection after 1 of 5 messages"
    end_bg "$BG_PID"
}

# valgrind on a running server: like vg (tests/helpers.bash), but the server runs in the
# background while clients talk to it, and stops on SIGTERM.
vg_serve() {
    [[ $BIN != */build/* ]] || skip "valgrind does not run sanitized programs"
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    VG_DIR=$BATS_TEST_TMPDIR/vg.$1
    mkdir -p "$VG_DIR"
    OUT=$VG_DIR/out
    start_server "$OUT" valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite --track-fds=yes --trace-children=yes \
        --log-file="$VG_DIR/vg.%p.log" "$P/echo-server" -m "$@" -p 0
}
# vg_stop: SIGTERM, then the same checks as vg: exit 0, no error, no leak, no fd left open
# (in the server, its children and its threads) but the ones it inherited.
vg_stop() {
    kill -TERM "$SERVER_PID"
    wait_exit "$SERVER_PID" 60
    local log bad=0
    for log in "$VG_DIR"/vg.*.log; do
        grep -q 'ERROR SUMMARY: [1-9]' "$log" && bad=1
        awk '/Open (file descriptor|AF_[A-Z0-9]+ socket) [0-9]+/ { if (fd && !inh) bad = 1
                 fd = ($0 !~ /vg\.[0-9]+\.log/); inh = 0; next }
             /inherited from parent/ { inh = 1 }
             END { if (fd && !inh) bad = 1; exit bad }' "$log" || bad=1
    done
    if ((BG_STATUS != 0 || bad)); then
        fail "valgrind: exit status $BG_STATUS; logs:" "$(grep -v -A1 'inherited from parent' "$VG_DIR"/vg.*.log)"
        return 1
    fi
}

@test "valgrind: every model serves, stops and exits with no memory error, no leak, no fd left open" {
    local m a
    for m in "${TCP_MODELS[@]}"; do
        vg_serve "$m"
        run -0 timeout 120 "$P/echo-load" -p "$SERVER_PORT" -c 4 -n 5 -t 100
        connect a # still connected at the stop
        say "$a" hi
        hear "$a" 30
        vg_stop
        hangup "$a"
    done
    vg_serve udp
    run -0 timeout 120 "$P/echo-load" -u -p "$SERVER_PORT" -c 2 -n 5 -t 100
    vg_stop
}

@test "valgrind: echo-client and echo-load" {
    serve select
    vg "$P/echo-client" -p "$SERVER_PORT" -t 10 hello world
    vg "$P/echo-load" -p "$SERVER_PORT" -c 5 -n 10
    stop_server
    serve udp
    vg "$P/echo-client" -u -p "$SERVER_PORT" -t 10 hello
    vg "$P/echo-load" -u -p "$SERVER_PORT" -c 3 -n 5
    stop_server
}
