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
 * thread with a small stack and two file descriptors; past the cap, new connections wait
 * in the kernel's listen queue) set high enough that slow or idle clients cannot fill it
 * (DEFAULT_MAX_CONNS: a thousand "slowloris" connections leave room for everyone else),
 * time limits (SO_RCVTIMEO, SO_SNDTIMEO, and deadlines in connection.c) so silent or
 * slow clients cannot hold threads for ever, and a clean shutdown on SIGINT/SIGTERM: stop
 * accepting, wake every connection thread with shutdown(), join them all, exit 0.
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
#include "net.h"

/* The defaults, used by the code and written into the -h text. */
#ifndef DEFAULT_ROOT /* the Makefile passes the lab's www/ folder */
#define DEFAULT_ROOT "www"
#endif
#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "8000"
#define DEFAULT_MAX_CONNS 4096 /* threads at most; 4096 x THREAD_STACK is 1 GiB of address */
#define DEFAULT_IDLE_SECS 10   /* space, of which only the pages a thread uses take memory */
#define THREAD_STACK (256 * 1024) /* instead of 8 MiB: 4096 threads would reserve 32 GiB */

/* One slot per possible connection (the cap): the thread serving it and its socket. */
enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_DONE };
struct slot {
    pthread_t thread;
    enum slot_state state; /* DONE: the thread has finished, and must still be joined */
    int fd;                /* the connection's socket while BUSY, else -1 */
    int next_free;         /* the free list: index of the next free slot, or -1 */
    char peer[NET_ADDRSTRLEN]; /* "IP:PORT" of the client */
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

/* pthread functions return an error number instead of setting errno: check each one. */
static void lock_all(void)
{
    int rc = pthread_mutex_lock(&lock);
    if (rc != 0)
        die_en(rc, "pthread_mutex_lock");
}

static void unlock_all(void)
{
    int rc = pthread_mutex_unlock(&lock);
    if (rc != 0)
        die_en(rc, "pthread_mutex_unlock");
}

/* Give slot s back (the lock is held): close its socket, put it on the free list. */
static void free_slot(struct slot *s, enum slot_state state)
{
    close(s->fd); /* under the lock: the shutdown code never meets a closed (reused) fd */
    s->fd = -1;
    s->state = state;
    s->next_free = free_head;
    free_head = (int)(s - slots);
    active--;
    if (accept_waiting) {
        accept_waiting = 0;
        wake_main();
    }
    int rc = active == 0 ? pthread_cond_signal(&all_closed) : 0;
    if (rc != 0)
        die_en(rc, "pthread_cond_signal");
}

/* The thread of one connection: serve it, close it, give the slot back. */
static void *connection_thread(void *arg)
{
    struct slot *s = arg;
    long answered = serve_connection(s->fd, s->peer, &site);
    lock_all();
    requests_answered += answered;
    free_slot(s, SLOT_DONE); /* DONE: main joins this thread before it reuses the slot */
    unlock_all();
    return NULL;
}

/* Accept one connection into the free slot at the head of the list and start its thread. */
static void accept_one(int listen_fd, const pthread_attr_t *thread_attr, long *connections)
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
     * time limits: recv() and send() give up after idle_secs without progress (the
     * deadlines inside a request are connection.c's). */
    struct timeval tv = {site.idle_secs, 0};
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1) {
        close(fd); /* e.g. EINVAL: the client has already reset the connection */
        return;
    }

    lock_all();
    struct slot *s = &slots[free_head]; /* listen_fd is polled only while a slot is free */
    free_head = s->next_free;
    enum slot_state was = s->state;
    s->state = SLOT_BUSY;
    s->fd = fd;
    active++;
    unlock_all();

    int rc;
    if (was == SLOT_DONE && (rc = pthread_join(s->thread, NULL)) != 0)
        die_en(rc, "pthread_join"); /* the slot's previous thread: it has returned already */
    net_addr_str((struct sockaddr *)&ss, len, s->peer);
    rc = pthread_create(&s->thread, thread_attr, connection_thread, s);
    if (rc != 0) { /* EAGAIN: out of threads or memory - drop this one connection */
        fprintf(stderr, "%s: pthread_create: %s\n", progname(), strerror(rc));
        lock_all();
        free_slot(s, SLOT_FREE);
        unlock_all();
        return;
    }
    (*connections)++;
}

/* Each connection may hold two descriptors (its socket and a file being sent): make sure
 * max_conns of them fit under RLIMIT_NOFILE, raising the soft limit if need be. If the
 * hard limit is lower, a cap given with -c is an error, and the default cap is lowered to
 * fit (stderr says so). Returns the cap. */
static long check_fd_limit(long max_conns, int cap_given)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)(2 * max_conns + 16);
    if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
        die("getrlimit");
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
            die("setrlimit");
        if (rl.rlim_cur < need && (cap_given || rl.rlim_cur < 64))
            fatal("-c %ld needs %lu file descriptors, the limit is %lu (ulimit -Hn)", max_conns,
                  (unsigned long)need, (unsigned long)rl.rlim_cur);
        if (rl.rlim_cur < need) {
            max_conns = (long)(rl.rlim_cur - 16) / 2;
            fprintf(stderr, "%s: connection cap lowered to %ld: the file descriptor limit is %lu\n",
                    progname(), max_conns, (unsigned long)rl.rlim_cur);
        }
    }
    return max_conns;
}

static void usage(void)
{
    printf("usage: http-server [-H host] [-p port] [-r root] [-c max-connections] "
           "[-t idle-seconds] [-q]\n"
           "Serves the static files under root over HTTP/1.1 (GET and HEAD), one thread\n"
           "per connection, until SIGINT or SIGTERM.\n"
           "  -H host  address to listen on (default " DEFAULT_HOST ")\n"
           "  -p port  port to listen on, 0 for any free one (default " DEFAULT_PORT ")\n"
           "  -r root  the document root (default %s)\n"
           "  -c max   connections served at once; more wait to be accepted (default %d)\n"
           "  -t secs  close a connection idle this long, or whose request head is not\n"
           "           complete this long after its first byte (default %d)\n"
           "  -q       quiet: no log line per request\n"
           "  -h       this help\n",
           DEFAULT_ROOT, DEFAULT_MAX_CONNS, DEFAULT_IDLE_SECS);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = DEFAULT_HOST, *root = DEFAULT_ROOT;
    char port[8] = DEFAULT_PORT;
    long max_conns = DEFAULT_MAX_CONNS;
    int cap_given = 0;
    site.idle_secs = DEFAULT_IDLE_SECS;
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
            cap_given = 1;
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
    max_conns = check_fd_limit(max_conns, cap_given);
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
        if (set_nonblocking(wake_pipe[i]) == -1 || fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC) == -1)
            die("fcntl");
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");
    sa.sa_handler = SIG_IGN; /* a client that closes early: EPIPE, not death */
    if (sigaction(SIGPIPE, &sa, NULL) == -1)
        die("sigaction");

    /* Non-blocking: poll() may say "a connection is waiting" and the client may reset it
     * before accept(); a blocking accept() would then hang until the next one. */
    int listen_fd = net_listen(host, port, SOCK_STREAM, NET_NONBLOCK | NET_REUSEADDR);
    char where[NET_ADDRSTRLEN];
    printf("listening on %s\n", net_local_str(listen_fd, where));
    /* Every connection thread gets a small stack: THREAD_STACK instead of 8 MiB. */
    pthread_attr_t thread_attr;
    int rc;
    if ((rc = pthread_attr_init(&thread_attr)) != 0 ||
        (rc = pthread_attr_setstacksize(&thread_attr, THREAD_STACK)) != 0)
        die_en(rc, "pthread_attr");

    /* The accept loop: wait for a connection (only while a slot is free) or a wakeup. */
    long connections = 0;
    while (!stop_signal) {
        lock_all();
        int full = free_head == -1, announce = full && !accept_waiting;
        accept_waiting = full;
        unlock_all();
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
            accept_one(listen_fd, &thread_attr, &connections);
    }

    /* Shutdown: no new connections; wake every connection thread (shutdown() makes its
     * blocked recv() return 0 and its send() fail), wait for them all, join them. */
    close(listen_fd);
    lock_all();
    printf("got %s: closing %d open connection%s\n", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
           active, active == 1 ? "" : "s");
    for (long i = 0; i < max_conns; i++)
        if (slots[i].state == SLOT_BUSY && slots[i].fd != -1)
            shutdown(slots[i].fd, SHUT_RDWR);
    while (active > 0)
        if ((rc = pthread_cond_wait(&all_closed, &lock)) != 0)
            die_en(rc, "pthread_cond_wait");
    unlock_all();
    if ((rc = pthread_attr_destroy(&thread_attr)) != 0)
        die_en(rc, "pthread_attr_destroy");
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
