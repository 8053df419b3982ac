/*
 * procstat.h - read a process's state and parent from /proc/PID/stat (Linux).
 *
 * The kernel shows every process as a line in /proc/PID/stat:
 *     1234 (zombie) Z 1233 1233 999 ...
 *     pid  (name)   state ppid pgrp session ...
 * The name may contain spaces and parentheses, so the fields are read after the last ')'.
 * ps(1) gets its STAT column from the same place.
 */
#ifndef POSIXLABS_PROCSTAT_H
#define POSIXLABS_PROCSTAT_H

#include <sys/types.h>

/* Fill *state (R, S, D, T, t, Z, X, I) and *ppid (either may be NULL) for process pid.
 * Returns 0, or -1 with errno set (ENOENT: there is no such process any more). */
int proc_stat(pid_t pid, char *state, pid_t *ppid);

/* "running", "sleeping", "zombie", ... for a state letter. */
const char *proc_state_name(char state);

/* How many processes have parent as their parent; *zombies (if not NULL) gets how many of
 * them are zombies. Dies on failure to read /proc. */
int proc_children(pid_t parent, int *zombies);

/* Poll (every millisecond, for at most timeout_ms) until pid's state is one of the letters
 * in states, or - if states is "" - until pid no longer exists. Returns the state letter
 * seen last (0 if the process is gone), so the caller can say what it found on timeout. */
char proc_wait_state(pid_t pid, const char *states, int timeout_ms);

#endif
