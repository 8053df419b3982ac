/*
 * kill_raise - sending a signal: to myself, to another process, to my whole process group.
 *
 * Usage: kill_raise
 *
 * Shows, step by step:
 *   raise(sig)       sends sig to the caller. A signal a process sends itself is delivered
 *                    before raise() returns (if it is not blocked): the handler has run by
 *                    the next line.
 *   kill(pid, 0)     sends nothing, only checks: 0 if pid exists and we may signal it,
 *                    -1 with ESRCH once it is gone.
 *   kill(pid, sig)   to one process, here the child.
 *   kill(0, sig)     to every process in the sender's process group, the sender too.
 *                    (kill(-pgid, sig) names a group; the shell's `kill -USR1 -- -PGID`.)
 *   kill(pid, SIGTERM) to a child without a handler for it: the default action ends it.
 * A handler installed with SA_SIGINFO learns who sent the signal (si_pid).
 * The parent first makes sure it leads a process group of its own: started by a script or
 * by timeout(1), it would share their group, and kill(0, ...) would hit them too.
 *
 * Observe: strace -f -e trace=kill,tgkill ./kill_raise   (raise() is tgkill() on Linux)
 * See also: kill(2), raise(3), sigaction(2) (SA_SIGINFO, si_pid), setpgid(2);
 * notes/signals.md ("sending signals").
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

static volatile sig_atomic_t got_usr1; /* set by the handler */
static volatile sig_atomic_t sender;   /* si_pid of the last SIGUSR1 (pid_t fits in an int) */

static void on_usr1(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    sender = (sig_atomic_t)info->si_pid;
    got_usr1 = 1;
}

/* Wait until the child says it has printed its line (a byte on the pipe). */
static void wait_for_child(int fd)
{
    char byte;
    ssize_t n = read(fd, &byte, 1);
    if (n == -1)
        die("read from the child");
    if (n == 0)
        fatal("the child ended unexpectedly");
}

/* Sleep until the handler has run; SIGUSR1 must be blocked (no wakeup can be missed). */
static void wait_for_usr1(void)
{
    sigset_t none;
    sigemptyset(&none);
    while (!got_usr1)
        sigsuspend(&none);
    got_usr1 = 0;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int opt;
    while ((opt = getopt(argc, argv, ":h")) != -1) {
        switch (opt) {
        case 'h':
            printf("usage: kill_raise\n"
                   "Sends SIGUSR1 to itself with raise(), checks its child with kill(pid, 0),\n"
                   "signals the child with kill(pid, SIGUSR1), its whole process group with\n"
                   "kill(0, SIGUSR1), and ends the child with kill(pid, SIGTERM).\n"
                   "  -h  this help\n");
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    pid_t me = getpid();
    if (getpgrp() != me && setpgid(0, 0) == -1) /* lead a group of our own (see above) */
        die("setpgid");

    struct sigaction sa;
    sa.sa_sigaction = on_usr1;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGUSR1, &sa, NULL) == -1)
        die("sigaction");

    /* 1. To myself. */
    printf("parent %ld: raise(SIGUSR1)\n", (long)me);
    if (raise(SIGUSR1) != 0)
        die("raise");
    printf("parent %ld: the handler ran before raise() returned: SIGUSR1 from pid %ld (me)\n",
           (long)me, (long)sender);
    got_usr1 = 0;

    /* From here on SIGUSR1 is blocked, except while wait_for_usr1() sleeps: the child
     * inherits the mask, so it cannot miss a signal sent before it is waiting. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &usr1, NULL) == -1)
        die("sigprocmask");
    int ack[2]; /* the child writes a byte here after each line: "printed" (pipes: lab 04) */
    if (pipe(ack) == -1)
        die("pipe");
    pid_t child = fork();
    if (child == -1)
        die("fork");
    if (child == 0) {
        if (close(ack[0]) == -1)
            die_child("close");
        struct sigaction dfl; /* SIGTERM's default action, even if we inherited SIG_IGN */
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        dfl.sa_flags = 0;
        if (sigaction(SIGTERM, &dfl, NULL) == -1)
            die_child("sigaction");
        for (;;) { /* until SIGTERM ends it */
            wait_for_usr1();
            printf("child %ld: got SIGUSR1 from pid %ld\n", (long)getpid(), (long)sender);
            if (write(ack[1], "+", 1) != 1)
                die_child("write");
        }
    }
    if (close(ack[1]) == -1)
        die("close");
    printf("parent %ld: started child %ld in my process group %ld\n", (long)me, (long)child,
           (long)getpgrp());

    /* 2. Signal 0: is it there? */
    if (kill(child, 0) == -1)
        die("kill(%ld, 0)", (long)child);
    printf("parent %ld: kill(%ld, 0) returned 0: the child exists (signal 0 is never sent)\n",
           (long)me, (long)child);

    /* 3. To one process. */
    printf("parent %ld: kill(%ld, SIGUSR1): to the child only\n", (long)me, (long)child);
    if (kill(child, SIGUSR1) == -1)
        die("kill");
    wait_for_child(ack[0]);

    /* 4. To my whole process group: the child and me. Mine stays pending (blocked) until
     * wait_for_usr1() unblocks it. */
    printf("parent %ld: kill(0, SIGUSR1): to every process in group %ld, me too\n", (long)me,
           (long)getpgrp());
    if (kill(0, SIGUSR1) == -1)
        die("kill");
    wait_for_child(ack[0]);
    wait_for_usr1();
    printf("parent %ld: got SIGUSR1 from pid %ld (me), held pending until I unblocked it\n",
           (long)me, (long)sender);

    /* 5. A signal the child does not handle: its default action ends the child. */
    printf("parent %ld: kill(%ld, SIGTERM): the child has no handler for it\n", (long)me,
           (long)child);
    if (kill(child, SIGTERM) == -1)
        die("kill");
    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    if (!WIFSIGNALED(status))
        fatal("child %ld was not killed by a signal (status 0x%x)", (long)child, status);
    printf("parent %ld: child %ld was killed by signal %d (%s)\n", (long)me, (long)child,
           WTERMSIG(status), strsignal(WTERMSIG(status)));
    if (close(ack[0]) == -1)
        die("close");

    /* 6. Now the pid is free (until the kernel gives the number to a new process). */
    if (kill(child, 0) == 0 || errno != ESRCH)
        fatal("kill(%ld, 0) did not fail with ESRCH after the child was reaped", (long)child);
    printf("parent %ld: kill(%ld, 0) failed: %s (ESRCH): the child is gone\n", (long)me,
           (long)child, strerror(errno));
    return 0;
}
