/*
 * tcp_raw - the machine's limit for one TCP stream over loopback, measured with the
 * simplest sender and receiver there are: memory to memory, no file, no protocol.
 *
 * Usage: tcp_raw [-n MIB] [-b KIB] [-o FILE] [-C]
 *
 * The parent listens on 127.0.0.1 (a free port) and forks a child that connects and
 * write()s MIB MiB (default 1024) from one buffer of KIB KiB (default 128, as iperf3);
 * the parent read()s into a buffer of the same size until end of stream - and with -o,
 * write()s each piece to FILE (created or truncated, removed at the end): the limit of
 * receiving into the page cache, which every upload and download to a file pays. It
 * prints "<bytes> bytes in <seconds> s: <MB/s> MB/s", timed from accept() to end of
 * stream, and with -C only the MB/s figure (for bench/fileserver/run.sh).
 * This is the yardstick of bench/fileserver: file-server's GET and PUT are compared with
 * it (the goal: at least 80% of it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long mib = 1024, kib = 128;
    const char *path = NULL;
    int csv = 0, opt;
    while ((opt = getopt(argc, argv, ":n:b:o:Ch")) != -1) {
        switch (opt) {
        case 'n':
            mib = parse_long(optarg, 1, 1 << 20, "size in MiB");
            break;
        case 'b':
            kib = parse_long(optarg, 1, 1 << 16, "buffer in KiB");
            break;
        case 'o':
            path = optarg;
            break;
        case 'C':
            csv = 1;
            break;
        case 'h':
            printf("usage: tcp_raw [-n MIB] [-b KIB] [-o FILE] [-C]\n"
                   "Sends MIB MiB (default 1024) over one loopback TCP stream, from memory to\n"
                   "memory with KIB KiB buffers (default 128), and prints the rate in MB/s.\n"
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
    size_t bufsize = (size_t)kib * 1024;
    long long total = (long long)mib * 1024 * 1024;
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
    if (pid == 0) { /* the sender */
        close(lfd);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd == -1 || connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1)
            die_child("connect");
        for (long long left = total; left > 0;) {
            ssize_t n = write(fd, buf, left < (long long)bufsize ? (size_t)left : bufsize);
            if (n == -1)
                die_child("write");
            left -= n;
        }
        close(fd);
        free(buf);
        _exit(0);
    }
    int out = -1;
    if (path != NULL && (out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
        die("open %s", path);
    int fd = accept(lfd, NULL, NULL);
    if (fd == -1)
        die("accept");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
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
                die("write %s", path);
        got += n;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (out != -1 && (close(out) == -1 || unlink(path) == -1))
        die("%s", path);
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
