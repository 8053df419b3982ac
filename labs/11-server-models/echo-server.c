/*
 * echo-server - one echo service, served by any of the classical server models (服务器模型).
 *
 * Usage: echo-server [-m MODEL] [-a ADDR] [-p PORT] [-w WORKERS] [-v]
 *
 * Shows: the same service (send every byte back) behind eight ways of serving clients,
 * one short file each: iterative (循环服务器), fork (多进程并发), thread (多线程并发),
 * prefork (a pool of processes), select, poll and epoll (IO多路复用), and iterative UDP.
 * This file is the whole of main(): options, the table of models, open, serve, close.
 * Observe: the first line is "listening on ADDR:PORT" (IPv6: "[::1]:PORT"). With -v each client is logged with
 * the pid and thread that serve it - compare the models. SIGINT or SIGTERM stops it:
 * every client is closed, every child reaped, every thread finished, exit status 0.
 *     ps -o pid,ppid,stat,nlwp,cmd --ppid <pid>    ls /proc/<pid>/task /proc/<pid>/fd
 * See also: server.h (the core), echo.h (the service), model_*.c, echo-client, echo-load;
 * notes/servers.md.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "die.h"
#include "net.h"
#include "server.h"

/* The models, one file each. Adding one: write model_NAME.c defining
 * `const struct model model_NAME` (the Makefile builds every model_*.c), and add it here:
 * -h, -m and the error messages all read this table. */
extern const struct model model_iterative, model_fork, model_thread, model_prefork,
    model_select, model_poll, model_epoll, model_udp;
static const struct model *const models[] = {
    &model_iterative, &model_fork,  &model_thread, &model_prefork,
    &model_select,    &model_poll,  &model_epoll,  &model_udp,
};
#define NMODELS (sizeof models / sizeof models[0])

#define DEFAULT_PORT 7007 /* the echo service's own port is 7, which needs root */
#define DEFAULT_WORKERS 4

static void usage(void)
{
    printf("usage: echo-server [-m MODEL] [-a ADDR] [-p PORT] [-w WORKERS] [-v]\n"
           "An echo server (every byte a client sends comes back) in the server model\n"
           "MODEL. SIGINT or SIGTERM stops it cleanly.\n"
           "  -m MODEL    how clients are served (default iterative):\n");
    for (size_t i = 0; i < NMODELS; i++)
        printf("     %-9s  %s\n", models[i]->name, models[i]->summary);
    printf("  -a ADDR     the address to listen on, IPv4 or IPv6 (default 127.0.0.1)\n"
           "  -p PORT     the port (default %d; 0: any free port)\n"
           "  -w WORKERS  processes in the prefork pool (default %d)\n"
           "  -v          log every client, with the pid and thread serving it\n"
           "  -h          this help\n",
           DEFAULT_PORT, DEFAULT_WORKERS);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *name = "iterative", *host = "127.0.0.1";
    char port[8];
    snprintf(port, sizeof port, "%d", DEFAULT_PORT);
    long workers = 0;
    int verbose = 0, opt;
    while ((opt = getopt(argc, argv, ":m:a:p:w:vh")) != -1) {
        switch (opt) {
        case 'm':
            name = optarg;
            break;
        case 'a':
            host = optarg;
            break;
        case 'p':
            snprintf(port, sizeof port, "%ld", parse_long(optarg, 0, 65535, "port"));
            break;
        case 'w':
            workers = parse_long(optarg, 1, 64, "number of workers");
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            usage();
            return 0;
        case ':':
            usage_error("option -%c needs an argument", optopt);
        default:
            usage_error("unknown option -%c", optopt);
        }
    }
    if (optind != argc)
        usage_error("no arguments expected");
    const struct model *model = NULL;
    for (size_t i = 0; i < NMODELS; i++)
        if (strcmp(models[i]->name, name) == 0)
            model = models[i];
    if (model == NULL) {
        char known[256] = "";
        for (size_t i = 0; i < NMODELS; i++) {
            strncat(known, " ", sizeof known - strlen(known) - 1);
            strncat(known, models[i]->name, sizeof known - strlen(known) - 1);
        }
        usage_error("unknown model '%s' (models:%s)", name, known);
    }
    if (workers != 0 && model != &model_prefork)
        usage_error("-w is for the prefork model only");

    struct server srv = {.workers = workers ? workers : DEFAULT_WORKERS, .verbose = verbose};
    server_open(&srv, model->socktype, host, port);
    char a[NET_ADDRSTRLEN];
    printf("listening on %s\n", net_local_str(srv.fd, a)); /* with the port -p 0 got */
    printf("model %s: %s\n", model->name, model->summary);

    model->serve(&srv);

    int sig = server_close(&srv);
    printf("stopped by %s\n", sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "?");
    return 0;
}
