/*
 * process_pool - a pool of worker processes (进程池): fork a few workers once, then feed
 * them many tasks through a queue, as Python's multiprocessing.Pool does.
 *
 * Usage: process_pool [-w WORKERS] [-n TASKS] [-t MS]
 *
 * Shows: apply_async (submit a task, get a handle at once) and get (wait for that task's
 * result), map (results in input order), close and join. Each task is square(x) after MS
 * ms of waiting (a stand-in for a short job). Every result line says which worker ran it:
 * only WORKERS process ids ever appear, each running several tasks - the processes are
 * reused, not forked per task.
 * Observe, while it runs (-t 1000 gives you time):
 *     ps -o pid,ppid,stat,cmd --ppid PARENT    (the workers: same pids from start to end)
 * See also: procpool.c (the pool), thread_pool.c, pool_cost.c (what a pool saves).
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "procpool.h"

static long task_ms = 10;

/* The task: wait task_ms (the part a real job spends working or waiting), return x*x.
 * It runs in a worker process, hence die_child. */
static long square(long x)
{
    struct timespec ts = {task_ms / 1000, (task_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1)
        if (errno != EINTR)
            die_child("nanosleep");
    return x * x;
}

#define MAX_TASKS 10000

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int workers = 3, ntasks = 8, opt;
    while ((opt = getopt(argc, argv, ":w:n:t:h")) != -1) {
        switch (opt) {
        case 'w':
            workers = (int)parse_long(optarg, 1, 64, "number of workers");
            break;
        case 'n':
            ntasks = (int)parse_long(optarg, 1, MAX_TASKS, "number of tasks");
            break;
        case 't':
            task_ms = parse_long(optarg, 0, 10000, "task time");
            break;
        case 'h':
            printf("usage: process_pool [-w WORKERS] [-n TASKS] [-t MS]\n"
                   "A pool of worker processes fed through a task queue: apply_async and get,\n"
                   "map, close and join; shows which worker process ran which task.\n"
                   "  -w WORKERS  worker processes (default 3)\n"
                   "  -n TASKS    tasks for apply_async, and inputs for map (default 8)\n"
                   "  -t MS       each task waits MS ms before it answers (default 10)\n"
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

    struct procpool *pool = procpool_create(workers);
    const pid_t *pids = procpool_pids(pool);
    pid_t pid_of[64];
    printf("pool: %d worker processes, forked once:", workers);
    for (int w = 0; w < workers; w++) {
        pid_of[w] = pids[w];
        printf(" %ld", (long)pids[w]);
    }
    printf("\n");

    long handle[MAX_TASKS];
    for (int i = 0; i < ntasks; i++)
        handle[i] = procpool_submit(pool, square, i);
    printf("apply_async: queued square(0) .. square(%d), %d tasks\n", ntasks - 1, ntasks);
    int ran[64] = {0};
    for (int i = 0; i < ntasks; i++) {
        int w;
        long r = procpool_get(pool, handle[i], &w);
        ran[w]++;
        printf("get: square(%d) = %ld, run by worker %d (pid %ld)\n", i, r, w, (long)pid_of[w]);
    }

    long in[MAX_TASKS], out[MAX_TASKS];
    for (int i = 0; i < ntasks; i++)
        in[i] = i;
    procpool_map(pool, square, in, out, (size_t)ntasks);
    printf("map: square over 0 .. %d =", ntasks - 1);
    for (int i = 0; i < ntasks; i++)
        printf(" %ld", out[i]);
    printf("\n");

    procpool_close(pool);
    procpool_join(pool);
    procpool_destroy(pool);
    for (int w = 0; w < workers; w++)
        printf("worker %d (pid %ld) ran %d of the %d apply_async tasks\n", w, (long)pid_of[w],
               ran[w], ntasks);
    printf("close, join: %d workers exited and were reaped; %d tasks, %d forks\n", workers,
           2 * ntasks, workers);
    return 0;
}
