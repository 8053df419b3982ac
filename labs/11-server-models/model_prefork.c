/*
 * model_prefork.c - a prefork pool: N processes, made at start, all accepting on one socket.
 *
 * Shows: the cost of fork() is paid once, before any client comes (Apache's "prefork").
 * Each worker inherits the listening socket and loops: wait, accept, serve that client to
 * the end, accept the next - an iterative server, N times over. The kernel hands each new
 * connection to one of them. So N clients are served at once and client N+1 waits for a
 * free worker: the pool bounds the concurrency (and the resources) by design.
 * All idle workers wake for a new connection (the thundering herd, 惊群); one wins the
 * accept(), the others get EAGAIN (the socket is non-blocking) and wait again.
 * The parent only keeps the pool full: it reaps a worker that died and starts another.
 * Observe: echo-server -m prefork -w 3 -v: the same 3 pids serve client after client;
 *     ps -o pid,ppid,stat,cmd --ppid <pid>; kill -KILL one worker: a new one replaces it.
 * See also: model_fork.c, lab 10 (pools); accept(2).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "echo.h"
#include "server.h"

/* A worker: an iterative server on the shared listening socket, until the stop. */
static noreturn void worker(struct server *srv)
{
    server_child_init(srv);
    while (server_wait(srv, srv->fd, POLLIN)) {
        struct sockaddr_storage peer;
        int fd = server_accept(srv, &peer); /* -1: another worker was quicker */
        if (fd != -1)
            echo_session(srv, fd, &peer);
    }
    server_child_exit(srv, 0);
}

static pid_t start_worker(struct server *srv)
{
    pid_t pid = fork();
    if (pid == 0)
        worker(srv);
    if (pid == -1)
        server_warn("fork");
    else if (srv->verbose)
        printf("worker %ld started\n", (long)pid);
    return pid;
}

static void serve(struct server *srv)
{
    long running = 0;
    for (long i = 0; i < srv->workers; i++)
        if (start_worker(srv) != -1)
            running++;
    if (running == 0)
        fatal("no worker could be started");

    /* Wait for workers to end. On a stop they all do, having seen the stop pipe; at any
     * other time one has died (a crash, kill -KILL) and is replaced. */
    while (running > 0) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid == -1) {
            if (errno == EINTR)
                continue;
            die("waitpid");
        }
        running--;
        if (server_stopping(srv))
            continue;
        if (WIFSIGNALED(status))
            printf("worker %ld was killed by signal %d; starting another\n", (long)pid,
                   WTERMSIG(status));
        else
            printf("worker %ld exited with status %d; starting another\n", (long)pid,
                   WEXITSTATUS(status));
        if (start_worker(srv) != -1)
            running++;
    }
    if (!server_stopping(srv))
        fatal("every worker has ended and none could be started");
}

const struct model model_prefork = {
    .name = "prefork",
    .socktype = SOCK_STREAM,
    .summary = "a pool of processes (-w) made at start, all accepting on one socket",
    .serve = serve,
};
