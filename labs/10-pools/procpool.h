/*
 * procpool.h - a pool of worker processes (进程池), the C shape of Python's
 * multiprocessing.Pool: create it once, submit many tasks, get each result, close, join.
 *
 *     struct procpool *p = procpool_create(4);
 *     long h = procpool_submit(p, square, 7);          // apply_async: returns at once
 *     long r = procpool_get(p, h, NULL);                // .get(): waits for the result
 *     procpool_map(p, square, in, out, n);              // map: results in input order
 *     procpool_close(p);                                // no more tasks
 *     procpool_join(p);                                 // workers finish the queue, exit
 *     procpool_destroy(p);
 *
 * A task is a function `long fn(long)`. The workers are forked at procpool_create() and
 * never exec, so they have the parent's code at the very same addresses: a function
 * pointer sent through the queue is valid in every worker.
 * See also: procpool.c, process_pool.c, thrpool.h (the same with threads).
 */
#ifndef PROCPOOL_H
#define PROCPOOL_H

#include <stddef.h>
#include <sys/types.h>

typedef long (*pool_fn)(long arg);

struct procpool;

struct procpool *procpool_create(int nworkers);
/* The workers' process ids, nworkers of them, in worker order. */
const pid_t *procpool_pids(const struct procpool *p);
/* Queue fn(arg); return its handle (0, 1, 2, ... in submission order). */
long procpool_submit(struct procpool *p, pool_fn fn, long arg);
/* Wait for a task's result; if worker != NULL, store the number of the worker that ran it. */
long procpool_get(struct procpool *p, long handle, int *worker);
/* out[i] = fn(in[i]) for i < n, computed by the workers, stored in input order. */
void procpool_map(struct procpool *p, pool_fn fn, const long in[], long out[], size_t n);
void procpool_close(struct procpool *p);
void procpool_join(struct procpool *p);
void procpool_destroy(struct procpool *p);

#endif
