/*
 * exit_status - how a parent learns how its child ended.
 *
 * Usage: exit_status N          the child calls _exit(N), 0 <= N <= 255
 *        exit_status -s SIGNAL  the child is killed by SIGNAL (a name like TERM or SIGTERM,
 *                               or a number), one whose default action ends the process
 *
 * Shows: wait()/waitpid() fill an int "status" that packs how the child ended. The macros
 * decode it: WIFEXITED/WEXITSTATUS for a normal exit, WIFSIGNALED/WTERMSIG for death by a
 * signal. On Linux an exit code N is stored as N << 8 (so _exit(2) gives the raw value 512,
 * the number the classroom's Python prints), and a signal number in the low 7 bits - but
 * only the macros are portable.
 *
 * Observe: your shell decodes its children's status the same way: `sh -c 'exit 3'; echo $?`
 * prints 3, and death by signal N is reported as 128+N: `sh -c 'kill -TERM $$'; echo $?`
 * prints 143.
 * See also: wait(2), signal(7); notes/processes.md ("exit status").
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

/* The signals whose default action terminates the process (signal(7)). POSIX has no
 * function from number to name (glibc's sigabbrev_np is a GNU extension), so a table. */
static const struct {
    int num;
    const char *name;
} signals[] = {
    {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
    {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
    {SIGKILL, "SIGKILL"}, {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
    {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGXCPU, "SIGXCPU"},
    {SIGXFSZ, "SIGXFSZ"}, {SIGVTALRM, "SIGVTALRM"}, {SIGPROF, "SIGPROF"}, {SIGSYS, "SIGSYS"},
};
#define NSIGNALS (sizeof signals / sizeof signals[0])

static const char *signal_name(int sig)
{
    for (size_t i = 0; i < NSIGNALS; i++)
        if (signals[i].num == sig)
            return signals[i].name;
    return "a signal that does not terminate by default";
}

/* "TERM", "SIGTERM" or "15" -> 15; anything else is a usage error. */
static int parse_signal(const char *s)
{
    if (s[0] >= '0' && s[0] <= '9') {
        int sig = (int)parse_long(s, 1, 64, "signal number");
        for (size_t i = 0; i < NSIGNALS; i++)
            if (signals[i].num == sig)
                return sig;
        usage_error("signal %d does not end a process by default; pick one of SIGTERM, "
                    "SIGKILL, SIGINT, ...", sig);
    }
    for (size_t i = 0; i < NSIGNALS; i++)
        if (strcmp(s, signals[i].name) == 0 || strcmp(s, signals[i].name + 3) == 0)
            return signals[i].num;
    usage_error("unknown or non-terminating signal '%s'", s);
}

/* Print how the child ended, decoded from the status that waitpid() filled in. */
static void describe_status(int status)
{
    /* task 1 begin: describe_status */
    if (WIFEXITED(status))
        printf("parent: WIFEXITED: child exited normally with status %d\n",
               WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("parent: WIFSIGNALED: child was killed by signal %d (%s)\n", WTERMSIG(status),
               signal_name(WTERMSIG(status)));
    /* task 1 end */
}

static void usage(void)
{
    printf("usage: exit_status N | exit_status -s SIGNAL\n"
           "Starts a child that exits with status N (0-255) or is killed by SIGNAL, and\n"
           "shows how the parent decodes the status from waitpid().\n"
           "  N          the child calls _exit(N)\n"
           "  -s SIGNAL  the child is killed by SIGNAL (TERM, SIGTERM or 15; must be a\n"
           "             signal whose default action terminates the process)\n"
           "  -h         this help\n");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int sig = 0, opt;
    while ((opt = getopt(argc, argv, ":s:h")) != -1) {
        switch (opt) {
        case 's':
            sig = parse_signal(optarg);
            break;
        case 'h':
            usage();
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    int code = 0;
    if (sig == 0 && optind == argc - 1)
        code = (int)parse_long(argv[optind], 0, 255, "exit status");
    else if (optind != argc || sig == 0)
        usage_error("give either an exit status N or -s SIGNAL");

    pid_t pid = fork();
    if (pid == -1)
        die("fork");
    if (pid == 0) {
        if (sig != 0) {
            /* Make sure the default action applies (SIGKILL's cannot be changed, and trying
             * fails with EINVAL), then send the signal to ourselves. */
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = SIG_DFL;
            sigemptyset(&sa.sa_mask);
            if (sig != SIGKILL && sigaction(sig, &sa, NULL) == -1)
                die_child("sigaction");
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, sig);
            if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1)
                die_child("sigprocmask");
            raise(sig);
            die_child("still alive after raise(%d)", sig); /* not reached */
        }
        _exit(code);
    }

    int status;
    if (waitpid(pid, &status, 0) == -1)
        die("waitpid");
    printf("parent: waitpid() returned %ld, raw status %d (0x%04x)\n", (long)pid, status,
           (unsigned)status);
    describe_status(status);
    return 0;
}
