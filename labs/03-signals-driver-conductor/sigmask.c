/*
 * sigmask - the signal masks in /proc/PID/status are bit sets: read and decode them.
 *
 * Usage: sigmask            set some dispositions, then decode this process's masks
 *        sigmask -p PID     decode another process's masks (your shell's, a server's)
 *
 * Shows: the kernel keeps, per process, one bit per signal (位运算, bit operations):
 * bit N-1 stands for signal N. /proc/PID/status prints those sets as 64-bit hex numbers:
 * SigBlk (blocked: sigprocmask), SigIgn (ignored: SIG_IGN), SigCgt (caught: a handler).
 * Without -p the program first resets every signal to SIG_DFL and unblocks all, then
 * ignores SIGINT, catches SIGUSR1 and SIGTERM, blocks SIGUSR2, and decodes its own masks:
 * SIGTERM is 15, so it is bit 14, 1 << 14 = 0x4000; a test is mask & (1ULL << (sig - 1)).
 *
 * Observe: grep Sig /proc/$$/status shows your shell's sets; ./sigmask -p $$ decodes them
 * (an interactive bash ignores SIGQUIT and SIGTERM and catches SIGINT and SIGCHLD).
 * A process started in the background by a non-interactive shell (cmd &) ignores SIGINT.
 * See also: proc(5) (SigBlk, SigIgn, SigCgt), sigaction(2), sigprocmask(2),
 * dispositions.c; notes/signals.md.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "die.h"

/* Names by number, built from the macros (the numbers differ between architectures). */
static const char *const names[32] = {
    [SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
    [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
    [SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
    [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM", [SIGCHLD] = "SIGCHLD",
    [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",
    [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG",   [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
    [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGSYS] = "SIGSYS",
};

static void usage(void)
{
    printf("usage: sigmask [-p PID]\n"
           "Decodes the signal sets SigBlk, SigIgn and SigCgt of /proc/PID/status: bit N-1\n"
           "set means signal N is in the set.\n"
           "  -p PID  decode that process's sets (default: set some dispositions first,\n"
           "          then decode this process's own)\n"
           "  -h      this help\n");
}

static void on_signal(int sig)
{
    (void)sig; /* never called here: the handler only has to exist to count as "caught" */
}

/* Print "SigXxx: <hex>  = SIGA SIGB ..." for one line of /proc/PID/status. */
static void decode(const char *field, uint64_t mask)
{
    printf("%s: %016" PRIx64 " =", field, mask);
    if (mask == 0)
        printf(" (none)");
    for (int sig = 1; sig <= 64; sig++) {
        if ((mask & (UINT64_C(1) << (sig - 1))) == 0)
            continue;
        if (sig < 32 && names[sig] != NULL)
            printf(" %s", names[sig]);
        else
            printf(" signal-%d", sig); /* real-time signals, 32 and up */
    }
    printf("\n");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    long pid = 0;
    int opt;
    while ((opt = getopt(argc, argv, ":p:h")) != -1) {
        switch (opt) {
        case 'p':
            pid = parse_long(optarg, 1, 1L << 22, "pid");
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
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);

    if (pid == 0) {
        /* A clean start, whatever was inherited: every signal SIG_DFL, none blocked. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sigemptyset(&sa.sa_mask);
        sa.sa_handler = SIG_DFL;
        for (int sig = 1; sig < 32; sig++)
            if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, &sa, NULL) == -1)
                die("sigaction %d", sig);
        sa.sa_handler = SIG_IGN;
        if (sigaction(SIGINT, &sa, NULL) == -1)
            die("sigaction SIGINT");
        sa.sa_handler = on_signal;
        if (sigaction(SIGUSR1, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
            die("sigaction");
        sigset_t block;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR2);
        if (sigprocmask(SIG_SETMASK, &block, NULL) == -1)
            die("sigprocmask");
        printf("set: SIGINT ignored, SIGUSR1 and SIGTERM caught, SIGUSR2 blocked\n");
        printf("showing signals 1-31 (mask & 0x7fffffff): glibc keeps 32 and 33 for itself\n");
    }

    char path[64];
    snprintf(path, sizeof path, pid ? "/proc/%ld/status" : "/proc/self/status", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die("fopen %s", path);
    char line[256];
    uint64_t ign = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        static const char *const fields[] = {"SigBlk", "SigIgn", "SigCgt"};
        for (int i = 0; i < 3; i++) {
            uint64_t mask;
            size_t len = strlen(fields[i]);
            if (strncmp(line, fields[i], len) != 0 || line[len] != ':' ||
                sscanf(line + len + 1, "%" SCNx64, &mask) != 1)
                continue;
            if (pid == 0) /* real-time bits may be inherited; we could not reset 32, 33 */
                mask &= 0x7fffffff;
            decode(fields[i], mask);
            if (i == 1)
                ign = mask;
        }
    }
    if (ferror(f))
        die("read %s", path);
    if (fclose(f) != 0)
        die("fclose %s", path);
    /* One bit, tested with & and a shift: what sigismember() does for a sigset_t. */
    printf("SIGINT is %s: SigIgn & (1 << (SIGINT - 1)) = 0x%" PRIx64 "\n",
           ign & (UINT64_C(1) << (SIGINT - 1)) ? "ignored" : "not ignored",
           ign & (UINT64_C(1) << (SIGINT - 1)));
    return 0;
}
