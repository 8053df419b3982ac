/*
 * wait_bits - decode a wait status by hand with >> and &, and check it against the macros.
 *
 * Usage: wait_bits [CODE]     CODE: the first child's exit code, 0-255 (default 3)
 *
 * Shows: the int that waitpid() fills is a small bit field (位运算, bit operations). On
 * Linux its low 7 bits (status & 0x7f) hold the signal that killed the child, 0 if it
 * exited, and 0x7f if it is only stopped; bit 0x80 says "core dumped"; the next byte
 * ((status >> 8) & 0xff) holds the exit code, or the stop signal. Three children end in
 * the three ways: _exit(CODE), killed by SIGTERM, stopped by SIGSTOP (seen with
 * WUNTRACED). Each line shows the raw value and the hand decoding; the program checks
 * it against the portable W... macros and fails (exit 1) if they ever disagree.
 *
 * Observe: the raw value of a stopped child is (SIGSTOP << 8) | 0x7f = 0x137f on x86 and
 * ARM, where SIGSTOP is 19. The layout is Linux's (and most Unixes'), not POSIX's: real
 * programs use the macros; this program exists to show what they do.
 * See also: wait(2), exit_status.c (the macros alone); notes/processes.md.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

static void usage(void)
{
    printf("usage: wait_bits [CODE]\n"
           "Ends three children (exit CODE, SIGTERM, SIGSTOP) and decodes each wait\n"
           "status by hand with >> and &, next to the W... macros.\n"
           "  CODE  the first child's exit code, 0-255 (default 3)\n"
           "  -h    this help\n");
}

/* Print one status decoded by hand, then check the hand decoding against the macros. */
static void decode(const char *how, int status)
{
    int low7 = status & 0x7f;         /* signal number, 0 = exited, 0x7f = stopped */
    int core = (status & 0x80) != 0;  /* the "core dumped" bit */
    int high = (status >> 8) & 0xff;  /* exit code, or the stopping signal */
    const char *verdict;
    int agree, n;
    if (low7 == 0) {
        verdict = "exited with";
        n = high;
        agree = WIFEXITED(status) && WEXITSTATUS(status) == high;
    } else if (low7 == 0x7f) {
        verdict = "stopped by signal";
        n = high;
        agree = WIFSTOPPED(status) && WSTOPSIG(status) == high;
    } else {
        verdict = "killed by signal";
        n = low7;
        agree = WIFSIGNALED(status) && WTERMSIG(status) == low7;
    }
    if (!agree)
        fatal("%s: the hand decoding of 0x%04x disagrees with the W... macros", how,
              (unsigned)status);
    printf("%-11s raw 0x%04x  >>8&0xff=%-3d &0x7f=%-3d &0x80=%d  -> %s %d\n", how,
           (unsigned)status, high, low7, core, verdict, n);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int opt;
    while ((opt = getopt(argc, argv, ":h")) != -1) {
        switch (opt) {
        case 'h':
            usage();
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (argc - optind > 1)
        usage_error("too many arguments");
    int code = 3;
    if (optind < argc)
        code = (int)parse_long(argv[optind], 0, 255, "exit code");

    for (int i = 0; i < 3; i++) {
        pid_t pid = fork();
        if (pid == -1)
            die("fork");
        if (pid == 0) {
            /* No core file, so that bit 0x80 is the same on every machine. */
            struct rlimit nocore = {0, 0};
            if (setrlimit(RLIMIT_CORE, &nocore) == -1)
                die_child("setrlimit");
            if (i == 0)
                _exit(code);
            if (raise(i == 1 ? SIGTERM : SIGSTOP) != 0)
                die_child("raise");
            _exit(0); /* a stopped child goes on here once continued and killed below */
        }
        int status;
        if (waitpid(pid, &status, WUNTRACED) == -1)
            die("waitpid");
        char how[16] = "SIGTERM:";
        if (i == 0)
            snprintf(how, sizeof how, "_exit(%d):", code);
        else if (i == 2)
            snprintf(how, sizeof how, "SIGSTOP:");
        decode(how, status);
        if (WIFSTOPPED(status)) { /* end the stopped child, and reap it */
            if (kill(pid, SIGKILL) == -1)
                die("kill");
            if (waitpid(pid, &status, 0) == -1)
                die("waitpid");
        }
    }
    return 0;
}
