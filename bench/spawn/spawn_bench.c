/*
 * spawn_bench - what it costs to create and reap a process or a thread, and what a pool
 * saves: fork+_exit+waitpid, posix_spawn of a trivial program, fork+exec of it,
 * pthread_create+join, and a task handed to a worker that already exists (lab 10's
 * thread pool and process pool). And how fork's cost grows with the parent's memory.
 *
 * Usage: spawn_bench [-n OPS] [-r BATCHES] [-m MIB] [-x PROGRAM] [-C] [METHOD...]
 *
 * Shows: each METHOD is done OPS times in each of BATCHES batches, after a warm-up batch;
 * the time per operation of each batch, and their median, min and max. With -m, the parent
 * first allocates MIB MiB and writes to every page: fork must then copy the page tables
 * of all that memory (not the memory itself: copy-on-write, 写时复制), posix_spawn need
 * not (glibc makes the child with clone(CLONE_VM | CLONE_VFORK): no copy at all).
 * Every child and task is checked: its exit status, or the value it computes.
 * The classroom says: 进程的创建和删除要比线程消耗更多资源 - fork against pthread_create.
 * See also: README.md, notes/processes.md, labs/01-fork-wait-zombie, labs/10-pools.
 */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../labs/10-pools/procpool.h"
#include "../../labs/10-pools/thrpool.h"
#include "die.h"

extern char **environ;

enum method { FORK, SPAWN, FORK_EXEC, THREAD, THREAD_POOL, PROC_POOL, NMETHOD };
static const char *const method_name[NMETHOD] = {
    "fork", "posix_spawn", "fork+exec", "pthread", "threadpool", "procpool"};
static const char *const method_label[NMETHOD] = {
    "fork+_exit+waitpid", "posix_spawn+waitpid", "fork+exec+waitpid", "pthread_create+join",
    "thread pool task", "process pool task"};

static const char *program = "/bin/true";
static struct thrpool *tpool;
static struct procpool *ppool;

static double now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
        die("clock_gettime");
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void reap(pid_t pid)
{
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("child %ld failed (wait status 0x%x)", (long)pid, (unsigned)status);
}

static void *thread_main(void *arg)
{
    long *x = arg;
    *x += 1;
    return NULL;
}

static long plus_one(long x)
{
    return x + 1;
}

/* One operation: create, let it run, reap it. */
static void one(enum method m, long i)
{
    pid_t pid;
    int rc;
    char *argv[] = {(char *)program, NULL};
    switch (m) {
    case FORK:
        pid = fork();
        if (pid == -1)
            die("fork");
        if (pid == 0)
            _exit(0);
        reap(pid);
        break;
    case SPAWN:
        rc = posix_spawn(&pid, program, NULL, NULL, argv, environ);
        if (rc != 0)
            die_en(rc, "posix_spawn %s", program);
        reap(pid);
        break;
    case FORK_EXEC:
        pid = fork();
        if (pid == -1)
            die("fork");
        if (pid == 0) {
            execv(program, argv);
            die_child("execv %s", program);
        }
        reap(pid);
        break;
    case THREAD: {
        pthread_t t;
        long x = i;
        rc = pthread_create(&t, NULL, thread_main, &x);
        if (rc != 0)
            die_en(rc, "pthread_create");
        rc = pthread_join(t, NULL);
        if (rc != 0)
            die_en(rc, "pthread_join");
        if (x != i + 1)
            fatal("the thread did not run");
        break;
    }
    case THREAD_POOL:
        if (thrpool_get(tpool, thrpool_submit(tpool, plus_one, i), NULL) != i + 1)
            fatal("a thread pool task gave a wrong result");
        break;
    case PROC_POOL:
        if (procpool_get(ppool, procpool_submit(ppool, plus_one, i), NULL) != i + 1)
            fatal("a process pool task gave a wrong result");
        break;
    default:
        break;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long ops = 200, batches = 5, mib = 0;
    int csv = 0, opt;
    while ((opt = getopt(argc, argv, ":n:r:m:x:Ch")) != -1) {
        switch (opt) {
        case 'n':
            ops = parse_long(optarg, 1, 1000000, "operations per batch");
            break;
        case 'r':
            batches = parse_long(optarg, 1, 1000, "batches");
            break;
        case 'm':
            mib = parse_long(optarg, 0, 65536, "MiB");
            break;
        case 'x':
            program = optarg;
            break;
        case 'C':
            csv = 1;
            break;
        case 'h':
            printf("usage: spawn_bench [-n OPS] [-r BATCHES] [-m MIB] [-x PROGRAM] [-C] "
                   "[METHOD...]\n"
                   "Times creating and reaping processes and threads, per operation.\n"
                   "METHOD: fork, posix_spawn, fork+exec, pthread, threadpool, procpool\n"
                   "(default: all of them).\n"
                   "  -n OPS      operations per batch (default 200)\n"
                   "  -r BATCHES  timed batches, after one warm-up batch (default 5)\n"
                   "  -m MIB      first allocate and touch MIB MiB in the parent (default 0)\n"
                   "  -x PROGRAM  the trivial program to run (default /bin/true)\n"
                   "  -C          print CSV rows (group,method,median us) for bench/run.sh\n"
                   "  -h          this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    int want[NMETHOD] = {0}, all = optind == argc;
    for (int i = optind; i < argc; i++) {
        int m = 0;
        while (m < NMETHOD && strcmp(argv[i], method_name[m]) != 0)
            m++;
        if (m == NMETHOD)
            usage_error("unknown method '%s'", argv[i]);
        want[m] = 1;
    }

    /* The parent's memory: every page written, so that every page is really there. */
    size_t bytes = (size_t)mib << 20;
    unsigned char *mem = NULL;
    if (bytes > 0) {
        mem = malloc(bytes);
        if (mem == NULL)
            die("malloc %ld MiB", mib);
        memset(mem, 1, bytes);
    }
    char group[48];
    if (mib > 0)
        snprintf(group, sizeof group, "parent with %ld MiB", mib);
    else
        snprintf(group, sizeof group, "create and reap");
    if (!csv)
        printf("spawn_bench: %ld batches of %ld, after a warm-up batch; parent memory %ld MiB\n"
               "%-20s %12s %12s %12s\n", batches, ops, mib, "method", "median us",
               "min us", "max us");

    double *per = malloc((size_t)batches * sizeof *per), base = 0, thread_us = 0;
    if (per == NULL)
        die("malloc");
    for (int m = 0; m < NMETHOD; m++) {
        if (!all && !want[m])
            continue;
        if (m == THREAD_POOL)
            tpool = thrpool_create(1);
        if (m == PROC_POOL)
            ppool = procpool_create(1);
        for (long b = -1; b < batches; b++) { /* batch -1: the warm-up */
            double t0 = now();
            for (long i = 0; i < ops; i++)
                one((enum method)m, i);
            if (b >= 0)
                per[b] = (now() - t0) / (double)ops * 1e6;
        }
        if (m == THREAD_POOL)
            thrpool_destroy(tpool);
        if (m == PROC_POOL)
            procpool_destroy(ppool);
        qsort(per, (size_t)batches, sizeof *per, cmp_double);
        double med = batches % 2 ? per[batches / 2]
                                 : (per[batches / 2 - 1] + per[batches / 2]) / 2;
        if (m == FORK)
            base = med;
        if (m == THREAD)
            thread_us = med;
        if (csv)
            printf("%s,%s,%.3f\n", group, method_label[m], med);
        else
            printf("%-20s %12.1f %12.1f %12.1f\n", method_label[m], med, per[0],
                   per[batches - 1]);
    }
    if (!csv && base > 0 && thread_us > 0)
        printf("fork+_exit+waitpid / pthread_create+join: %.1f\n", base / thread_us);
    free(per);
    if (mem != NULL) {
        for (size_t k = 0; k < bytes; k += 4096)
            if (mem[k] != 1)
                fatal("the parent's memory changed");
        free(mem);
    }
    return 0;
}
