/*
 * connection.h - one client's connection, from its first request to its close: read a
 * request head, answer it, and again while the connection is persistent (keep-alive).
 * Each connection thread of http-server.c runs serve_connection() and nothing else.
 */
#ifndef HTTP_CONNECTION_H
#define HTTP_CONNECTION_H

struct site {
    int rootfd;    /* the document root, an open directory */
    int idle_secs; /* close a connection idle this long (and a request head this slow) */
    int quiet;     /* no log line per request */
};

/* Serve the connected socket sock until the client closes it, it stays idle for
 * site->idle_secs, a reply asks for the close, or an error ends it. peer ("IP:PORT") is
 * for the log. Does not close sock (the caller does). Returns the requests answered. */
long serve_connection(int sock, const char *peer, const struct site *site);

#endif
