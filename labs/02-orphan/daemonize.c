/*
 * daemonize - the classic recipe that turns a program into a daemon (守护进程).
 *
 * Usage: daemonize -p PIDFILE [-l LOGFILE] [-i SECONDS]
 *
 * Shows the steps (APUE 13.3, TLPI 37.2), each with its reason:
 *   1. fork, and the parent exits  - the shell gets its prompt back; the child is not a
 *                                    process group leader, so step 2 can succeed
 *   2. setsid                      - a new session and process group, no controlling
 *                                    terminal: closing the terminal no longer kills us
 *   3. fork again, the first child exits - the daemon is not a session leader, so it can
 *                                    never acquire a controlling terminal by opening one
 *   4. chdir("/")                  - do not keep a directory (a mount) busy
 *   5. umask(0)                    - files are created with exactly the modes we ask for
 *   6. close every fd; 0, 1, 2 to /dev/null - no terminal, no inherited files
 *   7. a pid file, locked          - one instance at a time; `kill $(cat PIDFILE)` stops it
 * The daemon writes "alive" to LOGFILE every SECONDS (default 5) and stops on SIGTERM or
 * SIGINT: it logs that, removes its pid file and exits 0. SIGHUP: it logs and goes on.
 * Unlike the textbook version, the starter waits until the daemon is ready (pid file
 * written) or has failed, and tells you which - like systemd's Type=forking expects.
 *
 * Observe: ps -o pid,ppid,pgid,sid,tty,stat,cmd -p $(cat PIDFILE)   (TTY ?, PPID 1 or a
 * subreaper, SID != PID), ls -l /proc/$(cat PIDFILE)/fd, /proc/PID/cwd, grep Umask
 * /proc/PID/status. Stop it: kill $(cat PIDFILE).
 * See also: setsid(2), daemon(7), fcntl(2) (F_SETLK); orphan.c; notes/processes.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"

static int report_fd = -1; /* to the starter: "ok" or the error, then closed */

/* In the daemon, errors go to the starter (stderr is /dev/null by then). */
static void fail(const char *what)
{
    char msg[256];
    int len = snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
    if (report_fd != -1 && len > 0)
        (void)!write(report_fd, msg, (size_t)len);
    _exit(1);
}

/* name as an absolute path (relative to cwd) in out. */
static void make_absolute(const char *name, const char *cwd, char *out, size_t size)
{
    int n = name[0] == '/' ? snprintf(out, size, "%s", name)
                           : snprintf(out, size, "%s/%s", cwd, name);
    if (n < 0 || (size_t)n >= size)
        usage_error("path too long: %s", name);
}

/* A time-stamped line in the log. */
static void log_line(FILE *log, const char *msg)
{
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32] = "?";
    if (localtime_r(&now, &tm) != NULL)
        strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    fprintf(log, "%s daemon %ld: %s\n", stamp, (long)getpid(), msg);
    fflush(log);
}

/* Steps 2 to 6 of becoming a daemon, in the first child: a new session, a second fork (the
 * grandchild goes on), / as the working directory, umask 0, and every fd closed but the
 * report pipe, with 0, 1 and 2 on /dev/null. Errors go to the starter with fail(). */
static void become_daemon(void)
{
    /* task 2 begin: become_daemon */
    if (setsid() == -1) /* 2 */
        fail("setsid");
    pid_t pid = fork(); /* 3 */
    if (pid == -1)
        fail("fork");
    if (pid > 0)
        _exit(0);
    if (chdir("/") == -1) /* 4 */
        fail("chdir /");
    umask(0); /* 5 */

    /* 6: close everything but the report pipe; then 0, 1, 2 -> /dev/null */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
        fail("getrlimit");
    long maxfd = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536 ? 65536 : (long)rl.rlim_cur;
    for (long fd = 0; fd < maxfd; fd++)
        if (fd != report_fd)
            close((int)fd);
    if (open("/dev/null", O_RDWR) != 0 || dup(0) != 1 || dup(0) != 2)
        fail("open /dev/null as 0, 1 and 2");
    /* task 2 end */
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *pidfile = NULL, *logfile = "/dev/null";
    long interval = 5;
    int opt;
    while ((opt = getopt(argc, argv, ":p:l:i:h")) != -1) {
        switch (opt) {
        case 'p':
            pidfile = optarg;
            break;
        case 'l':
            logfile = optarg;
            break;
        case 'i':
            interval = parse_long(optarg, 1, 3600, "interval");
            break;
        case 'h':
            printf("usage: daemonize -p PIDFILE [-l LOGFILE] [-i SECONDS]\n"
                   "Becomes a classic daemon (fork, setsid, fork, chdir /, umask 0, fds to\n"
                   "/dev/null, locked pid file) that logs \"alive\" every SECONDS until SIGTERM.\n"
                   "  -p PIDFILE  where to write the daemon's pid (also the lock: one instance)\n"
                   "  -l LOGFILE  where to log (default /dev/null)\n"
                   "  -i SECONDS  how often to log (default 5)\n"
                   "  -h          this help\n"
                   "Stop it with: kill $(cat PIDFILE)\n");
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (pidfile == NULL || optind != argc)
        usage_error("give -p PIDFILE (and no other arguments)");
    /* After chdir("/") relative names would point elsewhere: make them absolute now. */
    char pidpath[4096], logpath[4096], cwd[4096];
    if (getcwd(cwd, sizeof cwd) == NULL)
        die("getcwd");
    make_absolute(pidfile, cwd, pidpath, sizeof pidpath);
    make_absolute(logfile, cwd, logpath, sizeof logpath);

    int report[2];
    if (pipe(report) == -1)
        die("pipe");
    pid_t pid = fork(); /* 1 */
    if (pid == -1)
        die("fork");
    if (pid > 0) { /* the starter: wait for "ok" or an error from the daemon */
        close(report[1]);
        char msg[300];
        ssize_t n;
        while ((n = read(report[0], msg, sizeof msg - 1)) == -1 && errno == EINTR)
            ;
        if (waitpid(pid, NULL, 0) == -1) /* the first child exits right after step 3 */
            die("waitpid");
        if (n <= 0)
            fatal("the daemon died before it was ready");
        msg[n] = '\0';
        if (strncmp(msg, "ok ", 3) != 0)
            fatal("daemon: %s", msg);
        printf("daemonize: daemon %s is running; stop it with: kill $(cat %s)\n", msg + 3,
               pidfile);
        return 0;
    }
    close(report[0]);
    report_fd = report[1];
    become_daemon();

    /* 7: the pid file, locked for as long as we live */
    int pfd = open(pidpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (pfd == -1)
        fail("open pid file");
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(pfd, F_SETLK, &lock) == -1) {
        if (errno == EACCES || errno == EAGAIN)
            errno = EEXIST; /* "File exists": the other instance holds the lock */
        fail("another instance holds the pid file lock");
    }
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(pfd, 0) == -1 || write(pfd, buf, (size_t)len) != len)
        fail("write pid file");
    FILE *log = fopen(logpath, "a");
    if (log == NULL)
        fail("open log file");

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
        fail("sigprocmask");
    log_line(log, "started");
    len = snprintf(buf, sizeof buf, "ok %ld", (long)getpid());
    if (write(report_fd, buf, (size_t)len) != len)
        fail("write to the starter");
    close(report_fd); /* from here on, nobody is listening */

    for (;;) {
        struct timespec ts = {(time_t)interval, 0};
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig == -1 && errno != EAGAIN && errno != EINTR)
            break;
        if (sig == SIGHUP) {
            log_line(log, "got SIGHUP (a real daemon would reload its configuration)");
        } else if (sig == SIGTERM || sig == SIGINT) {
            log_line(log, sig == SIGTERM ? "got SIGTERM, stopping" : "got SIGINT, stopping");
            break;
        } else if (sig == -1 && errno == EAGAIN) {
            log_line(log, "alive");
        }
    }
    unlink(pidpath);
    fclose(log);
    close(pfd);
    return 0;
}
