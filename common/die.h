/*
 * die.h - the one tiny error module every posix-labs program uses.
 *
 * The checks stay visible at the call site, TLPI/APUE style:
 *
 *     int fd = open(path, O_RDONLY);
 *     if (fd == -1)
 *         die("open %s", path);          -> "prog: open x.txt: No such file or directory", exit 1
 *
 * Exit codes are the same everywhere: 0 success, 1 runtime failure, 2 bad usage.
 * Call set_progname(argv[0]) first thing in main() so messages carry the program's name.
 */
#ifndef POSIXLABS_DIE_H
#define POSIXLABS_DIE_H

#include <stdnoreturn.h>

#if defined(__GNUC__)
#define PL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PL_PRINTF(a, b)
#endif

/* Remember the program's name (basename of argv[0]) for every message below. */
void set_progname(const char *argv0);
const char *progname(void);

/* "prog: <message>: strerror(errno)" on stderr, then exit(1). */
noreturn void die(const char *fmt, ...) PL_PRINTF(1, 2);

/* The same for functions that return an error number instead of setting errno
 * (pthread_create, pthread_mutex_lock, posix_spawn, ...):  die_en(rc, "pthread_create"). */
noreturn void die_en(int errnum, const char *fmt, ...) PL_PRINTF(2, 3);

/* The same as die(), but leaves with _exit(1): for a child after fork(), which must not
 * run the parent's atexit handlers or flush a copy of the parent's stdio buffers. */
noreturn void die_child(const char *fmt, ...) PL_PRINTF(1, 2);

/* "prog: <message>" (no errno) on stderr, then exit(1): a runtime failure that is not a
 * failed system call ("the child did not reach state Z within 5 s"). */
noreturn void fatal(const char *fmt, ...) PL_PRINTF(1, 2);

/* "prog: <message>" and "Try 'prog -h' for help." on stderr, then exit(2). */
noreturn void usage_error(const char *fmt, ...) PL_PRINTF(1, 2);

/* Checked number parsing (never atoi): the whole string must be a base-10 number within
 * [min, max], otherwise usage_error("bad <what> '<s>' (expected min..max)"). */
long parse_long(const char *s, long min, long max, const char *what);

/* "prog: <message>" on stderr, then _exit(1): the stub of an exercise a student has not
 * written yet (make handout puts it there: todo("TODO: task 2 of lab 04 (...)")). Only
 * write(2) and _exit(2), so it is safe in a child, a signal handler or a thread. */
noreturn void todo(const char *message);

#endif
