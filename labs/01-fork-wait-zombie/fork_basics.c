/*
 * fork_basics - fork() returns twice; parent and child are separate copies.
 *
 * Usage: fork_basics [-h]
 *
 * Shows: fork() returns the child's pid in the parent and 0 in the child; getpid() and
 * getppid() in both; the child gets a copy of the parent's memory, so when it changes a
 * variable the parent's copy does not change.
 * Which of the two runs first after fork() is up to the scheduler. To keep the output in
 * one order (and testable), the parent waits for the child before it prints.
 *
 * Observe: the child's ppid is the parent's pid; the parent's ppid is your shell.
 * See also: fork(2), getpid(2), wait(2); exit_status.c; notes/processes.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

static int value = 100; /* one variable, soon in two processes */

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int opt;
    while ((opt = getopt(argc, argv, ":h")) != -1) {
        if (opt == 'h') {
            printf("usage: fork_basics [-h]\n"
                   "Shows fork()'s two returns, getpid()/getppid() in parent and child, and\n"
                   "that a child's change to a variable does not reach its parent.\n");
            return 0;
        }
        usage_error("unknown option -%c", optopt);
    }
    if (optind != argc)
        usage_error("no arguments expected");

    printf("before fork: pid=%ld value=%d\n", (long)getpid(), value);

    pid_t pid = fork();
    if (pid == -1)
        die("fork");

    if (pid == 0) { /* the child: fork() returned 0 */
        printf("child:  fork() returned 0, pid=%ld, ppid=%ld\n", (long)getpid(),
               (long)getppid());
        value = 200;
        printf("child:  set value to %d\n", value);
        _exit(0); /* a child leaves with _exit: no atexit handlers, no stdio flush twice */
    }

    /* the parent: fork() returned the child's pid */
    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    printf("parent: fork() returned %ld, pid=%ld, ppid=%ld\n", (long)pid, (long)getpid(),
           (long)getppid());
    printf("parent: child %ld has exited; value is still %d\n", (long)pid, value);
    return 0;
}
