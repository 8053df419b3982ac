/*
 * peer.h - slow peers for the I/O task: one helper process per worker that answers each
 * request after a delay, like a database or a web server far away. A worker that waits for
 * the answer is blocked in read(2) - it uses no CPU, so other work can run meanwhile.
 * See also: peer.c, gil_bench.c.
 */
#ifndef PEER_H
#define PEER_H

#include <sys/types.h>

/* Start n peers answering after delay_ms; fds[i] is worker i's end of its socket to peer i,
 * pids[i] the peer's process id. */
void peers_start(int n, long delay_ms, int fds[], pid_t pids[]);
/* Close the sockets (each peer sees end-of-file and exits) and reap the peers. */
void peers_stop(int n, int fds[], const pid_t pids[]);
/* One exchange: send `request`, block until the peer's answer comes, store it in *answer.
 * Returns 0, or -1 with errno set (ECONNRESET if the peer closed the socket) so that the
 * caller can die() in a thread or die_child() in a child process. */
int peer_ask(int fd, long request, long *answer);
/* What a peer answers to `request` (so callers can check the answers). */
long peer_answer(long request);

#endif
