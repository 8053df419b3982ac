/*
 * event.h - an Event, the classroom's threading.Event / multiprocessing.Event, in C.
 *
 * An Event is a flag that threads can wait for. It is either set or clear:
 *     event_set(e)      set the flag and wake every thread waiting for it
 *     event_clear(e)    clear the flag again
 *     event_is_set(e)   read the flag
 *     event_wait(e)     block until the flag is set (return at once if it already is)
 *     event_wait_timeout(e, ms)  the same, but give up after ms milliseconds; returns the
 *                       flag (true: it was set, false: timed out), as Python's wait() does
 *
 * It is built from the two pthread primitives every other tool is built from: a mutex
 * that protects the flag and a condition variable that waiters sleep on. Because the
 * flag remembers that set() happened, a thread that comes to wait() after set() does not
 * sleep: no wakeup is ever lost (a bare condition variable has no such memory).
 *
 * With shared = true the mutex and the condition variable are PTHREAD_PROCESS_SHARED:
 * an Event placed in shared memory then works between processes (see pshared_sync.c).
 *
 * Errors from the pthread functions can only come from a bug (an uninitialised Event, a
 * corrupted one); they end the program with a message (die_en), like every other call.
 */
#ifndef POSIXLABS_EVENT_H
#define POSIXLABS_EVENT_H

#include <pthread.h>
#include <stdbool.h>

typedef struct Event {
    pthread_mutex_t mutex; /* protects flag */
    pthread_cond_t cond;   /* waiters sleep here until flag becomes true */
    bool flag;
} Event;

void event_init(Event *e, bool shared);
void event_destroy(Event *e);
void event_set(Event *e);
void event_clear(Event *e);
bool event_is_set(Event *e);
void event_wait(Event *e);
bool event_wait_timeout(Event *e, long timeout_ms);

#endif
