/*
 * peer.c - the slow peers of peer.h: one process per worker, joined to it by a socket pair.
 * SOCK_SEQPACKET keeps message boundaries: one write is one message, one read gets it whole.
 *
 * A peer reads a request (a long), sleeps delay_ms, and writes the answer back, until its
 * socket reaches end-of-file. It runs in a process of its own, so it never competes for the
 * workers' GIL and its sleeping costs the workers nothing: their wait is real blocking I/O.
 * See also: socketpair(2), nanosleep(2), peer.h.
 */
#include "peer.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "die.h"

long peer_answer(long request)
{
    return 2 * request + 1;
}

static void peer_loop(int fd, long delay_ms)
{
    struct timespec delay = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
    long request;
    ssize_t n;
    while ((n = read(fd, &request, sizeof request)) == (ssize_t)sizeof request) {
        struct timespec left = delay;
        while (nanosleep(&left, &left) == -1)
            if (errno != EINTR)
                die_child("nanosleep");
        long answer = peer_answer(request);
        if (write(fd, &answer, sizeof answer) != (ssize_t)sizeof answer)
            die_child("peer: write");
    }
    if (n == -1)
        die_child("peer: read");
    /* n == 0: the worker side closed the socket; we are done. */
}

void peers_start(int n, long delay_ms, int fds[], pid_t pids[])
{
    for (int i = 0; i < n; i++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
            die("socketpair");
        pid_t pid = fork();
        if (pid == -1)
            die("fork");
        if (pid == 0) {
            /* Close the workers' ends of the earlier peers' sockets that we inherited,
             * or those peers would never see end-of-file. */
            for (int j = 0; j < i; j++)
                if (close(fds[j]) == -1)
                    die_child("close");
            if (close(sv[0]) == -1)
                die_child("close");
            peer_loop(sv[1], delay_ms);
            _exit(0);
        }
        if (close(sv[1]) == -1)
            die("close");
        fds[i] = sv[0];
        pids[i] = pid;
    }
}

void peers_stop(int n, int fds[], const pid_t pids[])
{
    for (int i = 0; i < n; i++)
        if (close(fds[i]) == -1)
            die("close");
    for (int i = 0; i < n; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) == -1)
            die("waitpid");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fatal("peer %ld failed (wait status 0x%x)", (long)pids[i], (unsigned)status);
    }
}

int peer_ask(int fd, long request, long *answer)
{
    if (write(fd, &request, sizeof request) != (ssize_t)sizeof request)
        return -1;
    ssize_t n = read(fd, answer, sizeof *answer);
    if (n == -1)
        return -1;
    if (n != (ssize_t)sizeof *answer) {
        errno = ECONNRESET;
        return -1;
    }
    return 0;
}
