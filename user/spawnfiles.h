/* user/spawnfiles.h: starting a program with a file context: the working
 * directory, the mount mode (fsc_set_mount) and the standard descriptors
 * 0, 1, 2, each either the console or a file.
 *
 * The kernel knows nothing of files: spawn takes a path and argv, nothing
 * else. So the parent puts its file context in one hidden argument ahead of
 * argv[0], and the child's start-up code (ulib_start, user/syscalls.c) takes
 * it out before main runs; main sees exactly the argv the parent gave.
 *
 *   argv[0] = "\x1f" "fsctx" { "\x1f" FIELD }
 *   FIELD   = "cwd=" PATH                     the working directory
 *           | "mount=" ("hard"|"soft") "," TIMEO_MS "," RETRANS
 *           | FD "=" ACC OFFSET ":" PATH       FD 0..2 opened on PATH
 *   ACC     = "r" (O_RDONLY) | "w" (O_WRONLY) | "a" (O_WRONLY|O_APPEND)
 *
 * e.g. "\x1f" "fsctx\x1f" "cwd=/home\x1f" "1=a0:/home/out". PATHs are absolute
 * and normalised; \x1f (ASCII unit separator) cannot occur in them. The
 * argument is left out altogether when there is nothing to hand on (cwd "/",
 * the default mount, every standard descriptor the console), so a program
 * started from "/" gets the argv it always did. It takes one of the
 * kernel's USER_ARGV_MAX argument slots when present.
 *
 * The parent opens each file first, so a missing file or directory is its
 * error and the program never starts; a '>' file is truncated there, once.
 * The child opens it again by path (so it holds its own open reference at
 * the service) and starts at OFFSET. A descriptor the parent does not
 * redirect is handed on as it is: the console, or the parent's own file.
 * Positions cannot be shared between processes, so a file to write is
 * always handed on for appending ("a"): a parent and the children it waits
 * for then write one after the other, as with the one shared position of
 * POSIX; a file to read, at the parent's current position ("r"), from
 * where the child reads on its own. docs/fs-client.md. */
#ifndef USER_SPAWNFILES_H
#define USER_SPAWNFILES_H

enum spawn_mode {
    SPAWN_INHERIT = 0, /* as the parent's own descriptor */
    SPAWN_READ,        /* `< path`: O_RDONLY */
    SPAWN_TRUNC,       /* `> path`: O_WRONLY | O_CREAT | O_TRUNC */
    SPAWN_APPEND,      /* `>> path`: O_WRONLY | O_CREAT | O_APPEND */
};

struct spawn_redir {
    const char *path; /* as the user wrote it (relative to our cwd); NULL: inherit */
    int mode;         /* enum spawn_mode */
};

struct spawn_files {
    struct spawn_redir fd[3]; /* for descriptors 0, 1, 2 */
    int node;                 /* 0: this node; K: node K (SYS_SPAWN_NODE) */
    int failed;               /* out: the descriptor whose file could not be
                                 opened, or -1 */
};

/* Starts prog with argv (NULL-terminated; NULL means {prog, NULL}) and the
 * file context above: our cwd and mount mode, and sf's redirections (sf
 * NULL: none, this node). Returns the child's pid or -errno: sf->failed
 * says whether it was a redirection's file (then nothing was started) or
 * the spawn itself (-1). -E2BIG when the hidden argument does not fit. */
int spawn_with_files(const char *prog, char *const argv[], struct spawn_files *sf);

/* Opens r->path as a redirection with r->mode would (mode 0644 when
 * created): the new descriptor, or -1 with errno. For a shell's builtins,
 * which redirect the shell's own descriptors. */
int spawn_redir_open(const struct spawn_redir *r);

/* The child's side, called by ulib_start before main: takes the hidden
 * argument out of argc and argv and applies it. A file that can no longer be
 * opened ends the program with a message and status 1; a malformed
 * argument with status 126. */
void spawn_files_accept(int *argc, char ***argv);

#endif
