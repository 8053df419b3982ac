/*
 * pool_cost - what a pool saves: many short tasks, run with a new process (or thread) per
 * task, and run by a pool of processes (or threads) made once.
 *
 * Usage: pool_cost [-n TASKS] [-w WORKERS] [-C]
 *
 * Shows: TASKS tasks that cost almost nothing (square(x)), run four ways, at most WORKERS
 * at a time, timed:
 *   fork per task    fork a child per task (WORKERS at a time), wait for each;
 *   process pool     procpool: WORKERS processes forked once, fed through a queue;
 *   thread per task  pthread_create a thread per task (WORKERS at a time), join each;
 *   thread pool      thrpool: WORKERS threads created once, fed through a queue.
 * With tasks this short, nearly all the time is the cost of making and ending processes
 * or threads - the cost a pool pays once instead of once per task (进程池的意义).
 * The four ways must compute the same results; the program checks that.
 * See also: procpool.c, thrpool.c, README.md, bench/pools/.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "procpool.h"
#include "thrpool.h"

#define MAX_WORKERS 64

static long square(long x)
{
    return x * x;
}

struct child_result {
    long task;
    long result;
};

/* A child per task, WORKERS at a time; each sends {task, result} through one pipe. */
static void fork_per_task(long n, int w, long out[])
{
    int fds[2];
    if (pipe(fds) == -1)
        die("pipe");
    for (long start = 0; start < n; start += w) {
        int batch = n - start < w ? (int)(n - start) : w;
        pid_t pids[MAX_WORKERS];
        for (int b = 0; b < batch; b++) {
            pids[b] = fork();
            if (pids[b] == -1)
                die("fork");
            if (pids[b] == 0) {
                struct child_result cr = {start + b, square(start + b)};
                if (close(fds[0]) == -1)
                    die_child("close");
                if (write(fds[1], &cr, sizeof cr) != (ssize_t)sizeof cr)
                    die_child("write");
                _exit(0);
            }
        }
        for (int b = 0; b < batch; b++) {
            int status;
            if (waitpid(pids[b], &status, 0) == -1)
                die("waitpid");
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fatal("a task's child failed (wait status 0x%x)", (unsigned)status);
            struct child_result cr; /* each child wrote one result before it exited */
            if (read(fds[0], &cr, sizeof cr) != (ssize_t)sizeof cr)
                die("read result");
            out[cr.task] = cr.result;
        }
    }
    if (close(fds[0]) == -1 || close(fds[1]) == -1)
        die("close");
}

struct thread_task {
    pthread_t tid;
    long x, result;
};

static void *thread_main(void *arg)
{
    struct thread_task *t = arg;
    t->result = square(t->x);
    return NULL;
}

/* A thread per task, WORKERS at a time. */
static void thread_per_task(long n, int w, long out[])
{
    struct thread_task t[MAX_WORKERS];
    for (long start = 0; start < n; start += w) {
        int batch = n - start < w ? (int)(n - start) : w;
        for (int b = 0; b < batch; b++) {
            t[b].x = start + b;
            int rc = pthread_create(&t[b].tid, NULL, thread_main, &t[b]);
            if (rc != 0)
                die_en(rc, "pthread_create");
        }
        for (int b = 0; b < batch; b++) {
            int rc = pthread_join(t[b].tid, NULL);
            if (rc != 0)
                die_en(rc, "pthread_join");
            out[start + b] = t[b].result;
        }
    }
}

/* The pools are timed whole: making the pool, the tasks, and closing and joining it. */
static void process_pool(long n, int w, const long in[], long out[])
{
    struct procpool *p = procpool_create(w);
    procpool_map(p, square, in, out, (size_t)n);
    procpool_destroy(p); /* close + join + free */
}

static void thread_pool(long n, int w, const long in[], long out[])
{
    struct thrpool *p = thrpool_create(w);
    thrpool_map(p, square, in, out, (size_t)n);
    thrpool_destroy(p);
}

static double now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
        die("clock_gettime");
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long n = 2000;
    int w = 4, csv = 0, opt;
    while ((opt = getopt(argc, argv, ":n:w:Ch")) != -1) {
        switch (opt) {
        case 'n':
            n = parse_long(optarg, 1, 1000000, "number of tasks");
            break;
        case 'w':
            w = (int)parse_long(optarg, 1, MAX_WORKERS, "number of workers");
            break;
        case 'C':
            csv = 1;
            break;
        case 'h':
            printf("usage: pool_cost [-n TASKS] [-w WORKERS] [-C]\n"
                   "Runs TASKS tiny tasks four ways - fork per task, process pool, thread per\n"
                   "task, thread pool - at most WORKERS at a time, and times each.\n"
                   "  -n TASKS    how many tasks (default 2000)\n"
                   "  -w WORKERS  processes/threads at a time, and pool size (default 4)\n"
                   "  -C          print CSV rows (group,way,milliseconds) instead of the table\n"
                   "  -h          this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    long *in = malloc((size_t)n * sizeof *in), *out = malloc((size_t)n * sizeof *out);
    if (in == NULL || out == NULL)
        die("malloc");
    long expect = 0;
    for (long i = 0; i < n; i++) {
        in[i] = i;
        expect += square(i);
    }

    static const char *const way[4] = {"fork per task", "process pool", "thread per task",
                                       "thread pool"};
    static const char *const group[4] = {"processes", "processes", "threads", "threads"};
    double ms[4];
    for (int k = 0; k < 4; k++) {
        memset(out, 0, (size_t)n * sizeof *out);
        double start = now();
        switch (k) {
        case 0:
            fork_per_task(n, w, out);
            break;
        case 1:
            process_pool(n, w, in, out);
            break;
        case 2:
            thread_per_task(n, w, out);
            break;
        default:
            thread_pool(n, w, in, out);
            break;
        }
        ms[k] = (now() - start) * 1000;
        for (long i = 0; i < n; i++)
            if (out[i] != square(i))
                fatal("%s: task %ld gave %ld, not %ld", way[k], i, out[i], square(i));
        if (csv)
            printf("%s,%s,%.3f\n", group[k], way[k], ms[k]);
    }
    free(in);
    free(out);
    if (csv)
        return 0;

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("pool_cost: %ld tiny tasks (square(x)), at most %d at a time, %ld cores\n", n, w,
           cores);
    printf("%-16s %11s %14s %12s\n", "way", "total (ms)", "per task (us)", "vs per-task");
    for (int k = 0; k < 4; k++)
        printf("%-16s %11.1f %14.1f %11.2fx\n", way[k], ms[k], ms[k] * 1000 / (double)n,
               ms[k & ~1] / ms[k]);
    printf("results: the same all four ways, sum of squares %ld\n", expect);
    return 0;
}
