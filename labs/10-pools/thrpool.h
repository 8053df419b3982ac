/*
 * thrpool.h - a pool of worker threads (线程池), the same interface as procpool.h with
 * threads instead of processes (the classroom's threadpool module):
 *
 *     struct thrpool *p = thrpool_create(4);
 *     long h = thrpool_submit(p, square, 7);     // returns at once
 *     long r = thrpool_get(p, h, NULL);          // waits for the result
 *     thrpool_map(p, square, in, out, n);        // results in input order
 *     thrpool_close(p); thrpool_join(p); thrpool_destroy(p);
 *
 * Threads share the address space, so a task is handed over as a plain struct in memory;
 * the cost to pay instead is locking: one mutex guards the queue and the results.
 * See also: thrpool.c, thread_pool.c, procpool.h.
 */
#ifndef THRPOOL_H
#define THRPOOL_H

#include <stddef.h>

typedef long (*thrpool_fn)(long arg);

struct thrpool;

struct thrpool *thrpool_create(int nworkers);
long thrpool_submit(struct thrpool *p, thrpool_fn fn, long arg);
/* Wait for a task's result; if worker != NULL, store the number of the worker that ran it. */
long thrpool_get(struct thrpool *p, long handle, int *worker);
void thrpool_map(struct thrpool *p, thrpool_fn fn, const long in[], long out[], size_t n);
void thrpool_close(struct thrpool *p);
void thrpool_join(struct thrpool *p);
void thrpool_destroy(struct thrpool *p);

#endif
