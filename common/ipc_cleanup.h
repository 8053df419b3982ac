/*
 * ipc_cleanup.h - remove named IPC objects on every way out of a program.
 *
 * A POSIX message queue, shared memory object or named semaphore has kernel persistence:
 * its name (and its contents) stay until someone unlinks it or the machine reboots, even
 * after every process that used it has ended. A program that dies between creating the
 * object and unlinking it leaves it behind for good. So the programs of this lab:
 *
 *   1. call catch_stop_signals() first: from then on SIGINT (Ctrl-C) and SIGTERM (kill)
 *      only set the flag stop_signal, and the call the program is blocked in (mq_receive,
 *      sem_wait, waitpid, ...) fails with EINTR;
 *   2. register each object right after creating it: remove_at_exit(name, mq_unlink);
 *      an atexit() handler removes it on exit() - after main returns, or die();
 *   3. on EINTR with stop_signal set, call die_of_signal(): it stops and reaps the
 *      children, removes the objects, and ends the process by that same signal, so a
 *      shell sees "killed by SIGTERM" (status 143), not a normal exit. (A signal that
 *      lands just before the blocking call starts is noticed only when that call
 *      returns - the classic weakness of a flag; sigwaitinfo() or signalfd() avoid it,
 *      with a different program structure. Here the worst case is that the wait runs
 *      its course: to its timeout, or until the children end.)
 *   4. at the end of a normal run, unlink the object themselves (visibly, in main) and
 *      then call forget_at_exit(name).
 *
 * Children are made with fork_child() and waited for with wait_child(), so that
 * die_of_signal() knows whom to stop. A child gets the default SIGINT/SIGTERM action back
 * and never removes anything: its parent owns the objects.
 *
 * It lives in common/ and is linked into labs 05, 06 and 07 (COMMON := ipc_cleanup in
 * their Makefiles): the lesson of those labs is the IPC, not this bookkeeping.
 * See also: atexit(3), sigaction(2), signal(7) ("Interruption of system calls").
 */
#ifndef IPC_CLEANUP_H
#define IPC_CLEANUP_H

#include <signal.h>
#include <stdnoreturn.h>
#include <sys/types.h>

/* Room for a name: one '/', up to 200 characters, a "-suffix" and the terminating '\0'.
 * (Linux allows 255 for queues and shared memory, 251 for semaphores.) */
#define IPC_NAME_SIZE 240

/* The stop signal received (SIGINT or SIGTERM), 0 if none. */
extern volatile sig_atomic_t stop_signal;

/* Check a name given with -n: "/" then 1-200 characters, none of them '/'.
 * Returns it, or exits with a usage error. */
const char *check_name(const char *name);

/* This run's name, written into NAME: GIVEN (from -n, checked with check_name) or, if
 * GIVEN is NULL, "/posixlabs-LAB-PID" - unique per run, so two runs never collide. */
void ipc_name(char name[IPC_NAME_SIZE], const char *given, const char *lab);

/* SIGINT and SIGTERM set stop_signal; blocking calls are not restarted (no SA_RESTART). */
void catch_stop_signals(void);

/* Remove NAME with UNLINK (mq_unlink, shm_unlink or sem_unlink) at exit and on a stop
 * signal. Only the process that registered it ever removes it. */
void remove_at_exit(const char *name, int (*unlink)(const char *));

/* The program has removed NAME itself: nothing left to do for it at exit. */
void forget_at_exit(const char *name);

/* fork(); returns what fork() returns (check it for -1). In the child, SIGINT and SIGTERM
 * take their default action again; the parent remembers the child for die_of_signal(). */
pid_t fork_child(void);

/* waitpid() for a child from fork_child() until it ends; returns its status. If a stop
 * signal arrives meanwhile, calls die_of_signal(). Dies if waitpid fails otherwise. */
int wait_child(pid_t pid);

/* After a stop signal: SIGTERM to the children still running, reap them, remove every
 * registered object (one line on stderr for each), then end by the signal received. */
noreturn void die_of_signal(void);

#endif
