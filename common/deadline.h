/*
 * deadline.h - time arithmetic that is not the lesson of any lab: "now + N ms" as an
 * absolute deadline (what mq_timedreceive, sem_timedwait, pthread_cond_timedwait and
 * pthread_mutex_timedlock take), and milliseconds elapsed between two instants.
 * See also: clock_gettime(2), mq_timedreceive(3), sem_timedwait(3).
 */
#ifndef POSIXLABS_DEADLINE_H
#define POSIXLABS_DEADLINE_H

#include <time.h>

/* The instant ms milliseconds after now on clock (CLOCK_REALTIME for the POSIX timed
 * waits above, CLOCK_MONOTONIC for your own timers). Dies if the clock cannot be read. */
struct timespec deadline_after_ms(clockid_t clock, long ms);

/* Milliseconds from *from to *to (negative if to is earlier). */
long ms_between(const struct timespec *from, const struct timespec *to);

/* Milliseconds on the monotonic clock (which never jumps when someone sets the date). */
long long now_ms(void);

/* Seconds on the monotonic clock, with the nanoseconds as a fraction: for timing a run. */
double now_s(void);

#endif
