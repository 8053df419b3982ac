/*
 * zombie - a child that has exited but has not been reaped yet is a zombie.
 *
 * Usage: zombie [-t SECONDS]
 *
 * Shows: the child exits at once. The parent waits until it has exited *without* reaping
 * it (waitid with WNOWAIT), and from then on the child is a zombie (僵尸进程): it runs no
 * more, holds no memory, but its entry in the process table - pid, exit status, CPU times -
 * stays until the parent collects the status. /proc/PID/stat shows state Z, and ps shows
 * it as <defunct>. On SIGUSR1 (or after -t SECONDS) the parent reaps it with waitpid(),
 * and the entry is gone. SIGINT and SIGTERM reap it too, so Ctrl-C leaves nothing behind.
 *
 * Observe, in a second terminal while it waits:
 *     ps -o pid,ppid,stat,cmd -p CHILD     (STAT Z, CMD [zombie] <defunct>)
 *     cat /proc/CHILD/stat                 (third field: Z)
 *     kill -USR1 PARENT                    (and look again: gone)
 * See also: wait(2) (WNOWAIT), proc(5), reap.c; notes/processes.md ("zombie processes").
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "procstat.h"

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long timeout = 0; /* 0: wait for a signal for as long as it takes */
    int opt;
    while ((opt = getopt(argc, argv, ":t:h")) != -1) {
        switch (opt) {
        case 't':
            timeout = parse_long(optarg, 1, 86400, "timeout");
            break;
        case 'h':
            printf("usage: zombie [-t SECONDS]\n"
                   "Makes a child that exits at once and keeps it as a zombie (state Z) until\n"
                   "SIGUSR1, SIGINT or SIGTERM arrives, then reaps it with waitpid().\n"
                   "  -t SECONDS  reap it after SECONDS even without a signal\n"
                   "  -h          this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    /* Block the signals we wait for *before* anything can send them: a blocked signal stays
     * pending, and sigtimedwait() below picks it up - no handler, no race. */
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGUSR1);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &wanted, NULL) == -1)
        die("sigprocmask");

    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        printf("child %ld: exiting now with status 7\n", (long)getpid());
        _exit(7);
    }

    /* Wait until the child has exited, but leave it waitable: WNOWAIT. */
    siginfo_t info;
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) == -1)
        die("waitid");

    char state;
    if (proc_stat(pid, &state, NULL) == -1)
        die("read /proc/%ld/stat", (long)pid);
    printf("parent %ld: child %ld has exited, but I have not reaped it\n", (long)getpid(),
           (long)pid);
    printf("parent %ld: /proc/%ld/stat says state %c (%s)\n", (long)getpid(), (long)pid, state,
           proc_state_name(state));
    printf("parent %ld: look at it: ps -o pid,ppid,stat,cmd -p %ld\n", (long)getpid(),
           (long)pid);
    if (timeout > 0)
        printf("parent %ld: reaping it on SIGUSR1 (kill -USR1 %ld) or in %ld s\n",
               (long)getpid(), (long)getpid(), timeout);
    else
        printf("parent %ld: reaping it on SIGUSR1 (kill -USR1 %ld)\n", (long)getpid(),
               (long)getpid());

    int sig;
    for (;;) {
        if (timeout > 0) {
            struct timespec ts = {(time_t)timeout, 0};
            sig = sigtimedwait(&wanted, NULL, &ts);
        } else {
            sig = sigwaitinfo(&wanted, NULL);
        }
        if (sig != -1)
            break;
        if (errno == EAGAIN) /* the timeout passed */
            break;
        if (errno != EINTR)
            die("sigtimedwait");
    }
    if (sig == -1)
        printf("parent %ld: %ld s passed\n", (long)getpid(), timeout);
    else
        printf("parent %ld: got %s\n", (long)getpid(),
               sig == SIGUSR1 ? "SIGUSR1" : sig == SIGINT ? "SIGINT" : "SIGTERM");

    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    printf("parent %ld: reaped child %ld, exit status %d\n", (long)getpid(), (long)pid,
           WEXITSTATUS(status));
    if (proc_stat(pid, &state, NULL) == 0)
        fatal("child %ld is still in /proc (state %c) after waitpid()", (long)pid, state);
    printf("parent %ld: /proc/%ld is gone: the zombie is no more\n", (long)getpid(), (long)pid);
    return 0;
}
