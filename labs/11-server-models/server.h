/*
 * server.h - the core of echo-server: what every server model plugs into.
 *
 * Like the classroom's socketserver module (TCPServer + ForkingMixIn/ThreadingMixIn), a
 * server here is three pieces: the core (server.c: the socket, the signals, accepting),
 * the service (echo.c: what is said to a client) and the model (model_*.c: how clients
 * are served - one at a time, a process each, a thread each, a pool, or one process
 * watching them all). A model is a struct model: a name and a serve() function.
 *
 * Stopping: SIGINT and SIGTERM write a byte into the stop pipe. Its read end, stop_fd,
 * becomes readable and stays readable, in every thread and in every child (children
 * inherit the pipe). Every model waits with poll()/select()/epoll on its sockets *and*
 * stop_fd, so a stop request reaches everyone at once, without races: a signal that
 * comes just before a wait has already left its byte in the pipe.
 */
#ifndef LAB11_SERVER_H
#define LAB11_SERVER_H

#include <netinet/in.h>
#include <stdnoreturn.h>

#include "die.h"

struct server {
    int fd;       /* the listening TCP socket, or the bound UDP socket; non-blocking */
    int stop_fd;  /* read end of the stop pipe: readable once SIGINT or SIGTERM came */
    int stop_wfd; /* its write end (only the signal handler writes) */
    long workers; /* -w: processes in the prefork pool */
    int verbose;  /* -v: log every client */
    int in_child; /* set by server_child_init(): errors leave with _exit */
};

struct model {
    const char *name;    /* as given to -m */
    int socktype;        /* SOCK_STREAM (TCP) or SOCK_DGRAM (UDP) */
    const char *summary; /* one line for -h and for the server's second line */
    /* Serve clients until a stop is requested; return only when every client is closed,
     * every child reaped and every thread finished. */
    void (*serve)(struct server *srv);
};

/* Make the socket (bound to host:port, IPv4 or IPv6, listening if TCP), the stop pipe and
 * the signal dispositions (SIGINT/SIGTERM stop, SIGPIPE ignored). A bad host: exit 2. */
void server_open(struct server *srv, int socktype, const char *host, const char *port);

/* Close everything server_open made; returns the signal that stopped the server (0: none). */
int server_close(struct server *srv);

/* Wait until fd is ready for events (POLLIN, POLLOUT): 1; or until a stop is requested: 0. */
int server_wait(const struct server *srv, int fd, short events);

/* Has a stop been requested? (Does not wait.) */
int server_stopping(const struct server *srv);

/* Accept a client, made non-blocking; its address in *peer. Returns -1 when there is
 * nothing to accept after all (another process took it, the client gave up) or on a
 * passing shortage (too many open files: reported, then a 100 ms pause). */
int server_accept(const struct server *srv, struct sockaddr_storage *peer);

/* Right after fork(), in the child: SIGINT/SIGTERM/SIGCHLD back to their defaults (a child
 * only serves; the parent runs the stop) and the stop pipe's write end closed. */
void server_child_init(struct server *srv);

/* End a child: close what it still holds of the server, then _exit(status). */
noreturn void server_child_exit(struct server *srv, int status);

/* -v: "client ADDR: <message> (pid P, thread T)" on stdout (IPv6: "client [::1]:PORT"). */
void log_client(const struct server *srv, const struct sockaddr_storage *peer,
                const char *fmt, ...)
    PL_PRINTF(3, 4);

/* "echo-server: <message>: strerror(errno)" on stderr, and carry on: for failures that cost
 * one client, not the server (fork or pthread_create refused, a client reset). */
void server_warn(const char *fmt, ...) PL_PRINTF(1, 2);

#endif
