/*
 * thrpool.c - the thread pool of thrpool.h.
 *
 * All tasks live in one array, slots[], in submission order. The queue is the part of it
 * not yet started: slots[next_to_run .. nslots). A worker takes the task at next_to_run,
 * runs it without the lock, then stores the result and wakes whoever waits for results.
 * Two condition variables (条件变量): `work` (a task was queued, or the pool was closed)
 * for the workers, `done` (a result was stored) for thrpool_get().
 * See also: pthread_cond_wait(3p), procpool.c (the same with processes).
 */
#include "thrpool.h"

#include <pthread.h>
#include <stdlib.h>

#include "die.h"

struct slot {
    thrpool_fn fn;
    long arg, result;
    int worker;
    int done;
};

struct thrpool {
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t work;  /* for the workers: a task is queued, or the pool is closed */
    pthread_cond_t done;  /* for thrpool_get: a result was stored */
    struct slot *slots;
    long nslots, cap, next_to_run;
    int closed;
    int nworkers, joined;
    pthread_t *threads;
    struct worker_arg *args;
};

struct worker_arg {
    struct thrpool *pool;
    int number; /* the worker's number, 0 .. nworkers-1 */
};

static void lock(struct thrpool *p)
{
    int rc = pthread_mutex_lock(&p->lock);
    if (rc != 0)
        die_en(rc, "pthread_mutex_lock");
}

static void unlock(struct thrpool *p)
{
    int rc = pthread_mutex_unlock(&p->lock);
    if (rc != 0)
        die_en(rc, "pthread_mutex_unlock");
}

static void wait_on(pthread_cond_t *cond, struct thrpool *p)
{
    int rc = pthread_cond_wait(cond, &p->lock);
    if (rc != 0)
        die_en(rc, "pthread_cond_wait");
}

static void wake_all(pthread_cond_t *cond)
{
    int rc = pthread_cond_broadcast(cond);
    if (rc != 0)
        die_en(rc, "pthread_cond_broadcast");
}

static void *worker_main(void *arg)
{
    /* task 2 begin: worker_main */
    struct worker_arg *wa = arg;
    struct thrpool *p = wa->pool;
    lock(p);
    for (;;) {
        while (p->next_to_run == p->nslots && !p->closed)
            wait_on(&p->work, p);
        if (p->next_to_run == p->nslots) /* closed, and nothing left to do */
            break;
        long h = p->next_to_run++;
        thrpool_fn fn = p->slots[h].fn;
        long arg_value = p->slots[h].arg;
        unlock(p); /* run the task unlocked: the other workers go on meanwhile */
        long result = fn(arg_value);
        lock(p);   /* slots may have moved (realloc in submit): index it again */
        p->slots[h].result = result;
        p->slots[h].worker = wa->number;
        p->slots[h].done = 1;
        wake_all(&p->done);
    }
    unlock(p);
    return NULL;
    /* task 2 end */
}

struct thrpool *thrpool_create(int nworkers)
{
    struct thrpool *p = calloc(1, sizeof *p);
    if (p == NULL || (p->threads = calloc((size_t)nworkers, sizeof p->threads[0])) == NULL ||
        (p->args = calloc((size_t)nworkers, sizeof p->args[0])) == NULL)
        die("calloc");
    int rc = pthread_mutex_init(&p->lock, NULL);
    if (rc != 0)
        die_en(rc, "pthread_mutex_init");
    if ((rc = pthread_cond_init(&p->work, NULL)) != 0 ||
        (rc = pthread_cond_init(&p->done, NULL)) != 0)
        die_en(rc, "pthread_cond_init");
    p->nworkers = nworkers;
    for (int w = 0; w < nworkers; w++) {
        p->args[w] = (struct worker_arg){p, w};
        rc = pthread_create(&p->threads[w], NULL, worker_main, &p->args[w]);
        if (rc != 0)
            die_en(rc, "pthread_create");
    }
    return p;
}

long thrpool_submit(struct thrpool *p, thrpool_fn fn, long arg)
{
    lock(p);
    if (p->closed)
        fatal("thrpool_submit after thrpool_close");
    if (p->nslots == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        struct slot *s = realloc(p->slots, (size_t)p->cap * sizeof s[0]);
        if (s == NULL)
            die("realloc");
        p->slots = s;
    }
    long h = p->nslots++;
    p->slots[h] = (struct slot){.fn = fn, .arg = arg};
    wake_all(&p->work);
    unlock(p);
    return h;
}

long thrpool_get(struct thrpool *p, long handle, int *worker)
{
    /* task 2 begin: thrpool_get */
    lock(p);
    if (handle < 0 || handle >= p->nslots)
        fatal("thrpool_get: no task has handle %ld", handle);
    while (!p->slots[handle].done)
        wait_on(&p->done, p);
    long result = p->slots[handle].result;
    if (worker != NULL)
        *worker = p->slots[handle].worker;
    unlock(p);
    return result;
    /* task 2 end */
}

void thrpool_map(struct thrpool *p, thrpool_fn fn, const long in[], long out[], size_t n)
{
    /* Queue everything first (out[i] holds task i's handle meanwhile), then wait for the
     * results in input order, whatever order the workers finish them in. */
    for (size_t i = 0; i < n; i++)
        out[i] = thrpool_submit(p, fn, in[i]);
    for (size_t i = 0; i < n; i++)
        out[i] = thrpool_get(p, out[i], NULL);
}

void thrpool_close(struct thrpool *p)
{
    lock(p);
    p->closed = 1;
    wake_all(&p->work);
    unlock(p);
}

void thrpool_join(struct thrpool *p)
{
    thrpool_close(p);
    if (p->joined)
        return;
    for (int w = 0; w < p->nworkers; w++) {
        int rc = pthread_join(p->threads[w], NULL);
        if (rc != 0)
            die_en(rc, "pthread_join");
    }
    p->joined = 1;
}

void thrpool_destroy(struct thrpool *p)
{
    thrpool_join(p);
    int rc;
    if ((rc = pthread_cond_destroy(&p->work)) != 0 || (rc = pthread_cond_destroy(&p->done)) != 0)
        die_en(rc, "pthread_cond_destroy");
    if ((rc = pthread_mutex_destroy(&p->lock)) != 0)
        die_en(rc, "pthread_mutex_destroy");
    free(p->slots);
    free(p->args);
    free(p->threads);
    free(p);
}
