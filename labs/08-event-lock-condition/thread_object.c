/*
 * thread_object - what Python's threading.Thread object does, written out in C.
 *
 * Usage: thread_object [-H]
 *        -H  hold while the "sleeper" thread runs, until stdin is closed (Ctrl-D), so that
 *            you can look at /proc/PID/task
 *
 * Shows: Thread(target=f, args=(...), name=..., daemon=...) is a struct (线程对象):
 *   - target and args: a function pointer and one pointer to a struct of arguments;
 *     pthread_create() itself takes exactly that: void *(*)(void *) and one void *;
 *   - a "subclass" that overrides run(): a struct whose first member is the base struct,
 *     with its own run function pointer, and fields for its results;
 *   - start(): pthread_create(), then wait until the thread has started and named itself
 *     (Python's start() waits for the same); the name (pthread_setname_np) is the
 *     thread's comm: /proc/PID/task/TID/comm, ps -L -o tid,comm;
 *   - is_alive(): pthread_tryjoin_np() - EBUSY while it runs (and it joins one that ended);
 *   - join(timeout): pthread_timedjoin_np() with an absolute CLOCK_REALTIME deadline,
 *     ETIMEDOUT if the thread is still running;
 *   - daemon=True: a detached thread, never joined; when main returns, exit() ends the
 *     whole process and every thread in it. (Nothing to do with a Unix daemon (守护进程),
 *     lab 02: a process that leaves its terminal to run on its own.)
 *
 * Observe: ./thread_object -H, then in another terminal
 *   ps -L -o pid,tid,comm -p $(pgrep -n thread_object)     (thread_object, sleeper)
 * See also: pthread_create(3), pthread_tryjoin_np(3), pthread_setname_np(3),
 * threads_basics.c; process_object.c in lab 10; notes/python-to-c.md.
 */
/* pthread_setname_np, pthread_getname_np, pthread_tryjoin_np, pthread_timedjoin_np and
 * gettid are GNU extensions ("_np": non-portable), declared only with _GNU_SOURCE. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "deadline.h"
#include "die.h"

struct thread {
    void (*run)(struct thread *self); /* the "method"; thread_run calls target(args) */
    void (*target)(void *args);
    void *args;
    const char *name;                 /* at most 15 characters */
    int daemon;                       /* 1: detached, dies with the process */
    pthread_t id;
    pid_t tid;                        /* kernel thread id: /proc/PID/task/TID */
    int started, joined;
    pthread_mutex_t lock;             /* start() waits on cond for `started` */
    pthread_cond_t cond;
};

static void thread_run(struct thread *self) /* Thread.run: call target(*args) */
{
    self->target(self->args);
}

static void *bootstrap(void *arg) /* what pthread_create starts: name, announce, run */
{
    struct thread *t = arg;
    int rc = pthread_setname_np(pthread_self(), t->name);
    if (rc != 0)
        die_en(rc, "pthread_setname_np");
    if ((rc = pthread_mutex_lock(&t->lock)) != 0)
        die_en(rc, "pthread_mutex_lock");
    t->tid = gettid();
    t->started = 1;
    if ((rc = pthread_cond_signal(&t->cond)) != 0)
        die_en(rc, "pthread_cond_signal");
    if ((rc = pthread_mutex_unlock(&t->lock)) != 0)
        die_en(rc, "pthread_mutex_unlock");
    t->run(t);
    return NULL;
}

static void thread_start(struct thread *t)
{
    int rc;
    if ((rc = pthread_mutex_init(&t->lock, NULL)) != 0)
        die_en(rc, "pthread_mutex_init");
    if ((rc = pthread_cond_init(&t->cond, NULL)) != 0)
        die_en(rc, "pthread_cond_init");
    if ((rc = pthread_create(&t->id, NULL, bootstrap, t)) != 0)
        die_en(rc, "pthread_create");
    if (t->daemon && (rc = pthread_detach(t->id)) != 0)
        die_en(rc, "pthread_detach");
    if ((rc = pthread_mutex_lock(&t->lock)) != 0)
        die_en(rc, "pthread_mutex_lock");
    while (!t->started)
        if ((rc = pthread_cond_wait(&t->cond, &t->lock)) != 0)
            die_en(rc, "pthread_cond_wait");
    if ((rc = pthread_mutex_unlock(&t->lock)) != 0)
        die_en(rc, "pthread_mutex_unlock");
}

static void thread_joined(struct thread *t)
{
    t->joined = 1;
    int rc;
    if ((rc = pthread_mutex_destroy(&t->lock)) != 0)
        die_en(rc, "pthread_mutex_destroy");
    if ((rc = pthread_cond_destroy(&t->cond)) != 0)
        die_en(rc, "pthread_cond_destroy");
}

static int thread_is_alive(struct thread *t) /* for joinable threads only */
{
    if (t->joined)
        return 0;
    int rc = pthread_tryjoin_np(t->id, NULL);
    if (rc == EBUSY)
        return 1;
    if (rc != 0)
        die_en(rc, "pthread_tryjoin_np");
    thread_joined(t); /* it had ended: tryjoin has joined it */
    return 0;
}

/* join(timeout): timeout_ms < 0 waits for ever; returns, like Python, whether or not the
 * thread ended - ask is_alive() afterwards. */
static void thread_join(struct thread *t, long timeout_ms)
{
    if (t->joined)
        return;
    int rc;
    if (timeout_ms < 0) {
        rc = pthread_join(t->id, NULL);
    } else {
        struct timespec deadline = deadline_after_ms(CLOCK_REALTIME, timeout_ms);
        rc = pthread_timedjoin_np(t->id, NULL, &deadline);
        if (rc == ETIMEDOUT)
            return; /* still running */
    }
    if (rc != 0)
        die_en(rc, "pthread_join");
    thread_joined(t);
}

/* ---- the targets, and a "subclass" ---- */
struct greet_args {
    const char *word;
    int times;
};

static void greet(void *arg)
{
    struct greet_args *a = arg;
    char name[16], path[64], comm[32] = "";
    int rc = pthread_getname_np(pthread_self(), name, sizeof name);
    if (rc != 0)
        die_en(rc, "pthread_getname_np");
    snprintf(path, sizeof path, "/proc/self/task/%ld/comm", (long)gettid());
    FILE *f = fopen(path, "r");
    if (f == NULL || fgets(comm, sizeof comm, f) == NULL)
        die("read %s", path);
    if (fclose(f) != 0)
        die("fclose");
    comm[strcspn(comm, "\n")] = '\0';
    printf("greeter: pid %ld (main's), tid %ld, name \"%s\", comm \"%s\", args: %s %d\n",
           (long)getpid(), (long)gettid(), name, comm, a->word, a->times);
}

struct summer {          /* class Summer(Thread) with a result attribute */
    struct thread base;  /* first member: a struct summer * is a struct thread * */
    int n;
    long sum;
};

static void summer_run(struct thread *self) /* def run(self): overrides Thread.run */
{
    struct summer *s = (struct summer *)self;
    for (int i = 1; i <= s->n; i++)
        s->sum += i;
}

static void wait_for_eof(void *arg) /* the sleeper: runs until main closes the pipe */
{
    char buf[16];
    while (read(*(int *)arg, buf, sizeof buf) > 0) /* threads share fds: no copy to close */
        continue;
}

static void forever(void *arg)
{
    (void)arg;
    for (;;)
        pause(); /* until the process ends */
}

/* "comm1 comm2 ...": the names of this process's threads, from /proc/self/task. */
static void list_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    if (d == NULL)
        die("opendir /proc/self/task");
    struct dirent *e;
    printf("main: threads in /proc/self/task:");
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], comm[32] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL || fgets(comm, sizeof comm, f) == NULL)
            die("read %s", path);
        if (fclose(f) != 0)
            die("fclose");
        comm[strcspn(comm, "\n")] = '\0';
        printf(" %s", comm);
    }
    printf("\n");
    if (closedir(d) == -1)
        die("closedir");
}

static void usage(void)
{
    printf("usage: thread_object [-H]\n"
           "Builds Python's Thread object in C: target and args, name, a subclass with\n"
           "its own run, is_alive, join(timeout), daemon=True.\n"
           "  -H  hold while the sleeper runs, until stdin is closed (Ctrl-D)\n"
           "  -h  this help\n");
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    int hold = 0, opt;
    while ((opt = getopt(argc, argv, ":Hh")) != -1) {
        switch (opt) {
        case 'H':
            hold = 1;
            break;
        case 'h':
            usage();
            return 0;
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("unexpected argument '%s'", argv[optind]);

    /* 1. Thread(target=greet, args=("hello", 3), name="greeter") */
    struct greet_args ga = {"hello", 3};
    struct thread g = {.run = thread_run, .target = greet, .args = &ga, .name = "greeter"};
    thread_start(&g);
    thread_join(&g, -1);
    printf("main: greeter joined\n");

    /* 2. a subclass with a result: Summer(n=100).start(); join(); s.sum */
    struct summer s = {.base = {.run = summer_run, .name = "summer"}, .n = 100};
    thread_start(&s.base);
    thread_join(&s.base, -1);
    printf("main: summer joined; its sum field says %ld\n", s.sum);

    /* 3. is_alive() and join(timeout) on a thread that runs until we close a pipe */
    int release[2];
    if (pipe(release) == -1)
        die("pipe");
    struct thread sl = {.run = thread_run, .target = wait_for_eof, .args = &release[0],
                        .name = "sleeper"};
    thread_start(&sl);
    printf("main: sleeper (tid %ld) started; is_alive() = %d\n", (long)sl.tid,
           thread_is_alive(&sl));
    long long t0 = now_ms();
    thread_join(&sl, 100);
    long long waited = now_ms() - t0;
    printf("main: join(timeout=100 ms) returned after %lld ms; is_alive() = %d\n", waited,
           thread_is_alive(&sl));
    if (hold) {
        printf("main: holding; look: cat /proc/%ld/task/*/comm; then Ctrl-D\n",
               (long)getpid());
        char buf[64];
        while (read(STDIN_FILENO, buf, sizeof buf) > 0)
            continue;
    }
    if (close(release[1]) == -1) /* the sleeper reads EOF and returns */
        die("close");
    thread_join(&sl, -1);
    printf("main: sleeper joined; is_alive() = %d\n", thread_is_alive(&sl));
    if (close(release[0]) == -1)
        die("close");

    /* 4. daemon=True: detached; main returns without joining it. Its object is static:
     * the thread uses it (t->run, t->target) until the process ends, after main's frame -
     * where a local would live - is gone and reused by exit(). */
    static struct thread d = {.run = thread_run, .target = forever, .name = "daemon", .daemon = 1};
    thread_start(&d);
    list_threads();
    printf("main: returning; exit() ends the daemon thread with the process\n");
    return 0;
}
