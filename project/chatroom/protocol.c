/*
 * protocol.c - parsing and rendering the chatroom's datagrams (see protocol.h).
 *
 * Every byte that comes from the network is hostile: a datagram may be empty, hold NULs,
 * lack the space the grammar wants, or be 64 KiB long. So nothing here treats a datagram as
 * a C string; lengths are carried along, and text is copied only through sanitize(), which
 * turns every control character into a space. That keeps terminal escape sequences
 * (ESC [ 2 J clears the screen) from travelling from one member's keyboard to the others'
 * terminals.
 */
#include "protocol.h"

#include <string.h>

int name_is_valid(const char *s, size_t len)
{
    if (len == 0 || len > CHAT_MAX_NAME)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

size_t sanitize(char *dst, const char *src, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    dst[len] = '\0';
    return len;
}

enum req_status parse_request(const char *buf, size_t len, struct request *req)
{
    if (len > CHAT_MAX_DGRAM)
        return REQ_TOO_LONG;
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    /* A request is a command letter, one space, and its arguments. */
    if (len < 2 || buf[1] != ' ')
        return REQ_UNKNOWN;
    switch (buf[0]) {
    case 'L':
    case 'C':
    case 'Q':
    case 'H':
        break;
    default:
        return REQ_UNKNOWN;
    }
    req->cmd = buf[0];
    req->text[0] = '\0';
    req->text_len = 0;

    const char *args = buf + 2;
    size_t nargs = len - 2;
    /* L, Q and H take the rest as the name (so "L a b" is the invalid name "a b");
     * C takes the name up to the first space, and the text after it. */
    size_t name_len = nargs;
    if (req->cmd == 'C') {
        const char *space = memchr(args, ' ', nargs);
        if (space != NULL)
            name_len = (size_t)(space - args);
    }
    if (!name_is_valid(args, name_len))
        return REQ_BAD_NAME;
    memcpy(req->name, args, name_len);
    req->name[name_len] = '\0';

    if (req->cmd == 'C' && name_len < nargs) /* "C alice" alone says an empty text */
        req->text_len = sanitize(req->text, args + name_len + 1, nargs - name_len - 1);
    return REQ_OK;
}

/* Append s[0..n), made safe, to line at *pos, never past size - 1; keeps it terminated. */
static void put(char *line, size_t size, size_t *pos, const char *s, size_t n)
{
    if (*pos + 1 >= size)
        return;
    if (n > size - 1 - *pos)
        n = size - 1 - *pos;
    sanitize(line + *pos, s, n);
    *pos += n;
}

enum event_kind render_event(const char *buf, size_t len, char *line, size_t size)
{
    size_t pos = 0;
    if (size == 0)
        return EV_IGNORE;
    line[0] = '\0';
    if (len > CHAT_MAX_DGRAM + 1)
        return EV_IGNORE;
    if (len > 0 && buf[len - 1] == '\n') /* the one newline that ends a server datagram */
        len--;
    if (len == 2 && memcmp(buf, "OK", 2) == 0)
        return EV_OK;
    if (len >= 4 && memcmp(buf, "ERR ", 4) == 0) {
        put(line, size, &pos, buf + 4, len - 4);
        return EV_ERROR;
    }
    if (len < 2 || buf[1] != ' ')
        return EV_IGNORE;
    const char *args = buf + 2;
    size_t nargs = len - 2;
    switch (buf[0]) {
    case 'A': /* A <text> */
        put(line, size, &pos, "admin: ", 7);
        put(line, size, &pos, args, nargs);
        return EV_SHOW;
    case 'J': /* J <name> */
    case 'X': /* X <name> */
        if (!name_is_valid(args, nargs))
            return EV_IGNORE;
        put(line, size, &pos, args, nargs);
        if (buf[0] == 'J')
            put(line, size, &pos, " joined", 7);
        else
            put(line, size, &pos, " left", 5);
        return EV_SHOW;
    case 'M': { /* M <name> <text> */
        const char *space = memchr(args, ' ', nargs);
        size_t name_len = space != NULL ? (size_t)(space - args) : nargs;
        if (!name_is_valid(args, name_len))
            return EV_IGNORE;
        put(line, size, &pos, args, name_len);
        put(line, size, &pos, ": ", 2);
        if (space != NULL)
            put(line, size, &pos, space + 1, nargs - name_len - 1);
        return EV_SHOW;
    }
    default:
        return EV_IGNORE;
    }
}
