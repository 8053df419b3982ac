/*
 * event_demo - the Event of event.h: set, clear, is_set, wait, wait with a time-out.
 *
 * Usage: event_demo [-n WAITERS] [-t MS]
 *
 * Shows, in four steps:
 *  1. A thread that must not read a global variable before main has written it waits
 *     for an Event; main writes the global, then calls set(). The Event orders the two
 *     threads (同步: synchronisation), and its mutex makes main's write visible.
 *  2. wait() on an event that is already set returns at once: the flag remembers.
 *  3. After clear(), wait with a time-out returns false when the time is up.
 *  4. set() releases every waiter, not just one: those already asleep in wait() (it
 *     broadcasts) and those that come to wait() later (the flag stays set).
 *
 * Observe: step 3's time is measured on CLOCK_MONOTONIC and is never shorter than the
 * time-out (it may be a little longer: the thread has to be scheduled again).
 * See also: event.h, event.c; pthread_cond_timedwait(3p); pshared_sync.c (the same Event
 * between two processes); notes/threads.md.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"
#include "event.h"

#define MAX_WAITERS 16

static Event ready;
static char password[32]; /* written by main, read by the guard after wait() */

static void *guard_main(void *arg)
{
    (void)arg;
    event_wait(&ready); /* without this, the guard could read password before main wrote it */
    printf("guard: wait() returned; the password is \"%s\"\n", password);
    return NULL;
}

static void *waiter_main(void *arg)
{
    bool *result = arg;
    *result = event_wait_timeout(&ready, 10000); /* a bound, so a bug cannot hang us */
    return NULL;
}

static const char *yes_no(bool b)
{
    return b ? "true" : "false";
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int nwaiters = 3, opt;
    long timeout_ms = 200;
    while ((opt = getopt(argc, argv, ":n:t:h")) != -1) {
        switch (opt) {
        case 'n':
            nwaiters = (int)parse_long(optarg, 1, MAX_WAITERS, "number of waiters");
            break;
        case 't':
            timeout_ms = parse_long(optarg, 1, 10000, "time-out in ms");
            break;
        case 'h':
            printf("usage: event_demo [-n WAITERS] [-t MS]\n"
                   "Uses an Event (a flag with set, clear, is_set, wait and wait with a\n"
                   "time-out, built on a mutex and a condition variable) between threads.\n"
                   "  -n WAITERS  threads that wait for set() in step 4, 1-%d (default 3)\n"
                   "  -t MS       the time-out of step 3, 1-10000 ms (default 200)\n"
                   "  -h          this help\n",
                   MAX_WAITERS);
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    int rc;
    pthread_t guard, waiters[MAX_WAITERS];
    bool results[MAX_WAITERS];

    printf("-- 1. a thread waits for the event before it reads a global --\n");
    event_init(&ready, false);
    printf("main: created the event: is_set() = %s\n", yes_no(event_is_set(&ready)));
    if ((rc = pthread_create(&guard, NULL, guard_main, NULL)) != 0)
        die_en(rc, "pthread_create");
    printf("main: started the guard thread, which calls wait()\n");
    strcpy(password, "open sesame");
    printf("main: wrote the password into a global, then set()\n");
    event_set(&ready);
    if ((rc = pthread_join(guard, NULL)) != 0)
        die_en(rc, "pthread_join");
    printf("main: joined the guard; is_set() = %s\n", yes_no(event_is_set(&ready)));

    printf("-- 2. wait() on an event that is set returns at once --\n");
    event_wait(&ready);
    printf("main: wait() returned: the flag remembers set(), so no wakeup is lost\n");

    printf("-- 3. clear(), then wait with a time-out --\n");
    event_clear(&ready);
    printf("main: clear(): is_set() = %s\n", yes_no(event_is_set(&ready)));
    long long start = now_ms(); /* common/deadline.h: monotonic ms */
    bool got = event_wait_timeout(&ready, timeout_ms);
    long waited = (long)(now_ms() - start);
    if (waited < timeout_ms)
        fatal("wait(%ld ms) returned after only %ld ms", timeout_ms, waited);
    printf("main: wait(%ld ms) returned %s after %ld ms: timed out\n", timeout_ms, yes_no(got),
           waited);

    printf("-- 4. set() releases every waiter --\n");
    for (int i = 0; i < nwaiters; i++)
        if ((rc = pthread_create(&waiters[i], NULL, waiter_main, &results[i])) != 0)
            die_en(rc, "pthread_create");
    printf("main: started %d threads that wait (with a 10 s time-out), then set()\n", nwaiters);
    event_set(&ready);
    for (int i = 0; i < nwaiters; i++) {
        if ((rc = pthread_join(waiters[i], NULL)) != 0)
            die_en(rc, "pthread_join");
        printf("main: joined waiter %d: its wait() returned %s\n", i + 1, yes_no(results[i]));
    }
    event_destroy(&ready);
    return 0;
}
