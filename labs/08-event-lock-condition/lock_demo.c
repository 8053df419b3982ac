/*
 * lock_demo - a mutex (the classroom's Lock): trylock, relocking, and deadlock.
 *
 * Usage: lock_demo [-m trylock|relock|deadlock|ordered|all] [-t MS]
 *
 * Shows:
 *  trylock   pthread_mutex_trylock() takes a free mutex, or returns EBUSY at once where
 *            lock() would wait.
 *  relock    a thread that locks a mutex it already holds waits for itself forever (the
 *            classroom: "locking a thread lock twice blocks"). An error-checking mutex
 *            returns EDEADLK instead, which is what this shows.
 *  deadlock  (死锁) thread A takes lock1 then lock2; thread B takes lock2 then lock1. Once
 *            each holds its first lock, each waits for the lock the other one holds, and
 *            neither can go on. With lock() both would hang forever; here the second lock
 *            is taken with pthread_mutex_timedlock(), so both give up after MS ms and the
 *            program reports the deadlock.
 *  ordered   the fix: both threads take lock1 before lock2 (one global lock order). A
 *            cycle of waiting cannot form, so there is no deadlock.
 * In the deadlock run the two threads hand-shake with Events (event.h) so that each
 * really holds its first lock while it tries the second: the deadlock happens every time,
 * not just when the scheduler happens to interleave them badly.
 *
 * Observe: `./lock_demo -m deadlock -t 5000`, and meanwhile
 *   ps -L -o pid,lwp,stat,wchan:20,comm -p $(pgrep -n lock_demo)
 * shows both threads asleep in a futex wait.
 * See also: pthread_mutex_lock(3p), pthread_mutex_trylock(3p),
 * pthread_mutex_timedlock(3p), pthread_mutexattr_settype(3p); notes/threads.md.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"
#include "event.h"

static pthread_mutex_t lock1 = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock2 = PTHREAD_MUTEX_INITIALIZER;
static long timeout_ms = 500;

static void lock(pthread_mutex_t *m)
{
    int rc = pthread_mutex_lock(m);
    if (rc != 0)
        die_en(rc, "pthread_mutex_lock");
}

static void unlock(pthread_mutex_t *m)
{
    int rc = pthread_mutex_unlock(m);
    if (rc != 0)
        die_en(rc, "pthread_mutex_unlock");
}

/* ---- trylock ---- */

static Event tried; /* the thread has called trylock(): main may unlock */

static void *trier_main(void *arg)
{
    (void)arg;
    int rc = pthread_mutex_trylock(&lock1);
    if (rc != EBUSY)
        fatal("trylock() on a held mutex returned %d, not EBUSY", rc);
    printf("thread: trylock() -> EBUSY: the mutex is held, and trylock() does not wait\n");
    event_set(&tried);
    lock(&lock1); /* waits until main unlocks */
    printf("thread: lock() returned once main unlocked: the mutex is ours now\n");
    unlock(&lock1);
    return NULL;
}

static void demo_trylock(void)
{
    printf("-- trylock: take the mutex only if it is free --\n");
    pthread_t t;
    int rc;
    event_init(&tried, false);
    lock(&lock1);
    printf("main: lock()\n");
    if ((rc = pthread_create(&t, NULL, trier_main, NULL)) != 0)
        die_en(rc, "pthread_create");
    event_wait(&tried);
    printf("main: unlock()\n");
    unlock(&lock1);
    if ((rc = pthread_join(t, NULL)) != 0)
        die_en(rc, "pthread_join");
    event_destroy(&tried);
}

/* ---- relock ---- */

static void demo_relock(void)
{
    printf("-- relock: lock() a mutex that this thread already holds --\n");
    pthread_mutexattr_t attr;
    pthread_mutex_t m;
    int rc;
    if ((rc = pthread_mutexattr_init(&attr)) != 0)
        die_en(rc, "pthread_mutexattr_init");
    if ((rc = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK)) != 0)
        die_en(rc, "pthread_mutexattr_settype");
    if ((rc = pthread_mutex_init(&m, &attr)) != 0)
        die_en(rc, "pthread_mutex_init");
    lock(&m);
    printf("main: lock() an error-checking mutex\n");
    rc = pthread_mutex_lock(&m);
    if (rc != EDEADLK)
        fatal("the second lock() returned %d, not EDEADLK", rc);
    printf("main: lock() it again -> EDEADLK (a default mutex would wait for itself forever)\n");
    unlock(&m);
    if ((rc = pthread_mutex_destroy(&m)) != 0)
        die_en(rc, "pthread_mutex_destroy");
    if ((rc = pthread_mutexattr_destroy(&attr)) != 0)
        die_en(rc, "pthread_mutexattr_destroy");
}

/* ---- deadlock and ordered ---- */

struct locker {
    const char *name;                      /* "A" or "B" */
    pthread_mutex_t *first, *second;
    const char *first_name, *second_name;
    bool handshake;      /* hold `first` until the other thread has tried its second lock */
    Event holds, tried;  /* this thread holds `first`; it has tried `second` */
    struct locker *other;
    int rc;              /* what timedlock(second) returned */
};

static void *locker_main(void *arg)
{
    /* task 3 begin: locker_main */
    struct locker *me = arg;
    lock(me->first);
    if (me->handshake) {
        event_set(&me->holds);
        event_wait(&me->other->holds); /* now each thread holds its first lock */
    }
    /* pthread_mutex_timedlock() takes an absolute time on CLOCK_REALTIME (POSIX gives
     * mutexes no choice of clock). */
    struct timespec deadline = deadline_after_ms(CLOCK_REALTIME, timeout_ms);
    me->rc = pthread_mutex_timedlock(me->second, &deadline);
    if (me->rc != 0 && me->rc != ETIMEDOUT)
        die_en(me->rc, "pthread_mutex_timedlock");
    if (me->rc == 0)
        unlock(me->second);
    if (me->handshake) {
        event_set(&me->tried);
        event_wait(&me->other->tried); /* keep holding `first` until the other has tried */
    }
    unlock(me->first);
    return NULL;
    /* task 3 end */
}

/* Run threads A and B; B takes the locks in the order given. Returns how many timed out. */
static int run_lockers(bool b_reversed)
{
    struct locker a = {.name = "A", .handshake = b_reversed,
                       .first = &lock1, .first_name = "lock1",
                       .second = &lock2, .second_name = "lock2"};
    struct locker b = a;
    b.name = "B";
    if (b_reversed) {
        b.first = &lock2, b.first_name = "lock2";
        b.second = &lock1, b.second_name = "lock1";
    }
    a.other = &b, b.other = &a;
    struct locker *both[2] = {&a, &b};
    pthread_t tids[2];
    int rc, timeouts = 0;
    for (int i = 0; i < 2; i++) {
        event_init(&both[i]->holds, false);
        event_init(&both[i]->tried, false);
    }
    for (int i = 0; i < 2; i++)
        if ((rc = pthread_create(&tids[i], NULL, locker_main, both[i])) != 0)
            die_en(rc, "pthread_create");
    for (int i = 0; i < 2; i++) {
        if ((rc = pthread_join(tids[i], NULL)) != 0)
            die_en(rc, "pthread_join");
        struct locker *l = both[i];
        printf("%s: holds %s; timedlock(%s) %s\n", l->name, l->first_name, l->second_name,
               l->rc == 0 ? "got it" : "timed out");
        timeouts += l->rc == ETIMEDOUT;
    }
    for (int i = 0; i < 2; i++) {
        event_destroy(&both[i]->holds);
        event_destroy(&both[i]->tried);
    }
    return timeouts;
}

static void demo_deadlock(void)
{
    printf("-- deadlock: A locks lock1 then lock2, B locks lock2 then lock1 --\n");
    int timeouts = run_lockers(true);
    if (timeouts == 2)
        printf("main: deadlock: each thread held the lock that the other one waited for\n"
               "main: (with lock() instead of a %ld ms timedlock(), both would wait forever)\n",
               timeout_ms);
    else
        fatal("expected both threads to time out, but %d did", timeouts);
}

static void demo_ordered(void)
{
    printf("-- ordered: A and B both lock lock1 first, then lock2 --\n");
    int timeouts = run_lockers(false);
    if (timeouts == 0)
        printf("main: no deadlock: when every thread takes the locks in one order,\n"
               "main: no cycle of threads waiting for each other can form\n");
    else
        fatal("%d thread(s) timed out although both take the locks in the same order",
              timeouts);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = "all";
    int opt;
    while ((opt = getopt(argc, argv, ":m:t:h")) != -1) {
        switch (opt) {
        case 'm':
            mode = optarg;
            if (strcmp(mode, "trylock") != 0 && strcmp(mode, "relock") != 0 &&
                strcmp(mode, "deadlock") != 0 && strcmp(mode, "ordered") != 0 &&
                strcmp(mode, "all") != 0)
                usage_error("bad mode '%s' (expected trylock, relock, deadlock, ordered "
                            "or all)", mode);
            break;
        case 't':
            timeout_ms = parse_long(optarg, 1, 60000, "time-out in ms");
            break;
        case 'h':
            printf("usage: lock_demo [-m trylock|relock|deadlock|ordered|all] [-t MS]\n"
                   "Shows a mutex's trylock, what relocking a held mutex does, the deadlock\n"
                   "of two threads that take two locks in opposite orders, and its fix.\n"
                   "  -m MODE  which part to run (default all)\n"
                   "  -t MS    how long a thread waits for its second lock before it reports\n"
                   "           the deadlock, 1-60000 ms (default 500)\n"
                   "  -h       this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    bool all = strcmp(mode, "all") == 0;
    if (all || strcmp(mode, "trylock") == 0)
        demo_trylock();
    if (all || strcmp(mode, "relock") == 0)
        demo_relock();
    if (all || strcmp(mode, "deadlock") == 0)
        demo_deadlock();
    if (all || strcmp(mode, "ordered") == 0)
        demo_ordered();
    return 0;
}
