/*
 * deadline.c - absolute deadlines and elapsed milliseconds (see deadline.h).
 */
#include "deadline.h"

#include "die.h"

struct timespec deadline_after_ms(clockid_t clock, long ms)
{
    struct timespec t;
    if (clock_gettime(clock, &t) == -1)
        die("clock_gettime");
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) { /* carry: tv_nsec must stay below one second */
        t.tv_sec += 1;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

long ms_between(const struct timespec *from, const struct timespec *to)
{
    return (long)(to->tv_sec - from->tv_sec) * 1000 + (to->tv_nsec - from->tv_nsec) / 1000000;
}

long long now_ms(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) == -1)
        die("clock_gettime");
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

double now_s(void)
{
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) == -1)
        die("clock_gettime");
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
