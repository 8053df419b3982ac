/*
 * ipc_bench - how fast two processes can talk: the bandwidth and the latency of a pipe, a
 * socketpair, a POSIX message queue, shared memory with semaphores, TCP and UDP over
 * loopback, next to a plain memcpy() (the limit: no IPC copies bytes faster).
 *
 * Usage: ipc_bench [-l] [-s SIZE] [-t MIB] [-n ROUNDTRIPS] [-c CPU,CPU] [-E] [-C] [MECH...]
 *
 * Shows: bandwidth (default): a child sends MIB MiB in messages of SIZE bytes, the parent
 * receives them, MB/s. Latency (-l): the parent sends one byte, the child sends it back,
 * ROUNDTRIPS times; microseconds per round trip. The parent runs on the first CPU of -c,
 * the child on the second (sched_setaffinity): "0,0" puts both on one CPU, so every
 * hand-over is a context switch; "0,1" puts them on two, so every hand-over wakes the
 * other CPU. Each mechanism first runs a warm-up pass (an eighth of the work, at least 16
 * messages) in which the parent compares every byte with what the child must have sent;
 * in the timed pass it checks each message's sequence number (first 8 bytes). -E corrupts
 * one warm-up byte in the child, to see the check fail.
 * Observe: memcpy > shm > pipe/socketpair > mqueue, tcp, udp; same CPU vs 2 CPUs.
 * The IPC objects are created, opened by both processes (across fork) and unlinked at
 * once, so no name is left in /dev/mqueue or /dev/shm whatever happens later.
 * See also: README.md (the method and a reference run), notes/ipc.md, labs 04-07.
 */
#define _GNU_SOURCE /* sched_setaffinity(), CPU_SET: Linux-specific */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"

enum mech { MEMCPY, PIPE, SOCKETPAIR, MQUEUE, SHM, TCP, UDP, NMECH };
static const char *const mech_name[NMECH] = {"memcpy", "pipe", "socketpair", "mqueue",
                                             "shm",    "tcp",  "udp"};

#define UDP_MAX 65507   /* the largest UDP payload over IPv4 */
#define UDP_WINDOW 32   /* UDP: at most this many datagrams unacknowledged ... */
#define UDP_ACK_EVERY 16 /* ... and the receiver acknowledges every 16 */

/* One direction of the shared-memory channel: a ring of slots, handed over with two
 * counting semaphores (items: full slots; spaces: free slots), like lab 07's buffer. */
struct ring {
    sem_t items, spaces;
    size_t nslots, slotsize, len[]; /* len[nslots], then the slots */
};

/* A two-way channel between side 0 (the parent) and side 1 (the child). */
struct chan {
    enum mech m;
    size_t size;      /* the largest message */
    int rfd[2], wfd[2]; /* pipe, sockets: what side s reads from and writes to */
    mqd_t mq[2];      /* mqueue: mq[s] carries messages from side s */
    struct ring *ring[2]; /* shm: ring[s] carries messages from side s */
    size_t head, tail;    /* shm: the next slot this process writes to / reads from */
    void *map;
    size_t maplen;
};

/* The message buffers, SIZE bytes each, made once in main(). (Global, so that a run that
 * fails, and leaves by exit(), still holds them: a leak checker has nothing to report.) */
static unsigned char *sendbuf, *recvbuf, *wantbuf, *scratch;

static int in_child;
static pid_t child_pid;
static volatile sig_atomic_t child_ended;

static void on_sigchld(int sig)
{
    (void)sig;
    child_ended = 1;
}

/* Errors in code that both processes run: the child must leave with _exit(). */
static noreturn void sys_fail(const char *what)
{
    if (in_child)
        die_child("%s", what);
    die("%s", what);
}

static noreturn void fail(const char *fmt, ...) PL_PRINTF(1, 2);
static noreturn void fail(const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (in_child) {
        fprintf(stderr, "%s: %s\n", progname(), msg);
        _exit(1);
    }
    fatal("%s", msg);
}

/* A blocking call failed with EINTR: carry on, unless the other process has died. */
static void interrupted(void)
{
    if (child_ended)
        fail("the child ended early");
}

/* If the parent dies (an error, Ctrl-C), the kernel kills the child: it might otherwise
 * wait forever in sem_wait(). In the parent, an error kills and reaps the child. */
static void reap_child_at_exit(void)
{
    if (child_pid > 0) {
        kill(child_pid, SIGKILL);
        while (waitpid(child_pid, NULL, 0) == -1 && errno == EINTR)
            ;
    }
}

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) == -1)
        sys_fail("sched_setaffinity");
}

/* ---- making and closing a channel (before fork, and each side's half after it) ---- */

static struct ring *ring_at(char *base, size_t nslots, size_t slotsize)
{
    struct ring *r = (struct ring *)base;
    r->nslots = nslots;
    r->slotsize = slotsize;
    if (sem_init(&r->items, 1, 0) == -1 || sem_init(&r->spaces, 1, (unsigned)nslots) == -1)
        die("sem_init");
    return r;
}

static size_t ring_bytes(size_t nslots, size_t slotsize)
{
    size_t head = sizeof(struct ring) + nslots * sizeof(size_t);
    head = (head + 63) & ~(size_t)63; /* slots start on a cache line */
    return head + nslots * ((slotsize + 63) & ~(size_t)63);
}

static unsigned char *slot(struct ring *r, size_t i)
{
    size_t head = (sizeof(struct ring) + r->nslots * sizeof(size_t) + 63) & ~(size_t)63;
    return (unsigned char *)r + head + i * ((r->slotsize + 63) & ~(size_t)63);
}

/* Two connected sockets: TCP through a listener on 127.0.0.1, or UDP sockets bound to
 * 127.0.0.1 and connected to each other. */
static void loopback_pair(int type, int fd[2])
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int first = socket(AF_INET, type, 0);
    if (first == -1)
        die("socket");
    if (bind(first, (struct sockaddr *)&a, sizeof a) == -1)
        die("bind");
    if (getsockname(first, (struct sockaddr *)&a, &alen) == -1)
        die("getsockname");
    fd[1] = socket(AF_INET, type, 0);
    if (fd[1] == -1)
        die("socket");
    if (type == SOCK_STREAM) {
        if (listen(first, 1) == -1)
            die("listen");
        if (connect(fd[1], (struct sockaddr *)&a, sizeof a) == -1) /* the kernel completes */
            die("connect");                                      /* it from the backlog */
        fd[0] = accept(first, NULL, NULL);
        if (fd[0] == -1)
            die("accept");
        if (close(first) == -1)
            die("close");
        int one = 1; /* send each small message at once (no Nagle delay) */
        for (int s = 0; s < 2; s++)
            if (setsockopt(fd[s], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
                die("setsockopt TCP_NODELAY");
        return;
    }
    struct sockaddr_in b = a;
    socklen_t blen = sizeof b;
    b.sin_port = 0;
    if (bind(fd[1], (struct sockaddr *)&b, sizeof b) == -1)
        die("bind");
    if (getsockname(fd[1], (struct sockaddr *)&b, &blen) == -1)
        die("getsockname");
    fd[0] = first;
    if (connect(fd[0], (struct sockaddr *)&b, sizeof b) == -1 ||
        connect(fd[1], (struct sockaddr *)&a, sizeof a) == -1)
        die("connect");
    int buf = 1 << 20; /* room for a window of datagrams */
    for (int s = 0; s < 2; s++)
        if (setsockopt(fd[s], SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf) == -1)
            die("setsockopt SO_RCVBUF");
}

static void chan_open(struct chan *c, enum mech m, size_t size)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->size = size;
    int p[2][2], sv[2];
    switch (m) {
    case PIPE: /* pipe p[s] carries side s's messages */
        if (pipe(p[0]) == -1 || pipe(p[1]) == -1)
            die("pipe");
        for (int s = 0; s < 2; s++) {
            c->wfd[s] = p[s][1];
            c->rfd[s] = p[1 - s][0];
        }
        break;
    case SOCKETPAIR:
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
            die("socketpair");
        for (int s = 0; s < 2; s++)
            c->rfd[s] = c->wfd[s] = sv[s];
        break;
    case TCP:
    case UDP:
        loopback_pair(m == TCP ? SOCK_STREAM : SOCK_DGRAM, sv);
        for (int s = 0; s < 2; s++)
            c->rfd[s] = c->wfd[s] = sv[s];
        break;
    case MQUEUE:
        for (int s = 0; s < 2; s++) {
            char name[64];
            snprintf(name, sizeof name, "/posixlabs-ipcbench-%ld-%d", (long)getpid(), s);
            struct mq_attr attr = {.mq_maxmsg = 10, .mq_msgsize = (long)size};
            c->mq[s] = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
            if (c->mq[s] == (mqd_t)-1)
                die("mq_open %s (message size %zu)", name, size);
            if (mq_unlink(name) == -1) /* both processes keep it open across fork */
                die("mq_unlink %s", name);
        }
        break;
    case SHM: {
        /* A ring of 1 MiB (the most a pipe may be given, /proc/sys/fs/pipe-max-size), as
         * 4 to 1024 slots: the more room, the fewer times a side has to sleep. */
        size_t nslots = (1u << 20) / size;
        nslots = nslots < 4 ? 4 : nslots > 1024 ? 1024 : nslots;
        size_t one = ring_bytes(nslots, size);
        char name[64];
        snprintf(name, sizeof name, "/posixlabs-ipcbench-%ld", (long)getpid());
        int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd == -1)
            die("shm_open %s", name);
        if (shm_unlink(name) == -1) /* the mapping outlives the name */
            die("shm_unlink %s", name);
        c->maplen = 2 * one;
        if (ftruncate(fd, (off_t)c->maplen) == -1)
            die("ftruncate");
        c->map = mmap(NULL, c->maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (c->map == MAP_FAILED)
            die("mmap");
        if (close(fd) == -1)
            die("close");
        c->ring[0] = ring_at(c->map, nslots, size);
        c->ring[1] = ring_at((char *)c->map + one, nslots, size);
        break;
    }
    default:
        break;
    }
}

/* Close the descriptors of side s (the mechanisms that have any). */
static void close_fds(const struct chan *c, int s)
{
    switch (c->m) {
    case PIPE:
        if (close(c->rfd[s]) == -1 || close(c->wfd[s]) == -1)
            sys_fail("close");
        break;
    case SOCKETPAIR:
    case TCP:
    case UDP:
        if (close(c->rfd[s]) == -1)
            sys_fail("close");
        break;
    default:
        break;
    }
}

/* After fork, side `keep` closes the other side's descriptors. (The message queues stay:
 * each side sends on its own queue and receives on the other's. Shared memory stays.) */
static void chan_close(struct chan *c, int keep)
{
    close_fds(c, 1 - keep);
}

/* All of a side's channel at the end: its own half (chan_close(c, 1 - s) left it). */
static void chan_end(struct chan *c, int s)
{
    close_fds(c, s);
    switch (c->m) {
    case MQUEUE:
        if (mq_close(c->mq[0]) == -1 || mq_close(c->mq[1]) == -1)
            sys_fail("mq_close");
        break;
    case SHM:
        if (s == 0) /* the parent, last: the child has ended */
            for (int d = 0; d < 2; d++)
                if (sem_destroy(&c->ring[d]->items) == -1 ||
                    sem_destroy(&c->ring[d]->spaces) == -1)
                    sys_fail("sem_destroy");
        if (munmap(c->map, c->maplen) == -1)
            sys_fail("munmap");
        break;
    default:
        break;
    }
}

/* ---- moving one message: exactly n bytes, or the run fails ---- */

static void sem_wait_checked(sem_t *sem)
{
    while (sem_wait(sem) == -1) {
        if (errno != EINTR)
            sys_fail("sem_wait");
        interrupted();
    }
}

static void chan_send(struct chan *c, int s, const void *buf, size_t n)
{
    const char *p = buf;
    size_t done = 0;
    switch (c->m) {
    case MQUEUE:
        while (mq_send(c->mq[s], buf, n, 0) == -1) {
            if (errno != EINTR)
                sys_fail("mq_send");
            interrupted();
        }
        return;
    case SHM: {
        struct ring *r = c->ring[s];
        sem_wait_checked(&r->spaces);
        memcpy(slot(r, c->head), buf, n);
        r->len[c->head] = n;
        c->head = (c->head + 1) % r->nslots;
        if (sem_post(&r->items) == -1)
            sys_fail("sem_post");
        return;
    }
    case UDP:
        for (;;) {
            ssize_t w = send(c->wfd[s], buf, n, 0);
            if (w == (ssize_t)n)
                return;
            if (w >= 0)
                fail("udp: sent %zd bytes of %zu", w, n);
            if (errno != EINTR)
                sys_fail("send");
            interrupted();
        }
    default: /* byte streams: a write may take only part */
        while (done < n) {
            ssize_t w = write(c->wfd[s], p + done, n - done);
            if (w == -1) {
                if (errno != EINTR)
                    sys_fail("write");
                interrupted();
                continue;
            }
            done += (size_t)w;
        }
        return;
    }
}

static void chan_recv(struct chan *c, int s, void *buf, size_t n)
{
    char *p = buf;
    size_t done = 0;
    ssize_t got;
    switch (c->m) {
    case MQUEUE: /* the buffer must hold the largest message the queue allows */
        while ((got = mq_receive(c->mq[1 - s], n < c->size ? (char *)scratch : buf, c->size,
                                 NULL)) == -1) {
            if (errno != EINTR)
                sys_fail("mq_receive");
            interrupted();
        }
        if (n < c->size && got == (ssize_t)n)
            memcpy(buf, scratch, n);
        break;
    case SHM: {
        struct ring *r = c->ring[1 - s];
        sem_wait_checked(&r->items);
        got = (ssize_t)r->len[c->tail];
        if (got == (ssize_t)n)
            memcpy(buf, slot(r, c->tail), n);
        c->tail = (c->tail + 1) % r->nslots;
        if (sem_post(&r->spaces) == -1)
            sys_fail("sem_post");
        break;
    }
    case UDP:
        while ((got = recv(c->rfd[s], buf, n, MSG_TRUNC)) == -1) {
            if (errno != EINTR)
                sys_fail("recv");
            interrupted();
        }
        break;
    default:
        while (done < n) {
            got = read(c->rfd[s], p + done, n - done);
            if (got == 0)
                fail("%s: end of file after %zu of %zu bytes", mech_name[c->m], done, n);
            if (got == -1) {
                if (errno != EINTR)
                    sys_fail("read");
                interrupted();
                continue;
            }
            done += (size_t)got;
        }
        got = (ssize_t)n;
        break;
    }
    if (got != (ssize_t)n)
        fail("%s: a message of %zd bytes, expected %zu", mech_name[c->m], got, n);
}

/* ---- the two measurements ---- */

struct params {
    size_t size; /* bandwidth: bytes per message */
    long msgs;   /* bandwidth: messages in the timed pass */
    long trips;  /* latency: round trips in the timed pass */
    int cpu[2];  /* parent's and child's CPU */
    int corrupt; /* -E */
};

static long warmup_count(long n)
{
    return n / 8 < 16 ? 16 : n / 8;
}

/* Message i: the pattern, with i in its first 8 bytes. */
static void stamp(unsigned char *msg, uint64_t i)
{
    memcpy(msg, &i, sizeof i);
}

static void fill_pattern(unsigned char *msg, size_t size)
{
    for (size_t k = 0; k < size; k++)
        msg[k] = (unsigned char)(k * 131 + 7);
}

/* One pass of the sender (the child): n messages numbered from 0. */
static void send_pass(struct chan *c, unsigned char *msg, size_t size, long n, int corrupt)
{
    long acked = 0; /* UDP: messages the receiver has acknowledged */
    unsigned char b;
    for (long i = 0; i < n; i++) {
        /* UDP has no flow control: a datagram that finds the receiver's buffer full is
         * dropped. So at most UDP_WINDOW may be on their way. */
        while (c->m == UDP && i - acked >= UDP_WINDOW) {
            chan_recv(c, 1, &b, 1);
            acked += UDP_ACK_EVERY;
        }
        stamp(msg, (uint64_t)i);
        if (corrupt && i == n / 2)
            msg[size - 1] ^= 0x01;
        chan_send(c, 1, msg, size);
        if (corrupt && i == n / 2)
            msg[size - 1] ^= 0x01;
    }
    while (c->m == UDP && acked < n / UDP_ACK_EVERY * UDP_ACK_EVERY) { /* the last acks */
        chan_recv(c, 1, &b, 1);
        acked += UDP_ACK_EVERY;
    }
}

/* One pass of the receiver (the parent); full: compare every byte with the expected. */
static void recv_pass(struct chan *c, unsigned char *msg, const unsigned char *want,
                      size_t size, long n, int full)
{
    unsigned char b = 'a';
    for (long i = 0; i < n; i++) {
        chan_recv(c, 0, msg, size);
        uint64_t seq;
        memcpy(&seq, msg, sizeof seq);
        if (seq != (uint64_t)i)
            fail("data check failed: %s: message %ld has sequence number %llu", mech_name[c->m],
                 i, (unsigned long long)seq);
        if (full && memcmp(msg + sizeof seq, want + sizeof seq, size - sizeof seq) != 0)
            fail("data check failed: %s: the bytes of message %ld differ from those sent",
                 mech_name[c->m], i);
        if (c->m == UDP && (i + 1) % UDP_ACK_EVERY == 0)
            chan_send(c, 0, &b, 1);
    }
}

/* The same bytes, the same messages, copied inside one process: the limit. */
static double memcpy_mbs(const struct params *pp)
{
    unsigned char *src = sendbuf, *dst = recvbuf;
    fill_pattern(src, pp->size);
    double t0 = 0;
    for (int pass = 0; pass < 2; pass++) {
        long n = pass == 0 ? warmup_count(pp->msgs) : pp->msgs;
        if (pass == 1)
            t0 = now_s();
        for (long i = 0; i < n; i++) {
            stamp(src, (uint64_t)i);
            memcpy(dst, src, pp->size);
            uint64_t seq;
            memcpy(&seq, dst, sizeof seq);
            if (seq != (uint64_t)i)
                fatal("memcpy: message %ld came out wrong", i);
        }
    }
    double secs = now_s() - t0;
    return (double)pp->size * (double)pp->msgs / secs / 1e6;
}

/* Fork the child, pinned; it runs body(c, pp) and leaves with _exit(0). */
static void start_child(struct chan *c, const struct params *pp,
                        void (*body)(struct chan *, const struct params *))
{
    pid_t parent = getpid();
    child_ended = 0;
    child_pid = fork();
    if (child_pid == -1)
        die("fork");
    if (child_pid == 0) {
        in_child = 1;
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
            die_child("prctl");
        if (getppid() != parent) /* the parent died before prctl */
            _exit(1);
        pin(pp->cpu[1]);
        chan_close(c, 1);
        body(c, pp);
        chan_end(c, 1);
        _exit(0);
    }
    chan_close(c, 0);
}

static void finish_child(struct chan *c)
{
    int status;
    while (waitpid(child_pid, &status, 0) == -1)
        if (errno != EINTR)
            die("waitpid");
    child_pid = 0;
    chan_end(c, 0); /* after the child: it may still be in sem_post() */
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fatal("the child failed (wait status 0x%x)", (unsigned)status);
}

static void bw_child(struct chan *c, const struct params *pp)
{
    unsigned char *msg = sendbuf, b;
    fill_pattern(msg, pp->size);
    for (int pass = 0; pass < 2; pass++) {
        chan_recv(c, 1, &b, 1); /* go */
        send_pass(c, msg, pp->size, pass == 0 ? warmup_count(pp->msgs) : pp->msgs,
                  pass == 0 && pp->corrupt);
    }
    chan_recv(c, 1, &b, 1); /* done: the parent has every message */
}

static double bandwidth(enum mech m, const struct params *pp)
{
    if (m == MEMCPY)
        return memcpy_mbs(pp);
    struct chan c;
    chan_open(&c, m, pp->size);
    start_child(&c, pp, bw_child);
    unsigned char *msg = recvbuf, *want = wantbuf, b = 'g';
    fill_pattern(want, pp->size);
    double t0 = 0, t1 = 0;
    for (int pass = 0; pass < 2; pass++) {
        long n = pass == 0 ? warmup_count(pp->msgs) : pp->msgs;
        if (pass == 1)
            t0 = now_s();
        chan_send(&c, 0, &b, 1);
        recv_pass(&c, msg, want, pp->size, n, pass == 0);
    }
    t1 = now_s();
    chan_send(&c, 0, &b, 1);
    finish_child(&c);
    return (double)pp->size * (double)pp->msgs / (t1 - t0) / 1e6;
}

static void lat_child(struct chan *c, const struct params *pp)
{
    long w = warmup_count(pp->trips);
    unsigned char b;
    for (long i = 0; i < w + pp->trips; i++) {
        chan_recv(c, 1, &b, 1);
        if (pp->corrupt && i == w / 2)
            b ^= 0x01;
        chan_send(c, 1, &b, 1);
    }
    chan_recv(c, 1, &b, 1); /* done */
}

/* Microseconds per round trip of one byte. */
static double latency(enum mech m, const struct params *pp)
{
    struct chan c;
    chan_open(&c, m, 1);
    start_child(&c, pp, lat_child);
    long w = warmup_count(pp->trips);
    double t0 = 0;
    for (long i = 0; i < w + pp->trips; i++) {
        if (i == w)
            t0 = now_s();
        unsigned char b = (unsigned char)(i * 7 + 1), back;
        chan_send(&c, 0, &b, 1);
        chan_recv(&c, 0, &back, 1);
        if (back != b)
            fail("data check failed: %s: round trip %ld came back as 0x%02x, not 0x%02x",
                 mech_name[m], i, back, b);
    }
    double secs = now_s() - t0;
    unsigned char done = 'd';
    chan_send(&c, 0, &done, 1);
    finish_child(&c);
    return secs / (double)pp->trips * 1e6;
}

/* ---- main: options, which mechanisms apply, the table or CSV rows ---- */

/* Why mechanism m cannot carry messages of SIZE bytes here, or NULL if it can. */
static const char *cannot(enum mech m, size_t size, char *why, size_t len)
{
    if (m == UDP && size > UDP_MAX) {
        snprintf(why, len, "a UDP datagram holds at most %d bytes", UDP_MAX);
        return why;
    }
    if (m == MQUEUE) {
        long max = 8192;
        FILE *f = fopen("/proc/sys/fs/mqueue/msgsize_max", "r");
        if (f != NULL) {
            if (fscanf(f, "%ld", &max) != 1)
                max = 8192;
            if (fclose(f) == EOF)
                die("fclose");
        }
        if ((long)size > max) {
            snprintf(why, len, "over this system's mqueue msgsize_max (%ld bytes)", max);
            return why;
        }
    }
    return NULL;
}

static void size_label(size_t size, char *buf, size_t len)
{
    if (size >= 1024 && size % 1024 == 0)
        snprintf(buf, len, "%zu KiB", size / 1024);
    else
        snprintf(buf, len, "%zu B", size);
}

static void usage(void)
{
    printf("usage: ipc_bench [-l] [-s SIZE] [-t MIB] [-n ROUNDTRIPS] [-c CPU,CPU] [-E] [-C] "
           "[MECH...]\n"
           "Measures the bandwidth (default) or the latency (-l) of IPC between two processes,\n"
           "pinned to two CPUs. MECH: memcpy (bandwidth only: the limit), pipe, socketpair,\n"
           "mqueue, shm, tcp, udp (default: all that can carry the message size).\n"
           "  -l          latency: 1-byte ping-pong, microseconds per round trip\n"
           "  -s SIZE     bandwidth: bytes per message, 8..1048576 (default 65536)\n"
           "  -t MIB      bandwidth: MiB to move in the timed pass (default: 65536\n"
           "              messages, at most 256 MiB)\n"
           "  -n N        latency: round trips in the timed pass (default 20000)\n"
           "  -c A,B      the parent's CPU and the child's (default 0,0: the same CPU)\n"
           "  -E          corrupt one byte in the warm-up pass, to see the data check fail\n"
           "  -C          print CSV rows (group,mechanism,value) for bench/run.sh\n"
           "  -h          this help\n");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct params pp = {.size = 65536, .trips = 20000};
    long mib = 0; /* 0: 65536 messages, at most 256 MiB */
    int lat = 0, csv = 0, opt, size_given = 0;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    while ((opt = getopt(argc, argv, ":ls:t:n:c:ECh")) != -1) {
        switch (opt) {
        case 'l':
            lat = 1;
            break;
        case 's':
            pp.size = (size_t)parse_long(optarg, 8, 1 << 20, "message size");
            size_given = 1;
            break;
        case 't':
            mib = parse_long(optarg, 1, 65536, "MiB");
            break;
        case 'n':
            pp.trips = parse_long(optarg, 1, 100000000, "round trips");
            break;
        case 'c': {
            char *comma = strchr(optarg, ',');
            if (comma == NULL)
                usage_error("-c wants two CPUs, like 0,1");
            *comma = '\0';
            pp.cpu[0] = (int)parse_long(optarg, 0, ncpu - 1, "CPU");
            pp.cpu[1] = (int)parse_long(comma + 1, 0, ncpu - 1, "CPU");
            break;
        }
        case 'E':
            pp.corrupt = 1;
            break;
        case 'C':
            csv = 1;
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
    if (lat && size_given)
        usage_error("-s is for bandwidth; the latency test sends 1-byte messages");
    int want[NMECH] = {0}, all = optind == argc;
    for (int i = optind; i < argc; i++) {
        int m = 0;
        while (m < NMECH && strcmp(argv[i], mech_name[m]) != 0)
            m++;
        if (m == NMECH)
            usage_error("unknown mechanism '%s'", argv[i]);
        if (lat && m == MEMCPY)
            usage_error("memcpy has no latency to measure: it is for bandwidth");
        want[m] = 1;
    }
    if (mib == 0) /* enough to measure, and a default run of a few seconds at most */
        pp.msgs = pp.size * 65536 <= ((size_t)256 << 20) ? 65536 : (long)(((size_t)256 << 20) / pp.size);
    else
        pp.msgs = (long)((size_t)mib * 1048576 / pp.size);
    if (pp.msgs < 1)
        pp.msgs = 1;

    struct sigaction sa = {.sa_handler = on_sigchld}; /* no SA_RESTART: calls see EINTR */
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) == -1)
        die("sigaction");
    if (atexit(reap_child_at_exit) != 0)
        fatal("atexit failed");
    pin(pp.cpu[0]);
    sendbuf = malloc(pp.size);
    recvbuf = malloc(pp.size);
    wantbuf = malloc(pp.size);
    scratch = malloc(pp.size);
    if (sendbuf == NULL || recvbuf == NULL || wantbuf == NULL || scratch == NULL)
        die("malloc");

    char label[32], group[64], why[96];
    const char *place = pp.cpu[0] == pp.cpu[1] ? "same CPU" : "2 CPUs";
    size_label(pp.size, label, sizeof label);
    if (lat)
        snprintf(group, sizeof group, "%s", place);
    else
        snprintf(group, sizeof group, "%s %s", label, place);
    if (!csv) {
        if (lat)
            printf("ipc_bench: latency, 1-byte ping-pong, %ld round trips, CPUs %d and %d (%s)\n"
                   "%-12s %14s %14s\n", pp.trips, pp.cpu[0], pp.cpu[1], place, "mechanism",
                   "us/round trip", "round trips/s");
        else
            printf("ipc_bench: bandwidth, %s messages, %ld of them, CPUs %d and %d (%s)\n"
                   "%-12s %10s %10s\n", label, pp.msgs, pp.cpu[0], pp.cpu[1], place, "mechanism",
                   "MB/s", "vs memcpy");
    }
    double base = 0;
    for (int m = lat ? PIPE : MEMCPY; m < NMECH; m++) {
        if (!all && !want[m])
            continue;
        if (!lat && cannot((enum mech)m, pp.size, why, sizeof why) != NULL) {
            if (!all)
                fatal("%s: %s messages: %s", mech_name[m], label, why);
            if (csv)
                printf("# note: %s: no %s messages: %s\n", mech_name[m], label, why);
            else
                printf("%-12s %10s  (%s)\n", mech_name[m], "-", why);
            continue;
        }
        double v = lat ? latency((enum mech)m, &pp) : bandwidth((enum mech)m, &pp);
        if (m == MEMCPY)
            base = v;
        if (csv)
            printf("%s,%s,%.3f\n", group, mech_name[m], v);
        else if (lat)
            printf("%-12s %14.2f %14.0f\n", mech_name[m], v, 1e6 / v);
        else if (base > 0)
            printf("%-12s %10.0f %9.3fx\n", mech_name[m], v, v / base);
        else
            printf("%-12s %10.0f %10s\n", mech_name[m], v, "-");
    }
    if (!csv)
        printf(lat ? "data: every byte came back as sent\n"
                   : "data: warm-up messages compared byte for byte, every sequence number "
                     "checked\n");
    free(sendbuf);
    free(recvbuf);
    free(wantbuf);
    free(scratch);
    return 0;
}
