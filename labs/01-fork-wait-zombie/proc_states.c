/*
 * proc_states - drive a child through the states ps shows: R, S, T, Z.
 *
 * Usage: proc_states [-h]
 *
 * Shows: the kernel's view of a process's state (进程状态), read from /proc/PID/stat -
 * the same letter as ps's STAT column - while the parent moves a child along:
 *   R  running or ready to run: the child computes in a loop
 *   S  sleeping, interruptibly: the child waits in read() on an empty pipe
 *   T  stopped: the parent sent SIGSTOP (SIGCONT resumes it, back to S)
 *   Z  zombie: the child has exited and the parent has not reaped it yet
 * and finally gone, once waitpid() has reaped it. (D, uninterruptible sleep, is a short
 * wait inside the kernel, typically for a disk; it cannot be produced on demand.)
 * The parent polls /proc every millisecond until it sees the expected letter (at most 5 s).
 *
 * Observe: `ps -o pid,ppid,stat,cmd` in another terminal while you single-step it under
 * gdb, or `watch -n0.1 cat /proc/PID/stat` on the child.
 * See also: proc(5) (/proc/PID/stat), ps(1) "PROCESS STATE CODES"; notes/processes.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"
#include "procstat.h"

static volatile sig_atomic_t stop_computing;

static void on_usr1(int sig)
{
    (void)sig;
    stop_computing = 1;
}

/* Wait for the child to show one of the letters in `want`, then print the line. */
static void expect(pid_t child, const char *what, const char *want)
{
    char s = proc_wait_state(child, want, 5000);
    if (want[0] == '\0' ? s != 0 : s == 0 || strchr(want, s) == NULL)
        fatal("child %ld: expected state %s, found %c", (long)child, want, s ? s : '-');
    if (s == 0)
        printf("%-34s gone from /proc\n", what);
    else
        printf("%-34s state %c (%s)\n", what, s, proc_state_name(s));
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int opt;
    while ((opt = getopt(argc, argv, ":h")) != -1) {
        if (opt == 'h') {
            printf("usage: proc_states [-h]\n"
                   "Drives a child through the process states R (running), S (sleeping),\n"
                   "T (stopped) and Z (zombie), printing what /proc/PID/stat shows each time.\n");
            return 0;
        }
        usage_error("unknown option -%c", optopt);
    }
    if (optind != argc)
        usage_error("no arguments expected");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) == -1) /* inherited by the child */
        die("sigaction");
    int p[2];
    if (pipe(p) == -1)
        die("pipe");

    pid_t child = fork();
    if (child == -1)
        die("fork");
    if (child == 0) {
        close(p[1]);
        volatile unsigned long n = 0;
        while (!stop_computing) /* R: burn CPU until SIGUSR1 */
            n++;
        char c;
        ssize_t r;
        while ((r = read(p[0], &c, 1)) == -1 && errno == EINTR) /* S: block on the pipe */
            ;
        close(p[0]);
        _exit(r == 1 ? 0 : 1); /* Z: exit, until the parent reaps us */
    }
    close(p[0]);
    printf("parent %ld: started child %ld\n", (long)getpid(), (long)child);

    expect(child, "child computes in a loop:", "R");
    if (kill(child, SIGUSR1) == -1)
        die("kill SIGUSR1");
    expect(child, "child blocks in read() on a pipe:", "S");
    if (kill(child, SIGSTOP) == -1)
        die("kill SIGSTOP");
    expect(child, "parent sent SIGSTOP:", "T");
    if (kill(child, SIGCONT) == -1)
        die("kill SIGCONT");
    expect(child, "parent sent SIGCONT:", "S");
    if (write(p[1], "x", 1) != 1)
        die("write");
    expect(child, "child read a byte and exited:", "Z");
    int status;
    if (waitpid(child, &status, 0) == -1)
        die("waitpid");
    expect(child, "parent reaped it with waitpid():", "");
    close(p[1]);
    return 0;
}
