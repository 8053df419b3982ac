/*
 * pipe_ref - the reference for bench/ipc's pipe bandwidth: a pipe with nothing else around
 * it. A writer write()s the same static buffer of SIZE bytes again and again, a reader
 * read()s into one buffer of SIZE bytes and throws the bytes away. No pattern, no sequence
 * number, no copy from /dev/zero (what made `dd | dd` slower than a pipe): only the two
 * system calls whose cost a pipe cannot avoid, so no program moves bytes through a pipe
 * faster than this one (lmbench's bw_pipe does the same).
 *
 * Usage: pipe_ref [-s SIZE] [-t MIB] [-c CPU,CPU] [-C]
 *
 * Pinned like ipc_bench's pipe: the reader is the parent, on the first CPU of -c, the writer
 * its child, on the second. A warm-up pass of an eighth of the bytes, then the timed pass,
 * from the parent's "go" (one byte on a second pipe) to the last byte read. Prints
 * "<bytes> bytes in <seconds> s: <MB/s> MB/s", with -C only the MB/s figure.
 * Defaults: 65536-byte writes and reads, 512 MiB, CPUs 0,0.
 */
#define _GNU_SOURCE /* sched_setaffinity(), CPU_SET: Linux-specific */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"

#define MAXSIZE (1 << 20)
static char buf[MAXSIZE]; /* the writer's data and the reader's destination: one buffer */

static void pin(int cpu, int child)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) == -1) {
        if (child)
            die_child("sched_setaffinity");
        die("sched_setaffinity");
    }
}

/* The writer: for each pass, wait for "go", then write `bytes` from buf in SIZE pieces. */
static noreturn void writer(int go, int out, size_t size, const long long bytes[2])
{
    for (int pass = 0; pass < 2; pass++) {
        char b;
        ssize_t r;
        while ((r = read(go, &b, 1)) == -1 && errno == EINTR)
            ;
        if (r != 1)
            die_child("read go");
        for (long long left = bytes[pass]; left > 0;) {
            size_t want = left < (long long)size ? (size_t)left : size;
            ssize_t w = write(out, buf, want);
            if (w == -1) {
                if (errno == EINTR)
                    continue;
                die_child("write");
            }
            left -= w;
        }
    }
    _exit(0);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    long size = 65536, mib = 512;
    int cpu[2] = {0, 0}, csv = 0, opt;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    while ((opt = getopt(argc, argv, ":s:t:c:Ch")) != -1) {
        switch (opt) {
        case 's':
            size = parse_long(optarg, 1, MAXSIZE, "size");
            break;
        case 't':
            mib = parse_long(optarg, 1, 65536, "MiB");
            break;
        case 'c': {
            char *comma = strchr(optarg, ',');
            if (comma == NULL)
                usage_error("-c wants two CPUs, like 0,1");
            *comma = '\0';
            cpu[0] = (int)parse_long(optarg, 0, ncpu - 1, "CPU");
            cpu[1] = (int)parse_long(comma + 1, 0, ncpu - 1, "CPU");
            break;
        }
        case 'C':
            csv = 1;
            break;
        case 'h':
            printf("usage: pipe_ref [-s SIZE] [-t MIB] [-c CPU,CPU] [-C]\n"
                   "A pipe's bandwidth with nothing else: the child writes one static buffer\n"
                   "of SIZE bytes (default 65536) MIB times over (default 512), the parent reads\n"
                   "into one buffer; -c A,B: the reader on CPU A, the writer on B; -C: MB/s only\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);
    long long total = (long long)mib << 20;
    const long long bytes[2] = {total / 8 > size ? total / 8 : size, total};
    memset(buf, 'x', sizeof buf);

    int data[2], go[2];
    if (pipe(data) == -1 || pipe(go) == -1)
        die("pipe");
    pin(cpu[0], 0);
    pid_t parent = getpid(), pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
            die_child("prctl");
        if (getppid() != parent)
            _exit(1);
        pin(cpu[1], 1);
        if (close(data[0]) == -1 || close(go[1]) == -1)
            die_child("close");
        writer(go[0], data[1], (size_t)size, bytes);
    }
    if (close(data[1]) == -1 || close(go[0]) == -1)
        die("close");
    double t0 = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            t0 = now_s();
        if (write(go[1], "g", 1) != 1)
            die("write go");
        for (long long got = 0; got < bytes[pass];) {
            ssize_t r = read(data[0], buf, (size_t)size);
            if (r == -1) {
                if (errno == EINTR)
                    continue;
                die("read");
            }
            if (r == 0)
                fatal("the writer ended after %lld of %lld bytes", got, bytes[pass]);
            got += r;
        }
    }
    double secs = now_s() - t0;
    int status;
    while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR)
            die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("the writer failed (wait status 0x%x)", (unsigned)status);
    if (close(data[0]) == -1 || close(go[1]) == -1)
        die("close");
    double mbs = (double)total / secs / 1e6;
    if (csv)
        printf("%.3f\n", mbs);
    else
        printf("%lld bytes in %.3f s: %.0f MB/s\n", total, secs, mbs);
    return 0;
}
