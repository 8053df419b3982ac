/*
 * race - threads that add to one shared counter, without and with a mutex.
 *
 * Usage: race [-t THREADS] [-n INCREMENTS] [-m none|mutex|both]
 *
 * Shows: `counter++` is three steps - load the value, add one, store it back. Two threads
 * that interleave those steps both store the same new value, and one increment is lost:
 * a race condition (竞争条件). Without a mutex the total is usually short of the expected
 * one, by a different amount each run (it can even come out right; it is never too high).
 * With a mutex around the increment - the critical section (临界区) - only one thread at a
 * time runs it and the total is always exact.
 * Strictly, C11 calls the unlocked version a data race, and a data race is undefined
 * behaviour: the compiler may assume it never happens. `volatile` below only keeps the
 * compiler from adding up the loop in a register; it does not make the increment safe.
 *
 * Observe: run `./race -m none` a few times: the lost count changes. Build with
 * `make BUILD=tsan` and run build/tsan/.../race -m none: ThreadSanitizer reports the race,
 * with the line of the increment. `-m mutex` is clean.
 * See also: pthread_mutex_lock(3p); lock_demo.c; notes/threads.md.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

#define MAX_THREADS 64

static long increments = 1000000;             /* per thread; set once before the threads */
static volatile long unlocked_counter;        /* see the header about volatile */
static long locked_counter;                   /* only touched with `mutex` held */
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

static void *add_unlocked(void *arg)
{
    (void)arg;
    for (long i = 0; i < increments; i++)
        unlocked_counter++; /* BROKEN: load, add, store - another thread can cut in */
    return NULL;
}

static void *add_locked(void *arg)
{
    /* task 1 begin: add_locked */
    (void)arg;
    for (long i = 0; i < increments; i++) {
        int rc = pthread_mutex_lock(&mutex);
        if (rc != 0)
            die_en(rc, "pthread_mutex_lock");
        locked_counter++; /* the critical section: one thread at a time */
        rc = pthread_mutex_unlock(&mutex);
        if (rc != 0)
            die_en(rc, "pthread_mutex_unlock");
    }
    return NULL;
    /* task 1 end */
}

/* Start nthreads threads running fn, and wait for all of them. */
static void run_threads(void *(*fn)(void *), int nthreads)
{
    pthread_t tids[MAX_THREADS];
    int rc;
    for (int i = 0; i < nthreads; i++)
        if ((rc = pthread_create(&tids[i], NULL, fn, NULL)) != 0)
            die_en(rc, "pthread_create");
    for (int i = 0; i < nthreads; i++)
        if ((rc = pthread_join(tids[i], NULL)) != 0)
            die_en(rc, "pthread_join");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int nthreads = 4, opt;
    const char *mode = "both";
    while ((opt = getopt(argc, argv, ":t:n:m:h")) != -1) {
        switch (opt) {
        case 't':
            nthreads = (int)parse_long(optarg, 1, MAX_THREADS, "number of threads");
            break;
        case 'n':
            increments = parse_long(optarg, 1, 100000000, "number of increments");
            break;
        case 'm':
            mode = optarg;
            if (strcmp(mode, "none") != 0 && strcmp(mode, "mutex") != 0 &&
                strcmp(mode, "both") != 0)
                usage_error("bad mode '%s' (expected none, mutex or both)", mode);
            break;
        case 'h':
            printf("usage: race [-t THREADS] [-n INCREMENTS] [-m none|mutex|both]\n"
                   "THREADS threads each add 1 to a shared counter INCREMENTS times, without\n"
                   "a mutex (updates get lost) and with one (the total is exact).\n"
                   "  -t THREADS     number of threads, 1-%d (default 4)\n"
                   "  -n INCREMENTS  increments per thread, 1-100000000 (default 1000000)\n"
                   "  -m MODE        none: only without a mutex; mutex: only with one;\n"
                   "                 both (default)\n"
                   "  -h             this help\n",
                   MAX_THREADS);
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    long expected = nthreads * increments;
    printf("race: %d threads each add 1 to a shared counter %ld times: expected total %ld\n",
           nthreads, increments, expected);
    if (strcmp(mode, "mutex") != 0) {
        run_threads(add_unlocked, nthreads);
        printf("no mutex:   total %ld, lost %ld\n", unlocked_counter,
               expected - unlocked_counter);
    }
    if (strcmp(mode, "none") != 0) {
        run_threads(add_locked, nthreads);
        printf("with mutex: total %ld, lost %ld\n", locked_counter, expected - locked_counter);
    }
    return 0;
}
