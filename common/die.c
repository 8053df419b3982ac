/*
 * die.c - implementation of die.h: error messages in one format, fixed exit codes.
 * See die.h for how to use it.
 */
#include "die.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *prog = "posix-labs";

void set_progname(const char *argv0)
{
    if (argv0 == NULL || *argv0 == '\0')
        return;
    const char *slash = strrchr(argv0, '/');
    prog = slash ? slash + 1 : argv0;
}

const char *progname(void)
{
    return prog;
}

/* Print "prog: message[: strerror(errnum)]\n" to stderr as one write, so that lines from
 * several processes sharing a terminal or a log file do not interleave mid-line.
 * A child after fork() must not flush stdout: the buffer may hold a copy of its parent's
 * unwritten output, which would then appear twice. */
static void report(int in_child, int errnum, const char *fmt, va_list ap)
{
    char msg[768], line[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    int len;
    if (errnum != 0)
        len = snprintf(line, sizeof line, "%s: %s: %s\n", prog, msg, strerror(errnum));
    else
        len = snprintf(line, sizeof line, "%s: %s\n", prog, msg);
    if (len < 0)
        return;
    if ((size_t)len >= sizeof line) { /* cut short: still end with a newline */
        len = (int)sizeof line - 1;
        line[len - 1] = '\n';
    }
    if (!in_child)
        fflush(stdout); /* what the program said so far comes before the error */
    ssize_t ignored = write(STDERR_FILENO, line, (size_t)len);
    (void)ignored; /* nothing sensible is left to do if stderr is gone */
}

void die(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    report(0, saved, fmt, ap);
    va_end(ap);
    exit(EXIT_FAILURE);
}

void die_en(int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(0, errnum, fmt, ap);
    va_end(ap);
    exit(EXIT_FAILURE);
}

void die_child(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    report(1, saved, fmt, ap);
    va_end(ap);
    _exit(EXIT_FAILURE);
}

void fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(0, 0, fmt, ap);
    va_end(ap);
    exit(EXIT_FAILURE);
}

void usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(0, 0, fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s -h' for help.\n", prog);
    exit(2);
}

long parse_long(const char *s, long min, long max, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (s[0] == '\0' || *end != '\0' || errno == ERANGE || v < min || v > max)
        usage_error("bad %s '%s' (expected a whole number from %ld to %ld)", what, s, min, max);
    return v;
}

void todo(const char *message)
{
    const char *parts[] = {prog, ": ", message, "\n"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        ssize_t ignored = write(STDERR_FILENO, parts[i], strlen(parts[i]));
        (void)ignored; /* nothing sensible is left to do if stderr is gone */
    }
    _exit(EXIT_FAILURE);
}
