/*
 * file-client - the file server's client: the classroom's interactive menu, and the same
 * commands for scripts.
 *
 * Usage: file-client [-H host] [-p port] [-C]                    (interactive menu)
 *        file-client [-H host] [-p port] [-C] list
 *        file-client [-H host] [-p port] [-C] get NAME [DEST]    (DEST defaults to ./NAME)
 *        file-client [-H host] [-p port] [-C] put FILE [NAME]    (NAME defaults to FILE's
 *                                                                 base name)
 * Exit status: 0 success, 1 failure (the server's reason on stderr) or interrupted, 2 bad
 * usage.
 *
 * The menu is the classroom's: print the options, read a command, show the result, loop
 * until quit. Each command is one request (commands.c); only a broken connection ends the
 * menu early. From a pipe, the commands are echoed, so that a transcript reads as if typed.
 * Observe: strace -e trace=connect,write,read,splice,rename ./file-client get hello.txt
 * See also: commands.c (the protocol, the progress bar), server.c, PROTOCOL.md.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "die.h"
#include "netio.h"

/* The defaults, written once: the code and the -h text both use these. */
#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "8888"

static void on_signal(int sig)
{
    (void)sig;
    netio_interrupted = 1; /* the transfer loops stop, clean up, and we exit */
}

/* ---- the menu ------------------------------------------------------------------------ */
static void show_menu(void)
{
    printf("============== file server ==============\n"
           "  list          the files on the server\n"
           "  get NAME      download NAME to here\n"
           "  put FILE      upload FILE\n"
           "  quit          leave\n"
           "=========================================\n");
}

/* If line is the command cmd, alone or followed by a space: what follows the space ("" if
 * nothing does); otherwise NULL. Names may contain spaces: the argument is all the rest. */
static const char *command_arg(const char *line, const char *cmd)
{
    size_t n = strlen(cmd);
    if (strncmp(line, cmd, n) != 0 || (line[n] != '\0' && line[n] != ' '))
        return NULL;
    return line[n] == '\0' ? "" : line + n + 1;
}

static int menu(void)
{
    /* task 5 begin: menu */
    int echo = !isatty(STDIN_FILENO); /* typed commands are not echoed from a pipe */
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    show_menu();
    for (;;) {
        printf("command> ");
        fflush(stdout);
        ssize_t n = getline(&line, &cap, stdin);
        if (n == -1) { /* end of input (or Ctrl-C): leave as with quit */
            printf("\n");
            if (!netio_interrupted)
                cmd_quit(1);
            break;
        }
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (echo)
            printf("%s\n", line);
        int res = DONE;
        const char *arg;
        if (strcmp(line, "list") == 0 || strcmp(line, "l") == 0)
            res = cmd_list();
        else if ((arg = command_arg(line, "get")) != NULL)
            res = arg[0] ? cmd_get(arg, NULL) : (printf("usage: get NAME\n"), DONE);
        else if ((arg = command_arg(line, "put")) != NULL)
            res = arg[0] ? cmd_put(arg, NULL) : (printf("usage: put FILE\n"), DONE);
        else if (strcmp(line, "quit") == 0 || strcmp(line, "q") == 0) {
            cmd_quit(0);
            printf("bye\n");
            break;
        } else if (line[0] != '\0') {
            printf("unknown command '%s': type list, get NAME, put FILE or quit\n", line);
            show_menu();
        }
        if (res == BROKEN || netio_interrupted) {
            rc = 1;
            break;
        }
    }
    free(line);
    return rc;
    /* task 5 end */
}

static void usage(void)
{
    printf("usage: file-client [-H host] [-p port] [-C] [list | get NAME [DEST] | put FILE [NAME]]\n"
           "The file server's client. Without a command: an interactive menu (list, get,\n"
           "put, quit). With one: run it and exit (0: done; 1: failed, the reason on stderr).\n"
           "  list             print the names of the files on the server\n"
           "  get NAME [DEST]  download NAME to DEST (default ./NAME; a directory: DEST/NAME;\n"
           "                   -: stdout)\n"
           "  put FILE [NAME]  upload FILE as NAME (default: FILE's base name)\n"
           "  -H host          the server's address (default %s; ::1 for IPv6)\n"
           "  -p port          the server's port (default %s)\n"
           "  -C               copy with read()/write() instead of sendfile()/splice()\n"
           "  -h               this help\n",
           DEFAULT_HOST, DEFAULT_PORT);
}

int main(int argc, char *argv[])
{
    set_progname(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *host = DEFAULT_HOST;
    char port[8] = DEFAULT_PORT;
    int plain = 0, opt;
    while ((opt = getopt(argc, argv, ":H:p:Ch")) != -1) {
        switch (opt) {
        case 'H':
            host = optarg;
            break;
        case 'p':
            snprintf(port, sizeof port, "%ld", parse_long(optarg, 1, 65535, "port"));
            break;
        case 'C':
            plain = 1;
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
    int nargs = argc - optind;
    const char *cmd = nargs > 0 ? argv[optind] : NULL;
    char **args = argv + optind + 1;
    if (cmd != NULL && strcmp(cmd, "list") == 0) {
        if (nargs != 1)
            usage_error("usage: list");
    } else if (cmd != NULL && strcmp(cmd, "get") == 0) {
        if (nargs < 2 || nargs > 3)
            usage_error("usage: get NAME [DEST]");
    } else if (cmd != NULL && strcmp(cmd, "put") == 0) {
        if (nargs < 2 || nargs > 3)
            usage_error("usage: put FILE [NAME]");
    } else if (cmd != NULL) {
        usage_error("unknown command '%s' (list, get or put)", cmd);
    }

    /* SIGPIPE ignored: a server that vanishes gives EPIPE. SIGINT and SIGTERM interrupt a
     * transfer (no SA_RESTART), which then removes its temporary file. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) == -1)
        die("sigaction");
    sa.sa_handler = on_signal;
    if (sigaction(SIGINT, &sa, NULL) == -1 || sigaction(SIGTERM, &sa, NULL) == -1)
        die("sigaction");

    client_open(host, port, plain);
    int rc;
    if (cmd == NULL) {
        printf("connected to %s port %s\n", host, port);
        rc = menu();
    } else {
        if (strcmp(cmd, "list") == 0)
            rc = cmd_list();
        else if (strcmp(cmd, "get") == 0)
            rc = cmd_get(args[0], nargs == 3 ? args[1] : NULL);
        else
            rc = cmd_put(args[0], nargs == 3 ? args[1] : NULL);
        if (rc != BROKEN && !netio_interrupted)
            cmd_quit(1);
        rc = rc == DONE ? 0 : 1;
    }
    client_close();
    return netio_interrupted ? 1 : rc;
}
