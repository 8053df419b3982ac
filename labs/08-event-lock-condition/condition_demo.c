/*
 * condition_demo - a condition variable (条件变量): wait, notify, notify_all, and why the
 * wait sits in a `while` loop.
 *
 * Usage: condition_demo [-m notify|notify_all|if|while|all] [-n CONSUMERS]
 *
 * Shows: consumer threads wait until an item is there; main puts items in and wakes them.
 * The pattern is always: lock the mutex; while the condition is false, wait (which
 * unlocks the mutex, sleeps, and locks it again before returning); act; unlock.
 *  notify      pthread_cond_signal() (Python's notify()) wakes one waiting thread per item.
 *  notify_all  pthread_cond_broadcast() (notify_all()) wakes all of them.
 *  if          BROKEN: `if` instead of `while`. One item, two waiting consumers, and a
 *              broadcast: both wake, neither looks again, both take "the" item, and the
 *              count of items goes to -1.
 *  while       the fix: the consumer that comes second checks again, finds no item, and
 *              goes back to waiting. The same loop handles spurious wakeups (虚假唤醒):
 *              POSIX allows pthread_cond_wait() to return when nobody signalled.
 * main knows when the consumers wait because each one counts itself in `arrived` with the
 * mutex held, just before it waits; so the output is the same on every run.
 *
 * Observe: `./condition_demo -m if` prints items = -1 every time.
 * See also: pthread_cond_wait(3p), pthread_cond_signal(3p); event.c (an Event is this
 * pattern); producer_consumer.c; notes/threads.md.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

#define MAX_CONSUMERS 16

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t item_ready = PTHREAD_COND_INITIALIZER; /* consumers wait on it */
static pthread_cond_t progress = PTHREAD_COND_INITIALIZER;   /* main waits on it */
/* The shared state. Every access, read or write, with `mutex` held. */
static int items;    /* items there to be taken */
static int arrived;  /* consumers that have come to the wait */
static int taken;    /* items taken so far */
static bool use_if;  /* the BROKEN consumer */

static void lock(void)
{
    int rc = pthread_mutex_lock(&mutex);
    if (rc != 0)
        die_en(rc, "pthread_mutex_lock");
}

static void unlock(void)
{
    int rc = pthread_mutex_unlock(&mutex);
    if (rc != 0)
        die_en(rc, "pthread_mutex_unlock");
}

static void wait_on(pthread_cond_t *cond)
{
    int rc = pthread_cond_wait(cond, &mutex);
    if (rc != 0)
        die_en(rc, "pthread_cond_wait");
}

static void notify(pthread_cond_t *cond)
{
    int rc = pthread_cond_signal(cond);
    if (rc != 0)
        die_en(rc, "pthread_cond_signal");
}

static void notify_all(pthread_cond_t *cond)
{
    int rc = pthread_cond_broadcast(cond);
    if (rc != 0)
        die_en(rc, "pthread_cond_broadcast");
}

/* A consumer takes one item and ends. */
static void *consumer_main(void *arg)
{
    (void)arg;
    lock();
    arrived++;
    notify(&progress);
    if (use_if) {
        if (items == 0)      /* BROKEN: checked once; not again after waking up */
            wait_on(&item_ready);
    } else {
        while (items == 0)   /* right: check again after every wakeup */
            wait_on(&item_ready);
    }
    items--;                 /* take the item we believe is there */
    taken++;
    notify(&progress);
    unlock();
    return NULL;
}

/* main: wait (mutex held) until at least `n` consumers arrived / items were taken. */
static void wait_until(const int *counter, int n)
{
    while (*counter < n)
        wait_on(&progress);
}

static pthread_t tids[MAX_CONSUMERS];

static void start_consumers(int n, bool broken)
{
    items = arrived = taken = 0; /* no other thread runs now: no lock needed */
    use_if = broken;
    for (int i = 0; i < n; i++) {
        int rc = pthread_create(&tids[i], NULL, consumer_main, NULL);
        if (rc != 0)
            die_en(rc, "pthread_create");
    }
}

static void join_consumers(int n)
{
    for (int i = 0; i < n; i++) {
        int rc = pthread_join(tids[i], NULL);
        if (rc != 0)
            die_en(rc, "pthread_join");
    }
}

static void demo_notify(int n)
{
    printf("-- notify(): wake one waiting consumer per item --\n");
    start_consumers(n, false);
    lock();
    wait_until(&arrived, n);
    printf("main: %d consumers wait for an item\n", n);
    for (int i = 1; i <= n; i++) {
        items++;
        notify(&item_ready);
        wait_until(&taken, i);
        printf("main: item %d, notify(): a consumer took it; %d still waiting\n", i, n - taken);
    }
    unlock();
    join_consumers(n);
}

static void demo_notify_all(int n)
{
    printf("-- notify_all(): wake every waiting consumer --\n");
    start_consumers(n, false);
    lock();
    wait_until(&arrived, n);
    items = n;
    notify_all(&item_ready);
    printf("main: %d consumers wait; %d items, notify_all()\n", n, n);
    wait_until(&taken, n);
    printf("main: %d items taken; items = %d\n", taken, items);
    unlock();
    join_consumers(n);
}

static void demo_if_or_while(bool broken)
{
    if (broken)
        printf("-- `if` around wait(): 2 consumers wait, 1 item, notify_all() --\n");
    else
        printf("-- `while` around wait(): 2 consumers wait, 1 item, notify_all() --\n");
    start_consumers(2, broken);
    lock();
    wait_until(&arrived, 2);
    items = 1;
    notify_all(&item_ready);
    if (broken) {
        wait_until(&taken, 2);
        printf("main: %d items taken, but there was only 1: items = %d  <- WRONG\n", taken,
               items);
        printf("main: the second consumer woke up and took an item without checking again\n");
    } else {
        wait_until(&taken, 1);
        printf("main: %d item taken; items = %d: the other consumer checked again, found "
               "none,\n", taken, items);
        printf("main: and went back to waiting. A second item, notify():\n");
        items++;
        notify(&item_ready);
        wait_until(&taken, 2);
        printf("main: %d items taken; items = %d\n", taken, items);
    }
    unlock();
    join_consumers(2);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = "all";
    int n = 3, opt;
    while ((opt = getopt(argc, argv, ":m:n:h")) != -1) {
        switch (opt) {
        case 'm':
            mode = optarg;
            if (strcmp(mode, "notify") != 0 && strcmp(mode, "notify_all") != 0 &&
                strcmp(mode, "if") != 0 && strcmp(mode, "while") != 0 &&
                strcmp(mode, "all") != 0)
                usage_error("bad mode '%s' (expected notify, notify_all, if, while or all)",
                            mode);
            break;
        case 'n':
            n = (int)parse_long(optarg, 1, MAX_CONSUMERS, "number of consumers");
            break;
        case 'h':
            printf("usage: condition_demo [-m notify|notify_all|if|while|all] [-n CONSUMERS]\n"
                   "Consumer threads wait on a condition variable for items that main puts\n"
                   "in: notify() wakes one, notify_all() wakes all; `if` around the wait is\n"
                   "wrong, `while` is right.\n"
                   "  -m MODE       which part to run (default all)\n"
                   "  -n CONSUMERS  consumers in the notify and notify_all parts, 1-%d\n"
                   "                (default 3)\n"
                   "  -h            this help\n",
                   MAX_CONSUMERS);
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
    if (all || strcmp(mode, "notify") == 0)
        demo_notify(n);
    if (all || strcmp(mode, "notify_all") == 0)
        demo_notify_all(n);
    if (all || strcmp(mode, "if") == 0)
        demo_if_or_while(true);
    if (all || strcmp(mode, "while") == 0)
        demo_if_or_while(false);
    return 0;
}
