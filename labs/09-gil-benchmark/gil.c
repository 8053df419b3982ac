/*
 * gil.c - the global interpreter lock of gil.h: a fair ticket hand-off, or a plain mutex.
 *
 * Fair: a ticket lock built from a mutex and a condition variable. gil_take() draws the
 * next ticket and waits until now_serving reaches it; gil_drop() moves now_serving on and
 * wakes the waiters; the one whose ticket it is goes on, the others wait again. Tickets are
 * served in the order they were drawn, so a thread that drops the GIL and asks for it again
 * queues behind everyone already waiting: the GIL is handed off, it cannot be grabbed back.
 * (CPython gets the same effect another way: a thread that drops the GIL on request waits
 * until another thread has taken it - "forced switching", Python/ceval_gil.c.)
 * See also: gil.h; pthread_cond_wait(3p); notes/threads.md.
 */
#include "gil.h"

#include "die.h"

void gil_init(struct gil *g, int fair)
{
    int rc = pthread_mutex_init(&g->mutex, NULL);
    if (rc != 0)
        die_en(rc, "pthread_mutex_init");
    rc = pthread_cond_init(&g->turn, NULL);
    if (rc != 0)
        die_en(rc, "pthread_cond_init");
    g->next_ticket = g->now_serving = 0;
    g->fair = fair;
    g->holder = -1;
    g->handoffs = 0;
}

void gil_destroy(struct gil *g)
{
    int rc = pthread_cond_destroy(&g->turn);
    if (rc != 0)
        die_en(rc, "pthread_cond_destroy");
    rc = pthread_mutex_destroy(&g->mutex);
    if (rc != 0)
        die_en(rc, "pthread_mutex_destroy");
}

/* Called by the new holder, with g->mutex locked either way. */
static void note_holder(struct gil *g, int me)
{
    if (g->holder != me) {
        if (g->holder != -1)
            g->handoffs++;
        g->holder = me;
    }
}

void gil_take(struct gil *g, int me)
{
    /* task 1 begin: gil_take */
    int rc = pthread_mutex_lock(&g->mutex);
    if (rc != 0)
        die_en(rc, "pthread_mutex_lock");
    if (g->fair) {
        unsigned long ticket = g->next_ticket++;
        while (ticket != g->now_serving) {
            rc = pthread_cond_wait(&g->turn, &g->mutex);
            if (rc != 0)
                die_en(rc, "pthread_cond_wait");
        }
        note_holder(g, me);
        rc = pthread_mutex_unlock(&g->mutex); /* the ticket is the GIL, not the mutex */
        if (rc != 0)
            die_en(rc, "pthread_mutex_unlock");
    } else {
        note_holder(g, me); /* plain: the mutex is the GIL; keep it */
    }
    /* task 1 end */
}

void gil_drop(struct gil *g)
{
    /* task 1 begin: gil_drop */
    int rc;
    if (g->fair) {
        rc = pthread_mutex_lock(&g->mutex);
        if (rc != 0)
            die_en(rc, "pthread_mutex_lock");
        g->now_serving++;
        /* Every waiter wakes and checks its ticket; only the next one in line goes on. */
        rc = pthread_cond_broadcast(&g->turn);
        if (rc != 0)
            die_en(rc, "pthread_cond_broadcast");
    }
    rc = pthread_mutex_unlock(&g->mutex);
    if (rc != 0)
        die_en(rc, "pthread_mutex_unlock");
    /* task 1 end */
}

void gil_yield(struct gil *g, int me)
{
    gil_drop(g);
    gil_take(g, me);
}
