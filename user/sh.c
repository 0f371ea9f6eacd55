/* user/sh.c: the shell.
 *
 * Reads a line, splits it into commands at unquoted `;` and `&` (a command
 * followed by `&` runs in the background), splits each command into words
 * (single and double quotes group, and are removed), expands `$?` (outside
 * single quotes) to the last exit status, and runs it: a builtin, or a
 * program from the ramdisk by spawn + wait. Builtins: echo, exit, wait, help. Each command is expanded only
 * when its turn comes, so `false; echo $?` prints 1.
 *
 * Background jobs print `[pid]` when started and `[pid] done <status>` when
 * reaped, which happens just before the next prompt (or in `wait`).
 * The prompt is `n<node>$ `. Bad input (long lines, unbalanced quotes, too
 * many words) gives an error message and status 2; the shell never exits
 * except by `exit` or end of input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user/ulib.h"

#define LINE_MAX 1024
#define WORDS_MAX 64
#define STATUS_SYNTAX 2
#define STATUS_NOTFOUND 127
#define STATUS_CANTRUN 126

static int last_status;

/* ---- reading a line -------------------------------------------------------- */

/* Reads one line (without its '\n') into buf. Returns its length, -1 at end
 * of input, or -2 if the line was longer than the buffer (the rest of it is
 * read and thrown away). The kernel does the echo and the line editing and
 * normally returns one line per read; bytes after a '\n' are kept for the
 * next call all the same. */
static int read_line(char *buf, int size)
{
    static char chunk[256];
    static long have, next;
    int len = 0, too_long = 0;
    for (;;) {
        if (next == have) {
            long n = sys_read(0, chunk, sizeof chunk);
            if (n == -EINTR)
                continue;
            if (n <= 0)
                return len > 0 ? len : -1;
            have = n;
            next = 0;
        }
        while (next < have) {
            char c = chunk[next++];
            if (c == '\n') {
                buf[len] = 0;
                return too_long ? -2 : len;
            }
            if (c == '\r' || c == 0)
                continue;
            if (len < size - 1)
                buf[len++] = c;
            else
                too_long = 1;
        }
    }
}

/* ---- splitting into commands and words ------------------------------------- */

struct cmd {
    const char *text; /* start of the command in the line */
    int len;
    int background;   /* ended by `&` */
};

/* Splits line at unquoted ';' and '&'. Returns the number of commands, or
 * -1 (with a message) on an unbalanced quote or too many commands. */
static int split_commands(const char *line, struct cmd *cmds, int max)
{
    int n = 0, start = 0;
    char quote = 0;
    for (int i = 0;; i++) {
        char c = line[i];
        if (c && quote) {
            if (c == quote)
                quote = 0;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            continue;
        }
        if (c == ';' || c == '&' || c == 0) {
            if (n == max) {
                fprintf(stderr, "sh: too many commands on one line\n");
                return -1;
            }
            cmds[n].text = line + start;
            cmds[n].len = i - start;
            cmds[n].background = (c == '&');
            n++;
            start = i + 1;
            if (c == 0)
                break;
        }
    }
    if (quote) {
        fprintf(stderr, "sh: unbalanced %c quote\n", quote);
        return -1;
    }
    return n;
}

/* Splits one command into words in store (quotes removed, $? expanded).
 * Returns the number of words, or -1 with a message. */
static int split_words(const char *s, int len, char *store, int store_size, char **words)
{
    int nw = 0, out = 0, i = 0;
    char status_text[16];
    snprintf(status_text, sizeof status_text, "%d", last_status);
    for (;;) {
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= len)
            break;
        if (nw == WORDS_MAX - 1) {
            fprintf(stderr, "sh: too many words (max %d)\n", WORDS_MAX - 1);
            return -1;
        }
        words[nw++] = store + out;
        char quote = 0;
        for (; i < len && (quote || (s[i] != ' ' && s[i] != '\t')); i++) {
            char c = s[i];
            if (quote && c == quote) {
                quote = 0;
                continue;
            }
            if (!quote && (c == '\'' || c == '"')) {
                quote = c;
                continue;
            }
            const char *add = NULL;
            int addlen = 1;
            if (c == '$' && quote != '\'' && i + 1 < len && s[i + 1] == '?') {
                add = status_text;
                addlen = (int)strlen(status_text);
                i++;
            }
            if (out + addlen >= store_size - 1) {
                fprintf(stderr, "sh: command too long\n");
                return -1;
            }
            if (add) {
                memcpy(store + out, add, (size_t)addlen);
                out += addlen;
            } else {
                store[out++] = c;
            }
        }
        store[out++] = 0;
    }
    words[nw] = NULL;
    return nw;
}

/* ---- jobs -------------------------------------------------------------------- */

static void report_done(int pid, int status) { printf("[%d] done %d\n", pid, status); }

/* Reaps every finished background child without blocking. */
static void reap_background(void)
{
    int st, pid;
    while ((pid = sys_wait(-1, &st, WAIT_NOHANG)) > 0)
        report_done(pid, st);
}

/* The `wait` builtin: blocks until every child has been reaped. */
static int wait_all(void)
{
    int st, pid;
    for (;;) {
        pid = sys_wait(-1, &st, 0);
        if (pid == -EINTR)
            continue;
        if (pid <= 0)
            return 0;
        report_done(pid, st);
    }
}

/* ---- running a command ------------------------------------------------------ */

static void help(void)
{
    printf("builtins: echo ARGS, exit [N], wait, help, run -n NODE PROG ARGS\n"
           "syntax:   cmd args [&] [; cmd ...]   quotes '..' \"..\"   $? = last status\n"
           "programs: sh args echo ps kill sleep uptime true false exitcode mem burn memtouch\n"
           "          fault badptr fpu spawnmany failalloc limits bench ping netstat udpecho\n"
           "          rawecho rpcstat echod ipcping calcd calc counterd counter sinkd ipcflood\n"
           "          ipctest disktool storetest\n");
}

/* Runs one command; returns its status. *quit is set by `exit`. */
static int run_command(char **argv, int argc, int background, int *quit)
{
    if (strcmp(argv[0], "exit") == 0) {
        long code = last_status;
        if (argc > 1 && parse_long(argv[1], &code) != 0) {
            fprintf(stderr, "sh: exit: bad number '%s'\n", argv[1]);
            return STATUS_SYNTAX;
        }
        *quit = 1;
        return (int)(code & 0xff);
    }
    if (strcmp(argv[0], "wait") == 0)
        return wait_all();
    if (strcmp(argv[0], "echo") == 0) {
        /* A builtin so that it works even when no process can be created
         * (the test harness brackets every command with echo markers, also
         * while kernel allocation failures are being injected). */
        for (int i = 1; i < argc; i++)
            printf("%s%s", argv[i], i + 1 < argc ? " " : "");
        printf("\n");
        return 0;
    }
    if (strcmp(argv[0], "help") == 0) {
        help();
        return 0;
    }
    /* `run -n NODE prog args`: the same, on another node; its output comes
     * here, and wait/kill/$? work as for a local child. */
    long node = 0;
    if (strcmp(argv[0], "run") == 0) {
        if (argc < 4 || strcmp(argv[1], "-n") != 0 || parse_long(argv[2], &node) != 0 ||
            node < 1) {
            fprintf(stderr, "sh: usage: run -n NODE PROG [ARGS]\n");
            return STATUS_SYNTAX;
        }
        argv += 3;
        argc -= 3;
    }
    fflush(stdout);
    int pid = node ? (int)syscall3(SYS_SPAWN_NODE, node, argv[0], argv) : sys_spawn(argv[0], argv);
    if (pid == -ENOENT) {
        fprintf(stderr, "sh: %s: not found\n", argv[0]);
        return STATUS_NOTFOUND;
    }
    if (pid < 0) {
        fprintf(stderr, "sh: %s: %s\n", argv[0], err_str(pid));
        return STATUS_CANTRUN;
    }
    if (background) {
        printf("[%d]\n", pid);
        return 0;
    }
    int st = 0, rv;
    while ((rv = sys_wait(pid, &st, 0)) == -EINTR)
        ;
    if (rv < 0) {
        fprintf(stderr, "sh: wait %d: %s\n", pid, err_str(rv));
        return STATUS_CANTRUN;
    }
    return st;
}

/* Runs every command of a line in order. Returns 1 if `exit` was run. */
static int run_line(const char *line)
{
    static struct cmd cmds[WORDS_MAX];
    static char store[LINE_MAX + 64 * 16];
    char *words[WORDS_MAX];
    int quit = 0;
    int nc = split_commands(line, cmds, WORDS_MAX);
    if (nc < 0) {
        last_status = STATUS_SYNTAX;
        return 0;
    }
    for (int i = 0; i < nc && !quit; i++) {
        int nw = split_words(cmds[i].text, cmds[i].len, store, sizeof store, words);
        if (nw < 0) {
            last_status = STATUS_SYNTAX;
            continue;
        }
        if (nw == 0) {
            /* `a & ; b` or `;;`: empty commands are skipped, but a lone `&`
             * with nothing before it is an error. */
            if (cmds[i].background) {
                fprintf(stderr, "sh: syntax error near '&'\n");
                last_status = STATUS_SYNTAX;
            }
            continue;
        }
        last_status = run_command(words, nw, cmds[i].background, &quit);
    }
    return quit;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    static char line[LINE_MAX];
    int node = sys_nodeid();
    for (;;) {
        reap_background();
        printf("n%d$ ", node);
        fflush(stdout);
        int n = read_line(line, sizeof line);
        if (n == -1)
            break;
        if (n == -2) {
            fprintf(stderr, "sh: line too long (max %d bytes)\n", LINE_MAX - 1);
            last_status = STATUS_SYNTAX;
            continue;
        }
        if (run_line(line))
            break;
    }
    return last_status;
}
