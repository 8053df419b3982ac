/*
 * gil_bench - the classroom's efficiency test (效率测试) in C, plus a GIL mode.
 *
 * Usage: gil_bench [-w WORKERS] [-n LIMIT] [-s INTERVAL] [-r REQUESTS] [-d MS]
 *                  [-m MODES] [-U] [-C]
 *
 * Shows: the same two tasks, run WORKERS times over in four ways, timed:
 *   cpu task: count the primes below LIMIT by trial division (pure computation);
 *   io task:  REQUESTS exchanges with a slow peer process that answers each request after
 *             MS milliseconds (real blocking I/O: the worker sleeps in read(2));
 *   modes:    serial (one after the other), threads (one pthread per task), processes (one
 *             fork per task), and threads+GIL: threads that must hold one process-wide lock
 *             to compute, as CPython's threads must hold its global interpreter lock. A
 *             worker gives the GIL up every INTERVAL numbers (CPython's switch interval)
 *             and around each blocking exchange (as CPython does around I/O).
 * Observe: in C, threads and processes both use every core for the cpu task; threads+GIL
 * takes as long as serial. For the io task every concurrent mode beats serial, GIL or not,
 * because a blocked thread holds no GIL. Every mode must compute the same results: the
 * program checks that, and prints the totals.
 * See also: gil.c (the GIL), peer.c (the slow peer), README.md, notes/threads.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "gil.h"
#include "peer.h"

enum mode { SERIAL, THREADS, PROCESSES, GIL, NMODES };
static const char *const mode_name[NMODES] = {"serial", "threads", "processes", "threads+GIL"};
static const char *const mode_opt[NMODES] = {"serial", "threads", "processes", "gil"};
enum task { CPU, IO, NTASKS };
static const char *const task_name[NTASKS] = {"cpu", "io"};

#define MAX_WORKERS 64

/* The settings, fixed once the options are read. */
static int workers = 10;
static long limit = 1000000;    /* cpu task: count the primes below this */
static long interval = 50000;  /* GIL switch interval, in numbers tested */
static long requests = 10;     /* io task: exchanges with the peer */
static long delay_ms = 10;     /* how long the peer takes to answer */
static int peer_fd[MAX_WORKERS]; /* worker i talks to peer i through peer_fd[i] */

static int is_prime(unsigned long n)
{
    if (n < 2)
        return 0;
    if (n % 2 == 0)
        return n == 2;
    for (unsigned long d = 3; d * d <= n; d += 2)
        if (n % d == 0)
            return 0;
    return 1;
}

/* The cpu task: count the primes below `limit`. Under a GIL (g != NULL), the worker holds it
 * all along and hands it on every `interval` numbers. */
static long cpu_task(int me, struct gil *g)
{
    long count = 0, since = 0;
    for (unsigned long n = 0; n < (unsigned long)limit; n++) {
        count += is_prime(n);
        if (g != NULL && ++since == interval) {
            gil_yield(g, me);
            since = 0;
        }
    }
    return count;
}

/* The io task: `requests` exchanges with this worker's peer; returns the sum of the answers.
 * Under a GIL the worker drops it before it blocks and takes it back afterwards. */
static long io_task(int me, struct gil *g, int in_child)
{
    long sum = 0;
    for (long r = 0; r < requests; r++) {
        long answer;
        if (g != NULL)
            gil_drop(g);
        int rc = peer_ask(peer_fd[me], me * requests + r, &answer);
        if (g != NULL)
            gil_take(g, me);
        if (rc == -1) {
            if (in_child)
                die_child("worker %d: exchange with the peer", me);
            die("worker %d: exchange with the peer", me);
        }
        sum += answer;
    }
    return sum;
}

static long run_task(enum task t, int me, struct gil *g, int in_child)
{
    return t == CPU ? cpu_task(me, g) : io_task(me, g, in_child);
}

struct job {
    pthread_t tid;
    enum task task;
    int me;
    struct gil *gil; /* NULL: no GIL */
    long result;
};

static void *thread_main(void *arg)
{
    struct job *job = arg;
    if (job->gil != NULL)
        gil_take(job->gil, job->me); /* a thread holds the GIL whenever it runs "Python" */
    job->result = run_task(job->task, job->me, job->gil, 0);
    if (job->gil != NULL)
        gil_drop(job->gil);
    return NULL;
}

static void run_threads(enum task t, struct gil *g, long results[])
{
    struct job jobs[MAX_WORKERS];
    for (int i = 0; i < workers; i++) {
        jobs[i] = (struct job){.task = t, .me = i, .gil = g};
        int rc = pthread_create(&jobs[i].tid, NULL, thread_main, &jobs[i]);
        if (rc != 0)
            die_en(rc, "pthread_create");
    }
    for (int i = 0; i < workers; i++) {
        int rc = pthread_join(jobs[i].tid, NULL);
        if (rc != 0)
            die_en(rc, "pthread_join");
        results[i] = jobs[i].result;
    }
}

/* A child's result, sent to the parent through a pipe: 16 bytes, less than PIPE_BUF, so
 * each write arrives whole even with every child writing into the same pipe. */
struct child_result {
    long worker;
    long result;
};

static void run_processes(enum task t, long results[])
{
    /* task 2 begin: run_processes */
    int fds[2];
    if (pipe(fds) == -1)
        die("pipe");
    pid_t pids[MAX_WORKERS];
    for (int i = 0; i < workers; i++) {
        pids[i] = fork();
        if (pids[i] == -1)
            die("fork");
        if (pids[i] == 0) {
            if (close(fds[0]) == -1)
                die_child("close");
            struct child_result cr = {i, run_task(t, i, NULL, 1)};
            if (write(fds[1], &cr, sizeof cr) != (ssize_t)sizeof cr)
                die_child("write result");
            _exit(0);
        }
    }
    if (close(fds[1]) == -1) /* now the pipe ends when the last child has written */
        die("close");
    struct child_result cr;
    ssize_t n;
    int got = 0;
    while ((n = read(fds[0], &cr, sizeof cr)) == (ssize_t)sizeof cr) {
        results[cr.worker] = cr.result;
        got++;
    }
    if (n == -1)
        die("read results");
    if (close(fds[0]) == -1)
        die("close");
    for (int i = 0; i < workers; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) == -1)
            die("waitpid");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fatal("worker process %d failed (wait status 0x%x)", i, (unsigned)status);
    }
    if (got != workers)
        fatal("%d of %d worker processes sent a result", got, workers);
    /* task 2 end */
}

static double now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
        die("clock_gettime");
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run task t in mode m; fill results[] (one per worker); return the wall-clock seconds. */
static double run_mode(enum mode m, enum task t, int fair, long results[],
                       unsigned long *handoffs)
{
    struct gil gil;
    double start = now();
    switch (m) {
    case SERIAL:
        for (int i = 0; i < workers; i++)
            results[i] = run_task(t, i, NULL, 0);
        break;
    case THREADS:
        run_threads(t, NULL, results);
        break;
    case PROCESSES:
        run_processes(t, results);
        break;
    case GIL:
        gil_init(&gil, fair);
        run_threads(t, &gil, results);
        *handoffs = gil.handoffs;
        gil_destroy(&gil);
        break;
    case NMODES:
        break;
    }
    return now() - start;
}

/* -m serial,threads,... -> want[] */
static void parse_modes(char *list, int want[NMODES])
{
    memset(want, 0, NMODES * sizeof want[0]);
    for (char *save, *s = strtok_r(list, ",", &save); s != NULL; s = strtok_r(NULL, ",", &save)) {
        int m = 0;
        while (m < NMODES && strcmp(s, mode_opt[m]) != 0)
            m++;
        if (m == NMODES)
            usage_error("unknown mode '%s' (modes: serial,threads,processes,gil)", s);
        want[m] = 1;
    }
    int any = 0;
    for (int m = 0; m < NMODES; m++)
        any |= want[m];
    if (!any)
        usage_error("no mode given (modes: serial,threads,processes,gil)");
}

static void usage(void)
{
    printf("usage: gil_bench [-w WORKERS] [-n LIMIT] [-s INTERVAL] [-r REQUESTS] [-d MS]\n"
           "                 [-m MODES] [-U] [-C]\n"
           "The classroom's efficiency test: a cpu task and an io task, run WORKERS times\n"
           "serially, in threads, in processes and in threads under a global interpreter\n"
           "lock (GIL), with the time of each and the speed-up against serial.\n"
           "  -w WORKERS   tasks per run, run by that many threads/processes (default 10)\n"
           "  -n LIMIT     cpu task: count the primes below LIMIT (default 1000000)\n"
           "  -s INTERVAL  GIL switch interval: numbers tested between hand-offs (default 50000)\n"
           "  -r REQUESTS  io task: exchanges with a slow peer (default 10)\n"
           "  -d MS        how long the peer takes to answer, in ms (default 10)\n"
           "  -m MODES     comma-separated: serial,threads,processes,gil (default: all)\n"
           "  -U           use a plain mutex as the GIL (unfair: see README)\n"
           "  -C           print CSV rows (task,mode,seconds) instead of the table\n"
           "  -h           this help\n");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int want[NMODES] = {1, 1, 1, 1};
    int fair = 1, csv = 0, opt;
    while ((opt = getopt(argc, argv, ":w:n:s:r:d:m:UCh")) != -1) {
        switch (opt) {
        case 'w':
            workers = (int)parse_long(optarg, 1, MAX_WORKERS, "number of workers");
            break;
        case 'n':
            limit = parse_long(optarg, 1, 1000000000, "limit");
            break;
        case 's':
            interval = parse_long(optarg, 1, 1000000000, "switch interval");
            break;
        case 'r':
            requests = parse_long(optarg, 1, 100000, "number of requests");
            break;
        case 'd':
            delay_ms = parse_long(optarg, 0, 10000, "delay");
            break;
        case 'm':
            parse_modes(optarg, want);
            break;
        case 'U':
            fair = 0;
            break;
        case 'C':
            csv = 1;
            break;
        case 'h':
            usage();
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores == -1)
        die("sysconf");
    if (!csv) {
        printf("gil_bench: %d workers, %ld cores\n", workers, cores);
        printf("cpu task: count the primes below %ld; GIL switch interval %ld numbers\n", limit,
               interval);
        printf("io task:  %ld requests to a peer that answers after %ld ms\n", requests, delay_ms);
    }

    pid_t peer_pid[MAX_WORKERS];
    peers_start(workers, delay_ms, peer_fd, peer_pid);

    double secs[NMODES][NTASKS];
    unsigned long handoffs[NTASKS] = {0, 0};
    long first[NTASKS][MAX_WORKERS], results[MAX_WORKERS], total[NTASKS] = {0, 0};
    int first_mode[NTASKS] = {-1, -1};
    for (int t = 0; t < NTASKS; t++) {
        for (int m = 0; m < NMODES; m++) {
            if (!want[m])
                continue;
            secs[m][t] = run_mode((enum mode)m, (enum task)t, fair, results, &handoffs[t]);
            /* Every mode must compute exactly what the first one did. */
            if (first_mode[t] == -1) {
                memcpy(first[t], results, (size_t)workers * sizeof results[0]);
                first_mode[t] = m;
                for (int i = 0; i < workers; i++)
                    total[t] += results[i];
            } else if (memcmp(first[t], results, (size_t)workers * sizeof results[0]) != 0) {
                fatal("%s task: mode %s computed other results than mode %s", task_name[t],
                      mode_name[m], mode_name[first_mode[t]]);
            }
            if (csv)
                printf("%s,%s,%.6f\n", task_name[t], mode_name[m], secs[m][t]);
        }
    }
    peers_stop(workers, peer_fd, peer_pid);
    if (csv)
        return 0;

    printf("%-12s %9s %10s %9s %10s\n", "mode", "cpu (s)", "vs serial", "io (s)", "vs serial");
    for (int m = 0; m < NMODES; m++) {
        if (!want[m])
            continue;
        printf("%-12s", mode_name[m]);
        for (int t = 0; t < NTASKS; t++) {
            printf(" %9.3f", secs[m][t]);
            if (want[SERIAL])
                printf(" %9.2fx", secs[SERIAL][t] / secs[m][t]);
            else
                printf(" %10s", "-");
        }
        printf("\n");
    }
    printf("results, the same in every mode: cpu %ld (%ld primes below %ld, %d times), io %ld\n",
           total[CPU], total[CPU] / workers, limit, workers, total[IO]);
    if (want[GIL])
        printf("the GIL (%s) changed hands %lu times in the cpu task, %lu in the io task\n",
               fair ? "fair hand-off" : "plain mutex", handoffs[CPU], handoffs[IO]);
    return 0;
}
