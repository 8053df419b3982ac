/*
 * file-server - the course's concurrent file server (文件服务器, the classroom's "tftp"):
 * list, download and upload files in one directory, many clients at once, one process
 * per client.
 *
 * Usage: file-server [-H host] [-p port] [-r root] [-c clients] [-t seconds] [-m bytes] [-C]
 *
 * The structure is the classroom's fork model (多进程并发):
 *   1. the parent creates the socket, binds it, listens;
 *   2. it waits for a client (accept);
 *   3. it forks a child for that client, closes its own copy of the connection, and goes
 *      back to accept;
 *   4. the child serves the client's requests (session.c) until it quits, then exits;
 *      the parent reaps it (SIGCHLD), so that no zombie is left.
 * The protocol is in PROTOCOL.md (protocol.c parses it), the file operations in fileops.c.
 *
 * The parent's loop waits in pselect() with SIGCHLD, SIGTERM and SIGINT unblocked only
 * there: a signal can never slip in between "check the flags" and "go to sleep" (the race
 * a plain select() or accept() loop has). On SIGTERM/SIGINT it stops accepting, sends
 * SIGTERM to every child, reaps them, removes the uploads they left half-way, exits 0.
 *
 * Observe: ps -o pid,ppid,stat,cmd --ppid <server pid>   (one child per client)
 *          ls -l /proc/<server pid>/fd                    (the parent holds 5 fds, always)
 *          strace -f -e trace=accept,clone,wait4,pselect6 ./file-server -p 0
 * See also: socket(7), tcp(7), accept(2), fork(2), pselect(2), sendfile(2), splice(2);
 * client.c, PROTOCOL.md, README.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"
#include "fileops.h"
#include "net.h"
#include "session.h"

/* The defaults, written once: the code and the -h text both use these. */
#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "8888"
#define DEFAULT_ROOT "library"
#define DEFAULT_CLIENTS 128
#define DEFAULT_IDLE_SECONDS 300
#define DEFAULT_MAX_UPLOAD 1073741824L /* 1 GiB */

#define STOP_GRACE_MS 1500 /* children get this long after SIGTERM, then SIGKILL */
#define ME "-"             /* the "peer" of the server's own log lines */

static volatile sig_atomic_t stop_signal; /* SIGTERM or SIGINT, once received */

static void on_stop(int sig)
{
    stop_signal = sig;
}

/* Nothing to do: SIGCHLD only has to interrupt pselect(); the loop then reaps. (With
 * SIG_DFL the signal would be discarded and would not interrupt; SIG_IGN would make the
 * kernel reap, and the parent could not count its clients.) */
static void on_sigchld(int sig)
{
    (void)sig;
}

static struct library lib;
static pid_t *kids; /* the children alive, kids[0..nkids) */
static int nkids, max_clients = DEFAULT_CLIENTS;

static void usage(void)
{
    printf("usage: file-server [-H host] [-p port] [-r root] [-c clients] [-t seconds] "
           "[-m bytes] [-C]\n"
           "The course's file server: clients list, download (get) and upload (put) the\n"
           "files of one directory; a child process serves each client. Protocol: PROTOCOL.md.\n"
           "  -H host     address to listen on (default %s; 0.0.0.0: every interface;\n"
           "              ::1 or :: for IPv6)\n"
           "  -p port     TCP port (default %s; 0: any free port)\n"
           "  -r root     the directory served (default ./%s, created if missing)\n"
           "  -c clients  clients served at once; one more gets \"ERR server busy\" (default %d)\n"
           "  -t seconds  idle timeout, a deadline on progress: a client that lets that long\n"
           "              pass without a byte moving (silent, stalled upload, download not\n"
           "              read) is dropped, its partial upload removed (default %d)\n"
           "  -m bytes    the largest upload accepted (default %ld, 1 GiB)\n"
           "  -C          copy with read()/write() instead of sendfile()/splice() (to compare)\n"
           "  -h          this help\n"
           "The first line on stdout is \"listening on HOST:PORT\". One line per request goes\n"
           "to stderr: time, client, pid, request, result, bytes. SIGINT/SIGTERM: stop.\n",
           DEFAULT_HOST, DEFAULT_PORT, DEFAULT_ROOT, DEFAULT_CLIENTS, DEFAULT_IDLE_SECONDS,
           DEFAULT_MAX_UPLOAD);
}

static void install(int sig, void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = flags;
    if (sigaction(sig, &sa, NULL) == -1)
        die("sigaction");
}

/* A child has ended: forget it. One that did not exit 0 was killed (by our SIGTERM, by
 * SIGKILL, by a crash): it had no chance to remove a half-done upload, so the parent does
 * it - it knows the name (fileops.h). */
static void child_ended(pid_t pid, int st)
{
    for (int i = 0; i < nkids; i++)
        if (kids[i] == pid) {
            kids[i] = kids[--nkids];
            break;
        }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return;
    const char *removed = library_remove_upload(&lib, pid) ? "; removed its partial upload" : "";
    if (WIFSIGNALED(st))
        log_event(ME, "child %ld was killed by signal %d (%s)%s", (long)pid, WTERMSIG(st),
                  strsignal(WTERMSIG(st)), removed);
    else
        log_event(ME, "child %ld exited with status %d%s", (long)pid, WEXITSTATUS(st), removed);
}

/* Reap every child that has ended; never blocks. */
static void reap(void)
{
    pid_t pid;
    int st;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
        child_ended(pid, st);
    if (pid == -1 && errno != ECHILD)
        die("waitpid");
}

/* Over the cap: say so and close, without blocking the parent (see lingering_close in
 * session.c for why the unread bytes are drained first). */
static void reject(int fd, const char *peer, const char *why)
{
    static const char busy[] = "ERR server busy\n";
    ssize_t ignored = write(fd, busy, sizeof busy - 1); /* a fresh socket: never blocks */
    (void)ignored;
    shutdown(fd, SHUT_WR);
    char scrap[1024];
    while (recv(fd, scrap, sizeof scrap, MSG_DONTWAIT) > 0)
        ;
    close(fd);
    log_event(peer, "ERR server busy (%s)", why);
}

static void serve_one(int lfd, const struct server_config *cfg, const sigset_t *orig)
{
    struct sockaddr_storage sa;
    socklen_t salen = sizeof sa;
    int fd = accept(lfd, (struct sockaddr *)&sa, &salen);
    if (fd == -1) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
            log_event(ME, "accept: %s", strerror(errno)); /* EMFILE, ENOBUFS...: go on */
        return;
    }
    char peer[NET_ADDRSTRLEN]; /* "127.0.0.1:5000", "[::1]:5000" */
    net_addr_str((struct sockaddr *)&sa, salen, peer);
    reap(); /* count only the clients still there */
    if (nkids >= max_clients) {
        char why[64];
        snprintf(why, sizeof why, "%d clients already", nkids);
        reject(fd, peer, why);
        return;
    }
    pid_t pid = fork();
    if (pid == -1) {
        reject(fd, peer, strerror(errno));
        return;
    }
    if (pid == 0) {
        close(lfd);
        /* The child: the default actions (SIGTERM ends it at once), signals unblocked. */
        install(SIGTERM, SIG_DFL, 0);
        install(SIGINT, SIG_DFL, 0);
        install(SIGCHLD, SIG_DFL, 0);
        if (sigprocmask(SIG_SETMASK, orig, NULL) == -1)
            die_child("sigprocmask");
        free(kids);
        session_run(cfg, &lib, fd, peer); /* never returns */
    }
    kids[nkids++] = pid;
    close(fd); /* the child has its own copy; ours would keep the connection open */
}

/* SIGTERM to every child, up to STOP_GRACE_MS for them to end, then SIGKILL. */
static void stop_children(void)
{
    /* task 4 begin: stop_children */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    for (int i = 0; i < nkids; i++)
        kill(kids[i], SIGTERM);
    long long t0 = now_ms();
    for (reap(); nkids > 0; reap()) {
        if (now_ms() - t0 >= STOP_GRACE_MS) {
            for (int i = 0; i < nkids; i++)
                kill(kids[i], SIGKILL);
            pid_t pid;
            int st;
            while (nkids > 0 && (pid = waitpid(-1, &st, 0)) > 0) /* SIGKILL: soon */
                child_ended(pid, st);
            break;
        }
        struct timespec step = {0, 20 * 1000000L};
        sigtimedwait(&chld, NULL, &step); /* until a child ends, or 20 ms */
    }
    /* task 4 end */
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = DEFAULT_HOST, *root = DEFAULT_ROOT;
    char port[8] = DEFAULT_PORT;
    struct server_config cfg = {
        .max_upload = DEFAULT_MAX_UPLOAD, .idle_seconds = DEFAULT_IDLE_SECONDS, .plain = 0};
    int opt;
    while ((opt = getopt(argc, argv, ":H:p:r:c:t:m:Ch")) != -1) {
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
            max_clients = (int)parse_long(optarg, 1, 4096, "number of clients");
            break;
        case 't':
            cfg.idle_seconds = (int)parse_long(optarg, 1, 86400, "idle timeout");
            break;
        case 'm':
            cfg.max_upload = (uint64_t)parse_long(optarg, 0, 0x7fffffffffffffffL, "upload limit");
            break;
        case 'C':
            cfg.plain = 1;
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
        usage_error("unexpected argument '%s'", argv[optind]);

    /* Signals: SIGPIPE ignored (a client that vanishes gives EPIPE, not death); SIGXFSZ
     * ignored (a file over RLIMIT_FSIZE gives EFBIG, reported to the client); SIGCHLD,
     * SIGTERM, SIGINT blocked except inside pselect(). */
    install(SIGPIPE, SIG_IGN, 0);
    install(SIGXFSZ, SIG_IGN, 0);
    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    if (sigprocmask(SIG_BLOCK, &block, &orig) == -1)
        die("sigprocmask");
    install(SIGCHLD, on_sigchld, SA_NOCLDSTOP);
    install(SIGTERM, on_stop, 0);
    install(SIGINT, on_stop, 0);

    /* Non-blocking, so that an accept() after a client gave up in the meantime returns
     * EAGAIN instead of blocking the loop. A bad host is bad usage: exit 2. */
    int lfd = net_listen(host, port, SOCK_STREAM, NET_NONBLOCK | NET_REUSEADDR);
    if (library_open(&lib, root) == -1)
        die("cannot open the root directory %s", root);
    if ((kids = calloc((size_t)max_clients, sizeof *kids)) == NULL)
        die("calloc");
    char addr[NET_ADDRSTRLEN];
    printf("listening on %s\n", net_local_str(lfd, addr)); /* IPv6: "[::1]:8888" */
    fflush(stdout);
    log_event(ME, "serving %s to at most %d clients at once", root, max_clients);

    while (!stop_signal) {
        fd_set rfds;
        FD_ZERO(&rfds);
        FD_SET(lfd, &rfds);
        /* The only place where the three signals can arrive: atomically unblocked here. */
        int n = pselect(lfd + 1, &rfds, NULL, NULL, NULL, &orig);
        if (n == -1 && errno != EINTR)
            die("pselect");
        reap();
        if (n > 0 && !stop_signal)
            serve_one(lfd, &cfg, &orig);
    }
    close(lfd); /* stop accepting: new clients are refused from now on */
    log_event(ME, "got %s: stopping %d client%s", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
              nkids, nkids == 1 ? "" : "s");
    stop_children();
    log_event(ME, "stopped");
    library_close(&lib);
    free(kids);
    return 0;
}
