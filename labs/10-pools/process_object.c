/*
 * process_object - what Python's multiprocessing.Process object does, written out in C.
 *
 * Usage: process_object [-H]
 *        -H  hold while the "sleeper" child runs, until stdin is closed (Ctrl-D), so that
 *            you can look at it with ps
 *
 * Shows: Process(target=f, args=(...), name=..., daemon=...) is a struct (进程对象):
 *   - target and args: a function pointer and one pointer to a struct of arguments;
 *   - a "subclass" that overrides run(): a struct whose first member is the base struct,
 *     with its own run function pointer (class Countdown(Process): def run(self): ...);
 *   - start(): fork(); the child names itself (prctl(PR_SET_NAME): ps -o comm and
 *     /proc/PID/comm show it) and leaves with _exit(run()); exitcode is -N if signal N
 *     killed it, as in Python;
 *   - is_alive(): waitpid(pid, WNOHANG) - not kill(pid, 0), which succeeds on a zombie;
 *   - join(timeout): a bounded wait. Like Python, the parent keeps the read end of a pipe
 *     whose write end only the child holds (Process.sentinel): it closes when the child
 *     ends, and poll() waits for that with a time-out. Then waitpid() reaps;
 *   - daemon=True: the child asks the kernel for SIGTERM when its parent ends
 *     (prctl(PR_SET_PDEATHSIG)). That is NOT a Unix daemon (守护进程, lab 02's
 *     daemonize), which is detached from its terminal to outlive everyone: Python's
 *     daemonic process is the opposite, it must not outlive its parent.
 *
 * Observe: ./process_object -H, then in another terminal
 *   ps -o pid,ppid,stat,comm --ppid $(pgrep -n process_object)      (comm is "sleeper")
 * See also: prctl(2) (PR_SET_NAME, PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER), poll(2),
 * waitpid(2); thread_object.c in lab 08; notes/python-to-c.md.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"

struct process {
    int (*run)(struct process *self); /* the "method"; process_run calls target(args) */
    int (*target)(void *args);
    void *args;
    const char *name;                 /* ps shows at most 15 characters */
    int daemon;                       /* 1: SIGTERM when the parent ends */
    pid_t pid;                        /* set by start() */
    int sentinel;                     /* read end of the pipe only the child writes to */
    int done, exitcode;               /* set once reaped: exit status, or -signal */
};

static int process_run(struct process *self) /* Process.run: call target(*args) */
{
    return self->target(self->args);
}

static void process_start(struct process *p)
{
    int fds[2];
    if (pipe(fds) == -1)
        die("pipe");
    pid_t parent = getpid();
    p->pid = fork();
    if (p->pid == -1)
        die("fork");
    if (p->pid == 0) {
        if (close(fds[0]) == -1)
            die_child("close");
        if (prctl(PR_SET_NAME, p->name) == -1)
            die_child("prctl PR_SET_NAME");
        if (p->daemon) {
            if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
                die_child("prctl PR_SET_PDEATHSIG");
            if (getppid() != parent) /* the parent ended before the line above */
                _exit(1);
        }
        if (write(fds[1], "r", 1) != 1) /* "ready": named, so start() may return */
            die_child("write");
        _exit(p->run(p));               /* fds[1] closes here: the sentinel sees EOF */
    }
    if (close(fds[1]) == -1)
        die("close");
    char c;
    if (read(fds[0], &c, 1) == -1)
        die("read");
    p->sentinel = fds[0];
    p->done = 0;
}

static void process_reaped(struct process *p, int status)
{
    p->done = 1;
    p->exitcode = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    if (close(p->sentinel) == -1)
        die("close");
}

static int process_is_alive(struct process *p)
{
    /* task 3 begin: is_alive */
    if (p->done)
        return 0;
    int status;
    pid_t r = waitpid(p->pid, &status, WNOHANG);
    if (r == -1)
        die("waitpid");
    if (r == 0)
        return 1;
    process_reaped(p, status);
    return 0;
    /* task 3 end */
}

/* join(timeout): timeout_ms < 0 waits for ever. Like Python, returns nothing: look at
 * is_alive() or done afterwards to learn whether it ended. */
static void process_join(struct process *p, int timeout_ms)
{
    /* task 3 begin: join_timeout */
    if (p->done)
        return;
    struct pollfd pfd = {.fd = p->sentinel, .events = POLLIN};
    int n = poll(&pfd, 1, timeout_ms);
    if (n == -1)
        die("poll");
    if (n == 0)
        return; /* timed out: still running */
    int status;
    if (waitpid(p->pid, &status, 0) == -1)
        die("waitpid");
    process_reaped(p, status);
    /* task 3 end */
}

/* ---- the targets, and a "subclass" ---- */
struct greet_args {
    const char *word;
    int times;
};

static int greet(void *arg)
{
    struct greet_args *a = arg;
    char comm[32] = "";
    FILE *f = fopen("/proc/self/comm", "r");
    if (f == NULL || fgets(comm, sizeof comm, f) == NULL)
        die_child("read /proc/self/comm");
    if (fclose(f) != 0)
        die_child("fclose");
    comm[strcspn(comm, "\n")] = '\0';
    printf("greeter: pid %ld, /proc/self/comm \"%s\", args: %s %d\n", (long)getpid(), comm,
           a->word, a->times);
    return 0;
}

struct countdown {         /* class Countdown(Process) */
    struct process base;   /* first member: a struct countdown * is a struct process * */
    int from;
};

static int countdown_run(struct process *self) /* def run(self): overrides Process.run */
{
    struct countdown *c = (struct countdown *)self;
    printf("countdown: from %d, exiting with status %d\n", c->from, c->from * 2 + 1);
    return c->from * 2 + 1;
}

static int wait_for_eof(void *arg) /* the sleeper: runs until main closes the pipe */
{
    int *fds = arg;
    if (close(fds[1]) == -1) /* our copy of the write end, or we would wait for ever */
        die_child("close");
    char buf[16];
    while (read(fds[0], buf, sizeof buf) > 0)
        continue;
    return 0;
}

static int forever(void *arg)
{
    (void)arg;
    for (;;)
        pause(); /* until a signal ends the process */
    return 0;    /* not reached */
}

static int spawner(void *arg) /* starts a daemonic child, reports its pid, and ends */
{
    struct process d = {.run = process_run, .target = forever, .name = "daemon", .daemon = 1};
    process_start(&d);
    if (write(*(int *)arg, &d.pid, sizeof d.pid) != sizeof d.pid)
        die_child("write");
    return 0; /* this process ends here; the kernel sends "daemon" SIGTERM */
}

static void usage(void)
{
    printf("usage: process_object [-H]\n"
           "Builds Python's Process object in C: target and args, name, a subclass with\n"
           "its own run, is_alive, join(timeout), exitcode, daemon=True.\n"
           "  -H  hold while the sleeper runs, until stdin is closed (Ctrl-D)\n"
           "  -h  this help\n");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int hold = 0, opt;
    while ((opt = getopt(argc, argv, ":Hh")) != -1) {
        switch (opt) {
        case 'H':
            hold = 1;
            break;
        case 'h':
            usage();
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);

    /* 1. Process(target=greet, args=("hello", 3), name="greeter") */
    struct greet_args ga = {"hello", 3};
    struct process g = {.run = process_run, .target = greet, .args = &ga, .name = "greeter"};
    process_start(&g);
    process_join(&g, -1);
    printf("main: greeter (pid %ld) joined, exitcode %d\n", (long)g.pid, g.exitcode);

    /* 2. a subclass: Countdown(from_=3).start() */
    struct countdown c = {.base = {.run = countdown_run, .name = "countdown"}, .from = 3};
    process_start(&c.base);
    process_join(&c.base, -1);
    printf("main: countdown joined, exitcode %d\n", c.base.exitcode);

    /* 3. is_alive() and join(timeout) on a child that runs until we close its pipe */
    int release[2];
    if (pipe(release) == -1)
        die("pipe");
    struct process s = {.run = process_run, .target = wait_for_eof, .args = release,
                        .name = "sleeper"};
    process_start(&s);
    if (close(release[0]) == -1)
        die("close");
    printf("main: sleeper (pid %ld) started\n", (long)s.pid);
    int alive = process_is_alive(&s);
    printf("main: is_alive() = %d; kill(pid, 0) = %d\n", alive, kill(s.pid, 0));
    long long t0 = now_ms();
    process_join(&s, 100);
    long long waited = now_ms() - t0;
    printf("main: join(timeout=100 ms) returned after %lld ms; is_alive() = %d\n", waited,
           process_is_alive(&s));
    if (hold) {
        printf("main: holding; look: ps -o pid,ppid,stat,comm --ppid %ld; then Ctrl-D\n",
               (long)getpid());
        char buf[64];
        while (read(STDIN_FILENO, buf, sizeof buf) > 0)
            continue;
    }
    if (close(release[1]) == -1) /* the sleeper reads EOF and ends */
        die("close");
    siginfo_t si;
    if (waitid(P_PID, (id_t)s.pid, &si, WEXITED | WNOWAIT) == -1) /* ended, not reaped */
        die("waitid");
    printf("main: the sleeper has ended but is not reaped (a zombie): kill(pid, 0) = %d\n",
           kill(s.pid, 0));
    alive = process_is_alive(&s);
    printf("main: is_alive() = %d (waitpid WNOHANG reaped it), exitcode %d\n", alive,
           s.exitcode);
    int k = kill(s.pid, 0);
    printf("main: now kill(pid, 0) = %d (%s)\n", k, k == -1 ? strerror(errno) : "?");

    /* 4. daemon=True: "spawner" starts a daemonic child, then ends. We adopt the
     *    orphan (PR_SET_CHILD_SUBREAPER) only to be able to reap it and show how it ended. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) == -1)
        die("prctl PR_SET_CHILD_SUBREAPER");
    int report[2];
    if (pipe(report) == -1)
        die("pipe");
    struct process sp = {.run = process_run, .target = spawner, .args = &report[1],
                         .name = "spawner"};
    process_start(&sp);
    if (close(report[1]) == -1)
        die("close");
    pid_t daemon_pid;
    if (read(report[0], &daemon_pid, sizeof daemon_pid) != sizeof daemon_pid)
        die("read the daemon's pid");
    if (close(report[0]) == -1)
        die("close");
    process_join(&sp, -1); /* (its sentinel closes once "daemon", which inherited a copy of
                              it, has ended too: the caveat Python's sentinel has as well) */
    int status;
    if (waitpid(daemon_pid, &status, 0) == -1)
        die("waitpid daemon");
    printf("main: spawner exited (%d); its daemonic child %s by signal %d when it did\n",
           sp.exitcode, WIFSIGNALED(status) ? "was killed" : "was NOT killed",
           WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 0;
}
