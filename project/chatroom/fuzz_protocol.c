/*
 * fuzz_protocol.c - libFuzzer target for protocol.c: every byte string is a datagram, fed
 * to the server's parser and to the client's renderer, and what they produce is checked.
 *
 * Run: make fuzz [FUZZ_SECONDS=60]   (clang -fsanitize=fuzzer,address,undefined); seeds in
 * fuzz/fuzz_protocol/. A crash, a sanitizer report or a broken promise below aborts the
 * run and leaves the input in build/fuzz/project/chatroom/crash-*.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

static int has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct request req;
    switch (parse_request(buf, size, &req)) {
    case REQ_TOO_LONG:
        check(size > CHAT_MAX_DGRAM);
        break;
    case REQ_OK: /* a valid name, and a text safe to show on any terminal */
        check(size <= CHAT_MAX_DGRAM);
        check(strchr("LCQH", req.cmd) != NULL && req.cmd != '\0');
        check(name_is_valid(req.name, strlen(req.name)));
        check(req.text_len == strlen(req.text) && !has_control(req.text, req.text_len));
        check(req.text_len == 0 || req.cmd == 'C');
        /* what the server forwards ("M name text") is no longer than what came in */
        check(2 + strlen(req.name) + 1 + req.text_len <= CHAT_MAX_DGRAM);
        break;
    case REQ_BAD_NAME:
        check(strchr("LCQH", req.cmd) != NULL && req.cmd != '\0');
        break;
    case REQ_UNKNOWN:
        break;
    }

    /* The renderer, into a buffer of exactly the documented size and into a tiny one. */
    char line[CHAT_RENDER_SIZE], tiny[5];
    enum event_kind ev = render_event(buf, size, line, sizeof line);
    size_t n = strnlen(line, sizeof line);
    check(n < sizeof line && !has_control(line, n));
    check(ev == EV_SHOW || ev == EV_ERROR || line[0] == '\0');
    check(render_event(buf, size, tiny, sizeof tiny) == ev);
    check(strnlen(tiny, sizeof tiny) < sizeof tiny);
    return 0;
}
