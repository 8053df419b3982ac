/*
 * event.c - the Event of event.h: a flag, a mutex and a condition variable.
 *
 * Every function follows the one pattern of condition variables:
 *     lock the mutex; read or change the state (flag); wait or signal; unlock.
 * wait() checks the flag in a `while` loop, because pthread_cond_wait() may return
 * without a signal (a spurious wakeup), and because another thread may have cleared the
 * flag between the broadcast and our return (see condition_demo.c).
 *
 * See also: pthread_cond_wait(3p), pthread_condattr_setclock(3p), event_demo.c.
 */
#include "event.h"

#include <errno.h>
#include <time.h>

#include "deadline.h"
#include "die.h"

void event_init(Event *e, bool shared)
{
    int pshared = shared ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE;
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    int rc;

    if ((rc = pthread_mutexattr_init(&ma)) != 0)
        die_en(rc, "pthread_mutexattr_init");
    if ((rc = pthread_mutexattr_setpshared(&ma, pshared)) != 0)
        die_en(rc, "pthread_mutexattr_setpshared");
    if ((rc = pthread_mutex_init(&e->mutex, &ma)) != 0)
        die_en(rc, "pthread_mutex_init");
    if ((rc = pthread_mutexattr_destroy(&ma)) != 0)
        die_en(rc, "pthread_mutexattr_destroy");

    if ((rc = pthread_condattr_init(&ca)) != 0)
        die_en(rc, "pthread_condattr_init");
    if ((rc = pthread_condattr_setpshared(&ca, pshared)) != 0)
        die_en(rc, "pthread_condattr_setpshared");
    /* Time-outs are measured on CLOCK_MONOTONIC, which only moves forward. The default,
     * CLOCK_REALTIME, jumps when someone sets the clock: a 1 s wait could last an hour. */
    if ((rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0)
        die_en(rc, "pthread_condattr_setclock");
    if ((rc = pthread_cond_init(&e->cond, &ca)) != 0)
        die_en(rc, "pthread_cond_init");
    if ((rc = pthread_condattr_destroy(&ca)) != 0)
        die_en(rc, "pthread_condattr_destroy");

    e->flag = false;
}

void event_destroy(Event *e)
{
    int rc;
    if ((rc = pthread_cond_destroy(&e->cond)) != 0)
        die_en(rc, "pthread_cond_destroy");
    if ((rc = pthread_mutex_destroy(&e->mutex)) != 0)
        die_en(rc, "pthread_mutex_destroy");
}

static void lock(Event *e)
{
    int rc = pthread_mutex_lock(&e->mutex);
    if (rc != 0)
        die_en(rc, "pthread_mutex_lock");
}

static void unlock(Event *e)
{
    int rc = pthread_mutex_unlock(&e->mutex);
    if (rc != 0)
        die_en(rc, "pthread_mutex_unlock");
}

void event_set(Event *e)
{
    /* task 2 begin: event_set */
    lock(e);
    e->flag = true;
    /* Broadcast, not signal: every waiter must wake, not just one. */
    int rc = pthread_cond_broadcast(&e->cond);
    if (rc != 0)
        die_en(rc, "pthread_cond_broadcast");
    unlock(e);
    /* task 2 end */
}

void event_clear(Event *e)
{
    /* task 2 begin: event_clear */
    lock(e);
    e->flag = false; /* no broadcast: nobody waits for a flag to be cleared */
    unlock(e);
    /* task 2 end */
}

bool event_is_set(Event *e)
{
    /* task 2 begin: event_is_set */
    lock(e); /* even a read of a shared variable needs the mutex */
    bool set = e->flag;
    unlock(e);
    return set;
    /* task 2 end */
}

void event_wait(Event *e)
{
    /* task 2 begin: event_wait */
    lock(e);
    while (!e->flag) {
        int rc = pthread_cond_wait(&e->cond, &e->mutex); /* unlocks, sleeps, relocks */
        if (rc != 0)
            die_en(rc, "pthread_cond_wait");
    }
    unlock(e);
    /* task 2 end */
}

bool event_wait_timeout(Event *e, long timeout_ms)
{
    /* task 2 begin: event_wait_timeout */
    /* pthread_cond_timedwait() takes an absolute deadline, not a duration: computed once,
     * it stays right however many times the loop below goes round. */
    struct timespec deadline = deadline_after_ms(CLOCK_MONOTONIC, timeout_ms);

    lock(e);
    while (!e->flag) {
        int rc = pthread_cond_timedwait(&e->cond, &e->mutex, &deadline);
        if (rc == ETIMEDOUT)
            break;
        if (rc != 0)
            die_en(rc, "pthread_cond_timedwait");
    }
    bool set = e->flag; /* it may have been set just as the time ran out: report that */
    unlock(e);
    return set;
    /* task 2 end */
}
