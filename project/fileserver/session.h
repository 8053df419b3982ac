/*
 * session.h - one client's session, served by a child of the file server, and the
 * server's log.
 */
#ifndef FILESERVER_SESSION_H
#define FILESERVER_SESSION_H

#include <stdint.h>
#include <stdnoreturn.h>

#include "die.h"
#include "fileops.h"

struct server_config {
    uint64_t max_upload; /* -m: the largest upload accepted, in bytes */
    int idle_seconds;    /* -t: how long a client may let no byte move (a deadline on progress) */
    int plain;           /* -C: read()/write() instead of sendfile()/splice() */
};

/* Serve requests on sock until Q, end of stream, an idle timeout or a broken connection,
 * then close everything and _exit(0). peer is the client's "address:port", for the log. */
noreturn void session_run(const struct server_config *cfg, struct library *lib, int sock,
                          const char *peer);

/* One log line on stderr: "<date> <time> <peer> [<pid>] <message>", written with a
 * single write() so that lines from many processes never mix. */
void log_event(const char *peer, const char *fmt, ...) PL_PRINTF(2, 3);

#endif
