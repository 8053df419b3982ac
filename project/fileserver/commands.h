/*
 * commands.h - the client's side of the protocol, one function per request. Each prints
 * its result (stdout) or the reason it failed (stderr), and says what the failure means.
 */
#ifndef FILESERVER_COMMANDS_H
#define FILESERVER_COMMANDS_H

#include "die.h"

/* What a command's result means for the session. */
enum {
    DONE = 0,   /* it worked */
    FAILED = 1, /* it did not, and the connection is still usable (an ERR, a local error) */
    BROKEN = 2, /* the connection is lost or out of step: end the session */
};

/* Connect to the server (or die: exit 1 with the reason). plain: read()/write() copies
 * instead of sendfile()/splice(). */
void client_open(const char *host, const char *port, int plain);
void client_close(void);

int cmd_list(void);
/* Download NAME to DEST (NULL: ./NAME; a directory: DEST/NAME; "-": stdout). */
int cmd_get(const char *name, const char *dest);
/* Upload FILE as NAME (NULL: FILE's base name). */
int cmd_put(const char *file, const char *name);
/* Q; quiet: say nothing if it fails (a goodbye, nothing depends on it). */
int cmd_quit(int quiet);

/* "file-client: <message>" on stderr, after flushing stdout. */
void complain(const char *fmt, ...) PL_PRINTF(1, 2);

#endif
