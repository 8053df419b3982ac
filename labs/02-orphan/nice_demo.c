/*
 * nice_demo - nice values decide how the CPU is shared, not whether a process runs.
 *
 * Usage: nice_demo [-n NICE] [-t MS]
 *
 * Shows: two CPU-bound children, pinned to the same CPU so that they must share it, count
 * loop iterations for MS milliseconds (default 2000). One runs at nice 0, the other at NICE
 * (default 10). Linux's scheduler gives each runnable process a weight from its nice value
 * (nice 0 = 1024; every step is about 1.25 times, 10% of CPU time) and shares the CPU in
 * proportion: nice 0 against nice 10 is 1024 : 110, about 9.3 : 1. Both keep running - a
 * high nice value is a smaller share, never starvation.
 * Nice values run from -20 (most favoured) to 19 (least); only root may lower them.
 *
 * Observe, while it runs: top (the NI and %CPU columns), or
 *     ps -o pid,ni,pri,psr,stat,pcpu,cmd -C nice_demo
 * See also: nice(2), setpriority(2), sched_setaffinity(2), sched(7); notes/processes.md.
 */
#define _GNU_SOURCE /* sched_setaffinity() and the CPU_SET macros are GNU extensions */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"

/* The kernel's table (kernel/sched/core.c, sched_prio_to_weight): nice -20 .. 19. */
static const int weight[40] = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
    9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
    1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
    110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};

static volatile sig_atomic_t stop;

static void on_usr1(int sig)
{
    (void)sig;
    stop = 1;
}

/* Child: take the nice value, wait for "go" (EOF on go_fd), count until SIGUSR1, report. */
static void counter(int niceval, int go_fd, int result_fd)
{
    if (setpriority(PRIO_PROCESS, 0, niceval) == -1)
        die_child("setpriority %d", niceval);
    char c;
    while (read(go_fd, &c, 1) == -1 && errno == EINTR)
        ;
    close(go_fd);
    unsigned long long n = 0;
    while (!stop)
        n++;
    if (write(result_fd, &n, sizeof n) != (ssize_t)sizeof n)
        die_child("write");
    close(result_fd);
    _exit(0);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long niceval = 10, ms = 2000;
    int opt;
    while ((opt = getopt(argc, argv, ":n:t:h")) != -1) {
        switch (opt) {
        case 'n':
            niceval = parse_long(optarg, -20, 19, "nice value");
            break;
        case 't':
            ms = parse_long(optarg, 10, 600000, "duration");
            break;
        case 'h':
            printf("usage: nice_demo [-n NICE] [-t MS]\n"
                   "Two CPU-bound children share one CPU for MS milliseconds, one at nice 0,\n"
                   "one at NICE; prints how much each got done and the ratio the scheduler's\n"
                   "weights predict.\n"
                   "  -n NICE  the second child's nice value, -20..19 (default 10; below 0\n"
                   "           needs root)\n"
                   "  -t MS    how long they run (default 2000)\n"
                   "  -h       this help\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    /* Pin ourselves - and so both children, who inherit the mask - to one CPU we may use. */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == -1)
        die("sched_getaffinity");
    int cpu = 0;
    while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set))
        cpu++;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) == -1)
        die("sched_setaffinity");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL) == -1)
        die("sigaction");
    int go[2], result[2][2];
    if (pipe(go) == -1)
        die("pipe");

    int nices[2] = {0, (int)niceval};
    pid_t pids[2];
    for (int i = 0; i < 2; i++) {
        if (pipe(result[i]) == -1)
            die("pipe");
        pids[i] = fork();
        if (pids[i] == -1)
            die("fork");
        if (pids[i] == 0) { /* keep only what this child needs */
            close(go[1]);
            close(result[i][0]);
            for (int j = 0; j < i; j++)
                close(result[j][0]);
            counter(nices[i], go[0], result[i][1]);
        }
        close(result[i][1]);
    }
    close(go[0]);
    printf("nice_demo: two CPU-bound children on CPU %d for %ld ms: nice 0 and nice %ld\n", cpu,
           ms, niceval);
    close(go[1]); /* go! */
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
    for (int i = 0; i < 2; i++) /* stop both first, then collect */
        if (kill(pids[i], SIGUSR1) == -1)
            die("kill");
    unsigned long long count[2];
    for (int i = 0; i < 2; i++) {
        if (read(result[i][0], &count[i], sizeof count[i]) != (ssize_t)sizeof count[i])
            fatal("child %ld did not report its count", (long)pids[i]);
        close(result[i][0]);
        if (waitpid(pids[i], NULL, 0) == -1)
            die("waitpid");
    }
    double total = (double)count[0] + (double)count[1];
    for (int i = 0; i < 2; i++)
        printf("child %ld at nice %3d: %12llu loops (%4.1f%% of the work)\n", (long)pids[i],
               nices[i], count[i], total > 0 ? 100.0 * (double)count[i] / total : 0.0);
    printf("measured ratio nice 0 : nice %ld = %.1f : 1\n", niceval,
           count[1] > 0 ? (double)count[0] / (double)count[1] : 0.0);
    printf("the weights predict   %d : %d = %.1f : 1\n", weight[20], weight[niceval + 20],
           (double)weight[20] / weight[niceval + 20]);
    return 0;
}
