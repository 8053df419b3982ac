/*
 * reap - the ways a parent avoids zombies, one method per run.
 *
 * Usage: reap [-n CHILDREN] [-d MS] METHOD
 *   METHOD: wait | waitpid | nohang | double-fork | sigchld | ignore
 *
 * Shows: N children (default 3) end one after another, DELAY ms apart (default 100);
 * child i exits with status i. The parent gets rid of them with METHOD:
 *   wait         wait() blocks until some child has ended, and reaps it
 *   waitpid      waitpid(pid, ...) blocks for one particular child
 *   nohang       waitpid(-1, ..., WNOHANG) never blocks: the parent polls between its work
 *   double-fork  (二级子进程) a short-lived child forks the worker and exits at once; the
 *                parent reaps that child immediately, and the worker, now an orphan, is
 *                adopted and reaped by init - or, where pid 1 does not reap (as in many
 *                containers), by a child subreaper: here `reap` itself plays init
 *   sigchld      a SIGCHLD handler reaps every ended child, looping on WNOHANG
 *   ignore       SIGCHLD set to SIG_IGN: the kernel reaps children itself, statuses are lost
 * Every method ends by counting, in /proc, the children still there and the zombies among
 * them: both must be 0.
 *
 * Observe: strace -f -e trace=wait4,waitid,rt_sigaction ./reap sigchld
 * See also: wait(2), sigaction(2) (SA_NOCLDWAIT), prctl(2) (PR_SET_CHILD_SUBREAPER),
 * zombie.c, labs/02-orphan; notes/processes.md ("four ways to avoid zombies").
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h> /* Linux: PR_SET_CHILD_SUBREAPER */
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "procstat.h"

#define MAXCHILDREN 32

static int nchildren = 3;
static long delay_ms = 100;

/* The children end in a fixed order, so that the output never depends on luck: worker i
 * waits for end-of-file on a pipe whose only writer is worker i-1 - EOF comes when that one
 * has exited - then works for delay_ms and exits with status i. Worker 1 waits on the "go"
 * pipe, which its parent closes once every worker has started. */
static int go_write = -1; /* the write end of the go pipe (held by the parent only) */
static int chain_fd = -1; /* the read end the next worker will wait on */

static void worker(int i)
{
    char c;
    while (read(chain_fd, &c, 1) == -1 && errno == EINTR)
        ;
    struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
    _exit(i);
}

static void begin_chain(void)
{
    int go[2];
    if (pipe(go) == -1)
        die("pipe");
    go_write = go[1];
    chain_fd = go[0];
}

/* Start worker i. With double_fork, a middle child forks the worker and exits at once.
 * Returns the pid of our own child (the one we must reap); *worker_pid gets the worker's. */
static pid_t start_worker(int i, int double_fork, pid_t *worker_pid)
{
    int link[2], report[2] = {-1, -1};
    if (pipe(link) == -1 || (double_fork && pipe(report) == -1))
        die("pipe");
    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        close(go_write);
        close(link[0]); /* link[1] stays open until the worker exits: the next one waits */
        if (!double_fork)
            worker(i);
        close(report[0]);
        pid_t w = fork();
        if (w == -1)
            die_child("fork");
        if (w == 0)
            worker(i);
        if (write(report[1], &w, sizeof w) != (ssize_t)sizeof w)
            die_child("write");
        _exit(0); /* the middle child's whole job: fork the worker, then leave */
    }
    close(link[1]);
    close(chain_fd);
    chain_fd = link[0];
    *worker_pid = pid;
    if (double_fork) {
        close(report[1]);
        if (read(report[0], worker_pid, sizeof *worker_pid) != (ssize_t)sizeof *worker_pid)
            die("read the worker's pid");
        close(report[0]);
    }
    return pid;
}

/* Start every worker as our own child; they begin their countdown when all are started. */
static void start_children(pid_t *pids)
{
    begin_chain();
    for (int i = 1; i <= nchildren; i++) {
        pid_t w;
        pids[i] = start_worker(i, 0, &w);
        printf("parent %ld: started child %ld (exits with status %d after %ld ms)\n",
               (long)getpid(), (long)pids[i], i, (long)i * delay_ms);
    }
    close(chain_fd);
    close(go_write); /* go! */
}

static void reaped(const char *how, pid_t pid, int status)
{
    printf("parent %ld: %s reaped child %ld (status %d)\n", (long)getpid(), how, (long)pid,
           WEXITSTATUS(status));
}

static void count_children(const char *who)
{
    int zombies, left = proc_children(getpid(), &zombies);
    printf("%s %ld: children left: %d, zombies among them: %d (counted in /proc)\n", who,
           (long)getpid(), left, zombies);
    if (left != 0 || zombies != 0)
        exit(EXIT_FAILURE);
}

static void set_sigchld(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    if (sigaction(SIGCHLD, &sa, NULL) == -1)
        die("sigaction SIGCHLD");
}

/* sigchld: the handler reaps; main() prints, because printf is not async-signal-safe.
 * main() reads the arrays only while SIGCHLD is blocked, so the handler cannot interrupt. */
static volatile sig_atomic_t nreaped;
static pid_t reaped_pid[MAXCHILDREN];
static int reaped_status[MAXCHILDREN];

static void on_sigchld(int sig)
{
    /* task 3 begin: on_sigchld */
    (void)sig;
    int saved = errno, st;
    pid_t w;
    while (nreaped < MAXCHILDREN && (w = waitpid(-1, &st, WNOHANG)) > 0) {
        reaped_pid[nreaped] = w;
        reaped_status[nreaped] = st;
        nreaped++;
    }
    errno = saved;
    /* task 3 end */
}

static void by_sigchld(pid_t *pids)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &block, &old) == -1)
        die("sigprocmask");
    set_sigchld(on_sigchld);
    start_children(pids);
    for (int shown = 0; shown < nchildren;) {
        sigsuspend(&old); /* unblock SIGCHLD and sleep until a handler has run */
        for (; shown < nreaped; shown++)
            reaped("the SIGCHLD handler", reaped_pid[shown], reaped_status[shown]);
    }
    if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
        die("sigprocmask");
}

static void by_ignoring(pid_t *pids)
{
    set_sigchld(SIG_IGN);
    start_children(pids);
    /* With SIGCHLD ignored, wait() blocks until every child has ended, then fails. */
    if (wait(NULL) != -1 || errno != ECHILD)
        fatal("wait() should fail with ECHILD when SIGCHLD is ignored");
    printf("parent %ld: wait() returned -1 with ECHILD once all had ended: the kernel "
           "reaped them, and their statuses are lost\n", (long)getpid());
}

static void by_double_fork(void)
{
    printf("reap %ld: standing in for init as a child subreaper: the orphans below me are "
           "adopted and reaped by me\n", (long)getpid());
    if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) == -1)
        die("prctl PR_SET_CHILD_SUBREAPER");
    pid_t parent = fork();
    if (parent == -1)
        die("fork");
    if (parent == 0) {
        begin_chain(); /* worker 1 starts when this parent exits and go_write closes */
        for (int i = 1; i <= nchildren; i++) {
            pid_t w;
            int status;
            pid_t mid = start_worker(i, 1, &w);
            if (waitpid(mid, &status, 0) == -1)
                die("waitpid");
            printf("parent %ld: child %ld forked worker %ld (exits with status %d after %ld "
                   "ms), then exited and was reaped at once\n",
                   (long)getpid(), (long)mid, (long)w, i, (long)i * delay_ms);
        }
        close(chain_fd);
        count_children("parent");
        printf("parent %ld: exiting without waiting for the workers\n", (long)getpid());
        exit(0);
    }
    for (;;) { /* play init: reap whatever ends below us until nothing is left */
        int status;
        pid_t w = wait(&status);
        if (w == -1 && errno == ECHILD)
            break;
        if (w == -1)
            die("wait");
        printf("reap %ld: reaped %s %ld (status %d)\n", (long)getpid(),
               w == parent ? "the parent" : "orphan worker", (long)w, WEXITSTATUS(status));
    }
    count_children("reap");
}

static void usage(void)
{
    printf("usage: reap [-n CHILDREN] [-d MS] METHOD\n"
           "Starts children that end one after another and reaps them with METHOD, then\n"
           "counts in /proc the children and zombies left (both must be 0).\n"
           "  METHOD       wait | waitpid | nohang | double-fork | sigchld | ignore\n"
           "  -n CHILDREN  how many children (1-%d, default 3)\n"
           "  -d MS        milliseconds between two children's ends (default 100)\n"
           "  -h           this help\n",
           MAXCHILDREN);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int opt;
    while ((opt = getopt(argc, argv, ":n:d:h")) != -1) {
        switch (opt) {
        case 'n':
            nchildren = (int)parse_long(optarg, 1, MAXCHILDREN, "number of children");
            break;
        case 'd':
            delay_ms = parse_long(optarg, 0, 10000, "delay");
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
    if (optind != argc - 1)
        usage_error("give one METHOD");
    const char *method = argv[optind];
    pid_t pids[MAXCHILDREN + 1];
    int status;

    if (strcmp(method, "wait") == 0) {
        /* task 2 begin: reap_by_wait */
        start_children(pids);
        for (int i = 1; i <= nchildren; i++) {
            pid_t w = wait(&status); /* any child; blocks until one has ended */
            if (w == -1)
                die("wait");
            reaped("wait()", w, status);
        }
        /* task 2 end */
    } else if (strcmp(method, "waitpid") == 0) {
        start_children(pids);
        for (int i = 1; i <= nchildren; i++) { /* this particular child, in our order */
            if (waitpid(pids[i], &status, 0) == -1)
                die("waitpid");
            reaped("waitpid(pid)", pids[i], status);
        }
    } else if (strcmp(method, "nohang") == 0) {
        start_children(pids);
        long polls = 0;
        for (int left = nchildren; left > 0;) {
            pid_t w = waitpid(-1, &status, WNOHANG);
            if (w == -1)
                die("waitpid");
            if (w == 0) { /* nobody has ended yet: do some other work, then ask again */
                polls++;
                struct timespec work = {0, 10 * 1000000L};
                nanosleep(&work, NULL);
                continue;
            }
            reaped("waitpid(WNOHANG)", w, status);
            left--;
        }
        printf("parent %ld: between the reaps it polled %ld times and did other work\n",
               (long)getpid(), polls);
    } else if (strcmp(method, "sigchld") == 0) {
        by_sigchld(pids);
    } else if (strcmp(method, "ignore") == 0) {
        by_ignoring(pids);
    } else if (strcmp(method, "double-fork") == 0) {
        by_double_fork();
        return 0;
    } else {
        usage_error("unknown METHOD '%s'", method);
    }
    count_children("parent");
    return 0;
}
