/*
 * tcp_raw - the machine's limits for one TCP stream over loopback, measured with the
 * simplest sender and receiver there are: no protocol, nothing but the transfer.
 *
 * Usage: tcp_raw [-n MIB] [-b KIB] [-f FILE] [-z] [-o FILE] [-C]
 *
 * The parent listens on 127.0.0.1 (a free port) and forks a child, the sender, that
 * connects and sends; the parent receives until end of stream. Three pairs:
 *   memory to memory (default): the sender write()s MIB MiB (default 1024) from one buffer
 *     of KIB KiB (default 128, as iperf3); the receiver read()s into a buffer of the same
 *     size. The raw limit of the network half.
 *   copying (-f FILE): the sender read()s FILE into its buffer and write()s it to the
 *     socket, the receiver read()s into memory: what a read()/write() file server and
 *     client do (file-server -C, file-client -C get NAME /dev/null: a write() to /dev/null
 *     touches no byte, so reading into memory is the same work).
 *   zero copy (-f FILE -z): the sender sendfile()s FILE, the receiver splice()s the stream
 *     through a 1 MiB pipe into /dev/null: what file-server and `file-client get NAME
 *     /dev/null` do; no byte crosses into user space on either side.
 * With -o FILE the receiver also stores what it gets in FILE (created or truncated,
 * removed at the end; with -z by splice): the limit of receiving into the page cache.
 * It prints "<bytes> bytes in <seconds> s: <MB/s> MB/s", timed from accept() to end of
 * stream, and with -C only the MB/s figure (for bench/fileserver/run.sh).
 */
#define _GNU_SOURCE /* splice(), F_SETPIPE_SZ: Linux only */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h> /* Linux */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"

#define PIPE_CHUNK (1024 * 1024) /* the receiver's pipe, as file-client's */

/* The sender's side, in the child: connect to SA and send TOTAL bytes. */
static noreturn void sender(const struct sockaddr_in *sa, int in, int zerocopy, char *buf,
                            size_t bufsize, long long total)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd == -1 || connect(fd, (const struct sockaddr *)sa, sizeof *sa) == -1)
        die_child("connect");
    for (long long left = total; left > 0;) {
        size_t want = left < (long long)bufsize ? (size_t)left : bufsize;
        ssize_t n;
        if (zerocopy) {
            n = sendfile(fd, in, NULL, left < (1LL << 30) ? (size_t)left : (size_t)1 << 30);
            if (n == -1)
                die_child("sendfile");
        } else if (in != -1) {
            n = read(in, buf, want);
            if (n == -1)
                die_child("read");
            for (ssize_t w, off = 0; off < n; off += w)
                if ((w = write(fd, buf + off, (size_t)(n - off))) == -1)
                    die_child("write");
        } else if ((n = write(fd, buf, want)) == -1) {
            die_child("write");
        }
        if (n == 0) /* the file shrank: the receiver sees the bytes missing */
            break;
        left -= n;
    }
    close(fd);
    _exit(0);
}

/* The receiver's side, zero copy: socket -> pipe -> OUT (a file or /dev/null). */
static long long receive_splice(int fd, int out)
{
    int p[2];
    if (pipe(p) == -1)
        die("pipe");
    (void)fcntl(p[1], F_SETPIPE_SZ, PIPE_CHUNK); /* best effort: a 64 KiB pipe works too */
    long long got = 0;
    for (;;) {
        ssize_t n = splice(fd, NULL, p[1], NULL, PIPE_CHUNK, SPLICE_F_MOVE);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            die("splice from the socket");
        if (n == 0)
            break;
        for (ssize_t m; n > 0; n -= m, got += m)
            if ((m = splice(p[0], NULL, out, NULL, (size_t)n, SPLICE_F_MOVE)) == -1)
                die("splice into the sink");
    }
    close(p[0]);
    close(p[1]);
    return got;
}

/* The receiver's side, copying: read() into BUF, and write() to OUT if it is open. */
static long long receive_copy(int fd, int out, char *buf, size_t bufsize)
{
    long long got = 0;
    for (;;) {
        ssize_t n = read(fd, buf, bufsize);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            die("read");
        if (n == 0)
            break;
        for (ssize_t w, off = 0; out != -1 && off < n; off += w)
            if ((w = write(out, buf + off, (size_t)(n - off))) == -1)
                die("write");
        got += n;
    }
    return got;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long mib = 1024, kib = 128;
    const char *path = NULL, *src = NULL;
    int csv = 0, zerocopy = 0, opt;
    while ((opt = getopt(argc, argv, ":n:b:f:zo:Ch")) != -1) {
        switch (opt) {
        case 'n':
            mib = parse_long(optarg, 1, 1 << 20, "size in MiB");
            break;
        case 'b':
            kib = parse_long(optarg, 1, 1 << 16, "buffer in KiB");
            break;
        case 'f':
            src = optarg;
            break;
        case 'z':
            zerocopy = 1;
            break;
        case 'o':
            path = optarg;
            break;
        case 'C':
            csv = 1;
            break;
        case 'h':
            printf("usage: tcp_raw [-n MIB] [-b KIB] [-f FILE] [-z] [-o FILE] [-C]\n"
                   "Sends MIB MiB (default 1024) over one loopback TCP stream, from memory to\n"
                   "memory with KIB KiB buffers (default 128), and prints the rate in MB/s.\n"
                   "  -f FILE  send FILE instead (read() and write(): a copying pair)\n"
                   "  -z       zero copy (needs -f): sendfile() FILE, splice() into /dev/null\n"
                   "  -o FILE  the receiver also writes what it gets to FILE (then removed)\n"
                   "  -C       print only the MB/s figure\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    if (zerocopy && src == NULL)
        usage_error("-z needs -f FILE (sendfile() sends from a file)");
    size_t bufsize = (size_t)kib * 1024;
    long long total = (long long)mib * 1024 * 1024;
    int in = -1;
    if (src != NULL) {
        struct stat st;
        if ((in = open(src, O_RDONLY)) == -1 || fstat(in, &st) == -1)
            die("%s", src);
        if (!S_ISREG(st.st_mode) || st.st_size == 0)
            fatal("%s: not a regular file with something in it", src);
        total = (long long)st.st_size;
    }
    char *buf = malloc(bufsize);
    if (buf == NULL)
        die("malloc");
    memset(buf, 'x', bufsize);

    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t salen = sizeof sa;
    if (lfd == -1 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) == -1 || listen(lfd, 1) == -1 ||
        getsockname(lfd, (struct sockaddr *)&sa, &salen) == -1)
        die("listen");
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        close(lfd);
        sender(&sa, in, zerocopy, buf, bufsize, total);
    }
    if (in != -1)
        close(in);
    int out = -1;
    if (path != NULL && (out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
        die("open %s", path);
    if (path == NULL && zerocopy && (out = open("/dev/null", O_WRONLY)) == -1)
        die("open /dev/null");
    int fd = accept(lfd, NULL, NULL);
    if (fd == -1)
        die("accept");
    struct timespec t0, t1;
    if (clock_gettime(CLOCK_MONOTONIC, &t0) == -1)
        die("clock_gettime");
    long long got = zerocopy ? receive_splice(fd, out) : receive_copy(fd, out, buf, bufsize);
    if (clock_gettime(CLOCK_MONOTONIC, &t1) == -1)
        die("clock_gettime");
    if (out != -1 && close(out) == -1)
        die("close");
    if (path != NULL && unlink(path) == -1)
        die("unlink %s", path);
    close(fd);
    close(lfd);
    free(buf);
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != total)
        fatal("the sender failed (%lld of %lld bytes arrived)", got, total);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (csv)
        printf("%.1f\n", (double)got / secs / 1e6);
    else
        printf("%lld bytes in %.3f s: %.1f MB/s\n", got, secs, (double)got / secs / 1e6);
    return 0;
}
