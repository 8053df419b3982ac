/*
 * alarm_pause - the alarm clock (SIGALRM) and pause(): one alarm per process.
 *
 * Usage: alarm_pause [-d]
 *
 * Shows: alarm(10) sets an alarm clock; alarm(1) right after it does not add a second one,
 * it *replaces* the first and returns the seconds the first had left: a process has one
 * alarm. pause() sleeps until a signal arrives: here SIGALRM, one second later. The handler
 * runs (it prints with write(2), which is async-signal-safe, and saves errno around it),
 * then pause() returns -1 with errno EINTR. alarm(0) cancels an alarm and returns what was
 * left: 0, nothing is left.
 * With -d SIGALRM keeps its default action, which terminates the process: the shell then
 * says "Alarm clock" and $? is 142 (128 + 14).
 *
 * A warning for copying this: alarm() followed by pause() has a race. If the signal came
 * between the two calls, pause() would wait for another one, maybe forever. A second is a
 * long time here, so it does not happen; the safe pattern blocks the signal first and waits
 * with sigsuspend() (see driver_conductor.c).
 *
 * Observe: grep SigCgt /proc/PID/status while it sleeps (bit 14, value 0x2000, is SIGALRM)
 * See also: alarm(2), pause(2), setitimer(2), timer_create(2); notes/signals.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

static void on_alarm(int sig)
{
    /* task 1 begin: on_alarm */
    (void)sig;
    int saved = errno; /* write() may change errno under the interrupted code's feet */
    static const char msg[] = "SIGALRM handler: the alarm went off\n";
    ssize_t ignored = write(STDOUT_FILENO, msg, sizeof msg - 1);
    (void)ignored; /* nothing useful to do about a failed write in a handler */
    errno = saved;
    /* task 1 end */
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0); /* our lines are out before the handler's write() */
    int keep_default = 0;
    int opt;
    while ((opt = getopt(argc, argv, ":dh")) != -1) {
        switch (opt) {
        case 'd':
            keep_default = 1;
            break;
        case 'h':
            printf("usage: alarm_pause [-d]\n"
                   "Sets a 10 s alarm, replaces it with a 1 s alarm (one alarm per process),\n"
                   "and pause()s until SIGALRM arrives.\n"
                   "  -d  no handler: SIGALRM's default action terminates the process\n"
                   "  -h  this help\n");
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");

    struct sigaction sa;
    sa.sa_handler = keep_default ? SIG_DFL : on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    if (sigaction(SIGALRM, &sa, NULL) == -1)
        die("sigaction");

    unsigned left = alarm(10); /* alarm() cannot fail */
    printf("alarm(10) returned %u: no alarm was set before\n", left);
    left = alarm(1);
    printf("alarm(1) returned %u: the seconds left of the 10 s alarm, which it replaces\n", left);
    if (keep_default)
        printf("pause(): waiting; SIGALRM has no handler, its default action ends the process\n");
    else
        printf("pause(): waiting for a signal\n");

    if (pause() != -1 || errno != EINTR) /* pause() only ever returns -1 with EINTR */
        die("pause");
    printf("pause() returned -1, errno EINTR (%s): a handler ran\n", strerror(EINTR));
    left = alarm(0);
    printf("alarm(0) returned %u: no alarm is left, the 10 s one is gone\n", left);
    return 0;
}
