/*
 * model_fork.c - fork per client (多进程并发): the parent accepts and reaps, a child serves.
 *
 * Shows: the classroom's fork server, step by step: 1. make the socket, bind, listen
 * (the core did); 2. wait for and accept a client; 3. fork: the child serves that one
 * client, the parent goes back to accept(); 4. the child ends when its client leaves,
 * and the parent reaps it (SIGCHLD). Each side closes what it does not use: the child the
 * listening socket, the parent the client's socket - or the connection would outlive
 * the child. A client can hold its child as long as it likes without bothering anyone;
 * the price is a process (fork, page tables, a pid) per client.
 * Observe: echo-server -m fork -v shows a new pid per client;
 *     ps -o pid,ppid,stat,cmd --ppid <server pid>   (one child per connected client, no Z)
 * See also: fork(2), waitpid(2), lab 01 (reaping); model_prefork.c, model_thread.c.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "echo.h"
#include "server.h"

/* SIGCHLD: reap every child that has ended. Signals do not queue, so one SIGCHLD may
 * stand for several children: loop until none is left to reap. */
static void reap(int sig)
{
    (void)sig;
    int saved = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    errno = saved;
}

static void serve(struct server *srv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = reap;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    if (sigaction(SIGCHLD, &sa, NULL) == -1)
        die("sigaction SIGCHLD");

    while (server_wait(srv, srv->fd, POLLIN)) {
        struct sockaddr_storage peer;
        int fd = server_accept(srv, &peer);
        if (fd == -1)
            continue;
        pid_t pid = fork();
        if (pid == -1) { /* no process for this client: it loses, the others go on */
            server_warn("fork");
            close(fd);
            continue;
        }
        if (pid == 0) { /* the child: serve this one client, then leave */
            server_child_init(srv);
            close(srv->fd); /* it never accepts */
            srv->fd = -1;
            echo_session(srv, fd, &peer);
            server_child_exit(srv, 0);
        }
        if (close(fd) == -1) /* the parent's copy; the child has its own */
            die("close");
    }
    /* Stopping: the children have seen the stop pipe too, and are ending. Wait for every
     * one of them (the handler may reap some first; ECHILD means none is left). */
    while (wait(NULL) != -1 || errno == EINTR)
        ;
    if (errno != ECHILD)
        die("wait");
}

const struct model model_fork = {
    .name = "fork",
    .socktype = SOCK_STREAM,
    .summary = "a new process for each client; the parent accepts and reaps",
    .serve = serve,
};
