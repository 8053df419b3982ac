# Capstone 1: the concurrent file server (project/fileserver).
# shellcheck disable=SC2154,SC2016  # stderr: set by run; bash -c scripts take arguments as $0, $1...
load helpers

DIR=project/fileserver
README=$TOP/$DIR/README.md
PROTOCOL=$TOP/$DIR/PROTOCOL.md

setup() {
    P=$BIN/$DIR
    LIB=$BATS_TEST_TMPDIR/lib
    OUT=$BATS_TEST_TMPDIR/server.out
    mkdir -p "$LIB"
}

# The children of a test that stops one (SIGSTOP): killed if still stopped, whatever failed.
STOPPED=()
teardown() {
    local k
    for k in "${STOPPED[@]}"; do
        [[ $(proc_state "$k" 2>/dev/null) == T ]] && kill -KILL "$k" 2>/dev/null
    done
    stop_all
}

# The sample library of the README and the demo.
sample() {
    cp "$TOP/$DIR/sample/"* "$LIB/"
}

serve() {
    start_server "$OUT" "$P/file-server" -p 0 -r "$LIB" "$@"
}

client() {
    timeout $((20 * TIMEOUT_SCALE)) "$P/file-client" -p "$SERVER_PORT" "$@"
}

# ask BYTES: send BYTES (printf %b escapes: \n, \r, \0, \xHH) in one write, print the
# server's replies until it closes. ask1: the same, one byte per write.
ask() {
    printf '%b' "$1" | timeout $((10 * TIMEOUT_SCALE)) "$P/fs-probe" -p "$SERVER_PORT" send
}
ask1() {
    printf '%b' "$1" | timeout $((10 * TIMEOUT_SCALE)) "$P/fs-probe" -p "$SERVER_PORT" -1 send
}

nkids() {
    children_of "$SERVER_PID" | wc -l
}
kids_are() {
    [[ $(nkids) -eq $1 ]]
}
no_upload_left() {
    ! compgen -G "$LIB/.upload-*" >/dev/null
}
log_has() {
    grep -qE -- "$1" "$OUT.err"
}

# A log line: "<date> <time> <client> [<pid>] <message>"
LOGLINE='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} 127\.0\.0\.1:[0-9]+ \[[0-9]+\] '

@test "-h explains, bad usage exits 2, for both programs and the probe" {
    local prog
    for prog in file-server file-client fs-probe; do
        assert_usage "$P/$prog"
    done
    run -0 timeout 5 "$P/file-server" -h
    assert_line_matches '^  -c clients '
    assert_line_matches '^  -t seconds '
    assert_line_matches '^  -m bytes '
    run -2 timeout 5 "$P/file-server" -p 65536
    run -2 timeout 5 "$P/file-server" -c 0
    run -2 timeout 5 "$P/file-server" -t 0
    run -2 timeout 5 "$P/file-server" -m -1
    run -2 timeout 5 "$P/file-server" extra
    run -1 --separate-stderr timeout 5 "$P/file-server" -p 0 -r /etc/hostname
    assert_eq "$stderr" "file-server: cannot open the root directory /etc/hostname: Not a directory"
    run -2 --separate-stderr timeout 5 "$P/file-client" frob
    assert_eq "${stderr%%$'\n'*}" "file-client: unknown command 'frob' (list, get or put)"
    run -2 timeout 5 "$P/file-client" -p x list
}

# bats test_tags=task:5
@test "file-client: a command with missing (or extra) arguments says its usage, on the command line and in the menu" {
    local args want
    for args in "get:get NAME [DEST]" "get a b c:get NAME [DEST]" "put:put FILE [NAME]" \
        "put a b c:put FILE [NAME]" "list x:list"; do
        want=${args#*:}
        # shellcheck disable=SC2086  # the arguments are words
        run -2 --separate-stderr timeout 5 "$P/file-client" ${args%%:*}
        assert_eq "$stderr" "file-client: usage: $want
Try 'file-client -h' for help."
    done
    serve
    cd "$BATS_TEST_TMPDIR"
    run -0 --separate-stderr bash -c 'printf "get\nput\nget \nlist\n" | timeout 20 "$0" -p "$1"' \
        "$P/file-client" "$SERVER_PORT"
    assert_eq "$stderr" ""
    assert_eq "${lines[*]:7}" "command> get usage: get NAME command> put usage: put FILE command> get  usage: get NAME command> list (no files) command> "
}

@test "a bad host is bad usage: exit 2, for the server and the client" {
    cd "$BATS_TEST_TMPDIR"
    local host
    for host in no-such-host.invalid 1.2.3.456; do
        run -2 --separate-stderr timeout 10 "$P/file-server" -H "$host" -p 0
        assert_match "${stderr%%$'\n'*}" "^file-server: bad host '$host' or port '0': "
        run -2 --separate-stderr timeout 10 "$P/file-client" -H "$host" -p 8888 list
        assert_match "${stderr%%$'\n'*}" "^file-client: bad host '$host' or port '8888': "
    done
    [[ ! -e library ]] # the server created nothing before it gave up
}

@test "IPv6: -H ::1 for the server and the client; [::1]:PORT in the listening line and the log" {
    printf 'hello\n' >"$LIB/hello.txt"
    serve -H ::1
    assert_eq "$(head -n1 "$OUT")" "listening on [::1]:$SERVER_PORT"
    assert_eq "$SERVER_HOST" "[::1]"
    cd "$BATS_TEST_TMPDIR"
    run -0 client -H ::1 list
    assert_eq "$output" hello.txt
    run -0 client -H ::1 get hello.txt
    cmp hello.txt "$LIB/hello.txt"
    run -1 --separate-stderr client list # 127.0.0.1: nobody listens there
    assert_eq "$stderr" "file-client: connect to 127.0.0.1 port $SERVER_PORT: Connection refused"
    wait_until kids_are 0
    assert_match "$(grep -m1 'connected$' "$OUT.err")" '^[0-9-]+ [0-9:]+ \[::1\]:[0-9]+ \[[0-9]+\] connected$'
    log_has '\[::1\]:[0-9]+ \[[0-9]+\] G "hello\.txt": OK 6 \(6 bytes\)$'
}

@test "README: start, list, get, put, an error, with the client" {
    sample
    serve
    output=$(head -n1 "$OUT")
    assert_readme_output "$README" "server"
    cd "$BATS_TEST_TMPDIR"
    run -0 --separate-stderr client list
    assert_readme_output "$README" "list"
    assert_eq "$stderr" ""
    run -0 --separate-stderr client get hello.txt
    assert_readme_output "$README" "get"
    assert_eq "$stderr" ""
    cmp hello.txt "$LIB/hello.txt"
    printf 'my homework\n' >homework.txt
    run -0 --separate-stderr client put homework.txt
    assert_readme_output "$README" "put"
    cmp homework.txt "$LIB/homework.txt"
    run -1 --separate-stderr client get nope.txt
    assert_eq "$output" ""
    output=$stderr
    assert_readme_output "$README" "error"
    [[ ! -e nope.txt ]]
}

# sessions_closed N: the log shows N sessions ended with Q
sessions_closed() {
    [[ $(grep -c '\] closed: quit$' "$OUT.err") -eq $1 ]]
}

# The commands of the sh blocks of README's "Build and run", one a line, without comments.
sheet_commands() {
    awk '/^## Build and run/ { on = 1; next }
         on && /^##+ / { exit }
         on && /^```sh/ { code = 1; next }
         code && /^```/ { code = 0; next }
         code { sub(/ +# .*/, ""); print }' "$README"
}

@test "README: the steps of Build and run, followed literally, print what the sheet shows; git ignores what they leave" {
    local -a step
    mapfile -t step < <(sheet_commands)
    local IFS=$'\n'
    assert_eq "${step[*]}" "cd project/fileserver
make
mkdir -p library && cp sample/* library/
./file-server
./file-client list
./file-client get hello.txt
echo 'my homework' >homework.txt
./file-client put homework.txt
./file-client
make test
make fuzz FUZZ_SECONDS=60
./demo.sh"
    unset IFS
    # The folder as a fresh clone has it after "make", in a copy (the repository stays
    # untouched). The server takes a free port (-p 0) instead of 8888, and the client is
    # told that port: tests never take a fixed port. Everything else runs as written.
    local dir=$BATS_TEST_TMPDIR/project/fileserver prog
    mkdir -p "$dir"
    cp -r "$TOP/$DIR/sample" "$dir/"
    for prog in file-server file-client; do
        ln -s "$P/$prog" "$dir/$prog"
    done
    cd "$dir"
    run -0 bash -c "${step[2]}"
    start_server "$OUT" "${step[3]}" -p 0 # ./file-server
    output=$(head -n1 "$OUT")
    assert_readme_output "$README" server
    local -A block=([4]=list [5]=get [7]=put)
    local i
    for i in 4 5 6 7; do
        run -0 --separate-stderr timeout 20 bash -c "${step[i]/#.\/file-client/./file-client -p $SERVER_PORT}"
        assert_eq "$stderr" ""
        [[ -z ${block[$i]:-} ]] || assert_readme_output "$README" "${block[$i]}"
    done
    cmp hello.txt library/hello.txt
    cmp homework.txt library/homework.txt
    # The menu, with what the sheet says to type.
    run -0 bash -c 'printf "list\nget 静夜思.txt\nput homework.txt\nquit\n" | timeout 20 $0 -p $1' \
        "${step[8]}" "$SERVER_PORT"
    assert_readme_output "$README" menu
    cmp 静夜思.txt library/静夜思.txt
    wait_until 10 sessions_closed 4 # the three commands' and the menu's
    output=$(grep -v -e ' - \[' "$OUT.err" | tail -n 6)
    assert_readme_output "$README" log
    # git status stays clean: all that the steps left in the folder is ignored.
    local f
    while IFS= read -r f; do
        git -C "$TOP" check-ignore -q --no-index "$DIR/$f" || fail "not ignored by git: $DIR/$f"
    done < <(find . -mindepth 1 -path ./sample -prune -o -printf '%P\n')
}

@test "the menu goes on after a failed or unknown command; end of input leaves it like quit" {
    printf 'x' >"$LIB/x"
    serve
    cd "$BATS_TEST_TMPDIR"
    run -0 --separate-stderr bash -c 'printf "get nope.txt\nfrob\nget ../x\nlist\n" |
        timeout 20 "$0" -p "$1"' "$P/file-client" "$SERVER_PORT"
    assert_eq "$stderr" "file-client: nope.txt: no such file
file-client: ../x: invalid name"
    assert_eq "${lines[7]}" "command> get nope.txt"
    assert_eq "${lines[8]}" "command> frob"
    assert_eq "${lines[9]}" "unknown command 'frob': type list, get NAME, put FILE or quit"
    assert_eq "${lines[10]}" "============== file server =============="
    assert_eq "${lines[*]: -4}" "command> get ../x command> list x command> "
    [[ ! -e nope.txt ]]
    wait_until kids_are 0
    log_has '\] G "nope.txt": ERR no such file$'
    log_has '\] Q: OK$' # end of input: the client said goodbye
}

# bats test_tags=task:5,points:2
@test "the menu: a bad name, an unknown command or an ERR do not end it; quit and end of input say Q; a broken connection ends it with 1" {
    serve
    cd "$BATS_TEST_TMPDIR"
    run -0 --separate-stderr bash -c 'printf "frob\n\nget ../x\nl\nquit\nlist\n" | timeout 20 "$0" -p "$1"' \
        "$P/file-client" "$SERVER_PORT"
    assert_eq "$stderr" "file-client: ../x: invalid name"
    assert_eq "${lines[0]}" "connected to 127.0.0.1 port $SERVER_PORT"
    assert_eq "${lines[1]}" "============== file server =============="
    assert_eq "${lines[7]}" "command> frob"
    assert_eq "${lines[8]}" "unknown command 'frob': type list, get NAME, put FILE or quit"
    assert_eq "${lines[9]}" "============== file server =============="
    assert_eq "${lines[*]:15}" "command>  command> get ../x command> l (no files) command> quit bye"
    wait_until sessions_closed 1 # quit: Q
    run -0 bash -c 'printf "list\n" | timeout 20 "$0" -p "$1"' "$P/file-client" "$SERVER_PORT"
    assert_eq "${lines[*]: -3}" "command> list (no files) command> "
    wait_until sessions_closed 2 # end of input: Q too
    # A fake server: an ERR (the menu goes on), then a body cut short (the menu ends, 1).
    printf 'ERR no such file\nOK 5\nab' >reply
    start_server fake.out "$P/fs-probe" serve reply
    run -1 --separate-stderr bash -c 'printf "get nope.txt\nget short\nlist\n" | timeout 20 "$0" -p "$1"' \
        "$P/file-client" "$SERVER_PORT"
    assert_eq "$stderr" "file-client: nope.txt: no such file
file-client: short: download failed: the server closed the connection; nothing saved"
    assert_eq "${lines[*]: -2}" "command> get nope.txt command> get short"
    [[ ! -e nope.txt && ! -e short && -z $(compgen -G '.file-client-*') ]]
}

# bats test_tags=task:2
@test "by hand with nc -C (PROTOCOL.md, README): Q closes the connection, and the end of input (Ctrl-D) then ends nc" {
    sample
    serve
    local keys line
    mkfifo "$BATS_TEST_TMPDIR/keyboard"
    exec {keys}<>"$BATS_TEST_TMPDIR/keyboard" # the keyboard: open until we close it
    start_bg_stdin "$BATS_TEST_TMPDIR/keyboard" "$BATS_TEST_TMPDIR/nc.out" nc -C 127.0.0.1 "$SERVER_PORT"
    local nc=$BG_PID
    printf 'G hello.txt\nQ\n' >&"$keys"
    wait_until log_has '\] closed: quit$' # the server closed its end after OK
    wait_for_line "$BATS_TEST_TMPDIR/nc.out" '^OK$'
    assert_eq "$(cat "$BATS_TEST_TMPDIR/nc.out")" "OK 27
hello from the file server
OK"
    kill -0 "$nc" # still there: nc waits for its input to end too
    exec {keys}>&- # Ctrl-D: nc's input ends
    wait_exit "$nc" 5
    assert_eq "$BG_STATUS" 0
}

@test "PROTOCOL.md: the worked examples, byte for byte" {
    sample
    serve
    run -0 ask 'L\n'
    assert_readme_output "$PROTOCOL" "L"
    run -0 ask 'G hello.txt\n'
    assert_readme_output "$PROTOCOL" "G"
    run -0 ask 'P homework.txt 12\nmy homework\n'
    assert_readme_output "$PROTOCOL" "P"
    assert_eq "$(cat "$LIB/homework.txt")" "my homework"
    run -0 ask 'Q\nL\n'
    assert_readme_output "$PROTOCOL" "Q"
    run -0 ask 'G nope.txt\nG ../etc/passwd\nP big.iso 99999999999\nP x 12x\nHELLO\nL\n'
    assert_readme_output "$PROTOCOL" "errors"
    run -0 bash -c 'printf "L\nG hello.txt\n" | timeout 10 "$0" -p "$1" send | od -c' \
        "$P/fs-probe" "$SERVER_PORT"
    assert_readme_output "$PROTOCOL" "od"
}

# bats test_tags=task:1,points:3
@test "L: regular, non-hidden files only, sorted bytewise; no directory, link, FIFO or control name" {
    cd "$LIB"
    printf 1 >b
    printf 2 >B
    printf 3 >'a b'
    printf 4 >Z
    printf 5 >_x
    printf 6 >é.txt
    printf 7 >.hidden
    : >empty
    mkdir sub
    ln -s b link
    ln -s /etc/passwd outside
    mkfifo pipe
    printf 8 >$'ctl\x01x'
    printf 9 >$'new\nline'
    printf 0 >$'del\x7f'
    serve
    run -0 ask 'L\n'
    assert_eq "$output" "OK 7
B
Z
_x
a b
b
empty
é.txt"
    run -0 client list
    assert_eq "${lines[*]}" "B Z _x a b b empty é.txt"
    rm B Z _x 'a b' b empty é.txt
    run -0 ask 'L\n'
    assert_eq "$output" "OK 0"
    run -0 client list
    assert_eq "$output" "(no files)"
}

# bats test_tags=task:2,points:2
@test "G: through the client and raw: an empty file, a 30 MiB file checked by checksum" {
    printf 'hello\n' >"$LIB/hello.txt"
    : >"$LIB/empty"
    head -c $((30 * 1024 * 1024)) /dev/urandom >"$LIB/big.bin"
    serve
    run -0 ask 'G hello.txt\nG empty\nG hello.txt\n'
    assert_eq "$output" "OK 6
hello
OK 0
OK 6
hello"
    cd "$BATS_TEST_TMPDIR"
    run -0 client get empty
    [[ -f empty && ! -s empty ]]
    run -0 client get big.bin
    assert_eq "$output" "got big.bin: 31457280 bytes, saved as big.bin"
    assert_eq "$(sha256sum <big.bin)" "$(sha256sum <"$LIB/big.bin")"
    mkdir dest
    run -0 client get big.bin dest # into a directory
    assert_eq "$output" "got big.bin: 31457280 bytes, saved as dest/big.bin"
    cmp big.bin dest/big.bin
    run -0 client -C get big.bin copy.bin # plain read()/write() in the client
    cmp big.bin copy.bin
    run -0 bash -c 'timeout 20 "$0" -p "$1" get big.bin - | sha256sum' "$P/file-client" "$SERVER_PORT"
    assert_eq "$output" "$(sha256sum <big.bin)"
    run -0 client get hello.txt /dev/null # not a regular file: written to directly
    [[ -c /dev/null ]]
    [[ -z $(compgen -G '.file-client-*') && -z $(compgen -G 'dest/.file-client-*') ]]
    assert_match "$(grep 'G "big.bin"' "$OUT.err" | head -n1)" "${LOGLINE}G \"big.bin\": OK 31457280 \(31457280 bytes\)$"
}

# bats test_tags=task:2,points:2
@test "G: missing, a directory, symlinks (inside and out), a FIFO: ERR no such file, and the connection stays" {
    printf 'hello\n' >"$LIB/hello.txt"
    mkdir "$LIB/sub"
    ln -s hello.txt "$LIB/link"
    ln -s /etc/passwd "$LIB/passwd"
    ln -s / "$LIB/root"
    mkfifo "$LIB/pipe"
    serve
    run -0 ask 'G nope\nG sub\nG link\nG passwd\nG root\nG pipe\nG hello.txt\n'
    assert_eq "$output" "ERR no such file
ERR no such file
ERR no such file
ERR no such file
ERR no such file
ERR no such file
OK 6
hello"
    run -1 --separate-stderr client get passwd
    assert_eq "$stderr" "file-client: passwd: no such file"
    [[ ! -e passwd ]]
}

# bats test_tags=task:2
@test "every invalid name of the spec is refused, by G and by P; 255 bytes is fine" {
    local n255 n256
    n255=$(printf 'a%.0s' {1..255})
    n256=${n255}a
    printf 'x' >"$LIB/$n255"
    serve
    local name
    for name in '' '.' '..' '.hidden' 'a/b' '../etc/passwd' '/etc/passwd' 'a\0b' '\0' \
        'a\x01b' 'tab\there' 'a\x1fb' 'a\x7fb' 'cr\rx' 'esc\x1b[31m' "$n256"; do
        run -0 ask "G $name\nP $name 1\n"
        assert_eq "$output" "ERR invalid name
ERR invalid name"
    done
    run -0 ask 'G\nP\nP 5\nP  5\n'
    assert_eq "$output" "ERR invalid name
ERR invalid name
ERR invalid name
ERR invalid name"
    run -0 ask "G $n255\n"
    assert_eq "$output" "OK 1
x"
    run -1 --separate-stderr client get ../x
    assert_eq "$stderr" "file-client: ../x: invalid name"
    run -1 --separate-stderr client put "$LIB/$n255" .hidden
    assert_eq "$stderr" "file-client: .hidden: invalid name"
    local -a left=("$LIB"/* "$LIB"/.[!.]*)
    assert_eq "${left[*]}" "$LIB/$n255 $LIB/.[!.]*" # nothing was created
}

@test "unknown commands get ERR unknown command, and the connection stays" {
    serve
    run -0 ask 'X\nl\nL x\nlist\n\nGET a\nQ now\nG\x01a\n \nL\n'
    assert_eq "$output" "$(printf 'ERR unknown command\n%.0s' {1..9})
OK 0"
}

@test "P: bad sizes, the limit, an empty upload, leading zeros" {
    serve -m 1000
    local size
    # (not ' 1': "P x  1" is the name "x " - with a space - and the size 1)
    for size in -1 +1 1x 0x10 1e3 '' 18446744073709551616 99999999999999999999999 '1 '; do
        run -0 ask "P x $size\nL\n"
        assert_eq "$output" "ERR invalid size
OK 0"
    done
    run -0 ask 'P x 1001\nP x 18446744073709551615\nL\n'
    assert_eq "$output" "ERR too large
ERR too large
OK 0"
    [[ -z $(ls -A "$LIB") ]]
    run -0 ask 'P empty 0\nP seven 007\nabcdefgP limit 1000\n'"$(printf 'z%.0s' {1..1000})"'L\n'
    assert_eq "$output" "OK
OK
OK
OK
OK
OK
OK 3
empty
limit
seven"
    [[ -f $LIB/empty && ! -s $LIB/empty ]]
    assert_eq "$(cat "$LIB/seven")" abcdefg
    assert_eq "$(wc -c <"$LIB/limit")" 1000
}

# bats test_tags=task:3
@test "P: an empty upload, leading zeros, exactly the limit: OK, the body, OK; the files complete, nothing hidden left" {
    serve -m 1000
    run -0 ask 'P empty 0\nP seven 007\nabcdefgP limit 1000\n'"$(printf 'z%.0s' {1..1000})"'Q\n'
    assert_eq "$output" "OK
OK
OK
OK
OK
OK
OK"
    [[ -f $LIB/empty && ! -s $LIB/empty ]]
    assert_eq "$(cat "$LIB/seven")" abcdefg
    assert_eq "$(wc -c <"$LIB/limit")" 1000
    assert_eq "$(find "$LIB" -mindepth 1 -printf '%f\n' | sort | paste -sd' ')" "empty limit seven"
}

# bats test_tags=task:3,points:2
@test "P: 30 MiB through the client by checksum; names with spaces; replacing; a symlink is replaced, not followed" {
    head -c $((30 * 1024 * 1024)) /dev/urandom >"$BATS_TEST_TMPDIR/big.bin"
    printf 'outside\n' >"$BATS_TEST_TMPDIR/outside.txt"
    ln -s "$BATS_TEST_TMPDIR/outside.txt" "$LIB/victim"
    printf 'old\n' >"$LIB/notes.txt"
    serve
    run -0 client put "$BATS_TEST_TMPDIR/big.bin"
    assert_eq "$output" "put big.bin: 31457280 bytes, stored by the server"
    assert_eq "$(sha256sum <"$LIB/big.bin")" "$(sha256sum <"$BATS_TEST_TMPDIR/big.bin")"
    run -0 client -C put "$BATS_TEST_TMPDIR/big.bin" "my big file"
    cmp "$LIB/my big file" "$BATS_TEST_TMPDIR/big.bin"
    printf 'new\n' >"$BATS_TEST_TMPDIR/new.txt"
    run -0 client put "$BATS_TEST_TMPDIR/new.txt" notes.txt
    assert_eq "$(cat "$LIB/notes.txt")" new
    run -0 client put "$BATS_TEST_TMPDIR/new.txt" victim
    assert_eq "$(cat "$BATS_TEST_TMPDIR/outside.txt")" outside
    [[ -f $LIB/victim && ! -L $LIB/victim ]]
    run -1 --separate-stderr client put "$BATS_TEST_TMPDIR"
    assert_eq "$stderr" "file-client: $BATS_TEST_TMPDIR: not a regular file"
    mkdir "$LIB/adir"
    run -1 --separate-stderr client put "$BATS_TEST_TMPDIR/new.txt" adir
    assert_eq "$stderr" "file-client: adir: cannot store the file: Is a directory"
    no_upload_left
}

# bats test_tags=task:3
@test "P: an upload cut off mid-body leaves nothing, no partial file, no temporary file" {
    serve
    run -0 ask "P cut 1000\n$(printf 'y%.0s' {1..500})"
    assert_eq "$output" "OK"
    wait_until kids_are 0
    [[ -z $(ls -A "$LIB") ]]
    log_has 'P "cut" 1000: upload abandoned, nothing stored: the client left in the middle of an upload$'
    run -0 ask 'L\n'
    assert_eq "$output" "OK 0"
}

# bats test_tags=task:3
@test "P: two concurrent uploads of one name: each complete, the later rename wins, never a mix" {
    head -c 100000 /dev/urandom >"$BATS_TEST_TMPDIR/A"
    head -c 100000 /dev/urandom >"$BATS_TEST_TMPDIR/B"
    serve
    local a b line
    exec {a}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    exec {b}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    printf 'P same 100000\n' >&"$a"
    read -r -t 10 -u "$a" line
    assert_eq "$line" OK
    head -c 50000 "$BATS_TEST_TMPDIR/A" >&"$a" # A: half of it, then B whole
    printf 'P same 100000\n' >&"$b"
    read -r -t 10 -u "$b" line
    assert_eq "$line" OK
    cat "$BATS_TEST_TMPDIR/B" >&"$b"
    read -r -t 10 -u "$b" line
    assert_eq "$line" OK
    cmp "$LIB/same" "$BATS_TEST_TMPDIR/B" # B is in place; A is still hidden
    tail -c +50001 "$BATS_TEST_TMPDIR/A" >&"$a"
    read -r -t 10 -u "$a" line
    assert_eq "$line" OK
    cmp "$LIB/same" "$BATS_TEST_TMPDIR/A" # A renamed last: A wins, whole
    exec {a}>&- {b}>&-
    wait_until kids_are 0
    no_upload_left
    assert_eq "$(ls -A "$LIB")" same
}

# The hidden upload file: "<bytes of disk it holds (reserved or written)> <its size>", or
# nothing. Its size is what the server has stored: fallocate(KEEP_SIZE) does not change it.
upload_disk() {
    local f
    for f in "$LIB"/.upload-*; do
        [[ -e $f ]] && stat -c '%b %B %s' "$f" | awk '{ print $1 * $2, $3 }'
    done
}
# upload_stored BYTES: the server has stored BYTES of the upload (and reserved some disk)
upload_stored() {
    local disk size
    read -r disk size <<<"$(upload_disk)"
    [[ -n $disk && $size -eq $1 && $disk -gt 0 ]]
}
# assert_reserved_beyond_stored MAX: the upload holds at most MAX bytes of disk beyond
# what it stored, and at least what it stored.
assert_reserved_beyond_stored() {
    local disk size
    read -r disk size <<<"$(upload_disk)"
    ((disk >= size && disk - size <= $1)) ||
        fail "the upload holds $disk bytes of disk for $size bytes stored (at most $1 more allowed)"
}

@test "P: a stalled or trickling upload holds at most 8 MiB of disk beyond what it sent" {
    : >"$LIB/probe"
    command -v fallocate >/dev/null && fallocate -n -l 1M "$LIB/probe" ||
        skip "this file system cannot reserve space (fallocate): nothing to check"
    rm "$LIB/probe"
    local M=$((1024 * 1024)) a line i
    serve
    exec {a}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    printf 'P big 1073741824\n' >&"$a"
    read -r -t 10 -u "$a" line
    assert_eq "$line" OK
    wait_until 10 upload_stored 0 # announced 1 GiB, sent nothing: stalled
    assert_reserved_beyond_stored $((8 * M))
    head -c $((40 * M)) /dev/zero >&"$a" # 40 MiB, then a stall again
    wait_until 10 upload_stored $((40 * M))
    assert_reserved_beyond_stored $((8 * M))
    for i in 1 2 3; do # trickling: a byte at a time
        printf 'x' >&"$a"
        wait_until 10 upload_stored $((40 * M + i))
        assert_reserved_beyond_stored $((8 * M))
    done
    exec {a}>&-
    wait_until kids_are 0
    no_upload_left
    log_has 'P "big" 1073741824: upload abandoned, nothing stored: the client left in the middle of an upload$'
}

@test "requests split byte by byte, and pipelined in one write, give the same replies" {
    printf 'hello\n' >"$LIB/hello.txt"
    serve
    local req='L\nG hello.txt\r\nP up.txt 6\nhello\nG up.txt\nQ\nL\n'
    local want="OK 1
hello.txt
OK 6
hello
OK
OK
OK 6
hello
OK"
    run -0 ask1 "$req"
    assert_eq "$output" "$want"
    rm "$LIB/up.txt"
    run -0 ask "$req"
    assert_eq "$output" "$want"
}

@test "an over-long line: ERR line too long, then the connection is closed; 1024 bytes is fine" {
    serve
    local a1021 a1022
    a1021=$(printf 'a%.0s' {1..1021})
    a1022=${a1021}a
    run -0 ask "G $a1021\nL\n" # 1024 bytes with the \n: a line, but not a valid name
    assert_eq "$output" "ERR invalid name
OK 0"
    run -0 ask "G $a1022\nL\n" # 1025 bytes
    assert_eq "$output" "ERR line too long"
    run -0 ask "G $a1021\r\nL\n" # 1023 + \r\n = 1025: too long too
    assert_eq "$output" "ERR line too long"
    run -0 bash -c 'head -c 200000 /dev/zero | timeout 10 "$0" -p "$1" send' "$P/fs-probe" "$SERVER_PORT"
    assert_eq "$output" "ERR line too long"
    log_has 'ERR line too long$'
    wait_until kids_are 0
}

@test "the client cap: one client too many gets ERR server busy; a place frees up when one leaves" {
    printf 'x' >"$LIB/x"
    serve -c 2
    local a b c line
    exec {a}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    exec {b}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    wait_until kids_are 2
    exec {c}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    read -r -t 10 -u "$c" line
    assert_eq "$line" "ERR server busy"
    run read -r -t 10 -u "$c" line # then the end of the stream
    assert_eq "$status" 1
    exec {c}>&-
    run -1 --separate-stderr client list
    assert_eq "$stderr" "file-client: list: server busy"
    log_has '\] ERR server busy \(2 clients already\)$'
    printf 'Q\n' >&"$a"
    read -r -t 10 -u "$a" line
    assert_eq "$line" OK
    exec {a}>&-
    wait_until kids_are 1
    run -0 client list
    assert_eq "$output" x
    exec {b}>&-
}

@test "the idle timeout: a silent client, a stalled upload, a client that stops reading are dropped" {
    head -c $((30 * 1024 * 1024)) /dev/zero >"$LIB/big"
    serve -t 1
    local a b c line
    exec {a}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    exec {b}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    exec {c}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    printf 'P stall 100\n0123456789' >&"$b"
    read -r -t 10 -u "$b" line
    assert_eq "$line" OK
    printf 'G big\n' >&"$c" # 30 MiB: more than the socket buffers hold; c never reads
    wait_until 10 log_has 'G "big": OK 31457280, then the transfer failed: idle timeout$'
    rm "$LIB/big"
    exec {c}>&-
    run read -r -t $((10 * TIMEOUT_SCALE)) -u "$a" line # end of stream, not our timeout
    assert_eq "$status" 1
    run read -r -t $((10 * TIMEOUT_SCALE)) -u "$b" line
    assert_eq "$status" 1
    exec {a}>&- {b}>&-
    wait_until kids_are 0
    [[ -z $(ls -A "$LIB") ]]
    log_has "${LOGLINE}closed: idle timeout$"
    log_has 'P "stall" 100: upload abandoned, nothing stored: idle timeout$'
}

# elapsed_since T0: seconds (with a fraction) since the $EPOCHREALTIME T0
elapsed_since() {
    awk -v t0="$1" -v t1="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", t1 - t0 }'
}
# assert_between LOW X HIGH (decimal numbers)
assert_between() {
    awk -v l="$1" -v x="$2" -v h="$3" 'BEGIN { exit !(l <= x && x <= h) }' ||
        fail "expected between $1 and $3: $2"
}

@test "the idle timeout is a deadline on progress: a stalled download, a stalled upload, a silent client are each dropped within -t + 1 s" {
    head -c $((30 * 1024 * 1024)) /dev/zero >"$LIB/big"
    serve -t 2
    local a b c line ta tb tc
    # -t + 1 s, as seen from here (sanitized builds: slower, so a little more slack)
    local most=$((3 * 2 + TIMEOUT_SCALE - 1))
    most=$((most / 2)).$((most % 2 * 5))
    # c: downloads 30 MiB (more than the socket buffers hold) and never reads a byte
    exec {c}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    tc=$EPOCHREALTIME
    printf 'G big\n' >&"$c"
    # b: announces 100 bytes, sends 10, stalls
    exec {b}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    printf 'P stall 100\n0123456789' >&"$b"
    tb=$EPOCHREALTIME
    read -r -t 10 -u "$b" line
    assert_eq "$line" OK
    # a: connects and says nothing
    exec {a}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    ta=$EPOCHREALTIME
    run read -r -t 10 -u "$a" line # the server's end of the stream
    assert_eq "$status" 1
    assert_between 1.9 "$(elapsed_since "$ta")" "$most"
    run read -r -t 10 -u "$b" line
    assert_eq "$status" 1
    assert_between 1.9 "$(elapsed_since "$tb")" "$most"
    wait_until 10 log_has 'G "big": OK 31457280, then the transfer failed: idle timeout$'
    assert_between 1.9 "$(elapsed_since "$tc")" "$most"
    exec {a}>&- {b}>&- {c}>&-
    wait_until kids_are 0
    log_has 'P "stall" 100: upload abandoned, nothing stored: idle timeout$'
}

# bats test_tags=task:3
@test "a write error (file too large for RLIMIT_FSIZE): ERR, the temporary file removed, the connection usable" {
    head -c $((2 * 1024 * 1024)) /dev/zero >"$BATS_TEST_TMPDIR/2m"
    start_server "$OUT" bash -c 'ulimit -f 1024 && exec "$0" "$@"' "$P/file-server" -p 0 -r "$LIB"
    run -0 bash -c '{ printf "P big 2097152\n"; cat "$0"; printf "L\n"; } |
        timeout 10 "$1" -p "$2" send' "$BATS_TEST_TMPDIR/2m" "$P/fs-probe" "$SERVER_PORT"
    assert_eq "$output" "OK
ERR cannot write the file: File too large
OK 0"
    no_upload_left
    [[ -z $(ls -A "$LIB") ]]
}

@test "100 concurrent clients, each listing and downloading in one session" {
    head -c 200000 /dev/urandom >"$LIB/data"
    serve
    run -0 bash -c '
        for i in $(seq 100); do
            mkdir -p "$0/c$i"
            (cd "$0/c$i" && printf "list\nget data\nquit\n" | timeout 60 "$1" -p "$2" >out 2>&1) &
        done
        fails=0
        for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
        echo "$fails failed"' "$BATS_TEST_TMPDIR" "$P/file-client" "$SERVER_PORT"
    assert_eq "$output" "0 failed"
    local i
    for i in $(seq 100); do
        cmp "$BATS_TEST_TMPDIR/c$i/data" "$LIB/data"
        grep -qx data "$BATS_TEST_TMPDIR/c$i/out"
    done
    wait_until 20 kids_are 0
    assert_eq "$(grep -c 'G "data": OK 200000' "$OUT.err")" 100
    assert_eq "$(zombies_of "$SERVER_PID")" ""
}

@test "after hundreds of connections: no zombie, and the server's fds are back to their baseline" {
    printf 'x' >"$LIB/x"
    serve
    local base i fd line
    base=$(fd_count "$SERVER_PID")
    for i in $(seq 250); do
        exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
        case $((i % 3)) in
        0) printf 'Q\n' >&"$fd" && read -r -t 10 -u "$fd" line ;; # a polite client
        1) printf 'G x\n' >&"$fd" ;;                              # leaves without reading
        2) ;;                                                     # says nothing at all
        esac
        exec {fd}>&-
    done
    for i in $(seq 50); do
        client list >/dev/null
    done
    wait_until 30 kids_are 0
    assert_eq "$(zombies_of "$SERVER_PID")" ""
    assert_eq "$(fd_count "$SERVER_PID")" "$base"
    assert_eq "$base" 5 # stdin, stdout, stderr, the listening socket, the root directory
    assert_eq "$(grep -c '\] connected$' "$OUT.err")" 300
}

@test "SIGTERM: the server stops its children, removes their partial uploads, exits 0, nothing left" {
    serve
    local a b line kids
    exec {a}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    exec {b}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    printf 'P half 1000\n0123456789' >&"$b"
    read -r -t 10 -u "$b" line
    assert_eq "$line" OK
    wait_until kids_are 2
    wait_until compgen -G "$LIB/.upload-*"
    kids=$(children_of "$SERVER_PID")
    kill -TERM "$SERVER_PID"
    wait_exit "$SERVER_PID" 2
    assert_eq "$BG_STATUS" 0
    local k
    for k in $kids; do
        [[ ! -e /proc/$k ]]
    done
    [[ -z $(ls -A "$LIB") ]]
    log_has ' - \[[0-9]+\] got SIGTERM: stopping 2 clients$'
    log_has 'was killed by signal 15 \(Terminated\); removed its partial upload$'
    log_has ' - \[[0-9]+\] stopped$'
    exec {a}>&- {b}>&-
    serve
    kill -INT "$SERVER_PID"
    wait_exit "$SERVER_PID" 2
    assert_eq "$BG_STATUS" 0
}

# bats test_tags=task:4,points:3
@test "stop: SIGTERM ends every child (SIGKILL after the grace for a stopped one), reaps all, removes their uploads, exits 0" {
    serve
    local a b kids first second
    exec {a}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    exec {b}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"
    wait_until kids_are 2
    mapfile -t kids < <(children_of "$SERVER_PID")
    first=${kids[0]} second=${kids[1]}
    : >"$LIB/.upload-$first" # as if both were in the middle of an upload
    : >"$LIB/.upload-$second"
    STOPPED=("$first")
    kill -STOP "$first" # it cannot die of SIGTERM until it is continued
    wait_for_state "$first" T # stopped now (a SIGTERM still pending with the STOP would win)
    kill -TERM "$SERVER_PID"
    wait_exit "$SERVER_PID" 3
    assert_eq "$BG_STATUS" 0
    [[ ! -e /proc/$first && ! -e /proc/$second ]]
    [[ -z $(ls -A "$LIB") ]]
    log_has ' - \[[0-9]+\] got SIGTERM: stopping 2 clients$'
    log_has " child $first was killed by signal 9 \(Killed\); removed its partial upload$"
    log_has " child $second was killed by signal 15 \(Terminated\); removed its partial upload$"
    log_has ' - \[[0-9]+\] stopped$'
    assert_eq "$(grep -c 'stopped$' "$OUT.err")" 1
    exec {a}>&- {b}>&-
    serve
    kill -INT "$SERVER_PID"
    wait_exit "$SERVER_PID" 2
    assert_eq "$BG_STATUS" 0
    log_has ' - \[[0-9]+\] got SIGINT: stopping 0 clients$'
}

@test "the client: a download cut short leaves nothing; a hostile server's names are not used" {
    cd "$BATS_TEST_TMPDIR"
    printf 'OK 1000\n0123456789' >reply
    start_server fake.out "$P/fs-probe" serve reply
    run -1 --separate-stderr timeout 10 "$P/file-client" -p "$SERVER_PORT" get x
    assert_eq "$stderr" "file-client: x: download failed: the server closed the connection; nothing saved"
    [[ ! -e x && -z $(compgen -G '.file-client-*') ]]

    printf 'OK 4\n../evil\nok.txt\n\x1b[31mred\n.hidden\n' >reply
    start_server fake.out "$P/fs-probe" serve reply
    run -0 --separate-stderr timeout 10 "$P/file-client" -p "$SERVER_PORT" list
    assert_eq "$output" ok.txt
    assert_eq "$stderr" "$(printf 'file-client: list: skipped an invalid name from the server\n%.0s' 1 2 3)"

    # A server that stalls mid-transfer; the user gives up (SIGTERM, or Ctrl-C's SIGINT).
    head -c 100000 /dev/zero | sed '1s/^/OK 1000000\n/' >reply
    start_server fake.out "$P/fs-probe" -k serve reply
    start_bg client.out "$P/file-client" -p "$SERVER_PORT" get big
    local cpid=$BG_PID
    wait_until compgen -G '.file-client-*'
    kill -TERM "$cpid"
    wait_exit "$cpid"
    assert_eq "$BG_STATUS" 1
    assert_eq "$(cat client.out.err)" "file-client: big: download failed: interrupted; nothing saved"
    [[ ! -e big && -z $(compgen -G '.file-client-*') ]]

    printf 'HELLO\n' >reply
    start_server fake.out "$P/fs-probe" serve reply
    run -1 --separate-stderr timeout 10 "$P/file-client" -p "$SERVER_PORT" get x
    assert_eq "$stderr" "file-client: protocol error: the server sent 'HELLO'"
}

@test "the client: connection refused, and the progress bar only on a terminal" {
    head -c $((4 * 1024 * 1024)) /dev/zero >"$LIB/4m"
    serve
    local port=$SERVER_PORT
    cd "$BATS_TEST_TMPDIR"
    run -0 --separate-stderr client get 4m
    assert_eq "$stderr" "" # not a terminal: no bar
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    run -0 timeout 20 script -qec "'$P/file-client' -p $port get 4m /dev/null" /dev/null
    assert_contains "$output" "100%"
    assert_match "$output" '4\.0 / 4\.0 MiB +[0-9.]+ MiB/s'
    stop_all || true
    run -1 --separate-stderr timeout 10 "$P/file-client" -p "$port" list
    assert_eq "$stderr" "file-client: connect to 127.0.0.1 port $port: Connection refused"
}

@test "bench helper tcp_raw: one loopback stream, memory to memory" {
    local raw=$BIN/bench/fileserver/tcp_raw
    run -0 timeout 30 "$raw" -n 16
    assert_match "$output" '^16777216 bytes in [0-9.]+ s: [0-9.]+ MB/s$'
    run -0 timeout 30 "$raw" -n 4 -b 16 -C
    assert_match "$output" '^[0-9]+\.[0-9]$'
    run -0 timeout 5 "$raw" -h
    run -2 timeout 5 "$raw" -n 0
    vg "$raw" -n 4
}

# The processes whose working directory or command line lies under DIR (the demo's
# server has "-r DIR/...", its clients run in DIR/alice and DIR/bob), except this shell.
procs_in() {
    local d pid cwd cmd
    for d in /proc/[0-9]*; do
        pid=${d#/proc/}
        [[ $pid == "$BASHPID" ]] && continue
        cwd=$(readlink "$d/cwd" 2>/dev/null) || continue
        cmd=$(tr '\0' ' ' <"$d/cmdline" 2>/dev/null) || continue
        if [[ $cwd == "$1"/* || $cmd == *"$1"/* ]]; then
            printf '%s %s\n' "$pid" "$cmd"
        fi
    done
    return 0
}
nothing_in() {
    [[ -z $(procs_in "$1") ]]
}

@test "demo.sh runs the guided session and stops everything it started" {
    export TMPDIR=$BATS_TEST_TMPDIR/demo # where the demo makes its temporary directory
    mkdir "$TMPDIR"
    run -0 timeout $((60 * TIMEOUT_SCALE)) "$TOP/$DIR/demo.sh" "$BIN" </dev/null
    # one heading, first; then its steps
    assert_eq "${lines[0]}" "== Capstone 1: the file server (文件服务器), one process per client"
    assert_eq "$(grep -c '^== ' <<<"$output")" 1
    assert_line_matches '^-- A session with the client.s menu: list, download, upload, list again$'
    assert_line_matches '^command> get hello\.txt$'
    assert_line_matches '^got hello\.txt: 27 bytes, saved as hello\.txt$'
    assert_line_matches '^put homework\.txt: 12 bytes, stored by the server$'
    assert_line_matches '^-- Two clients at once$'
    # the commands it shows: bare names, as typed in the folder (no path anywhere)
    assert_line_matches '^\$ file-server -p 0 -r library$'
    assert_line_matches '^\$ printf .* \| file-client -p [0-9]+$'
    assert_eq "$(grep '^\$ .*/' <<<"$output")" ""
    # a blank line before the log
    assert_eq "$(grep -B1 '^What the server logged' <<<"$output" | head -n1)" ""
    assert_line_matches '^got 静夜思\.txt: 76 bytes, saved as 静夜思\.txt$'
    assert_line_matches '^the server has stopped \(exit status 0\)'
    assert_eq "$(procs_in "$TMPDIR")" ""
    assert_eq "$(ls -A "$TMPDIR")" "" # its temporary directory is gone
}

prompts_are() {
    [[ $(grep -o 'press Enter to go on' "$2" | wc -l) -ge $1 ]]
}

@test "demo.sh on a terminal: Ctrl-C while two clients are connected stops everything it started" {
    command -v script >/dev/null || skip "script (util-linux) is not installed"
    export TMPDIR=$BATS_TEST_TMPDIR/demo
    mkdir "$TMPDIR"
    local keys out=$BATS_TEST_TMPDIR/demo.out
    mkfifo "$BATS_TEST_TMPDIR/keyboard"
    exec {keys}<>"$BATS_TEST_TMPDIR/keyboard" # held open: the terminal never sees end of input
    # script runs the demo on a pseudo-terminal, so it pauses after each step; a Ctrl-C
    # typed there (byte 0x03) becomes SIGINT for the demo's whole process group, exactly
    # as at a real terminal.
    start_bg_stdin "$BATS_TEST_TMPDIR/keyboard" "$out" script -qec "'$TOP/$DIR/demo.sh' '$BIN'" /dev/null
    local term=$BG_PID
    wait_until 30 prompts_are 1 "$out"
    printf '\n' >&"$keys"
    wait_until 30 prompts_are 2 "$out"
    printf '\n' >&"$keys"
    wait_until 30 prompts_are 3 "$out" # paused with both clients connected
    grep -q '^Both are connected now' "$out"
    # the demo, the server, its two children, the two clients
    assert_eq "$(procs_in "$TMPDIR" | wc -l)" 6
    printf '\x03' >&"$keys"
    wait_exit "$term" 10
    assert_eq "$BG_STATUS" 130
    exec {keys}>&-
    wait_until 5 nothing_in "$TMPDIR" || fail "left running:" "$(procs_in "$TMPDIR")"
    assert_eq "$(ls -A "$TMPDIR")" ""
}

# vg --parent-fds-only leaves the children's fds unchecked, because one child here is
# killed by SIGTERM on purpose (the client still connected at shutdown), and a killed
# process closes nothing. Every other child must have closed everything before _exit.
# The server's log (vg's stderr) names the killed child: "child PID was killed by ...".
children_closed_fds() {
    local log bad=0 killed
    # (signal 15; or 9, if valgrind took longer than the server's grace period to die)
    killed=$(sed -nE 's/.* child ([0-9]+) was killed by signal (15|9) .*/\1/p' "$BATS_TEST_TMPDIR"/vg.*/stderr)
    assert_match "$killed" '^[0-9]+$' # exactly one
    for log in "$BATS_TEST_TMPDIR"/vg.*/vg.*.log; do
        [[ $log == */vg.$killed.log ]] && continue
        awk '/Open (file descriptor|AF_[A-Z0-9]+ socket) [0-9]+/ { if (fd && !inh) bad = 1
                 fd = ($0 !~ /vg\.[0-9]+\.log/); inh = 0; next }
             /inherited from parent/ { inh = 1 }
             END { if (fd && !inh) bad = 1; exit bad }' "$log" || {
            bad=1
            fail "a descriptor left open at exit:" "$(cat "$log")"
        }
    done
    return "$bad"
}

# The server runs under valgrind (its children too); a driver, in the background, waits
# for it to listen, runs a session against it, then stops it with SIGTERM.
@test "valgrind: the server, its children and the client: no memory error, leak or fd left open" {
    [[ $BIN != */build/* ]] || skip "valgrind does not run sanitized programs"
    command -v valgrind >/dev/null || skip "valgrind is not installed"
    sample
    head -c 300000 /dev/urandom >"$BATS_TEST_TMPDIR/up.bin"
    cat >"$BATS_TEST_TMPDIR/driver.sh" <<'EOF'
set -u
for _ in $(seq 1000); do
    out=$(compgen -G "$T/vg.*/stdout" | head -n1)
    [[ -n $out ]] && grep -q '^listening on ' "$out" && break
    sleep 0.05
done
port=$(sed -n 's/^listening on .*://p' "$out")
top=$(cat "${out%/stdout}/top")
cd "$T" || exit 1
c() { timeout 120 "$P/file-client" -p "$port" "$@"; }
c list && c get hello.txt && c put up.bin && c -C get up.bin copy.bin &&
    printf 'G .x\nP x 9x\nBAD\nQ\n' | timeout 60 "$P/fs-probe" -p "$port" send >/dev/null &&
    printf 'P cut 100\nabc' | timeout 60 "$P/fs-probe" -p "$port" send >/dev/null
rc=$?
exec 5<>"/dev/tcp/127.0.0.1/$port" # one client still connected at SIGTERM
printf 'L\n' >&5 && read -r -t 60 line <&5
kill -TERM "$top"
for _ in $(seq 1200); do # keep the connection open until the server has gone
    kill -0 "$top" 2>/dev/null || break
    sleep 0.05
done
exit $rc
EOF
    export T=$BATS_TEST_TMPDIR P
    start_bg "$BATS_TEST_TMPDIR/driver.out" bash "$BATS_TEST_TMPDIR/driver.sh"
    local driver=$BG_PID
    vg --parent-fds-only "$P/file-server" -p 0 -r "$LIB"
    children_closed_fds
    wait_exit "$driver" 60
    assert_eq "$BG_STATUS" 0
    cmp "$BATS_TEST_TMPDIR/up.bin" "$LIB/up.bin"
    cmp "$BATS_TEST_TMPDIR/up.bin" "$BATS_TEST_TMPDIR/copy.bin"

    serve
    cd "$BATS_TEST_TMPDIR"
    vg "$P/file-client" -p "$SERVER_PORT" list
    vg "$P/file-client" -p "$SERVER_PORT" get 静夜思.txt
    vg "$P/file-client" -p "$SERVER_PORT" put up.bin up2.bin
    vg "$P/file-client" -p "$SERVER_PORT" # the menu, with end of input at once
}
