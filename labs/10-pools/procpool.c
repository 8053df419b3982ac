/*
 * procpool.c - the process pool of procpool.h.
 *
 * Two channels join the parent and the workers:
 *   the task queue: a SOCK_SEQPACKET socket pair. Every worker reads the same socket; the
 *     kernel gives each message whole to exactly one reader, so whichever worker is free
 *     takes the next task. (A pipe makes no such promise for several readers.)
 *   the result pipe: every worker writes {handle, result, worker} into one pipe. Writes of
 *     at most PIPE_BUF bytes are atomic, so results from different workers never mix.
 * The parent never blocks on a full queue while the workers block on a full result pipe
 * (a deadlock): its end of the queue is non-blocking, and while the queue is full it
 * collects results instead (poll). Closing the queue is the "no more tasks" message: each
 * worker reads what is left, then end-of-file, and exits.
 * See also: socketpair(2), unix(7) (SOCK_SEQPACKET), pipe(7) (PIPE_BUF), poll(2).
 */
#include "procpool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

struct task_msg {
    long handle;
    pool_fn fn;
    long arg;
};

struct result_msg {
    long handle;
    long result;
    long worker;
};

struct slot {
    long result;
    int worker;
    int done;
};

struct procpool {
    int nworkers;
    pid_t *pids;
    int task_fd;   /* parent's end of the task queue (-1 once closed) */
    int result_fd; /* read end of the result pipe (-1 once every worker has exited) */
    struct slot *slots; /* slots[h]: what is known about the task with handle h */
    long nslots, cap;
};

static void worker_loop(int worker, int task_fd, int result_fd)
{
    struct task_msg t;
    ssize_t n;
    while ((n = recv(task_fd, &t, sizeof t, 0)) == (ssize_t)sizeof t) {
        struct result_msg r = {t.handle, t.fn(t.arg), worker};
        if (write(result_fd, &r, sizeof r) != (ssize_t)sizeof r)
            die_child("worker %d: write result", worker);
    }
    if (n == -1)
        die_child("worker %d: recv task", worker);
    /* n == 0: the queue was closed and is empty: no more tasks. */
}

struct procpool *procpool_create(int nworkers)
{
    struct procpool *p = calloc(1, sizeof *p);
    if (p == NULL || (p->pids = calloc((size_t)nworkers, sizeof p->pids[0])) == NULL)
        die("calloc");
    p->nworkers = nworkers;
    int queue[2], results[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, queue) == -1)
        die("socketpair");
    if (pipe(results) == -1)
        die("pipe");
    for (int w = 0; w < nworkers; w++) {
        pid_t pid = fork();
        if (pid == -1)
            die("fork");
        if (pid == 0) {
            /* The parent's ends stay with the parent only: a worker holding the queue's
             * other end would never see end-of-file on it. */
            if (close(queue[0]) == -1 || close(results[0]) == -1)
                die_child("close");
            free(p->pids); /* the parent's bookkeeping: a worker needs none of it */
            free(p);
            worker_loop(w, queue[1], results[1]);
            _exit(0);
        }
        p->pids[w] = pid;
    }
    if (close(queue[1]) == -1 || close(results[1]) == -1)
        die("close");
    p->task_fd = queue[0];
    p->result_fd = results[0];
    int flags = fcntl(p->task_fd, F_GETFL);
    if (flags == -1 || fcntl(p->task_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die("fcntl O_NONBLOCK");
    return p;
}

const pid_t *procpool_pids(const struct procpool *p)
{
    return p->pids;
}

/* Read one result from the pipe (blocking) and file it. Returns 0, or -1 at end-of-file:
 * every worker has exited. */
static int collect_one(struct procpool *p)
{
    /* task 1 begin: collect_one */
    struct result_msg r;
    ssize_t n = read(p->result_fd, &r, sizeof r);
    if (n == -1)
        die("read result");
    if (n == 0)
        return -1;
    if (n != (ssize_t)sizeof r || r.handle < 0 || r.handle >= p->nslots)
        fatal("a worker sent a malformed result");
    p->slots[r.handle] = (struct slot){r.result, (int)r.worker, 1};
    return 0;
    /* task 1 end */
}

long procpool_submit(struct procpool *p, pool_fn fn, long arg)
{
    /* task 1 begin: submit */
    if (p->task_fd == -1)
        fatal("procpool_submit after procpool_close");
    if (p->nslots == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        struct slot *s = realloc(p->slots, (size_t)p->cap * sizeof s[0]);
        if (s == NULL)
            die("realloc");
        p->slots = s;
    }
    long h = p->nslots++;
    p->slots[h].done = 0;
    struct task_msg t = {h, fn, arg};
    while (send(p->task_fd, &t, sizeof t, 0) == -1) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            die("send task");
        /* The queue is full: wait for room, collecting results meanwhile. */
        struct pollfd pfd[2] = {{.fd = p->task_fd, .events = POLLOUT},
                                {.fd = p->result_fd, .events = POLLIN}};
        if (poll(pfd, 2, -1) == -1 && errno != EINTR)
            die("poll");
        if ((pfd[1].revents & (POLLIN | POLLHUP)) && collect_one(p) == -1)
            fatal("every worker has exited");
    }
    return h;
    /* task 1 end */
}

long procpool_get(struct procpool *p, long handle, int *worker)
{
    /* task 1 begin: get */
    if (handle < 0 || handle >= p->nslots)
        fatal("procpool_get: no task has handle %ld", handle);
    while (!p->slots[handle].done)
        if (p->result_fd == -1 || collect_one(p) == -1)
            fatal("the workers exited before task %ld was done", handle);
    if (worker != NULL)
        *worker = p->slots[handle].worker;
    return p->slots[handle].result;
    /* task 1 end */
}

void procpool_map(struct procpool *p, pool_fn fn, const long in[], long out[], size_t n)
{
    /* task 1 begin: map */
    /* Queue everything first (out[i] holds task i's handle meanwhile), then wait for the
     * results in input order, whatever order the workers finish them in. */
    for (size_t i = 0; i < n; i++)
        out[i] = procpool_submit(p, fn, in[i]);
    for (size_t i = 0; i < n; i++)
        out[i] = procpool_get(p, out[i], NULL);
    /* task 1 end */
}

void procpool_close(struct procpool *p)
{
    if (p->task_fd != -1 && close(p->task_fd) == -1)
        die("close");
    p->task_fd = -1;
}

void procpool_join(struct procpool *p)
{
    /* task 1 begin: join */
    procpool_close(p);
    /* Collect what is left first: a worker blocked on a full result pipe would never
     * exit, and waitpid() would wait for ever. End-of-file: every worker has exited. */
    while (p->result_fd != -1 && collect_one(p) == 0)
        ;
    if (p->result_fd != -1 && close(p->result_fd) == -1)
        die("close");
    p->result_fd = -1;
    for (int w = 0; w < p->nworkers; w++) {
        int status;
        if (p->pids[w] == 0)
            continue;
        if (waitpid(p->pids[w], &status, 0) == -1)
            die("waitpid");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fatal("worker %d (pid %ld) failed (wait status 0x%x)", w, (long)p->pids[w],
                  (unsigned)status);
        p->pids[w] = 0; /* reaped */
    }
    /* task 1 end */
}

void procpool_destroy(struct procpool *p)
{
    procpool_join(p);
    free(p->slots);
    free(p->pids);
    free(p);
}
