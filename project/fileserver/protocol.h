/*
 * protocol.h - the file server's wire protocol, as pure functions: finding a line in a
 * byte stream, parsing a request line, checking a file name, parsing a status line.
 *
 * No I/O happens here: every function looks at bytes it is given and returns what it
 * found. The server, the client and the libFuzzer target (fuzz_request.c) share this
 * module, so the code that faces hostile bytes is the code that the fuzzer hammers.
 * The protocol itself is in PROTOCOL.md.
 */
#ifndef FILESERVER_PROTOCOL_H
#define FILESERVER_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_MAX_LINE 1024 /* bytes in a request or status line, the '\n' included */
#define PROTO_MAX_NAME 255  /* bytes in a file name */

/* Where the first line of buf[0..len) ends. */
enum proto_line {
    LINE_READY,      /* a whole line: *line_len bytes of text, *used bytes to consume */
    LINE_INCOMPLETE, /* no '\n' yet, and still room for one: read more */
    LINE_TOO_LONG,   /* no '\n' within PROTO_MAX_LINE bytes */
};
/* LINE_READY: the text is buf[0..*line_len), without the '\n' and without one '\r' just
 * before it; *used counts the '\n' (and the '\r'), so the next line starts at buf + *used. */
enum proto_line proto_next_line(const char *buf, size_t len, size_t *line_len, size_t *used);

enum req_type { REQ_LIST, REQ_GET, REQ_PUT, REQ_QUIT, REQ_INVALID };

struct request {
    enum req_type type;
    const char *name; /* REQ_GET, REQ_PUT: points into the line, NOT '\0'-terminated */
    size_t name_len;
    uint64_t size;     /* REQ_PUT: the announced body size */
    const char *error; /* REQ_INVALID: the reason, to send as "ERR <error>" */
};

/* Parse one request line (as proto_next_line delimits it). max_size is the upload limit:
 * a larger announced size is REQ_INVALID with error "too large". */
void proto_parse_request(const char *line, size_t len, uint64_t max_size, struct request *req);

/* A valid name: 1-255 bytes, no '/', no NUL, no control character (0x01-0x1f, 0x7f),
 * not starting with '.'. Such a name always means a file directly in the root. */
bool proto_valid_name(const char *name, size_t len);

/* A size: one or more decimal digits and nothing else, fitting in 64 bits. */
bool proto_parse_size(const char *s, size_t len, uint64_t *out);

enum reply_type { REPLY_OK, REPLY_OK_NUMBER, REPLY_ERR, REPLY_BAD };

struct reply {
    enum reply_type type;
    uint64_t number;    /* REPLY_OK_NUMBER */
    const char *reason; /* REPLY_ERR: points into the line, NOT '\0'-terminated */
    size_t reason_len;
};

/* Parse a status line: "OK", "OK <number>", "ERR <reason>"; anything else is REPLY_BAD. */
void proto_parse_reply(const char *line, size_t len, struct reply *r);

#endif
