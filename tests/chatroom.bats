# Capstone 2: the UDP chatroom (project/chatroom): chat-server, chat-client, and the test
# programs chat-probe (one scripted member) and chat-crowd (a room full of members).
# shellcheck disable=SC2154  # stderr: set by run --separate-stderr
load helpers

DIR=project/chatroom

setup() {
    P=$BIN/$DIR
    README=$TOP/$DIR/README.md
    PROTOCOL=$TOP/$DIR/PROTOCOL.md
    T=$BATS_TEST_TMPDIR
    declare -gA FD=() SEEN=()
}

teardown() {
    local name fd
    for name in "${!FD[@]}"; do
        fd=${FD[$name]}
        exec {fd}>&-
    done
    stop_all
}

# start_chat [OPTION...]: a chat-server on a free port, standard input /dev/null; sets
# SERVER_PID, PORT, and LOG (the server's stderr: one line per event).
start_chat() {
    start_server "$T/server.out" "$P/chat-server" -p 0 "$@" || return 1
    PORT=$SERVER_PORT
    LOG=$T/server.out.err
    # The first event: standard input (/dev/null) is at its end. Waiting for it keeps the
    # log in one order.
    wait_for_line "$LOG" '^standard input closed' >/dev/null
}

# open_fifo NAME: a FIFO $T/NAME.in, held open for writing on fd FD[NAME].
open_fifo() {
    local fd
    mkfifo "$T/$1.in"
    exec {fd}<>"$T/$1.in"
    FD[$1]=$fd
    SEEN[$1]=0
}

# close_input NAME: end of input for whatever reads $T/NAME.in.
close_input() {
    local fd=${FD[$1]}
    exec {fd}>&-
    unset "FD[$1]"
}

# member NAME [PROBE-OPTION...]: a chat-probe fed from $T/NAME.in (see say), printing to
# $T/NAME.out; it does not log in (enter does). Sets BG_PID.
member() {
    local name=$1
    shift
    open_fifo "$name"
    start_bg_stdin "$T/$name.in" "$T/$name.out" "$P/chat-probe" -p "$PORT" "$@"
}

# say NAME LINE...: NAME's probe sends each line as a datagram (escapes: \xHH, \n, ...).
say() {
    local name=$1
    shift
    printf '%s\n' "$@" >&"${FD[$name]}"
}

# enter NAME...: a probe member for each NAME, logged in.
enter() {
    local name
    for name in "$@"; do
        member "$name"
        say "$name" "L $name"
        expect "$name" OK
    done
}

_has_lines() {
    [[ -e $1 ]] && (($(wc -l <"$1") >= $2))
}

# _arrived FILE N: FILE holds N lines - or the test's chat-server has ended (a stub's TODO,
# a crash) and what it sent before has had a second to arrive: waiting longer for more is
# pointless then, and expect fails at once instead of after its 5 s.
_arrived() {
    _has_lines "$1" "$2" && return 0
    [[ -n ${SERVER_PID:-} ]] && _ended "$SERVER_PID" || return 1
    wait_until 1 _has_lines "$1" "$2" 2>/dev/null
    return 0
}

# expect NAME LINE...: the next datagrams NAME receives are exactly these, in this order.
expect() {
    local name=$1 out=$T/$1.out want n line first last
    shift
    # all at once (one wait, one read: quick for many lines), else line by line to say
    # which one is wrong
    first=$((SEEN[$name] + 1))
    last=$((SEEN[$name] + $#))
    if wait_until 5 _arrived "$out" "$last" 2>/dev/null &&
        [[ $(sed -n "${first},${last}p" "$out") == "$(printf '%s\n' "$@")" ]]; then
        SEEN[$name]=$last
        return 0
    fi
    for want in "$@"; do
        n=$((SEEN[$name] + 1))
        if ! wait_until 5 _arrived "$out" "$n" 2>/dev/null || ! _has_lines "$out" "$n"; then
            fail "$name got no datagram $n (expected '$want'); it got:" "$(cat "$out")"
            return 1
        fi
        line=$(sed -n "${n}p" "$out")
        [[ $line == "$want" ]] || {
            fail "$name's datagram $n is '$line', expected '$want'"
            return 1
        }
        SEEN[$name]=$n
    done
}

# got_nothing_else NAME...: no datagram has arrived beyond those expect has checked.
# (Call it after a marker: a datagram every member expects, sent after the thing that
# must have had no effect - loopback keeps the order, so anything caused earlier would
# have arrived before the marker.)
got_nothing_else() {
    local name
    for name in "$@"; do
        (($(wc -l <"$T/$name.out") == SEEN[$name])) ||
            { fail "$name got more:" "$(sed -n "$((SEEN[$name] + 1)),\$p" "$T/$name.out")"; return 1; }
    done
}

# ask LINE...: a new probe (a new address) sends the lines and prints the N replies it
# expects, N being the number of lines.
ask() {
    run -0 --separate-stderr timeout 10 "$P/chat-probe" -p "$PORT" -n "$#" -w 3000 \
        < <(printf '%s\n' "$@")
    assert_eq "$stderr" ""
}

# kids_named PID PATTERN: the pids of PID's children (zombies included) whose name matches
# the awk ERE PATTERN. Every /proc/N/stat is read by one cat and one awk, not a process per
# pid: on a busy machine with hundreds of processes, that is the difference between a few
# ms and many seconds. (cat, because it goes on past a process that has just ended; mawk
# would stop there.)
kids_named() {
    cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" -v re="$2" '{
        n = split($0, a, ") "); split(a[n], f, " ") # f[1] the state, f[2] the parent
        c = $0; sub(/^[0-9]+ \(/, "", c); sub(/\) [^)]*$/, "", c) # the name, in ( )
        if (f[2] == p && c ~ re) print $1
    }' || true
}

# The pids of the processes called chat-client whose parent is $1 (zombies included).
clients_of() {
    kids_named "$1" '^chat-client$'
}

# no_chat_orphans: no chat-server or chat-client has been left to the subreaper that
# tests/run.sh puts above bats (what a script that forgot its children leaves behind).
no_chat_orphans() {
    [[ -n ${POSIXLABS_SUBREAPER:-} ]] || return 0
    local left=()
    mapfile -t left < <(kids_named "$POSIXLABS_SUBREAPER" '^chat-')
    ((${#left[@]} == 0)) || fail "left running:" "$(ps -o pid,ppid,stat,cmd -p "${left[*]}")"
}

_has_client() {
    [[ -n $(clients_of "$1") ]]
}

@test "every program: -h exits 0 with its usage, bad usage exits 2" {
    local prog
    for prog in chat-server chat-client chat-probe chat-crowd; do
        assert_usage "$P/$prog"
        run -2 --separate-stderr timeout 5 "$P/$prog" -p 65536
        assert_match "$stderr" "^$prog: bad port '65536'"
    done
    run -2 --separate-stderr timeout 5 "$P/chat-client"
    assert_match "$stderr" "^chat-client: give one NAME to join as"
    run -2 --separate-stderr timeout 5 "$P/chat-client" alice bob
    run -2 --separate-stderr timeout 5 "$P/chat-server" extra
    run -2 --separate-stderr timeout 5 "$P/chat-server" -t 0
    assert_match "$stderr" "^chat-server: bad timeout in seconds '0'"
    run -2 --separate-stderr timeout 5 "$P/chat-server" -m
    assert_match "$stderr" "^chat-server: option -m needs an argument"
    run -0 --separate-stderr timeout 5 "$P/chat-members" -h
    assert_match "${lines[0]}" "^usage: chat-members "
    run -2 --separate-stderr timeout 5 "$P/chat-members" -Z
    assert_eq "$stderr" "chat-members: unknown option -Z
Try 'chat-members -h' for help."
    run -2 --separate-stderr timeout 5 "$P/chat-members" -n 0
    assert_match "$stderr" "^chat-members: bad number of members '0'"
}

@test "server: first line 'listening on HOST:PORT'; -H names the address; a busy port is an error" {
    start_server "$T/a.out" "$P/chat-server" -H localhost -p 0
    assert_match "$SERVER_HOST" '^127\.0\.0\.1$'
    ((SERVER_PORT > 0))
    run -1 --separate-stderr timeout 5 "$P/chat-server" -p "$SERVER_PORT"
    assert_eq "$output" ""
    assert_eq "$stderr" "chat-server: bind 127.0.0.1 port $SERVER_PORT: Address already in use"
    # a bad host is bad usage (exit 2), for the server and every client alike
    local prog name
    for prog in chat-server chat-client chat-probe chat-crowd; do
        name=()
        [[ $prog != chat-client ]] || name=(x)
        run -2 --separate-stderr timeout 10 "$P/$prog" -H no-such-host.invalid -p 9 "${name[@]}" </dev/null
        assert_match "$stderr" "^$prog: bad host 'no-such-host\.invalid' or port '9': "
    done
}

@test "IPv6: -H ::1 for the server and every client; 'listening on [::1]:PORT', [::1] in the log" {
    start_server "$T/a.out" "$P/chat-server" -H ::1 -p 0
    assert_eq "$SERVER_HOST" "[::1]"
    PORT=$SERVER_PORT
    LOG=$T/a.out.err
    run -0 --separate-stderr timeout 10 "$P/chat-probe" -H ::1 -p "$PORT" -n 2 < <(printf '%s\n' "L alice" "Q alice")
    assert_eq "$output" $'OK\nOK'
    wait_for_line "$LOG" '^join alice from \[::1\]:[1-9][0-9]* \(1 member\)$' >/dev/null
    # shellcheck disable=SC2016  # expanded by the inner bash
    run -0 --separate-stderr bash -c 'printf "hello\nquit\n" | timeout 10 "$0" -H ::1 -p "$1" bob' \
        "$P/chat-client" "$PORT"
    assert_eq "$stderr" ""
    wait_for_line "$LOG" '^leave bob \(0 members\)$' >/dev/null
    run -0 --separate-stderr timeout 60 "$P/chat-crowd" -H ::1 -p "$PORT" -n 20
    assert_eq "${lines[3]}" "lost: 0, unexpected: 0"
    # an IPv4 client cannot reach a server bound to ::1
    run -1 --separate-stderr timeout 10 "$P/chat-client" -p "$PORT" carol </dev/null
}

@test "login: OK; names of 1-32 bytes of [A-Za-z0-9_-]; taken, case-sensitive, free again after Q" {
    start_chat
    ask "L alice"
    assert_eq "$output" OK
    ask "L Alice" "L a" "L 0123456789abcdefghijABCDEFGHIJ_-" "L x\n"
    assert_eq "$output" $'OK\nERR already logged in\nERR already logged in\nERR already logged in'
    ask "L a"
    assert_eq "$output" OK
    ask "L 0123456789abcdefghijABCDEFGHIJ_-"
    assert_eq "$output" OK
    ask "L 0123456789abcdefghijABCDEFGHIJ_-x" "L " "L a b" "L al.ice" "L al\x00ice" "L \xe5\xb0\x8f\xe6\x98\x8e"
    assert_eq "$output" "$(printf 'ERR invalid name\n%.0s' 1 2 3 4 5 6)"
    ask "L alice"
    assert_eq "$output" "ERR name taken"
    # "L alice\n": the one trailing newline is stripped, so the name is alice
    ask "L alice\n"
    assert_eq "$output" "ERR name taken"
    # alice (another address) leaves; her name is free again
    enter bob
    ask "L carol" "Q carol" "L carol"
    assert_eq "$output" $'OK\nOK\nOK'
    expect bob "J carol" "X carol" "J carol"
    assert_eq "$(grep -c '^join ' "$LOG")" 7
    # 11 refusals: at most 10 a second are logged, and one past them is counted in a
    # "suppressed N refused datagrams" line when its second ends
    wait_until 5 _refusals_are 11
}

_refusals_are() {
    [[ $(awk '/^refuse L from 127\.0\.0\.1:[0-9]+: (name taken|invalid name|already logged in)$/ { n++ }
              /^suppressed [0-9]+ refused datagrams$/ { n += $2 }
              END { print n + 0 }' "$LOG") == "$1" ]]
}

@test "requests: anything that is not L, C, Q or H with a space is 'ERR unknown command'" {
    start_chat
    # an empty datagram, a lone letter, lower case, no space, an unknown letter, a server word
    ask "" "L" "H" "l alice" "Lalice" "Z alice" "J alice" "OK" "C"
    assert_eq "$output" "$(printf 'ERR unknown command\n%.0s' 1 2 3 4 5 6 7 8 9)"
    assert_eq "$(grep -c '^refuse datagram from 127\.0\.0\.1:[0-9]*: unknown command$' "$LOG")" 9
}

@test "join, message and leave notices reach every other member, never the sender (PROTOCOL.md's session)" {
    start_chat
    enter alice bob
    enter carol
    say alice "C alice hello, room"
    expect bob "J carol" "M alice hello, room"
    expect carol "M alice hello, room"
    say bob "C bob hi alice"
    expect alice "J bob" "J carol" "M bob hi alice"
    expect carol "M bob hi alice"
    say bob "Q bob"
    expect bob OK # sent after the X to the others: they have theirs now
    expect alice "X bob"
    expect carol "X bob"
    say carol "C carol bye" "Q carol"
    expect carol OK
    expect alice "M carol bye" "X carol"
    say alice "Q alice"
    expect alice OK
    got_nothing_else alice bob carol
    output=$(cat "$T/alice.out")
    assert_readme_output "$PROTOCOL" session-alice
    output=$(cat "$T/bob.out")
    assert_readme_output "$PROTOCOL" session-bob
    output=$(cat "$T/carol.out")
    assert_readme_output "$PROTOCOL" session-carol
    run grep -E '^(join|message|leave)' "$LOG"
    assert_readme_output "$PROTOCOL" session-log
}

# bats test_tags=task:2,points:2
@test "Q: 'X name' to every other member, then OK to the leaver; its name is free again" {
    start_chat
    enter alice bob carol
    say bob "Q bob"
    expect bob "J carol" OK # the OK is sent after the X to the others: they have theirs now
    expect alice "J bob" "J carol" "X bob"
    expect carol "X bob"
    say bob "Q bob" # gone: the name is not this address's any more
    expect bob "ERR not logged in"
    say bob "L bob" # free again
    expect bob OK
    expect alice "J bob"
    expect carol "J bob"
    say alice "Q alice"
    expect alice OK
    say carol "Q carol"
    expect carol "X alice" OK
    expect bob "X alice" "X carol"
    got_nothing_else alice bob carol
    run grep '^leave ' "$LOG"
    assert_eq "$output" "leave bob (2 members)
leave alice (2 members)
leave carol (1 member)"
}

@test "impersonation: C, Q and H for someone else's name are refused, and nothing else happens" {
    start_chat
    enter alice bob
    # mallory (not a member) and bob (a member) speak, leave and beat for alice
    ask "C alice I am alice" "Q alice" "H alice" "C nobody hi" "Q nobody" "H nobody" "C al\x1bice x"
    assert_eq "$output" "$(printf 'ERR not logged in\n%.0s' 1 2 3 4 5 6 7)"
    say bob "C alice I am alice" "Q alice" "H alice"
    expect bob "ERR not logged in" "ERR not logged in" "ERR not logged in"
    # alice is still in: the name is taken, and she can speak (the marker for everyone)
    ask "L alice"
    assert_eq "$output" "ERR name taken"
    say alice "C alice still here"
    expect bob "M alice still here"
    expect alice "J bob"
    got_nothing_else alice bob
    assert_eq "$(grep -c ': not logged in$' "$LOG")" 10
    run grep -c '^leave ' "$LOG"
    assert_eq "$output" 0
}

# bats test_tags=task:1,points:2
@test "C: 'M name text' goes to every other member, never back to the sender" {
    start_chat
    enter alice
    say alice "C alice anyone here?" "?" # alone: to nobody; the answer to "?" is the marker
    expect alice "ERR unknown command"
    enter bob carol
    say alice "C alice hello, room"
    expect bob "J carol" "M alice hello, room"
    expect carol "M alice hello, room"
    say carol "C carol hi alice" "C carol"
    expect alice "J bob" "J carol" "M carol hi alice" "M carol "
    expect bob "M carol hi alice" "M carol "
    enter dave # the marker: anything sent before it has arrived
    expect alice "J dave"
    expect bob "J dave"
    expect carol "J dave"
    got_nothing_else alice bob carol
    run grep '^message from ' "$LOG"
    assert_eq "$output" "message from alice: 12 bytes to 0 members
message from alice: 11 bytes to 2 members
message from carol: 8 bytes to 2 members
message from carol: 0 bytes to 2 members"
}

# bats test_tags=task:1
@test "control characters in text are replaced by spaces (C and the administrator)" {
    start_chat
    enter alice bob
    say alice 'C alice a\x1b[2Jb\x07c\x00d\x7fe\tf\rg\x9bh \xe4\xbd\xa0\xe5\xa5\xbd'
    # one trailing newline is stripped; a second one is text, made a space
    say alice 'C alice two\n\n'
    say alice 'C alice' # no text: an empty one
    expect bob "M alice a [2Jb c d e f g"$'\x9b'"h 你好" "M alice two " "M alice "
    expect alice "J bob"
    got_nothing_else alice bob
}

# bats test_tags=task:1
@test "length: a 1024-byte datagram is forwarded, 1025 bytes (even ending in a newline) are refused" {
    start_chat
    enter alice bob
    local a1016 a1015 a1017
    a1016=$(head -c 1016 /dev/zero | tr '\0' a)
    a1015=${a1016:1}
    a1017=${a1016}a
    say alice "C alice $a1016"        # 8 + 1016 = 1024 bytes
    say alice "C alice $a1015\n"      # 1024 bytes with the newline
    say alice "C alice $a1017"        # 1025
    say alice "C alice $a1016\n"      # 1025 with the newline
    say alice "C alice $(head -c 65000 /dev/zero | tr '\0' b)"
    expect alice "J bob" "ERR message too long" "ERR message too long" "ERR message too long"
    say alice "C alice end"
    expect bob "M alice $a1016" "M alice $a1015" "M alice end"
    got_nothing_else alice bob
    assert_eq "$(grep -c '^refuse datagram from .*: message too long$' "$LOG")" 3
    # the server's M is as long as the C that brought it: 1024 bytes
    assert_eq "$(sed -n 2p "$T/bob.out" | wc -c)" 1025
}

# bats test_tags=task:4,points:2
@test "the administrator's lines go to everyone as 'A <text>'; the end of stdin changes nothing" {
    open_fifo admin
    start_bg_stdin "$T/admin.in" "$T/server.out" "$P/chat-server" -p 0
    SERVER_PID=$BG_PID
    local line
    line=$(wait_for_line "$T/server.out" '^listening on ')
    PORT=${line##*:}
    LOG=$T/server.out.err
    enter alice bob
    say admin "welcome, both of you" "" $'tab\there \e[31mred'
    expect alice "J bob" "A welcome, both of you" "A " "A tab here  [31mred"
    expect bob "A welcome, both of you" "A " "A tab here  [31mred"
    # every line is sent, the empty one too; a long line goes out in pieces of 1022 bytes
    say admin "$(head -c 1500 /dev/zero | tr '\0' z)"
    expect bob "A $(head -c 1022 /dev/zero | tr '\0' z)" "A $(head -c 478 /dev/zero | tr '\0' z)"
    printf 'last words' >&"${FD[admin]}" # no newline, then the end of input
    close_input admin
    expect bob "A last words"
    wait_for_line "$LOG" '^standard input closed: the administrator is silent; the room goes on$' >/dev/null
    ask "L carol"
    assert_eq "$output" OK
    expect alice "A $(head -c 1022 /dev/zero | tr '\0' z)" "A $(head -c 478 /dev/zero | tr '\0' z)" \
        "A last words" "J carol"
    run grep -c '^admin: [0-9]* bytes to 2 members$' "$LOG"
    assert_eq "$output" 6
}

@test "room full: -m caps the members" {
    start_chat -m 2
    ask "L a"
    ask "L b"
    ask "L c"
    assert_eq "$output" "ERR room full"
    ask "Q a"
    assert_eq "$output" "ERR not logged in" # another address: a is not ours to end
    grep -q '^refuse L from .*: room full$' "$LOG"
}

# bats test_tags=task:3,points:3
@test "timeout: silent members are dropped oldest first; H counts, a forged H does not" {
    local secs=$((2 * TIMEOUT_SCALE))
    start_chat -t "$secs"
    ask "L ghost" # says nothing after this
    enter alice   # will send a heartbeat
    ask "L bob"   # says nothing after this
    ask "H ghost" # forged: ghost is not this address's name
    assert_eq "$output" "ERR not logged in"
    say alice "H alice" "?" # the reply to "?" proves the H was handled
    expect alice "J bob" "ERR unknown command"
    # Last heard from: ghost, then bob, then alice. A member is told of the others' drops.
    wait_for_line "$LOG" '^drop alice: ' $((secs + 10)) >/dev/null
    expect alice "X ghost" "X bob"
    got_nothing_else alice
    run grep '^drop' "$LOG"
    assert_eq "$output" "drop ghost: silent for $secs s, told 2 members
drop bob: silent for $secs s, told 1 member
drop alice: silent for $secs s, told 0 members"
    ask "L ghost"
    assert_eq "$output" OK
}

@test "every datagram the server sends ends with one newline (each its own line under nc -u)" {
    start_chat
    member watch -x # prints each datagram exactly: the newline shows as \x0a
    say watch "L watch"
    expect watch 'OK\x0a'
    run -0 --separate-stderr timeout 10 "$P/chat-probe" -x -p "$PORT" -n 5 \
        < <(printf '%s\n' "L alice" "C alice hi" "Z" "L bob" "L watch" "Q alice")
    assert_eq "$output" 'OK\x0a
ERR unknown command\x0a
ERR already logged in\x0a
ERR name taken\x0a
OK\x0a'
    expect watch 'J alice\x0a' 'M alice hi\x0a' 'X alice\x0a'
    kill -TERM "$SERVER_PID"
    expect watch 'A server shutting down\x0a'
}

@test "refused datagrams: at most 10 log lines, then 'suppressed N refused datagrams' once a second" {
    start_chat
    local many=()
    mapfile -t many < <(printf 'Z %d\n' {1..200})
    ask "${many[@]}" # 200 datagrams in far less than a second, each answered
    assert_eq "$(grep -c '^ERR unknown command$' <<<"$output")" 200
    wait_for_line "$LOG" '^suppressed ' 5 >/dev/null
    run grep -v '^standard input closed' "$LOG"
    assert_eq "${#lines[@]}" 11
    assert_eq "$(grep -c '^refuse datagram from 127\.0\.0\.1:[0-9]*: unknown command$' "$LOG")" 10
    assert_eq "${lines[10]}" "suppressed 190 refused datagrams"
    # a flood that goes on: after its first 10 lines, only one line a second
    kill -TERM "$SERVER_PID"
    wait_exit "$SERVER_PID"
    start_chat
    member flooder
    local deadline=$((SECONDS + 15 * TIMEOUT_SCALE))
    while (($(grep -c '^suppressed ' "$LOG") < 3)); do
        ((SECONDS < deadline)) || fail "no third 'suppressed' line:" "$(cat "$LOG")"
        say flooder Z Z Z Z Z Z Z Z Z Z
    done
    run sed 1d "$LOG" # after "standard input closed"
    assert_eq "$(printf '%s\n' "${lines[@]:0:10}" | grep -c '^refuse datagram from .*: unknown command$')" 10
    printf '%s\n' "${lines[@]:10}" | grep -qvE '^suppressed [1-9][0-9]* refused datagrams$' &&
        fail "beyond the first 10 lines, not only 'suppressed' lines:" "$output"
    ((${#lines[@]} >= 13))
}

# bats test_tags=task:1,points:2
@test "rate limit: 20 messages a second, bursts of 40; the rest dropped, 'ERR slow down' once; -r 0 lifts it" {
    start_chat
    enter alice bob
    local flood=()
    mapfile -t flood < <(printf 'C alice m%d\n' {1..100})
    say alice "${flood[@]}" # 100 at once, in much less than the 50 ms a new token takes
    local want=()
    mapfile -t want < <(printf 'M alice m%d\n' {1..40})
    expect bob "${want[@]}"
    enter carol # the marker: everything alice caused has arrived before carol's J
    expect bob "J carol"
    expect alice "J bob" "ERR slow down" "J carol"
    got_nothing_else alice bob
    assert_eq "$(grep -c '^message from alice: ' "$LOG")" 40
    wait_for_line "$LOG" '^suppressed 50 refused datagrams$' 5 >/dev/null
    assert_eq "$(grep -c '^refuse C from 127\.0\.0\.1:[0-9]*: slow down$' "$LOG")" 10
    # bob was not slowed down by alice's flood
    say bob "C bob calm down"
    expect alice "M bob calm down"
    # the README's flooder
    run -0 --separate-stderr timeout 10 "$P/chat-probe" -p "$PORT" -w 500 \
        < <(echo 'L flood'; seq -f 'C flood %g' 100)
    assert_readme_output "$README" flooder

    kill -TERM "$SERVER_PID"
    wait_exit "$SERVER_PID"
    start_chat -r 0
    SEEN=()
    enter dave erin
    mapfile -t flood < <(printf 'C dave m%d\n' {1..100})
    say dave "${flood[@]}"
    mapfile -t want < <(printf 'M dave m%d\n' {1..100})
    expect erin "${want[@]}"
}

@test "a burst of 1000 logins within half a second is answered in full" {
    start_chat
    run -0 --separate-stderr timeout $((120 * TIMEOUT_SCALE)) "$P/chat-crowd" -p "$PORT" -b -n 1000 \
        -w $((30000 * TIMEOUT_SCALE))
    assert_readme_output "$README" chat-burst
    assert_eq "$stderr" ""
    assert_eq "$(grep -c '^join m[0-9]* from ' "$LOG")" 1000
    assert_eq "$(grep -c '^refuse ' "$LOG")" 0
}

@test "chat-client: no answer to L within 1 s, it sends L again, twice at most; a repeated L is OK again" {
    # a chat-probe plays a server that answers only the second L
    open_fifo fake
    start_bg_stdin "$T/fake.in" "$T/fake.out" "$P/chat-probe" -s -p 0
    local line port
    line=$(wait_for_line "$T/fake.out" '^listening on ')
    port=${line##*:}
    SEEN[fake]=1
    open_fifo alice
    start_bg_stdin "$T/alice.in" "$T/alice.txt" "$P/chat-client" -p "$port" alice
    local alice=$BG_PID
    expect fake "L alice" "L alice"
    say fake 'OK\n'
    close_input alice
    expect fake "Q alice"
    say fake 'OK\n'
    wait_exit "$alice"
    assert_eq "$BG_STATUS" 0
    got_nothing_else fake
    # one that never answers: three L, one second apart, then exit 1
    run -1 --separate-stderr timeout 20 "$P/chat-client" -p "$port" bob </dev/null
    assert_eq "$stderr" "chat-client: no answer from a chat server at 127.0.0.1:$port (3 tries, 1 s apart)"
    expect fake "L bob" "L bob" "L bob"
    # the real server: an L repeated from the same address (its OK lost) is answered OK
    # again, and the others are not told twice
    start_chat
    enter watch
    run -0 --separate-stderr timeout 10 "$P/chat-probe" -p "$PORT" -n 3 \
        < <(printf '%s\n' "L carol" "L carol" "C carol hi" "Q carol")
    assert_eq "$output" $'OK\nOK\nOK'
    expect watch "J carol" "M carol hi" "X carol"
    got_nothing_else watch
    grep -q '^join carol again from 127\.0\.0\.1:[0-9]*: OK again$' "$LOG"
}

@test "a killed client's name stays taken until the server's timeout drops it" {
    local secs=$((2 * TIMEOUT_SCALE))
    start_chat -t "$secs"
    open_fifo carolc
    start_bg_stdin "$T/carolc.in" "$T/carol.txt" "$P/chat-client" -p "$PORT" -i 60 carol
    local carol=$BG_PID
    wait_for_line "$LOG" '^join carol ' >/dev/null
    kill -KILL "$carol" # no Q: the server cannot know carol has gone
    wait_exit "$carol"
    # shellcheck disable=SC2016  # expanded by the inner bash
    run -1 --separate-stderr bash -c 'echo hi | timeout 10 "$0" -p "$1" carol' "$P/chat-client" "$PORT"
    assert_eq "$stderr" "chat-client: login refused: name taken"
    wait_for_line "$LOG" '^drop carol: silent for ' $((secs + 10)) >/dev/null
    # shellcheck disable=SC2016  # expanded by the inner bash
    run -0 --separate-stderr bash -c 'echo hi | timeout 10 "$0" -p "$1" carol' "$P/chat-client" "$PORT"
    assert_eq "$stderr" ""
}

@test "200 members: every join, message and leave reaches every other member; nothing lost or echoed" {
    start_chat
    local fds
    fds=$(fd_count "$SERVER_PID")
    run -0 --separate-stderr timeout 60 "$P/chat-crowd" -p "$PORT" -n 200
    assert_readme_output "$README" chat-crowd
    assert_eq "$stderr" ""
    assert_eq "$(grep -c '^join ' "$LOG")" 200
    assert_eq "$(grep -c '^message from m[0-9]*: 1[345] bytes to 199 members$' "$LOG")" 200
    assert_eq "$(fd_count "$SERVER_PID")" "$fds"
    assert_eq "$(zombies_of "$SERVER_PID")" ""
    kill -0 "$SERVER_PID"
}

@test "chat-members: the member table's hash lookups against a linear scan, every answer checked" {
    run -0 --separate-stderr timeout $((60 * TIMEOUT_SCALE)) "$P/chat-members"
    assert_readme_output "$README" chat-members
    assert_eq "$stderr" ""
    run -0 --separate-stderr timeout 10 "$P/chat-members" -n 1 -k 1
    assert_eq "${lines[0]}" "1 members, 1 lookups of a random member each way:"
}

# shutdown_by SIG: the server, stopped by SIG, tells its members and exits 0.
shutdown_by() {
    start_chat
    enter alice bob
    kill -"$1" "$SERVER_PID"
    wait_exit "$SERVER_PID"
    assert_eq "$BG_STATUS" 0
    expect alice "J bob" "A server shutting down"
    expect bob "A server shutting down"
    assert_eq "$(tail -n1 "$LOG")" "shutting down on SIG$1: told 2 members"
}

@test "SIGTERM: 'A server shutting down' to everyone, exit 0" {
    shutdown_by TERM
}

@test "SIGINT: 'A server shutting down' to everyone, exit 0" {
    shutdown_by INT
}

@test "two chat-clients with piped input: rendered lines; both processes of each gone after quit" {
    start_chat
    open_fifo bobc
    start_bg_stdin "$T/bobc.in" "$T/bob.txt" "$P/chat-client" -p "$PORT" bob
    local bob=$BG_PID kid
    wait_for_line "$LOG" '^join bob ' >/dev/null
    wait_until 5 _has_client "$bob"
    kid=$(clients_of "$bob")
    assert_eq "$(proc_state "$kid")" S # the sender, waiting for a line

    # shellcheck disable=SC2016  # expanded by the inner bash
    run -0 --separate-stderr bash -c 'printf "hello\nquit\n" | timeout 10 "$0" -p "$1" alice' \
        "$P/chat-client" "$PORT"
    assert_eq "$output" ""
    assert_eq "$stderr" ""
    no_chat_orphans # an orphaned sender would be adopted there
    wait_for_line "$T/bob.txt" '^alice left$' >/dev/null
    output=$(cat "$T/bob.txt")
    assert_readme_output "$README" client-bob
    assert_eq "$(zombies_of "$bob")" ""

    say bobc "bye"
    close_input bobc
    wait_exit "$bob"
    assert_eq "$BG_STATUS" 0
    [[ ! -e /proc/$kid ]] || fail "bob's sender $kid outlived its parent"
    assert_eq "$(cat "$T/bob.txt.err")" ""
    output=$(cat "$LOG")
    assert_readme_output "$README" server-log
}

@test "chat-client: a refused login with piped input exits 1 with the reason; no server: exit 1" {
    start_chat
    ask "L alice"
    # shellcheck disable=SC2016  # expanded by the inner bash
    run -1 --separate-stderr bash -c 'echo hi | timeout 10 "$0" -p "$1" alice' "$P/chat-client" "$PORT"
    assert_eq "$output" ""
    output=$stderr
    assert_readme_output "$README" client-refused
    run -1 --separate-stderr timeout 10 "$P/chat-client" -p "$PORT" 'bad name' </dev/null
    assert_eq "$stderr" "chat-client: login refused: invalid name"
    local port=$PORT
    kill -TERM "$SERVER_PID"
    wait_exit "$SERVER_PID"
    run -1 --separate-stderr timeout 10 "$P/chat-client" -p "$port" carol </dev/null
    assert_eq "$stderr" "chat-client: no chat server at 127.0.0.1:$port (connection refused)"
}

@test "chat-client at a terminal: a taken name makes it ask for another" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    start_chat
    ask "L alice"
    run -0 timeout 20 script -qec "$P/chat-client -p $PORT alice" /dev/null < <(printf 'bob\nquit\n')
    assert_contains "$output" "name taken; another name: "
    assert_contains "$output" "joined as bob; type a line to send it, quit (or Ctrl-D) to leave"
    wait_for_line "$LOG" '^leave bob ' >/dev/null
}

# bats test_tags=task:5,points:2
@test "chat-client: heartbeats every -i seconds; what a hostile server sends is shown harmless" {
    # a chat-probe plays the server
    open_fifo fake
    start_bg_stdin "$T/fake.in" "$T/fake.out" "$P/chat-probe" -s -p 0
    local line
    line=$(wait_for_line "$T/fake.out" '^listening on ')
    SEEN[fake]=1
    open_fifo alice
    start_bg_stdin "$T/alice.in" "$T/alice.txt" "$P/chat-client" -p "${line##*:}" -i 1 alice
    local alice=$BG_PID
    expect fake "L alice"
    say fake OK
    expect fake "H alice" "H alice"
    # the server ends each datagram with one newline, which the client strips (a datagram
    # without it is taken too); a second one is text, shown as a space
    say fake 'M mallory \x1b]0;pwned\x07\x1b[2Jhi\n' 'J bad name\n' 'A hello\x00world' 'OK\n' \
        'ERR so sorry\n' 'A two\n\n'
    say alice "hi"
    wait_for_line "$T/fake.out" '^C alice hi$' >/dev/null
    # all six have arrived before the sender ends: the OK among them must not look like
    # the answer to a Q
    wait_for_line "$T/alice.txt" '^admin: two $' >/dev/null
    close_input alice
    wait_for_line "$T/fake.out" '^Q alice$' >/dev/null
    say fake OK
    wait_exit "$alice"
    assert_eq "$BG_STATUS" 0
    assert_eq "$(cat "$T/alice.txt")" "mallory:  ]0;pwned  [2Jhi
admin: hello world
admin: two "
    assert_eq "$(cat "$T/alice.txt.err")" "chat-client: the server says: so sorry"
}

# chat_client NAME PORT: a chat-client NAME (heartbeats every 60 s) fed from $T/NAME.in,
# printing to $T/NAME.txt, for a chat-probe that plays the server on PORT; once it has
# logged in (the fake answers OK), KID is its sender. Sets BG_PID.
chat_client() {
    local who=$1 port=$2 pid
    open_fifo "$who"
    start_bg_stdin "$T/$who.in" "$T/$who.txt" "$P/chat-client" -p "$port" -i 60 "$who"
    pid=$BG_PID
    expect fake "L $who"
    say fake 'OK\n'
    wait_until 5 _has_client "$pid"
    KID=$(clients_of "$pid")
    BG_PID=$pid
}

# bats test_tags=task:5,points:2
@test "chat-client: the receiver shows the room, sends Q once the sender has ended, leaves last after the OK; SIGTERM and 'not logged in' end it" {
    open_fifo fake # a chat-probe plays the server
    start_bg_stdin "$T/fake.in" "$T/fake.out" "$P/chat-probe" -s -p 0
    local line port pid
    line=$(wait_for_line "$T/fake.out" '^listening on ')
    port=${line##*:}
    SEEN[fake]=1
    chat_client alice "$port"
    pid=$BG_PID
    say fake 'J bob\n' 'M bob hi, alice\n' 'X bob\n'
    wait_for_line "$T/alice.txt" '^bob left$' >/dev/null
    assert_eq "$(cat "$T/alice.txt")" "bob joined
bob: hi, alice
bob left"
    say alice quit
    expect fake "Q alice"
    wait_gone "$KID" # the sender has ended and been reaped...
    kill -0 "$pid"   # ...and the receiver waits for the server's OK
    say fake 'OK\n'
    wait_exit "$pid"
    assert_eq "$BG_STATUS" 0
    assert_eq "$(cat "$T/alice.txt.err")" ""
    # SIGTERM (Ctrl-C the same): the sender ends first, then Q, then the OK
    chat_client carol "$port"
    pid=$BG_PID
    kill -TERM "$pid"
    expect fake "Q carol"
    say fake 'OK\n'
    wait_exit "$pid"
    assert_eq "$BG_STATUS" 0
    [[ ! -e /proc/$KID ]]
    # dropped by the server: "not logged in" ends both processes, no Q, exit 1
    chat_client dave "$port"
    pid=$BG_PID
    say fake 'ERR not logged in\n'
    wait_exit "$pid"
    assert_eq "$BG_STATUS" 1
    assert_eq "$(cat "$T/dave.txt.err")" "chat-client: the server says: not logged in"
    [[ ! -e /proc/$KID ]]
    got_nothing_else fake
}

@test "chat-client: SIGTERM leaves the room (exit 0); SIGKILL to the parent takes the sender along" {
    start_chat
    open_fifo bobc
    start_bg_stdin "$T/bobc.in" "$T/bob.txt" "$P/chat-client" -p "$PORT" bob
    local bob=$BG_PID kid
    wait_for_line "$LOG" '^join bob ' >/dev/null
    wait_until 5 _has_client "$bob"
    kid=$(clients_of "$bob")
    kill -TERM "$bob"
    wait_exit "$bob"
    assert_eq "$BG_STATUS" 0
    [[ ! -e /proc/$kid ]]
    wait_for_line "$LOG" '^leave bob ' >/dev/null

    start_bg_stdin "$T/bobc.in" "$T/bob2.txt" "$P/chat-client" -p "$PORT" carol
    bob=$BG_PID
    wait_for_line "$LOG" '^join carol ' >/dev/null
    wait_until 5 _has_client "$bob"
    kid=$(clients_of "$bob")
    kill -KILL "$bob"
    wait_gone "$kid" # PR_SET_PDEATHSIG: the kernel sends it SIGTERM
}

@test "valgrind: chat-server, chat-client (both processes), the test tools, chat_fanout: no errors, leaks, open fds" {
    [[ $BIN != */build/* ]] || skip "valgrind does not run sanitized programs"
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    local log=$T/vg-server.log
    start_server "$T/vg.out" valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite --track-fds=yes --log-file="$log" \
        "$P/chat-server" -p 0 -t 60 # long: valgrind on a busy machine is slow, bob must stay
    PORT=$SERVER_PORT
    enter bob
    vg "$P/chat-client" -p "$PORT" alice < <(printf 'hello\nquit\n')
    expect bob "J alice" "M alice hello" "X alice"
    vg "$P/chat-crowd" -p "$PORT" -n 20
    vg "$P/chat-crowd" -p "$PORT" -b -n 20 # they stay in the room, harmlessly
    vg "$P/chat-probe" -p "$PORT" -n 2 < <(printf '%s\n' "L probe" "Q probe")
    vg "$P/chat-members" -n 20 -k 100
    # the benchmark's program too (its sender child leaves with _exit, sockets still open)
    vg --parent-fds-only "$BIN/bench/chatroom/chat_fanout" -r 3 -m 20 raw
    # one reply each, but "C x hi", which has none
    run -0 timeout 30 "$P/chat-probe" -p "$PORT" -n 5 < <(printf '%s\n' "L x" "C x hi" Z "C y hi" "L y" "Q x")
    assert_eq "$output" $'OK\nERR unknown command\nERR not logged in\nERR already logged in\nOK'
    kill -TERM "$SERVER_PID"
    wait_exit "$SERVER_PID" 30
    assert_eq "$BG_STATUS" 0
    ! grep -q 'ERROR SUMMARY: [1-9]' "$log" || fail "valgrind:" "$(cat "$log")"
    # every fd open at exit must have been inherited (see vg in helpers.bash)
    awk '/Open (file descriptor|AF_[A-Z0-9]+ socket) [0-9]+/ { if (fd && !inh) bad = 1
             fd = ($0 !~ /vg-server\.log/); inh = 0; next }
         /inherited from parent/ { inh = 1 }
         END { if (fd && !inh) bad = 1; exit bad }' "$log" || fail "valgrind: fd left open:" "$(cat "$log")"
}

@test "demo.sh: three scripted members, the administrator, everything stopped at the end" {
    run -0 --separate-stderr timeout 60 "$TOP/$DIR/demo.sh" "$BIN"
    assert_line_matches '^== Capstone 2: the chatroom'
    assert_line_matches '^alice> bob: hi alice, hi carol$'
    assert_line_matches '^carol> admin: the room closes in a minute$'
    assert_line_matches '^server> leave carol \(0 members\)$'
    assert_line_matches '^\(chat-server has exited with status 0\)$'
    # in the order things happened: the action, the server's log of it, what the others saw
    assert_contains "$output" "bob> (types) hi alice, hi carol
server> message from bob: 18 bytes to 2 members
alice> bob: hi alice, hi carol
carol> bob: hi alice, hi carol"
    assert_contains "$output" "bob> (types) quit
server> leave bob (2 members)
alice> bob left"
    assert_eq "$(grep -c '^== Capstone 2: the chatroom' <<<"$output")" 1
    assert_line_matches '^\$ \./chat-client -p [0-9]+ alice$'
    assert_eq "$stderr" ""
    no_chat_orphans
}

@test "demo.sh: stopped half-way (SIGTERM, as Ctrl-C would), it stops the server and the clients" {
    start_bg "$T/demo.out" "$TOP/$DIR/demo.sh" "$BIN"
    local demo=$BG_PID
    wait_for_line "$T/demo.out" '^carol> alice: hello! is the admin here\?$' 30 >/dev/null
    kill -TERM "$demo"
    wait_exit "$demo" 20
    assert_eq "$BG_STATUS" 143
    no_chat_orphans
}

@test "bench/chatroom: a quick run gives both variants for 10, 100 and 500 receivers, nothing lost" {
    local out=$T/bench
    run -0 --separate-stderr timeout $((120 * TIMEOUT_SCALE)) "$TOP/bench/run.sh" -q -o "$out" chatroom
    assert_eq "$stderr" ""
    # shellcheck disable=SC2016  # $1, $2 are awk's fields
    run -0 awk -F, '!/^#/ { print $1 "," $2 }' "$out/chatroom.csv"
    assert_eq "$output" "10 receivers,raw sendto loop
10 receivers,chat-server
100 receivers,raw sendto loop
100 receivers,chat-server
500 receivers,raw sendto loop
500 receivers,chat-server"
    run -0 grep -c '^## lost 0 of [0-9]*, unexpected 0$' "$out/chatroom.csv"
    assert_eq "$output" 6
    grep -q '^# note: datagrams lost in this run: 0 of [0-9]*$' "$out/chatroom.csv"
    # the rate limit held the flooder: 40 at once, then 20 a second, whatever it sent
    local note
    note=$(grep '^# note: rate limit: flood: ' "$out/chatroom.csv")
    [[ $note =~ sent\ 1000\ messages\ in\ ([0-9.]+)\ s.*\;\ ([0-9]+)\ delivered ]] ||
        fail "no flood note:" "$(cat "$out/chatroom.csv")"
    awk -v s="${BASH_REMATCH[1]}" -v d="${BASH_REMATCH[2]}" \
        'BEGIN { exit !(d >= 40 && d <= 40 + 20 * s + 2) }' || fail "not held to its rate: $note"
    no_chat_orphans
}
