/*
 * dispositions - the three ways to answer a signal, and the two signals that allow no choice.
 *
 * Usage: dispositions
 *
 * Shows: a signal's disposition (信号处理方式) is what happens when it is delivered:
 *   SIG_DFL  the default action - for SIGUSR1, terminate. Shown in a child, which raises
 *            SIGUSR1 and dies of it; the parent reads that from waitpid().
 *   SIG_IGN  ignore: raise(SIGUSR1) returns and nothing happens.
 *   handler  a function of ours runs, then the program goes on where it was.
 * SIGKILL and SIGSTOP cannot be caught or ignored: sigaction() refuses with EINVAL. Nor can
 * they be blocked: sigprocmask() quietly leaves them out of the mask. So a process can always
 * be killed (SIGKILL) or stopped (SIGSTOP) by its owner or root.
 *
 * Observe: kill -l (names and numbers); grep -E 'Sig(Ign|Cgt)' /proc/self/status
 * See also: signal(7) (the table of default actions), sigaction(2), sigprocmask(2);
 * notes/signals.md ("dispositions").
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

static volatile sig_atomic_t handled; /* how many times on_usr1 ran */

static void on_usr1(int sig)
{
    (void)sig;
    handled = handled + 1; /* only we write it, and SIGUSR1 is blocked while we run */
}

static int set_disposition(int sig, void (*handler)(int))
{
    struct sigaction sa;
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    return sigaction(sig, &sa, NULL);
}

/* Try to give sig a disposition that it cannot have, and report the refusal. */
static void try_to_change(int sig, const char *sig_name, void (*handler)(int),
                          const char *handler_name)
{
    if (set_disposition(sig, handler) == 0)
        fatal("sigaction(%s, %s) succeeded", sig_name, handler_name);
    int err = errno;
    printf("sigaction(%s, %s) failed: %s (%s)\n", sig_name, handler_name, strerror(err),
           err == EINVAL ? "EINVAL" : "?");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int opt;
    while ((opt = getopt(argc, argv, ":h")) != -1) {
        switch (opt) {
        case 'h':
            printf("usage: dispositions\n"
                   "Shows SIGUSR1 with SIG_DFL (in a child: it dies), SIG_IGN (nothing happens)\n"
                   "and a handler (it runs), then tries to catch, ignore and block SIGKILL and\n"
                   "SIGSTOP, which the kernel does not allow.\n"
                   "  -h  this help\n");
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    /* SIG_DFL, in a child: its death is the point. */
    pid_t child = fork();
    if (child == -1)
        die("fork");
    if (child == 0) {
        if (set_disposition(SIGUSR1, SIG_DFL) == -1)
            die_child("sigaction");
        raise(SIGUSR1);
        die_child("raise(SIGUSR1) returned"); /* not reached */
    }
    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    if (!WIFSIGNALED(status))
        fatal("child %ld was not killed by a signal (status 0x%x)", (long)child, status);
    printf("SIG_DFL: child %ld raised SIGUSR1 and was killed by signal %d (%s)\n", (long)child,
           WTERMSIG(status), strsignal(WTERMSIG(status)));

    if (set_disposition(SIGUSR1, SIG_IGN) == -1)
        die("sigaction");
    if (raise(SIGUSR1) != 0)
        die("raise");
    printf("SIG_IGN: raise(SIGUSR1) returned and nothing happened\n");

    if (set_disposition(SIGUSR1, on_usr1) == -1)
        die("sigaction");
    if (raise(SIGUSR1) != 0)
        die("raise");
    printf("handler: raise(SIGUSR1) ran the handler (%d time), then went on here\n",
           (int)handled);

    try_to_change(SIGKILL, "SIGKILL", on_usr1, "handler");
    try_to_change(SIGKILL, "SIGKILL", SIG_IGN, "SIG_IGN");
    try_to_change(SIGSTOP, "SIGSTOP", on_usr1, "handler");
    try_to_change(SIGSTOP, "SIGSTOP", SIG_IGN, "SIG_IGN");

    sigset_t both, now;
    sigemptyset(&both);
    sigaddset(&both, SIGKILL);
    sigaddset(&both, SIGSTOP);
    if (sigprocmask(SIG_BLOCK, &both, NULL) == -1)
        die("sigprocmask");
    if (sigprocmask(SIG_BLOCK, NULL, &now) == -1) /* read the mask back */
        die("sigprocmask");
    printf("sigprocmask(SIG_BLOCK, {SIGKILL, SIGSTOP}) returned 0, yet SIGKILL is %s and "
           "SIGSTOP is %s\n",
           sigismember(&now, SIGKILL) ? "blocked" : "not blocked",
           sigismember(&now, SIGSTOP) ? "blocked" : "not blocked");
    return 0;
}
