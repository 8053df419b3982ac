/*
 * threads_basics - create, join and detach threads; names, ids, and shared globals.
 *
 * Usage: threads_basics [-n N] [-H]
 *
 * Shows: pthread_create() starts a thread that runs a function with one argument;
 * pthread_join() waits for it to end (like waitpid() for a child). All threads are in one
 * process: the same pid, each with its own kernel thread id (tid), its own stack, and the
 * same global variables - a worker writes results[i] and main reads it after the join,
 * where in lab 01 a child's write never reached its parent. A detached thread (the
 * classroom's daemon thread) is never joined; when main returns, exit() ends the whole
 * process, detached threads included.
 * Every thread names itself (pthread_setname_np): ps and /proc show the names.
 *
 * Observe: with -H the program waits for its stdin to close while all threads are alive:
 *   ./threads_basics -H        then, in another terminal:
 *   ls /proc/$(pgrep -n threads_basics)/task
 *   ps -L -o pid,lwp,comm -p $(pgrep -n threads_basics)
 * and press Ctrl-D in the first one.
 * See also: pthread_create(3), pthread_join(3), pthread_detach(3), gettid(2),
 * pthread_setname_np(3); race.c; notes/threads.md.
 */
#define _GNU_SOURCE /* pthread_setname_np() and gettid() are GNU extensions (Linux) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "die.h"

#define MAX_WORKERS 16

struct worker {       /* one per worker: its argument, and what it found out */
    int index;        /* in: 0, 1, 2, ... */
    pid_t pid, tid;   /* out: getpid() and gettid() as the worker saw them */
    int value_seen;   /* out: the global `value` as the worker read it */
};

static int value = 100;              /* a global variable: one copy, seen by every thread */
static int results[MAX_WORKERS];     /* worker i writes results[i]; main reads it */
static pthread_barrier_t started;    /* all threads have started and named themselves */
static pthread_barrier_t may_finish; /* main lets the workers return (after -H's hold) */

static void name_self(const char *name)
{
    /* At most 15 characters: the kernel keeps a thread's name in 16 bytes. */
    int rc = pthread_setname_np(pthread_self(), name);
    if (rc != 0)
        die_en(rc, "pthread_setname_np %s", name);
}

static void barrier_wait(pthread_barrier_t *b)
{
    /* Every thread waits here until all the barrier's threads have arrived. */
    int rc = pthread_barrier_wait(b);
    if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
        die_en(rc, "pthread_barrier_wait");
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char name[16];
    if (snprintf(name, sizeof name, "worker-%d", w->index + 1) >= (int)sizeof name)
        fatal("thread name too long");
    name_self(name);
    w->pid = getpid();
    w->tid = gettid();
    w->value_seen = value;
    results[w->index] = value + w->index + 1; /* no lock needed: nobody else writes here */
    barrier_wait(&started);
    barrier_wait(&may_finish);
    return NULL; /* the same as pthread_exit(NULL) */
}

static void *daemon_main(void *arg)
{
    (void)arg;
    name_self("daemon");
    barrier_wait(&started);
    for (;;)
        pause(); /* forever: nobody joins this thread; the process's exit ends it */
    return NULL; /* not reached */
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int nworkers = 3, hold = 0, opt;
    while ((opt = getopt(argc, argv, ":n:Hh")) != -1) {
        switch (opt) {
        case 'n':
            nworkers = (int)parse_long(optarg, 1, MAX_WORKERS, "number of workers");
            break;
        case 'H':
            hold = 1;
            break;
        case 'h':
            printf("usage: threads_basics [-n N] [-H]\n"
                   "Creates N joinable worker threads and one detached daemon thread, shows\n"
                   "their ids and names and that they share the process's global variables.\n"
                   "  -n N  number of workers, 1-%d (default 3)\n"
                   "  -H    hold: wait until stdin is closed while every thread is alive\n"
                   "  -h    this help\n",
                   MAX_WORKERS);
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    name_self("threads_basics"); /* the main thread's name is the program's name anyway */
    printf("main: pid %ld, tid %ld: the main thread's tid is the pid\n", (long)getpid(),
           (long)gettid());
    printf("main: value = %d in a global; creating %d worker(s), joinable, and a daemon, "
           "detached\n", value, nworkers);

    int rc;
    if ((rc = pthread_barrier_init(&started, NULL, (unsigned)nworkers + 2)) != 0)
        die_en(rc, "pthread_barrier_init");
    if ((rc = pthread_barrier_init(&may_finish, NULL, (unsigned)nworkers + 1)) != 0)
        die_en(rc, "pthread_barrier_init");

    pthread_t tids[MAX_WORKERS], daemon;
    struct worker workers[MAX_WORKERS];
    for (int i = 0; i < nworkers; i++) {
        workers[i].index = i;
        rc = pthread_create(&tids[i], NULL, worker_main, &workers[i]);
        if (rc != 0)
            die_en(rc, "pthread_create");
    }
    if ((rc = pthread_create(&daemon, NULL, daemon_main, NULL)) != 0)
        die_en(rc, "pthread_create");
    if ((rc = pthread_detach(daemon)) != 0) /* nobody will join it: free it when it ends */
        die_en(rc, "pthread_detach");

    barrier_wait(&started);
    printf("main: all %d threads have started and named themselves: see /proc/%ld/task\n",
           nworkers + 2, (long)getpid());
    if (hold) {
        printf("main: holding until stdin is closed\n");
        int c;
        while ((c = getchar()) != EOF)
            ;
    }
    barrier_wait(&may_finish);

    int sum = 0;
    for (int i = 0; i < nworkers; i++) {
        if ((rc = pthread_join(tids[i], NULL)) != 0)
            die_en(rc, "pthread_join");
        /* After the join, everything the worker wrote is visible here. */
        printf("main: joined worker-%d: pid %ld, tid %ld; it read value %d and wrote "
               "results[%d] = %d\n",
               i + 1, (long)workers[i].pid, (long)workers[i].tid, workers[i].value_seen, i,
               results[i]);
        sum += results[i];
    }
    printf("main: the workers wrote into our own memory: results[] adds up to %d\n", sum);
    printf("main: returning from main calls exit(), which ends the daemon thread too\n");
    if ((rc = pthread_barrier_destroy(&may_finish)) != 0) /* every user has been joined */
        die_en(rc, "pthread_barrier_destroy");
    /* `started` is not destroyed: the daemon, never joined, might still be returning
     * from its pthread_barrier_wait(), and destroying it then is undefined. */
    return 0;
}
