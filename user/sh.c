/* user/sh.c: the shell.
 *
 * Reads a line, splits it into commands at unquoted `;` and `&` (a command
 * followed by `&` runs in the background), splits each command into words
 * (single and double quotes group, and are removed), expands `$?` (outside
 * single quotes) to the last exit status, and runs it: a builtin, or a
 * program from the ramdisk by spawn + wait. Builtins: echo, exit, wait,
 * help, cd, pwd. Each command is expanded only when its turn comes, so
 * `false; echo $?` prints 1.
 *
 * Redirections: unquoted `< file`, `> file` and `>> file` (spaces around
 * them optional, in any order and number: the last one for a descriptor
 * wins, as in sh) give the command's stdin or stdout a file. A program gets
 * them, with the working directory and the mount mode, through
 * spawn_with_files (user/spawnfiles.h); a builtin by the shell pointing its
 * own descriptors at the file while it runs. A file that cannot be opened
 * is reported as `sh: FILE: reason`, status 1, and the command is not run.
 *
 * `run -n NODE PROG ARGS` starts the program on another node; `run -n any
 * [-s SPEC] PROG ARGS`, or `run [-s SPEC] PROG ARGS`, lets the global
 * scheduler choose the node (user/schedclient.h, docs/sched.md): a request
 * no node can take yet waits, saying why. (A node booted with run=here
 * runs `run PROG` here instead.)
 *
 * Background jobs print `[pid]` when started and `[pid] done <status>` when
 * reaped, which happens just before the next prompt (or in `wait`).
 * The prompt is `n<node>$ `. Bad input (long lines, unbalanced quotes, too
 * many words) gives an error message and status 2; the shell never exits
 * except by `exit` or end of input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "services/sched/schedwire.h"
#include "services/sched/spectext.h"
#include "services/sched/view.h"
#include "user/fsclient.h"
#include "user/schedclient.h"
#include "user/spawnfiles.h"
#include "user/ulib.h"

#define LINE_MAX 1024
#define WORDS_MAX 64
#define STATUS_SYNTAX 2
#define STATUS_NOTFOUND 127
#define STATUS_CANTRUN 126
#define REDIRS_MAX 8

static int last_status;

/* ---- reading a line -------------------------------------------------------- */

/* Reads one line (without its '\n') into buf. Returns its length, -1 at end
 * of input, or -2 if the line was longer than the buffer (the rest of it is
 * read and thrown away). On the console the kernel does the echo and the
 * line editing and normally returns one line per read; bytes after a '\n'
 * are kept for the next call all the same (and from a file, `sh < script`,
 * a read returns many lines). */
static int read_line(char *buf, int size)
{
    static char chunk[256];
    static long have, next;
    int len = 0, too_long = 0;
    for (;;) {
        if (next == have) {
            long n = read(0, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
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
    int background; /* ended by `&` */
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

/* What split_words found: a word, or a redirection operator. */
enum word_kind { W_WORD, W_IN, W_OUT, W_APPEND };

/* Splits one command into words in store (quotes removed, $? expanded);
 * an unquoted `<`, `>` or `>>` is a word of its own, of that kind in kinds.
 * Returns the number of words, or -1 with a message. */
static int split_words(const char *s, int len, char *store, int store_size, char **words,
                       int *kinds)
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
        if (s[i] == '<' || s[i] == '>') {
            int kind = s[i] == '<' ? W_IN : W_OUT, oplen = 1;
            if (kind == W_OUT && i + 1 < len && s[i + 1] == '>')
                kind = W_APPEND, oplen = 2;
            if (out + oplen >= store_size - 1) {
                fprintf(stderr, "sh: command too long\n");
                return -1;
            }
            kinds[nw] = kind;
            words[nw++] = store + out;
            memcpy(store + out, s + i, (size_t)oplen);
            out += oplen;
            store[out++] = 0;
            i += oplen;
            continue;
        }
        kinds[nw] = W_WORD;
        words[nw++] = store + out;
        char quote = 0;
        for (; i < len && (quote || (s[i] != ' ' && s[i] != '\t' && s[i] != '<' && s[i] != '>'));
             i++) {
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

/* ---- redirections ------------------------------------------------------------ */

struct redir {
    int fd;               /* 0 or 1 */
    struct spawn_redir r; /* path (in the word store) and SPAWN_* mode */
};

/* Takes the redirections out of words (operator + file name), in order,
 * into rd; *nw becomes the number of words left. Returns how many were
 * found, or -1 with a message (an operator with no file name after it). */
static int take_redirs(char **words, const int *kinds, int *nw, struct redir *rd)
{
    int n = 0, out = 0;
    for (int i = 0; i < *nw; i++) {
        if (kinds[i] == W_WORD) {
            words[out++] = words[i];
            continue;
        }
        if (i + 1 >= *nw || kinds[i + 1] != W_WORD) {
            fprintf(stderr, "sh: syntax error near '%s'\n", i + 1 < *nw ? words[i + 1] : "newline");
            return -1;
        }
        if (n == REDIRS_MAX) {
            fprintf(stderr, "sh: too many redirections (max %d)\n", REDIRS_MAX);
            return -1;
        }
        rd[n].fd = kinds[i] == W_IN ? 0 : 1;
        rd[n].r.mode = kinds[i] == W_IN    ? SPAWN_READ
                       : kinds[i] == W_OUT ? SPAWN_TRUNC
                                           : SPAWN_APPEND;
        rd[n].r.path = words[++i];
        n++;
    }
    words[out] = NULL;
    *nw = out;
    return n;
}

/* Opens (creating, truncating) and closes one redirection's file, for
 * `> a > b cmd` (a is created as in sh) and a command of redirections only.
 * 0, or 1 with a message. */
static int touch_redir(const struct redir *r)
{
    int t = spawn_redir_open(&r->r);
    if (t < 0) {
        fprintf(stderr, "sh: %s: %s\n", r->r.path, strerror(errno));
        return 1;
    }
    close(t);
    return 0;
}

/* 1 if a later redirection in rd[0..nr) is for the same descriptor. */
static int overridden(const struct redir *rd, int nr, int i)
{
    for (int j = i + 1; j < nr; j++)
        if (rd[j].fd == rd[i].fd)
            return 1;
    return 0;
}

/* Restores the shell's descriptors after a builtin: saved[fd] is the copy
 * of what fd was (-1: untouched, -2: it was closed). */
static void restore_self(int saved[3])
{
    fflush(stdout);
    fflush(stderr);
    for (int fd = 0; fd < 3; fd++) {
        if (saved[fd] == -1)
            continue;
        if (saved[fd] == -2) {
            close(fd);
        } else {
            dup2(saved[fd], fd);
            close(saved[fd]);
        }
        saved[fd] = -1;
    }
}

/* Points the shell's own descriptors at rd's files for a builtin. 0, or 1
 * with a message and everything put back. */
static int redirect_self(const struct redir *rd, int nr, int saved[3])
{
    fflush(stdout);
    fflush(stderr);
    saved[0] = saved[1] = saved[2] = -1;
    for (int i = 0; i < nr; i++) {
        int fd = rd[i].fd;
        int t = spawn_redir_open(&rd[i].r);
        if (t < 0) {
            fprintf(stderr, "sh: %s: %s\n", rd[i].r.path, strerror(errno));
            restore_self(saved);
            return 1;
        }
        if (saved[fd] == -1) {
            saved[fd] = dup(fd);
            if (saved[fd] < 0 && errno != EBADF) {
                fprintf(stderr, "sh: %s: %s\n", rd[i].r.path, strerror(errno));
                saved[fd] = -1;
                close(t);
                restore_self(saved);
                return 1;
            }
            if (saved[fd] < 0)
                saved[fd] = -2; /* it was closed: close it again after */
        }
        dup2(t, fd);
        close(t);
    }
    return 0;
}

/* ---- running a command ------------------------------------------------------ */

static void help(void)
{
    printf("builtins: echo ARGS, exit [N], wait, help, cd [DIR], pwd,\n"
           "          run [-n NODE|any] [-s SPEC] PROG ARGS (any: the scheduler chooses)\n"
           "syntax:   cmd args [&] [; cmd ...]   quotes '..' \"..\"   $? = last status\n"
           "          cmd < in > out   cmd >> out   (files, relative to the working directory)\n"
           "programs: sh args echo ps kill sleep uptime true false exitcode mem burn memtouch\n"
           "          fault badptr fpu spawnmany failalloc limits bench ping netstat udpecho\n"
           "          rawecho rpcstat echod ipcping calcd calc counterd counter sinkd ipcflood\n"
           "          ipctest disktool storetest ns nodes tell date\n"
           "files:    ls cat cp mv rm mkdir rmdir touch stat wc head df mount\n");
}

static int is_builtin(const char *name)
{
    static const char *const names[] = {"exit", "wait", "echo", "help", "cd", "pwd"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* Runs a builtin; returns its status. *quit is set by `exit`. */
static int run_builtin(char **argv, int argc, int *quit)
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
    if (strcmp(argv[0], "cd") == 0) {
        /* No HOME: a bare `cd` goes to "/". */
        const char *dir = argc > 1 ? argv[1] : "/";
        if (argc > 2) {
            fprintf(stderr, "sh: cd: too many arguments\n");
            return 1;
        }
        if (chdir(dir) < 0) {
            fprintf(stderr, "sh: cd: %s: %s\n", dir, strerror(errno));
            return 1;
        }
        return 0;
    }
    if (strcmp(argv[0], "pwd") == 0) {
        char buf[FSC_PATH_MAX + 1];
        if (!getcwd(buf, sizeof buf)) {
            fprintf(stderr, "sh: pwd: %s\n", strerror(errno));
            return 1;
        }
        printf("%s\n", buf);
        return 0;
    }
    help();
    return 0;
}

static void say_run(const char *line) { printf("run: %s\n", line); }

/* `run PROG` without -n: the scheduler chooses, unless the node booted
 * with run=here (then here, as a plain command). */
static int run_default_any(void)
{
    static int any = -1;
    if (any < 0) {
        char v[16];
        any = !(sys_bootarg("run", v, sizeof v) > 0 && strcmp(v, "here") == 0);
    }
    return any;
}

/* Runs a program (here, or with `run -n NODE` on another node) with the
 * redirections rd; returns its status, or 0 at once if in the background. */
static int run_program(char **argv, int argc, const struct redir *rd, int nr, int background)
{
    /* `run -n NODE prog args`: the same, on another node; its output comes
     * here, and wait/kill/$? work as for a local child. `run -n any` (or no
     * -n): on the node the scheduler chooses for SPEC. */
    long node = 0;
    uint64_t req_id = 0;
    static struct sched_spec spec; /* `run -n any`: what it asked for */
    if (strcmp(argv[0], "run") == 0) {
        const char *spec_text = 0;
        int any = run_default_any(), i = 1;
        for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
            if (strcmp(argv[i], "-n") == 0 && strcmp(argv[i + 1], "any") == 0)
                any = 1;
            else if (strcmp(argv[i], "-n") == 0 && parse_long(argv[i + 1], &node) == 0 && node >= 1)
                any = 0;
            else if (strcmp(argv[i], "-s") == 0)
                spec_text = argv[i + 1];
            else
                break;
        }
        if (i >= argc || argv[i][0] == '-') {
            fprintf(stderr, "sh: usage: run [-n NODE|any] [-s SPEC] PROG [ARGS]\n");
            return STATUS_SYNTAX;
        }
        argv += i;
        argc -= i;
        if (any) {
            if (spec_text ? sched_spec_parse(spec_text, &spec) : (sched_spec_default(&spec), 0)) {
                fprintf(stderr, "sh: run: bad spec %s\n", spec_text);
                return STATUS_SYNTAX;
            }
            /* A request that asks to be restarted carries its command line:
             * the scheduler starts it again when its node is lost. */
            static struct sched_cmd cmd;
            if (spec.restart && sched_cmd_from_argv(&cmd, argc, argv) != 0) {
                fprintf(stderr, "sh: run: a restartable command must fit %d bytes\n",
                        SCHED_CMD_MAX);
                return STATUS_SYNTAX;
            }
            int chosen = 0;
            int rv = sched_choose(&spec, &cmd, &req_id, &chosen, say_run);
            if (rv) {
                fprintf(stderr, "sh: run: the scheduler: %s\n", err_str(rv));
                return STATUS_CANTRUN;
            }
            node = chosen;
        }
    }
    struct spawn_files sf = {.node = (int)node};
    for (int i = 0; i < nr; i++) {
        if (!overridden(rd, nr, i))
            sf.fd[rd[i].fd] = rd[i].r;
        else if (touch_redir(&rd[i]))
            return 1;
    }
    fflush(stdout);
    int pid = spawn_with_files(argv[0], argv, &sf);
    if (req_id)
        sched_started(req_id, pid, (int)node, &spec);
    if (pid < 0 && sf.failed >= 0) {
        fprintf(stderr, "sh: %s: %s\n", sf.fd[sf.failed].path, err_str(pid));
        return 1;
    }
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

/* Runs one command with its redirections; returns its status. */
static int run_command(char **argv, int argc, const struct redir *rd, int nr, int background,
                       int *quit)
{
    if (!is_builtin(argv[0]))
        return run_program(argv, argc, rd, nr, background);
    int saved[3];
    if (nr > 0 && redirect_self(rd, nr, saved))
        return 1;
    int st = run_builtin(argv, argc, quit);
    if (nr > 0)
        restore_self(saved);
    return st;
}

/* Runs every command of a line in order. Returns 1 if `exit` was run. */
static int run_line(const char *line)
{
    static struct cmd cmds[WORDS_MAX];
    static char store[LINE_MAX + 64 * 16];
    char *words[WORDS_MAX];
    int kinds[WORDS_MAX];
    struct redir rd[REDIRS_MAX];
    int quit = 0;
    int nc = split_commands(line, cmds, WORDS_MAX);
    if (nc < 0) {
        last_status = STATUS_SYNTAX;
        return 0;
    }
    for (int i = 0; i < nc && !quit; i++) {
        int nw = split_words(cmds[i].text, cmds[i].len, store, sizeof store, words, kinds);
        int nr = nw < 0 ? -1 : take_redirs(words, kinds, &nw, rd);
        if (nr < 0) {
            last_status = STATUS_SYNTAX;
            continue;
        }
        if (nw == 0 && nr > 0) {
            /* `> file` alone creates (or empties) the file, as in sh. */
            last_status = 0;
            for (int r = 0; r < nr && last_status == 0; r++)
                last_status = touch_redir(&rd[r]);
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
        last_status = run_command(words, nw, rd, nr, cmds[i].background, &quit);
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
        if (isatty(0)) { /* no prompts for a script: `sh < file` */
            printf("n%d$ ", node);
            fflush(stdout);
        }
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
