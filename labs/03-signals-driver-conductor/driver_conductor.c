/*
 * driver_conductor - the classroom's bus: two processes that talk with signals.
 *
 * Usage: driver_conductor [-g]
 *
 * Shows: the parent is the driver (司机), the child the conductor (售票员).
 *     SIGINT  (Ctrl-C) to the conductor: it sends SIGUSR1 to the driver: "let's go!"
 *     SIGQUIT (Ctrl-\) to the conductor: it sends SIGUSR2 to the driver: "speeding up, ..."
 *     SIGTSTP (Ctrl-Z) to the driver: it sends SIGUSR1 to the conductor: "we have arrived,
 *                      please get off"; the conductor gets off (exits) first, then the driver
 *                      reaps it and gets off too (exit status 0).
 * A terminal sends Ctrl-C, Ctrl-\ and Ctrl-Z to the whole foreground process group, that is
 * to both of them. So each one ignores the other's signals: the driver ignores SIGINT and
 * SIGQUIT, the conductor ignores SIGTSTP - and only the right one reacts.
 * SIGTERM to the driver cancels the trip: it sends SIGTERM to the conductor, reaps it and
 * exits with status 1.
 *
 * Race-free by construction: every signal the program handles is blocked before fork() and
 * stays blocked, except inside sigsuspend(), which unblocks them and sleeps in one atomic
 * step. So a handler can only run while the main loop sleeps, the flags it sets are checked
 * without a race, and a signal that comes early waits (pending) instead of being lost. The
 * handler only sets a flag; the main loop prints. The start line is printed once both
 * processes have set up their signals (the conductor says so through a pipe), so whoever
 * waits for it may signal at once.
 *
 * Observe: grep -E 'Sig(Blk|Ign|Cgt)' /proc/DRIVER/status /proc/CONDUCTOR/status
 * See also: sigaction(2), sigsuspend(2), sigprocmask(2), kill(2), credentials(7) (process
 * groups); notes/signals.md.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

/* Set by the handler, read and cleared by the main loop (which has the signals blocked). */
static volatile sig_atomic_t got_int, got_quit, got_tstp, got_usr1, got_usr2, got_term;

/* The one handler of both processes: note which signal came, nothing more. Assigning to a
 * volatile sig_atomic_t is async-signal-safe (printf is not), and it does not touch errno,
 * so there is no errno to save and restore. */
static void note_signal(int sig)
{
    /* task 2 begin: note_signal */
    switch (sig) {
    case SIGINT: got_int = 1; break;
    case SIGQUIT: got_quit = 1; break;
    case SIGTSTP: got_tstp = 1; break;
    case SIGUSR1: got_usr1 = 1; break;
    case SIGUSR2: got_usr2 = 1; break;
    case SIGTERM: got_term = 1; break;
    }
    /* task 2 end */
}

/* sigaction() with an empty sa_mask and no flags: handler is note_signal, SIG_IGN or SIG_DFL. */
static int set_disposition(int sig, void (*handler)(int))
{
    struct sigaction sa;
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    return sigaction(sig, &sa, NULL);
}

/* The child. It reacts to SIGINT, SIGQUIT and SIGUSR1, ignores SIGTSTP, and leaves the
 * other signals at their defaults (SIGTERM ends it). */
static noreturn void conductor(pid_t driver, int ready_fd, const sigset_t *during_wait)
{
    /* task 2 begin: conductor */
    if (set_disposition(SIGINT, note_signal) == -1 || set_disposition(SIGQUIT, note_signal) == -1 ||
        set_disposition(SIGUSR1, note_signal) == -1 || set_disposition(SIGTSTP, SIG_IGN) == -1)
        die_child("sigaction");
    if (write(ready_fd, "R", 1) != 1) /* "I am ready": the driver may print the start line */
        die_child("write to the driver");
    if (close(ready_fd) == -1)
        die_child("close");

    for (;;) {
        while (!got_int && !got_quit && !got_usr1)
            sigsuspend(during_wait); /* always returns -1 (EINTR) after a handler ran */
        if (got_int) {
            got_int = 0;
            printf("conductor: SIGINT, so SIGUSR1 to the driver\n");
            if (kill(driver, SIGUSR1) == -1)
                die_child("kill %ld", (long)driver);
        }
        if (got_quit) {
            got_quit = 0;
            printf("conductor: SIGQUIT, so SIGUSR2 to the driver\n");
            if (kill(driver, SIGUSR2) == -1)
                die_child("kill %ld", (long)driver);
        }
        if (got_usr1) {
            printf("conductor: we have arrived, please get off\n");
            _exit(0); /* the conductor gets off first */
        }
    }
    /* task 2 end */
}

/* Reap the conductor, say how it ended, and return the driver's exit status. */
static int get_off(pid_t conductor_pid, int status_to_return)
{
    int status;
    if (waitpid(conductor_pid, &status, 0) == -1)
        die("waitpid");
    if (WIFEXITED(status))
        printf("driver: the conductor got off (exit status %d), now the driver gets off\n",
               WEXITSTATUS(status));
    else
        printf("driver: the conductor got off (killed by signal %d), now the driver gets off\n",
               WTERMSIG(status));
    return status_to_return;
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0); /* one line, one write(2): lines never mix */
    int new_group = 0;
    int opt;
    while ((opt = getopt(argc, argv, ":gh")) != -1) {
        switch (opt) {
        case 'g':
            new_group = 1;
            break;
        case 'h':
            printf("usage: driver_conductor [-g]\n"
                   "The classroom's driver (parent) and conductor (child), talking with signals.\n"
                   "  SIGINT  (Ctrl-C)  -> conductor -> SIGUSR1 -> driver: \"let's go!\"\n"
                   "  SIGQUIT (Ctrl-\\)  -> conductor -> SIGUSR2 -> driver: \"speeding up, ...\"\n"
                   "  SIGTSTP (Ctrl-Z)  -> driver -> SIGUSR1 -> conductor: \"we have arrived\";\n"
                   "                       the conductor exits, then the driver (status 0)\n"
                   "  SIGTERM to the driver cancels the trip (status 1)\n"
                   "  -g  start a process group of our own (setpgid), for scripts and tests\n"
                   "      that start us in the background; not needed at a terminal\n"
                   "  -h  this help\n");
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");
    /* At a terminal the shell already gives every job a process group of its own, the
     * terminal's foreground group: Ctrl-C goes to it. A script without job control starts
     * us in *its* group, and a signal to that group would hit the script too. */
    if (new_group && setpgid(0, 0) == -1)
        die("setpgid");

    sigset_t handled, during_wait;
    sigemptyset(&handled);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGQUIT);
    sigaddset(&handled, SIGTSTP);
    sigaddset(&handled, SIGUSR1);
    sigaddset(&handled, SIGUSR2);
    sigaddset(&handled, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &handled, NULL) == -1)
        die("sigprocmask");
    sigemptyset(&during_wait); /* for sigsuspend(): nothing blocked while we sleep */

    int ready[2];
    if (pipe(ready) == -1)
        die("pipe");
    pid_t driver = getpid();
    pid_t conductor_pid = fork();
    if (conductor_pid == -1)
        die("fork");
    if (conductor_pid == 0) {
        if (close(ready[0]) == -1)
            die_child("close");
        conductor(driver, ready[1], &during_wait);
    }
    if (close(ready[1]) == -1)
        die("close");

    /* The driver reacts to SIGTSTP, SIGUSR1, SIGUSR2 and SIGTERM, and ignores SIGINT and
     * SIGQUIT. (Setting SIG_IGN also discards one that is pending already.) */
    if (set_disposition(SIGINT, SIG_IGN) == -1 || set_disposition(SIGQUIT, SIG_IGN) == -1 ||
        set_disposition(SIGTSTP, note_signal) == -1 || set_disposition(SIGUSR1, note_signal) == -1 ||
        set_disposition(SIGUSR2, note_signal) == -1 || set_disposition(SIGTERM, note_signal) == -1)
        die("sigaction");

    char byte;
    ssize_t n = read(ready[0], &byte, 1); /* no EINTR: our signals are blocked */
    if (n == -1)
        die("read from the conductor");
    if (n == 0)
        fatal("the conductor %ld ended before it was ready", (long)conductor_pid);
    if (close(ready[0]) == -1)
        die("close");
    printf("driver %ld, conductor %ld, process group %ld: all aboard\n", (long)driver,
           (long)conductor_pid, (long)getpgrp());

    for (;;) {
        while (!got_usr1 && !got_usr2 && !got_tstp && !got_term)
            sigsuspend(&during_wait);
        if (got_usr1) {
            got_usr1 = 0;
            printf("driver: let's go!\n");
        }
        if (got_usr2) {
            got_usr2 = 0;
            printf("driver: speeding up, fasten your seat belts\n");
        }
        if (got_tstp) {
            printf("driver: SIGTSTP, so SIGUSR1 to the conductor\n");
            if (kill(conductor_pid, SIGUSR1) == -1)
                die("kill %ld", (long)conductor_pid);
            return get_off(conductor_pid, 0);
        }
        if (got_term) {
            printf("driver: SIGTERM, the trip is cancelled: SIGTERM to the conductor\n");
            if (kill(conductor_pid, SIGTERM) == -1)
                die("kill %ld", (long)conductor_pid);
            return get_off(conductor_pid, 1);
        }
    }
}
