/*
 * pipe_duplex - a two-way conversation between parent and child: the classroom's
 * Pipe(duplex=True), made two ways.
 *
 * Usage: pipe_duplex [-p] [-n ROUNDS]
 *
 * Shows: a pipe goes one way only. For a conversation there are two ways to build it:
 *   socketpair(AF_UNIX, SOCK_STREAM) (the default) - two connected sockets; each process keeps
 *       one, and reads *and* writes on it. This is what Python's Pipe(duplex=True) uses.
 *   two pipes (-p) - one from parent to child, one back; each process closes the two ends it
 *       does not use and keeps one read end and one write end.
 * The parent sends "ping N", the child answers "pong N", ROUNDS times; then the parent
 * closes its end, and the child reads end of file and leaves. Each side waits for the other's
 * line before it writes again, so the conversation (and the output) has one order.
 * Beware: if both sides read first, both wait forever - a deadlock.
 *
 * Observe: ls -l /proc/PID/fd while it runs (socket:[...] or pipe:[...]);
 * strace -f -e trace=socketpair,pipe2,read,write ./pipe_duplex -n 1
 * See also: socketpair(2), unix(7), pipe(2); pipe_simplex.c; notes/ipc.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "lineio.h"

/* One process's side of the conversation: where it reads, where it writes. With a
 * socketpair both are the same descriptor. */
struct channel {
    int in, out;
};

static int close_channel(struct channel ch)
{
    if (close(ch.in) == -1)
        return -1;
    if (ch.out != ch.in && close(ch.out) == -1)
        return -1;
    return 0;
}

/* The child: answer every "ping N" with "pong N" until end of file. */
static noreturn void child_side(struct channel ch)
{
    /* task 2 begin: child_side */
    char line[LINE_MAX_LEN + 1], reply[LINE_MAX_LEN + 1];
    int r;
    long me = (long)getpid();
    while ((r = read_line(ch.in, line, sizeof line)) == 1) {
        int round;
        if (sscanf(line, "ping %d", &round) != 1)
            snprintf(reply, sizeof reply, "what is '%.900s'?", line);
        else
            snprintf(reply, sizeof reply, "pong %d", round);
        printf("child %ld: got '%s', answer '%s'\n", me, line, reply);
        if (send_line(ch.out, reply) == -1)
            die_child("write");
    }
    if (r == -1)
        die_child("read");
    printf("child %ld: end of file: the parent closed its end\n", me);
    if (close_channel(ch) == -1)
        die_child("close");
    _exit(0);
    /* task 2 end */
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int two_pipes = 0;
    long rounds = 3;
    int opt;
    while ((opt = getopt(argc, argv, ":pn:h")) != -1) {
        switch (opt) {
        case 'p':
            two_pipes = 1;
            break;
        case 'n':
            rounds = parse_long(optarg, 1, 1000, "number of rounds");
            break;
        case 'h':
            printf("usage: pipe_duplex [-p] [-n ROUNDS]\n"
                   "Parent and child talk both ways: \"ping N\" and \"pong N\", ROUNDS times.\n"
                   "  -p         over two pipes (default: over a socketpair)\n"
                   "  -n ROUNDS  how many rounds, 1-1000 (default 3)\n"
                   "  -h         this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    struct channel parent, child;
    long me = (long)getpid();
    if (two_pipes) {
        int down[2], up[2]; /* down: parent -> child, up: child -> parent */
        if (pipe(down) == -1 || pipe(up) == -1)
            die("pipe");
        parent = (struct channel){.in = up[0], .out = down[1]};
        child = (struct channel){.in = down[0], .out = up[1]};
        printf("parent %ld: two pipes, one each way: I read fd %d and write fd %d\n", me,
               parent.in, parent.out);
    } else {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
            die("socketpair");
        parent = (struct channel){.in = sv[0], .out = sv[0]};
        child = (struct channel){.in = sv[1], .out = sv[1]};
        printf("parent %ld: a socketpair: I read and write fd %d, the child fd %d\n", me, sv[0],
               sv[1]);
    }

    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        if (close_channel(parent) == -1) /* the parent's ends are not ours */
            die_child("close");
        child_side(child);
    }
    /* The child's ends are not ours either. Kept open, they would leak; and had we to read
     * until end of file, we would wait for ourselves: we would still hold a write end. */
    if (close_channel(child) == -1)
        die("close");

    char line[LINE_MAX_LEN + 1], msg[32];
    for (long i = 1; i <= rounds; i++) {
        snprintf(msg, sizeof msg, "ping %ld", i);
        printf("parent %ld: send '%s'\n", me, msg);
        if (send_line(parent.out, msg) == -1)
            die("write");
        int r = read_line(parent.in, line, sizeof line);
        if (r == -1)
            die("read");
        if (r == 0)
            fatal("the child closed its end before answering '%s'", msg);
        printf("parent %ld: got '%s'\n", me, line);
    }
    printf("parent %ld: done, closing my end\n", me);
    if (close_channel(parent) == -1)
        die("close");

    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("child %ld failed (status 0x%x)", (long)pid, status);
    printf("parent %ld: child %ld exited with status 0\n", me, (long)pid);
    return 0;
}
