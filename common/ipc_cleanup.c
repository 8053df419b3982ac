/*
 * ipc_cleanup.c - implementation of ipc_cleanup.h: remove named IPC objects at exit and on
 * SIGINT/SIGTERM, and stop the children first. See ipc_cleanup.h for how to use it.
 */
#include "ipc_cleanup.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "die.h"

#define MAX_OBJECTS 4
#define MAX_CHILDREN 64

volatile sig_atomic_t stop_signal = 0;

static struct {
    char name[IPC_NAME_SIZE];
    int (*unlink)(const char *); /* NULL: a free slot */
} objects[MAX_OBJECTS];
static pid_t owner;                  /* the process that registered them */
static pid_t children[MAX_CHILDREN]; /* 0: a free slot */

static void on_stop_signal(int sig)
{
    stop_signal = sig; /* all it does: async-signal-safe, and errno is not touched */
}

const char *check_name(const char *name)
{
    size_t len = strlen(name);
    if (name[0] != '/' || len < 2 || len > 201 || strchr(name + 1, '/') != NULL)
        usage_error("bad name '%s' (expected '/' then 1 to 200 characters, no other '/')",
                    name);
    return name;
}

void ipc_name(char name[IPC_NAME_SIZE], const char *given, const char *lab)
{
    if (given != NULL)
        snprintf(name, IPC_NAME_SIZE, "%s", given);
    else
        snprintf(name, IPC_NAME_SIZE, "/posixlabs-%s-%ld", lab, (long)getpid());
}

void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: the blocked call returns EINTR and we can act */
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");
}

static const char *signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal";
}

/* Remove what is still registered. SIG is the stop signal, or 0 at exit. */
static void remove_objects(int sig)
{
    if (getpid() != owner) /* a child that called exit() by mistake: not its objects */
        return;
    for (int i = 0; i < MAX_OBJECTS; i++) {
        if (objects[i].unlink == NULL)
            continue;
        if (objects[i].unlink(objects[i].name) == -1 && errno != ENOENT)
            fprintf(stderr, "%s: could not remove %s: %s\n", progname(), objects[i].name,
                    strerror(errno));
        else if (sig != 0)
            fprintf(stderr, "%s: %s: removed %s\n", progname(), signal_name(sig),
                    objects[i].name);
        else
            fprintf(stderr, "%s: on the way out: removed %s\n", progname(), objects[i].name);
        objects[i].unlink = NULL;
    }
}

static void remove_at_exit_handler(void)
{
    remove_objects(0);
}

void remove_at_exit(const char *name, int (*unlink)(const char *))
{
    static int registered;
    if (!registered) {
        if (atexit(remove_at_exit_handler) != 0)
            fatal("atexit failed");
        registered = 1;
        owner = getpid();
    }
    for (int i = 0; i < MAX_OBJECTS; i++) {
        if (objects[i].unlink == NULL) {
            snprintf(objects[i].name, sizeof objects[i].name, "%s", name);
            objects[i].unlink = unlink;
            return;
        }
    }
    fatal("remove_at_exit: more than %d objects", MAX_OBJECTS);
}

void forget_at_exit(const char *name)
{
    for (int i = 0; i < MAX_OBJECTS; i++)
        if (objects[i].unlink != NULL && strcmp(objects[i].name, name) == 0)
            objects[i].unlink = NULL;
}

pid_t fork_child(void)
{
    int slot = 0;
    while (slot < MAX_CHILDREN && children[slot] != 0)
        slot++;
    if (slot == MAX_CHILDREN)
        fatal("fork_child: more than %d children", MAX_CHILDREN);

    /* Block SIGINT and SIGTERM across fork(), so that the child cannot receive one before
     * it has put back the default action. A blocked signal stays pending: nothing is lost. */
    sigset_t stops, old;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &stops, &old) == -1)
        die("sigprocmask");
    pid_t pid = fork();
    int saved = errno;
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
            die_child("sigaction");
        memset(children, 0, sizeof children); /* the parent's children are not ours */
        if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
            die_child("sigprocmask");
        return 0;
    }
    if (pid > 0)
        children[slot] = pid;
    if (sigprocmask(SIG_SETMASK, &old, NULL) == -1)
        die("sigprocmask");
    errno = saved;
    return pid;
}

static void forget_child(pid_t pid)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == pid)
            children[i] = 0;
}

int wait_child(pid_t pid)
{
    int status;
    if (stop_signal)
        die_of_signal();
    while (waitpid(pid, &status, 0) == -1) {
        if (errno != EINTR)
            die("waitpid %ld", (long)pid);
        if (stop_signal)
            die_of_signal();
    }
    forget_child(pid);
    return status;
}

void die_of_signal(void)
{
    int sig = stop_signal ? stop_signal : SIGTERM;
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] != 0)
            kill(children[i], SIGTERM); /* fails only if it is gone already: fine */
    for (int i = 0; i < MAX_CHILDREN; i++) {
        if (children[i] == 0)
            continue;
        while (waitpid(children[i], NULL, 0) == -1 && errno == EINTR)
            continue;
        children[i] = 0;
    }
    remove_objects(sig);
    fflush(stdout);

    /* End by the same signal: put back its default action, then send it to ourselves. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    raise(sig);
    _exit(128 + sig); /* not reached: the default action of SIGINT/SIGTERM ends us */
}
