/*
 * http-server - the classroom's multithreaded HTTPServer (基于多线程并发的HTTPServer) in C:
 * static files from a document root, one thread per connection (多线程并发).
 *
 * Usage: http-server [-H host] [-p port] [-r root] [-c max-connections] [-t idle-seconds] [-q]
 *
 * Shows: the thread-per-connection server model. The main thread only accepts; each
 * connection gets a thread of its own that reads requests and sends replies
 * (connection.c) until the connection ends. Around that simple core, what a real server
 * needs so that no client can hurt it: a cap on simultaneous connections (each one costs a
 * thread and two file descriptors; past the cap, new connections wait in the kernel's
 * listen queue), an idle timeout (SO_RCVTIMEO, SO_SNDTIMEO) so silent clients cannot hold
 * threads for ever, and a clean shutdown on SIGINT/SIGTERM: stop accepting, wake every
 * connection thread with shutdown(), join them all, exit 0.
 *
 * Observe, while it serves (e.g. wrk, or a browser at http://127.0.0.1:8000/):
 *     ls /proc/PID/task | wc -l      (1 + the open connections)
 *     ls -l /proc/PID/fd             (the listening socket, one socket per connection)
 *     curl -v http://127.0.0.1:8000/ (the request and reply heads)
 * See also: connection.c (one connection), request.c (the parser), files.c (the files),
 * notes/http.md, lab 11 (the other server models).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "connection.h"
#include "die.h"

#ifndef DEFAULT_ROOT /* the Makefile passes the lab's www/ folder */
#define DEFAULT_ROOT "www"
#endif
#define THREAD_STACK (256 * 1024) /* the default 8 MiB x 512 threads would be 4 GiB of address space */

/* One slot per possible connection (the cap): the thread serving it and its socket. */
enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_DONE };
struct slot {
    pthread_t thread;
    enum slot_state state; /* DONE: the thread has finished, and must still be joined */
    int fd;                /* the connection's socket while BUSY, else -1 */
    int next_free;         /* the free list: index of the next free slot, or -1 */
    char peer[64];         /* "IP:PORT" of the client */
};

static struct site site;
static struct slot *slots;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* guards everything below */
static pthread_cond_t all_closed = PTHREAD_COND_INITIALIZER;
static int free_head = -1;      /* first free slot; -1: the cap is reached */
static int active;              /* connections being served */
static int accept_waiting;      /* the main thread waits for a free slot: wake it */
static long requests_answered;  /* by connections that have ended */

/* The self-pipe: the signal handler and a thread that frees a slot write a byte to it, and
 * the main thread's poll() wakes up. (A signal can be handled by any thread that does not
 * block it, so the handler must not rely on interrupting the main thread.) */
static int wake_pipe[2];
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    int saved = errno;
    stop_signal = sig;
    ssize_t ignored = write(wake_pipe[1], "x", 1); /* full pipe: a wakeup is pending anyway */
    (void)ignored;
    errno = saved;
}

static void wake_main(void)
{
    ssize_t ignored = write(wake_pipe[1], "x", 1);
    (void)ignored;
}

/* The thread of one connection: serve it, close it, give the slot back. */
static void *connection_thread(void *arg)
{
    struct slot *s = arg;
    long answered = serve_connection(s->fd, s->peer, &site);

    if (pthread_mutex_lock(&lock) != 0)
        abort();
    close(s->fd); /* under the lock: the shutdown code never meets a closed (reused) fd */
    s->fd = -1;
    s->state = SLOT_DONE;
    s->next_free = free_head;
    free_head = (int)(s - slots);
    active--;
    requests_answered += answered;
    if (accept_waiting) {
        accept_waiting = 0;
        wake_main();
    }
    if (active == 0)
        pthread_cond_signal(&all_closed);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void format_address(const struct sockaddr *sa, socklen_t len, char *out, size_t cap)
{
    char host[INET6_ADDRSTRLEN], port[8]; /* numeric: "ffff::1", "65535" */
    int rc = getnameinfo(sa, len, host, sizeof host, port, sizeof port,
                         NI_NUMERICHOST | NI_NUMERICSERV);
    if (rc != 0)
        snprintf(out, cap, "?");
    else if (sa->sa_family == AF_INET6)
        snprintf(out, cap, "[%s]:%s", host, port);
    else
        snprintf(out, cap, "%s:%s", host, port);
}

/* Bind and listen on host:port; print "listening on HOST:PORT". */
static int open_listener(const char *host, const char *port)
{
    struct addrinfo hints = {0}, *list;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0)
        usage_error("bad host '%s': %s", host, gai_strerror(rc));
    int fd = -1, err = 0;
    for (struct addrinfo *ai = list; ai != NULL && fd == -1; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd == -1) {
            err = errno;
            continue;
        }
        int one = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
            die("setsockopt SO_REUSEADDR");
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 || listen(fd, SOMAXCONN) == -1) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(list);
    if (fd == -1) {
        errno = err;
        die("bind %s:%s", host, port);
    }
    /* Non-blocking: poll() may say "a connection is waiting" and the client may reset it
     * before accept(); a blocking accept() would then hang until the next one. */
    if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
        die("fcntl O_NONBLOCK");
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
        die("getsockname");
    char where[80];
    format_address((struct sockaddr *)&ss, len, where, sizeof where);
    printf("listening on %s\n", where);
    return fd;
}

/* Accept one connection into the free slot at the head of the list and start its thread. */
static void accept_one(int listen_fd, long *connections)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = accept(listen_fd, (struct sockaddr *)&ss, &len);
    if (fd == -1) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
            errno == ECONNABORTED || errno == EPROTO)
            return; /* gone before we took it, or a signal: poll again */
        die("accept");
    }
    /* On Linux the new socket is blocking even though listen_fd is not (accept(2)). Its
     * time limits: recv() and send() give up after idle_secs without progress. */
    struct timeval tv = {site.idle_secs, 0};
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1) {
        close(fd); /* e.g. EINVAL: the client has already reset the connection */
        return;
    }

    int rc = pthread_mutex_lock(&lock);
    if (rc != 0)
        die_en(rc, "pthread_mutex_lock");
    int i = free_head; /* the caller polled listen_fd only while a slot was free */
    struct slot *s = &slots[i];
    free_head = s->next_free;
    enum slot_state was = s->state;
    s->state = SLOT_BUSY;
    s->fd = fd;
    active++;
    pthread_mutex_unlock(&lock);

    if (was == SLOT_DONE) { /* reap the slot's previous thread: it has returned already */
        rc = pthread_join(s->thread, NULL);
        if (rc != 0)
            die_en(rc, "pthread_join");
    }
    format_address((struct sockaddr *)&ss, len, s->peer, sizeof s->peer);
    pthread_attr_t attr;
    if ((rc = pthread_attr_init(&attr)) != 0 ||
        (rc = pthread_attr_setstacksize(&attr, THREAD_STACK)) != 0)
        die_en(rc, "pthread_attr");
    rc = pthread_create(&s->thread, &attr, connection_thread, s);
    pthread_attr_destroy(&attr);
    if (rc != 0) { /* EAGAIN: out of threads or memory - drop this one connection */
        fprintf(stderr, "%s: pthread_create: %s\n", progname(), strerror(rc));
        pthread_mutex_lock(&lock);
        close(fd);
        s->fd = -1;
        s->state = SLOT_FREE;
        s->next_free = free_head;
        free_head = i;
        active--;
        pthread_mutex_unlock(&lock);
        return;
    }
    (*connections)++;
}

/* Each connection may hold two descriptors (its socket and a file being sent): make sure
 * max_conns of them fit under RLIMIT_NOFILE, raising the soft limit if need be. */
static void check_fd_limit(long max_conns)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)(2 * max_conns + 16);
    if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
        die("getrlimit");
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
            die("setrlimit");
        if (rl.rlim_cur < need)
            fatal("-c %ld needs %lu file descriptors, the limit is %lu (ulimit -Hn)", max_conns,
                  (unsigned long)need, (unsigned long)rl.rlim_cur);
    }
}

static void usage(void)
{
    printf("usage: http-server [-H host] [-p port] [-r root] [-c max-connections] "
           "[-t idle-seconds] [-q]\n"
           "Serves the static files under root over HTTP/1.1 (GET and HEAD), one thread\n"
           "per connection, until SIGINT or SIGTERM.\n"
           "  -H host  address to listen on (default 127.0.0.1)\n"
           "  -p port  port to listen on, 0 for any free one (default 8000)\n"
           "  -r root  the document root (default %s)\n"
           "  -c max   connections served at once; more wait to be accepted (default 512)\n"
           "  -t secs  close a connection idle this long (default 10)\n"
           "  -q       quiet: no log line per request\n"
           "  -h       this help\n",
           DEFAULT_ROOT);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = "127.0.0.1", *root = DEFAULT_ROOT;
    char port[8] = "8000";
    long max_conns = 512;
    site.idle_secs = 10;
    int opt;
    while ((opt = getopt(argc, argv, ":H:p:r:c:t:qh")) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            snprintf(port, sizeof port, "%ld", parse_long(optarg, 0, 65535, "port"));
            break;
        case 'r':
            root = optarg;
            break;
        case 'c':
            max_conns = parse_long(optarg, 1, 100000, "connection cap");
            break;
        case 't':
            site.idle_secs = (int)parse_long(optarg, 1, 3600, "idle timeout");
            break;
        case 'q':
            site.quiet = 1;
            break;
        case 'h':
            usage();
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    site.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (site.rootfd == -1)
        die("open document root %s", root);
    check_fd_limit(max_conns);
    slots = calloc((size_t)max_conns, sizeof *slots);
    if (slots == NULL)
        die("calloc");
    for (long i = max_conns - 1; i >= 0; i--) {
        slots[i].fd = -1;
        slots[i].next_free = free_head;
        free_head = (int)i;
    }

    if (pipe(wake_pipe) == -1)
        die("pipe");
    for (int i = 0; i < 2; i++)
        if (fcntl(wake_pipe[i], F_SETFL, O_NONBLOCK) == -1 ||
            fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC) == -1)
            die("fcntl");
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");
    sa.sa_handler = SIG_IGN; /* a client that closes early: EPIPE, not death */
    if (sigaction(SIGPIPE, &sa, NULL) == -1)
        die("sigaction");

    int listen_fd = open_listener(host, port);

    /* The accept loop: wait for a connection (only while a slot is free) or a wakeup. */
    long connections = 0;
    while (!stop_signal) {
        int rc = pthread_mutex_lock(&lock);
        if (rc != 0)
            die_en(rc, "pthread_mutex_lock");
        int full = free_head == -1, announce = full && !accept_waiting;
        accept_waiting = full;
        pthread_mutex_unlock(&lock);
        if (announce)
            printf("connection cap reached (%ld): new connections wait\n", max_conns);

        struct pollfd pfd[2] = {{wake_pipe[0], POLLIN, 0}, {full ? -1 : listen_fd, POLLIN, 0}};
        if (poll(pfd, 2, -1) == -1) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (pfd[0].revents & POLLIN) {
            char drain[64];
            while (read(wake_pipe[0], drain, sizeof drain) > 0)
                ;
        }
        if (pfd[1].revents & POLLIN)
            accept_one(listen_fd, &connections);
    }

    /* Shutdown: no new connections; wake every connection thread (shutdown() makes its
     * blocked recv() return 0 and its send() fail), wait for them all, join them. */
    close(listen_fd);
    int rc = pthread_mutex_lock(&lock);
    if (rc != 0)
        die_en(rc, "pthread_mutex_lock");
    printf("got %s: closing %d open connection%s\n", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
           active, active == 1 ? "" : "s");
    for (long i = 0; i < max_conns; i++)
        if (slots[i].state == SLOT_BUSY && slots[i].fd != -1)
            shutdown(slots[i].fd, SHUT_RDWR);
    while (active > 0)
        pthread_cond_wait(&all_closed, &lock);
    pthread_mutex_unlock(&lock);
    for (long i = 0; i < max_conns; i++)
        if (slots[i].state == SLOT_DONE && (rc = pthread_join(slots[i].thread, NULL)) != 0)
            die_en(rc, "pthread_join");
    printf("served %ld request%s on %ld connection%s\n", requests_answered,
           requests_answered == 1 ? "" : "s", connections, connections == 1 ? "" : "s");
    free(slots);
    close(site.rootfd);
    close(wake_pipe[0]);
    close(wake_pipe[1]);
    return 0;
}
