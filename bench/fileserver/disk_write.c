/*
 * disk_write - the disk's limit for storing a file for good: a sequential write() of the
 * whole file, then fsync(), timed whole. This is what an upload must do at the least
 * (file-server's PUT answers OK only after fsync), so it is PUT's honest ceiling.
 *
 * Usage: disk_write [-n MIB] [-b KIB] [-C] FILE
 *
 * It creates FILE (or truncates it), write()s MIB MiB (default 1024) to it from one
 * buffer of KIB KiB (default 1024: file-server stores an upload in splice()s of up to
 * 1 MiB), calls fsync(), closes it and removes it. Timed from open() to the end of
 * fsync(). The bytes are not all zero and not all alike (a file system that compresses
 * or dedups would flatter zeros). Prints "<bytes> bytes in <seconds> s: <MB/s> MB/s", and
 * with -C only the MB/s figure (for bench/fileserver/run.sh). `dd if=/dev/zero of=FILE
 * bs=1M count=1024 conv=fsync` measures about the same, but dd also reads /dev/zero and
 * writes zeros.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "die.h"

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long mib = 1024, kib = 1024;
    int csv = 0, opt;
    while ((opt = getopt(argc, argv, ":n:b:Ch")) != -1) {
        switch (opt) {
        case 'n':
            mib = parse_long(optarg, 1, 1 << 20, "size in MiB");
            break;
        case 'b':
            kib = parse_long(optarg, 4, 1 << 16, "block in KiB");
            break;
        case 'C':
            csv = 1;
            break;
        case 'h':
            printf("usage: disk_write [-n MIB] [-b KIB] [-C] FILE\n"
                   "Writes MIB MiB (default 1024) to FILE in blocks of KIB KiB (default 1024),\n"
                   "fsync()s it, removes it, and prints the rate in MB/s (open to fsync).\n"
                   "  -C  print only the MB/s figure\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (argc - optind != 1)
        usage_error("expected one FILE");
    const char *path = argv[optind];
    size_t bufsize = (size_t)kib * 1024;
    long long total = (long long)mib * 1024 * 1024;
    unsigned char *buf = malloc(bufsize);
    if (buf == NULL)
        die("malloc");
    unsigned x = 12345;
    for (size_t i = 0; i < bufsize; i++) { /* a cheap pseudo-random pattern */
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
    }

    struct timespec t0, t1;
    if (clock_gettime(CLOCK_MONOTONIC, &t0) == -1)
        die("clock_gettime");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1)
        die("open %s", path);
    for (long long left = total; left > 0;) {
        size_t want = left < (long long)bufsize ? (size_t)left : bufsize;
        ssize_t n = write(fd, buf, want);
        if (n == -1)
            die("write %s", path);
        left -= n;
    }
    if (fsync(fd) == -1)
        die("fsync %s", path);
    if (clock_gettime(CLOCK_MONOTONIC, &t1) == -1)
        die("clock_gettime");
    if (close(fd) == -1 || unlink(path) == -1)
        die("%s", path);
    free(buf);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (csv)
        printf("%.1f\n", (double)total / secs / 1e6);
    else
        printf("%lld bytes in %.3f s: %.1f MB/s\n", total, secs, (double)total / secs / 1e6);
    return 0;
}
