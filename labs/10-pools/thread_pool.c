/*
 * thread_pool - a pool of worker threads (线程池): start a few threads once, then feed them
 * many tasks, as the classroom's threadpool module (and Python's ThreadPoolExecutor) does.
 *
 * Usage: thread_pool [-w WORKERS] [-n TASKS] [-t MS]
 *
 * Shows: the same program as process_pool, with threads: submit a task and get a handle,
 * get (wait for its result), map (results in input order), close and join. Every result
 * line says which worker thread ran it; only WORKERS threads are ever created (the
 * process shows them in /proc/PID/task from start to end) - they are reused, not created
 * per task.
 * Observe, while it runs (-t 1000 gives you time):
 *     ls /proc/PID/task        (main thread + WORKERS workers)
 *     ps -L -o pid,lwp,stat,cmd -p PID
 * See also: thrpool.c (the pool), process_pool.c, pool_cost.c (what a pool saves).
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "thrpool.h"

static long task_ms = 10;

/* The task: wait task_ms (the part a real job spends working or waiting), return x*x. */
static long square(long x)
{
    struct timespec ts = {task_ms / 1000, (task_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1)
        if (errno != EINTR)
            die("nanosleep");
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
            printf("usage: thread_pool [-w WORKERS] [-n TASKS] [-t MS]\n"
                   "A pool of worker threads fed through a task queue: submit and get, map,\n"
                   "close and join; shows which worker thread ran which task.\n"
                   "  -w WORKERS  worker threads (default 3)\n"
                   "  -n TASKS    tasks for submit, and inputs for map (default 8)\n"
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

    struct thrpool *pool = thrpool_create(workers);
    printf("pool: %d worker threads, created once\n", workers);

    long handle[MAX_TASKS];
    for (int i = 0; i < ntasks; i++)
        handle[i] = thrpool_submit(pool, square, i);
    printf("submit: queued square(0) .. square(%d), %d tasks\n", ntasks - 1, ntasks);
    int ran[64] = {0};
    for (int i = 0; i < ntasks; i++) {
        int w;
        long r = thrpool_get(pool, handle[i], &w);
        ran[w]++;
        printf("get: square(%d) = %ld, run by worker %d\n", i, r, w);
    }

    long in[MAX_TASKS], out[MAX_TASKS];
    for (int i = 0; i < ntasks; i++)
        in[i] = i;
    thrpool_map(pool, square, in, out, (size_t)ntasks);
    printf("map: square over 0 .. %d =", ntasks - 1);
    for (int i = 0; i < ntasks; i++)
        printf(" %ld", out[i]);
    printf("\n");

    thrpool_close(pool);
    thrpool_join(pool);
    thrpool_destroy(pool);
    for (int w = 0; w < workers; w++)
        printf("worker %d ran %d of the %d submitted tasks\n", w, ran[w], ntasks);
    printf("close, join: %d workers joined; %d tasks, %d pthread_create calls\n", workers,
           2 * ntasks, workers);
    return 0;
}
