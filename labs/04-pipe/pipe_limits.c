/*
 * pipe_limits - the edges of a pipe: full, empty, no writer left, no reader left.
 *
 * Usage: pipe_limits
 *
 * Shows, one pipe for each:
 *   full      a pipe is a bounded buffer in the kernel. With O_NONBLOCK on the write end,
 *             write() fails with EAGAIN instead of waiting once it is full: counting the
 *             bytes written until then measures the capacity (65536 on Linux by default).
 *             fcntl(F_GETPIPE_SZ) tells the same number; PIPE_BUF is something else: the
 *             largest write that is atomic (never mixed with other writers' bytes).
 *   empty     read() on an empty pipe whose write end is open waits. poll() with a timeout
 *             shows it without hanging: nothing to read within 100 ms.
 *   no writer read() returns what is left, then 0 - end of file - once every write end is
 *             closed.
 *   no reader write() with every read end closed raises SIGPIPE, whose default action kills
 *             the writer (a child, here). With SIGPIPE ignored, write() fails with EPIPE.
 *
 * Observe: cat /proc/sys/fs/pipe-max-size (the most F_SETPIPE_SZ may ask for);
 * `yes | head -1` ends because yes gets SIGPIPE.
 * See also: pipe(7) ("Pipe capacity", "PIPE_BUF"), poll(2), fcntl(2) (F_GETPIPE_SZ),
 * signal(7); notes/signals.md.
 */
#define _GNU_SOURCE /* F_GETPIPE_SZ: a Linux extension of fcntl(2), not in POSIX */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

static void set_sigpipe(void (*handler)(int))
{
    struct sigaction sa;
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    if (sigaction(SIGPIPE, &sa, NULL) == -1)
        die("sigaction");
}

static void close_or_die(int fd)
{
    if (close(fd) == -1)
        die("close");
}

static void full(void)
{
    int p[2];
    if (pipe(p) == -1)
        die("pipe");
    int flags = fcntl(p[1], F_GETFL);
    if (flags == -1 || fcntl(p[1], F_SETFL, flags | O_NONBLOCK) == -1)
        die("fcntl");
    long bytes = 0;
    for (;;) { /* one byte at a time: the count is exact */
        ssize_t n = write(p[1], "x", 1);
        if (n == 1) {
            bytes++;
            continue;
        }
        if (errno == EAGAIN)
            break;
        die("write");
    }
    printf("full: %ld one-byte writes went in, then write() failed: %s (EAGAIN)\n", bytes,
           strerror(EAGAIN));
    int size = fcntl(p[1], F_GETPIPE_SZ);
    if (size == -1)
        die("fcntl F_GETPIPE_SZ");
    printf("full: fcntl(F_GETPIPE_SZ) says %d bytes; PIPE_BUF, the atomic write size, is %d\n",
           size, PIPE_BUF);
    close_or_die(p[0]);
    close_or_die(p[1]);
}

static void empty_then_no_writer(void)
{
    int p[2];
    if (pipe(p) == -1)
        die("pipe");
    struct pollfd pfd = {.fd = p[0], .events = POLLIN};
    int ready = poll(&pfd, 1, 100);
    if (ready == -1)
        die("poll");
    if (ready != 0)
        fatal("poll() says an empty pipe is readable (revents 0x%x)", (unsigned)pfd.revents);
    printf("empty: poll() saw nothing to read in 100 ms: read() would wait, the write end is "
           "open\n");

    if (write(p[1], "bye", 3) != 3)
        die("write");
    close_or_die(p[1]); /* the only write end */
    char buf[16];
    ssize_t first = read(p[0], buf, sizeof buf);
    if (first == -1)
        die("read");
    ssize_t second = read(p[0], buf, sizeof buf);
    if (second == -1)
        die("read");
    printf("no writer: wrote 3 bytes and closed the write end: read() returned %zd, then %zd "
           "(end of file)\n",
           first, second);
    close_or_die(p[0]);
}

static void no_reader(void)
{
    int p[2];
    if (pipe(p) == -1)
        die("pipe");
    close_or_die(p[0]); /* the only read end */

    pid_t child = fork();
    if (child == -1)
        die("fork");
    if (child == 0) {
        struct sigaction sa; /* the default action, even if we inherited SIG_IGN */
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;
        if (sigaction(SIGPIPE, &sa, NULL) == -1)
            die_child("sigaction");
        ssize_t ignored = write(p[1], "x", 1); /* SIGPIPE: the child dies here */
        (void)ignored;
        die_child("write did not kill me");
    }
    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGPIPE)
        fatal("child %ld was not killed by SIGPIPE (status 0x%x)", (long)child, status);
    printf("no reader: a child's write() was answered with SIGPIPE (signal %d, %s): it died\n",
           SIGPIPE, strsignal(SIGPIPE));

    set_sigpipe(SIG_IGN); /* what servers do: handle EPIPE where the write is */
    if (write(p[1], "x", 1) != -1)
        fatal("write() to a pipe without a reader succeeded");
    if (errno != EPIPE)
        die("write");
    printf("no reader: with SIGPIPE ignored, write() fails instead: %s (EPIPE)\n",
           strerror(EPIPE));
    set_sigpipe(SIG_DFL);
    close_or_die(p[1]);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int opt;
    while ((opt = getopt(argc, argv, ":h")) != -1) {
        switch (opt) {
        case 'h':
            printf("usage: pipe_limits\n"
                   "Measures a pipe's capacity (non-blocking writes until EAGAIN), shows that a\n"
                   "read of an empty pipe would wait (poll), end of file once no writer is left,\n"
                   "and SIGPIPE/EPIPE once no reader is left.\n"
                   "  -h  this help\n");
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    full();
    empty_then_no_writer();
    no_reader();
    return 0;
}
