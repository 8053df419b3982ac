/*
 * orphan - when a parent exits first, its child is adopted.
 *
 * Usage: orphan [-c]
 *
 * Shows: the parent exits while its child still runs; the child becomes an orphan
 * (孤儿进程) and is adopted: its parent becomes init (pid 1) or, if one of its ancestors
 * has declared itself a "child subreaper", the nearest such ancestor. The adopter collects
 * the orphan's exit status when it ends, so an orphan never stays a zombie - provided the
 * adopter reaps.
 *
 * By default the top process makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER,
 * Linux 3.4+), so it adopts the orphan and reaps it, and you can watch both happen. With -c
 * (classic) it does not: the orphan goes to init or whichever subreaper is above us (systemd
 * --user, tini, a test harness...), and the top process watches, for up to 10 s, how long
 * the orphan stays a zombie before its adopter reaps it. Inside containers pid 1 is often
 * not a real init: it may reap late (this machine's reaps every couple of seconds) or
 * never, and then the orphan stays a zombie for good - -c shows which.
 *
 * Three processes: top (the subreaper, or a bystander with -c) -> parent -> child.
 *
 * Observe: ps -o pid,ppid,stat,cmd -p CHILD after a run with -c; pstree -p.
 * See also: prctl(2) (PR_SET_CHILD_SUBREAPER), getppid(2), labs/01 reap double-fork;
 * notes/processes.md ("orphan processes").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h> /* Linux: PR_SET_CHILD_SUBREAPER */
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"
#include "procstat.h"

/* The name of process pid, from /proc/PID/comm ("?" if it cannot be read). */
static void comm_of(pid_t pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/comm", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL || fgets(buf, (int)size, f) == NULL)
        snprintf(buf, size, "?");
    if (f != NULL)
        fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int classic = 0, opt;
    while ((opt = getopt(argc, argv, ":ch")) != -1) {
        switch (opt) {
        case 'c':
            classic = 1;
            break;
        case 'h':
            printf("usage: orphan [-c]\n"
                   "A parent exits before its child; the child reports its parent before and\n"
                   "after, is adopted, exits and is reaped by its adopter.\n"
                   "  -c  classic: no child subreaper here, so the orphan goes to init (pid 1)\n"
                   "      or the nearest subreaper above us - which may never reap it\n"
                   "  -h  this help\n");
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    pid_t top = getpid();
    if (!classic) {
        if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) == -1)
            die("prctl PR_SET_CHILD_SUBREAPER");
        printf("top %ld: I am a child subreaper: orphans below me are adopted by me\n",
               (long)top);
    }
    /* The child must not look at its new parent before the adoption is complete. The
     * adoption happens while the parent exits, before it becomes a zombie; so the top
     * process reaps the parent first, then lets the child go on by closing `adopted`. */
    int adopted[2], child_pid[2], ready[2];
    if (pipe(adopted) == -1 || pipe(child_pid) == -1 || pipe(ready) == -1)
        die("pipe");

    pid_t parent = fork();
    if (parent == -1)
        die("fork");
    if (parent == 0) {
        close(adopted[1]);
        close(child_pid[0]);
        pid_t child = fork();
        if (child == -1)
            die_child("fork");
        if (child == 0) {
            /* task 1 begin: orphan_child */
            close(child_pid[1]);
            close(ready[0]);
            printf("child %ld: my parent is %ld\n", (long)getpid(), (long)getppid());
            close(ready[1]); /* tells the parent it may exit now */
            char c;
            while (read(adopted[0], &c, 1) == -1 && errno == EINTR) /* EOF: adopted now */
                ;
            close(adopted[0]);
            pid_t ppid = getppid();
            char name[64];
            comm_of(ppid, name, sizeof name);
            printf("child %ld: my parent has exited; my parent is now %ld (%s)\n",
                   (long)getpid(), (long)ppid, ppid == top ? "the subreaper" : name);
            printf("child %ld: exiting\n", (long)getpid());
            _exit(0);
            /* task 1 end */
        }
        close(ready[1]);
        close(adopted[0]);
        char c;
        ssize_t r;
        while ((r = read(ready[0], &c, 1)) == -1 && errno == EINTR) /* EOF: child has looked */
            ;
        if (r == -1)
            die_child("read");
        close(ready[0]);
        if (write(child_pid[1], &child, sizeof child) != (ssize_t)sizeof child)
            die_child("write");
        close(child_pid[1]);
        printf("parent %ld: started child %ld; exiting before it\n", (long)getpid(),
               (long)child);
        _exit(0);
    }
    close(adopted[0]);
    close(child_pid[1]);
    close(ready[0]);
    close(ready[1]);
    pid_t child;
    if (read(child_pid[0], &child, sizeof child) != (ssize_t)sizeof child)
        die("read the child's pid");
    close(child_pid[0]);
    if (waitpid(parent, NULL, 0) == -1)
        die("waitpid parent");
    close(adopted[1]); /* the parent is gone and reaped: the child may look now */

    if (!classic) {
        int status;
        if (waitpid(child, &status, 0) == -1) /* the orphan is our child now */
            die("waitpid orphan");
        printf("top %ld: reaped orphan %ld (exit status %d): no zombie left\n", (long)top,
               (long)child, WEXITSTATUS(status));
        return 0;
    }
    /* Classic: the orphan is not ours to reap. Watch, for at most 10 s, what its adopter
     * does once it has exited: reap it at once, after a while, or never. */
    if (proc_wait_state(child, "Z", 5000) == 'Z') {
        pid_t ppid = 0;
        char name[64];
        (void)proc_stat(child, NULL, &ppid);
        comm_of(ppid, name, sizeof name);
        printf("top %ld: orphan %ld has exited: a zombie under pid %ld (%s) until it reaps\n",
               (long)top, (long)child, (long)ppid, name);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (proc_wait_state(child, "", 10000) != 0) {
        printf("top %ld: after 10 s orphan %ld is still a zombie: its adopter does not reap\n",
               (long)top, (long)child);
        printf("top %ld: see it: ps -o pid,ppid,stat,cmd -p %ld\n", (long)top, (long)child);
        return 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("top %ld: orphan %ld was reaped by its adopter after %.1f s: no zombie left\n",
           (long)top, (long)child, secs);
    return 0;
}
