/*
 * disk_write - the disk's limit for storing a file for good: a sequential write() of the
 * whole file, then fsync(), timed whole. An upload must do that at the least (file-server's
 * PUT answers OK only after fsync), so it is PUT's honest ceiling - written the way the
 * server writes (-w), or the plain way.
 *
 * Usage: disk_write [-n MIB] [-b KIB] [-w] [-C] FILE
 *
 * It creates FILE (or truncates it), write()s MIB MiB (default 1024) to it from one
 * buffer of KIB KiB (default 1024: file-server stores an upload in splice()s of up to
 * 1 MiB), calls fsync(), closes it and removes it. Timed from open() to the end of
 * fsync(). The bytes are not all zero and not all alike (a file system that compresses
 * or dedups would flatter zeros). Prints "<bytes> bytes in <seconds> s: <MB/s> MB/s", and
 * with -C only the MB/s figure (for bench/fileserver/run.sh).
 *
 * -w streams the writeback as file-server does (project/fileserver/netio.c): every 8 MiB
 * written, sync_file_range(SYNC_FILE_RANGE_WRITE) starts writing them to the disk without
 * waiting, and fallocate() keeps 8 MiB reserved ahead. Without it, the kernel writes most
 * of the file only when fsync() asks, and the program waits for all of it at the end: on
 * the course's machine the plain way ran at a sixth of the streamed one, so only -w is the
 * limit for a server that streams. `dd if=/dev/zero of=FILE bs=1M count=1024 conv=fsync`
 * measures about the plain way, but dd also reads /dev/zero and writes zeros.
 */
#define _GNU_SOURCE /* sync_file_range() and fallocate(): Linux only (-w) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"

#define CHUNK (8LL << 20) /* writeback started, and space reserved ahead, 8 MiB at a time */

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long mib = 1024, kib = 1024;
    int csv = 0, stream = 0, opt;
    while ((opt = getopt(argc, argv, ":n:b:wCh")) != -1) {
        switch (opt) {
        case 'n':
            mib = parse_long(optarg, 1, 1 << 20, "size in MiB");
            break;
        case 'b':
            kib = parse_long(optarg, 4, 1 << 16, "block in KiB");
            break;
        case 'w':
            stream = 1;
            break;
        case 'C':
            csv = 1;
            break;
        case 'h':
            printf("usage: disk_write [-n MIB] [-b KIB] [-w] [-C] FILE\n"
                   "Writes MIB MiB (default 1024) to FILE in blocks of KIB KiB (default 1024),\n"
                   "fsync()s it, removes it, and prints the rate in MB/s (open to fsync).\n"
                   "  -w  stream the writeback as file-server does: sync_file_range() every\n"
                   "      8 MiB, fallocate() 8 MiB ahead\n"
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

    double t0 = now_s();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1)
        die("open %s", path);
    long long done = 0, reserved = 0, flushed = 0;
    while (done < total) {
        if (stream && reserved < total && reserved < done + CHUNK / 2) {
            long long end = total - done < CHUNK ? total : done + CHUNK;
            /* A file system without fallocate() (EOPNOTSUPP) simply goes without. */
            if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)reserved, (off_t)(end - reserved)) == -1 &&
                errno != EOPNOTSUPP)
                die("fallocate %s", path);
            reserved = end;
        }
        size_t want = total - done < (long long)bufsize ? (size_t)(total - done) : bufsize;
        ssize_t n = write(fd, buf, want);
        if (n == -1)
            die("write %s", path);
        done += n;
        if (stream && done - flushed >= CHUNK) {
            if (sync_file_range(fd, (off_t)flushed, (off_t)(done - flushed), SYNC_FILE_RANGE_WRITE) == -1)
                die("sync_file_range %s", path);
            flushed = done;
        }
    }
    if (fsync(fd) == -1)
        die("fsync %s", path);
    double secs = now_s() - t0;
    if (close(fd) == -1 || unlink(path) == -1)
        die("%s", path);
    free(buf);
    if (csv)
        printf("%.1f\n", (double)total / secs / 1e6);
    else
        printf("%lld bytes in %.3f s: %.1f MB/s\n", total, secs, (double)total / secs / 1e6);
    return 0;
}
