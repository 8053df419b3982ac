/*
 * protocol.h - the chatroom's datagrams, parsed and checked, with no I/O at all.
 *
 * Both sides use this module: the server parses what members send (parse_request), the
 * client turns what the server sends into lines for the user (render_event). Neither
 * function reads or writes anything, so the libFuzzer target (fuzz_protocol.c) can feed
 * them every byte string it likes. PROTOCOL.md describes the datagrams.
 */
#ifndef CHAT_PROTOCOL_H
#define CHAT_PROTOCOL_H

#include <stddef.h>

#define CHAT_MAX_DGRAM 1024 /* the longest datagram either side may send, in bytes */
#define CHAT_MAX_NAME 32    /* the longest name, in bytes */
#define CHAT_RENDER_SIZE (CHAT_MAX_DGRAM + 16) /* enough for any rendered line */

/* What parse_request found in a datagram. */
enum req_status {
    REQ_OK,       /* a request: cmd, name and (for C) text are filled in */
    REQ_TOO_LONG, /* longer than CHAT_MAX_DGRAM bytes: "ERR message too long" */
    REQ_UNKNOWN,  /* not "<L|C|Q|H> <arguments>": "ERR unknown command" */
    REQ_BAD_NAME, /* the right shape, but not a valid name; cmd is filled in */
};

struct request {
    char cmd;                       /* 'L' join, 'C' say, 'Q' leave, 'H' heartbeat */
    char name[CHAT_MAX_NAME + 1];   /* a valid name, NUL-terminated */
    char text[CHAT_MAX_DGRAM + 1];  /* C only: with every control character made a space */
    size_t text_len;                /* strlen(text) (the text holds no NUL any more) */
};

/* Parse one datagram of len bytes (any bytes at all, not NUL-terminated). A single trailing
 * newline is stripped; the length limit is checked before that. */
enum req_status parse_request(const char *buf, size_t len, struct request *req);

/* 1 if s[0..len) is a valid name: 1 to CHAT_MAX_NAME bytes of [A-Za-z0-9_-]. */
int name_is_valid(const char *s, size_t len);

/* Copy len bytes from src to dst, replacing every control character (0x00-0x1f, 0x7f) by a
 * space, and add a NUL: dst must have room for len + 1 bytes. Returns len. */
size_t sanitize(char *dst, const char *src, size_t len);

/* What render_event made of a datagram from the server. */
enum event_kind {
    EV_SHOW,   /* line is for the user: "alice joined", "alice: hi", "admin: ..." */
    EV_OK,     /* "OK": the answer to L or Q; nothing to show */
    EV_ERROR,  /* "ERR <reason>": line is the reason */
    EV_IGNORE, /* not a datagram the server sends: drop it */
};

/* Render a datagram from the server into line (size bytes, at least CHAT_RENDER_SIZE),
 * NUL-terminated and free of control characters whatever the datagram held. The newline
 * that ends every server datagram is stripped (one; a datagram without it is taken too).
 * A server datagram is at most CHAT_MAX_DGRAM bytes plus that newline. */
enum event_kind render_event(const char *buf, size_t len, char *line, size_t size);

#endif
