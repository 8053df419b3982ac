/*
 * gil.h - a global interpreter lock (全局解释器锁, GIL) in C, built the way CPython's is.
 *
 * One lock for the whole process: a thread must hold it to "run Python code" (here: to
 * compute), so only one thread computes at a time, whatever the number of cores. A thread
 * gives it up every so often (gil_yield: CPython's switch interval) and around blocking
 * I/O (gil_drop ... gil_take), which is why threads still help with I/O under a GIL.
 *
 * Two flavours, to compare:
 *   fair (the default, like CPython >= 3.2): a ticket queue. gil_yield() puts the caller at
 *        the back of the queue, so every thread that was waiting runs before it again.
 *   plain: a bare pthread mutex. gil_yield() is unlock + lock, and the thread that just
 *        unlocked is still running on its core, so it almost always re-takes the lock
 *        before the woken waiter has even been scheduled: the waiters starve.
 * See also: gil.c, gil_bench.c, README.md ("the GIL mode").
 */
#ifndef GIL_H
#define GIL_H

#include <pthread.h>

struct gil {
    pthread_mutex_t mutex; /* plain: the GIL itself; fair: guards the ticket queue below */
    pthread_cond_t turn;   /* fair: signalled when now_serving moves on */
    unsigned long next_ticket, now_serving; /* fair: the holder's ticket == now_serving */
    int fair;
    int holder;              /* worker number of the current or last holder, -1 at first */
    unsigned long handoffs; /* times the GIL went to a different thread than its last holder */
};

void gil_init(struct gil *g, int fair);
void gil_destroy(struct gil *g);
void gil_take(struct gil *g, int me); /* block until this thread (worker `me`) holds it */
void gil_drop(struct gil *g);          /* give it up (the caller must hold it) */
void gil_yield(struct gil *g, int me); /* drop, let the threads that wait run, take again */

#endif
