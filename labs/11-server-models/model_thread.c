/*
 * model_thread.c - a thread per client (多线程并发).
 *
 * Shows: the main thread accepts; each client gets a new thread that serves it and ends
 * when it leaves. Cheaper than a process (no copy of the address space, no reaping), but
 * the threads share everything: the one piece of shared state here, the count of threads
 * still serving, is guarded by a mutex (互斥锁) - the classroom's "watch out for shared
 * resources". The threads are detached (nobody joins them); on a stop, the main thread
 * waits on a condition variable until the count is 0.
 * Observe: echo-server -m thread -v shows one pid and a new thread id per client;
 *     ls /proc/<pid>/task      (1 + one per connected client)    ps -L -p <pid>
 * See also: pthread_create(3), pthread_attr_setdetachstate(3); model_fork.c, lab 08.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "echo.h"
#include "server.h"

struct job {
    const struct server *srv;
    int fd;
    struct sockaddr_storage peer;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t none_left = PTHREAD_COND_INITIALIZER; /* signalled when live is 0 */
static long live; /* threads still serving; guarded by lock */

static void add_live(long n)
{
    int rc = pthread_mutex_lock(&lock);
    if (rc != 0)
        die_en(rc, "pthread_mutex_lock");
    live += n;
    if (live == 0 && (rc = pthread_cond_signal(&none_left)) != 0)
        die_en(rc, "pthread_cond_signal");
    if ((rc = pthread_mutex_unlock(&lock)) != 0)
        die_en(rc, "pthread_mutex_unlock");
}

static void *serve_client(void *arg)
{
    struct job *job = arg;
    echo_session(job->srv, job->fd, &job->peer);
    free(job);
    add_live(-1);
    return NULL;
}

static void serve(struct server *srv)
{
    pthread_attr_t attr;
    int rc = pthread_attr_init(&attr);
    if (rc != 0)
        die_en(rc, "pthread_attr_init");
    if ((rc = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED)) != 0)
        die_en(rc, "pthread_attr_setdetachstate");

    while (server_wait(srv, srv->fd, POLLIN)) {
        struct sockaddr_storage peer;
        int fd = server_accept(srv, &peer);
        if (fd == -1)
            continue;
        struct job *job = malloc(sizeof *job);
        if (job == NULL) {
            server_warn("no memory for a client");
            close(fd);
            continue;
        }
        *job = (struct job){.srv = srv, .fd = fd, .peer = peer};
        add_live(1); /* before the thread exists, so the count never dips below 0 */
        pthread_t t;
        if ((rc = pthread_create(&t, &attr, serve_client, job)) != 0) {
            errno = rc; /* EAGAIN: too many threads. This client loses, the others go on. */
            server_warn("pthread_create");
            close(fd);
            free(job);
            add_live(-1);
        }
    }
    /* Stopping: every thread has seen the stop pipe too. Wait until the last one is done. */
    if ((rc = pthread_mutex_lock(&lock)) != 0)
        die_en(rc, "pthread_mutex_lock");
    while (live > 0)
        if ((rc = pthread_cond_wait(&none_left, &lock)) != 0)
            die_en(rc, "pthread_cond_wait");
    if ((rc = pthread_mutex_unlock(&lock)) != 0)
        die_en(rc, "pthread_mutex_unlock");
    pthread_attr_destroy(&attr);
}

const struct model model_thread = {
    .name = "thread",
    .socktype = SOCK_STREAM,
    .summary = "a new thread for each client",
    .serve = serve,
};
