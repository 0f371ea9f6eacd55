/* user/spawnfiles.c: the hidden file-context argument between a parent and
 * the program it starts (the convention is in user/spawnfiles.h; both
 * halves of it are here and nowhere else). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "user/fsclient.h"
#include "user/posix_fs.h"
#include "user/spawnfiles.h"
#include "user/ulib.h"

#define CTX_SEP '\x1f'
static const char ctx_magic[] = "\x1f"
                                "fsctx";

/* The client library's mount mode before any was inherited: what a child
 * gets anyway, so it need not be handed on. */
static struct fsc_mount default_mount = {0, 1500, 3};

static int redir_flags(int mode)
{
    switch (mode) {
    case SPAWN_READ:
        return O_RDONLY;
    case SPAWN_TRUNC:
        return O_WRONLY | O_CREAT | O_TRUNC;
    case SPAWN_APPEND:
        return O_WRONLY | O_CREAT | O_APPEND;
    default:
        return -1;
    }
}

int spawn_redir_open(const struct spawn_redir *r)
{
    int flags = redir_flags(r->mode);
    if (flags < 0 || !r->path) {
        errno = EINVAL;
        return -1;
    }
    return open(r->path, flags, 0644);
}

/* ---- the parent's side ---------------------------------------------------- */

struct ctx_buf {
    char text[USER_ARG_BYTES];
    size_t len;
    int fields;
};

static int ctx_add(struct ctx_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->text + b->len, sizeof b->text - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof b->text - b->len)
        return -E2BIG;
    b->len += (size_t)n;
    b->fields++;
    return 0;
}

/* Adds descriptor fd's field: sf's redirection of it (opened here first:
 * its errors are the parent's), or the parent's own fd if that is a file.
 * A file to write is handed on for appending ('a'): the parent and its
 * children each have their own position, and appending is what keeps the
 * output of `sh < script > out` in order (a child's lines, then the
 * parent's, then the next child's), as one shared position would. */
static int ctx_add_fd(struct ctx_buf *b, int fd, struct spawn_files *sf)
{
    const struct spawn_redir *r = sf ? &sf->fd[fd] : NULL;
    struct posix_fd_info info;
    unsigned long long off = 0;
    int t = -1, rv;
    char acc;
    if (r && r->path && r->mode != SPAWN_INHERIT) {
        if ((t = spawn_redir_open(r)) < 0) {
            sf->failed = fd;
            return -errno;
        }
        posix_fs_fd_info(t, &info);
        acc = r->mode == SPAWN_READ ? 'r' : 'a'; /* `>` has truncated it just now */
    } else {
        posix_fs_fd_info(fd, &info);
        if (info.kind != POSIX_FD_FILE)
            return 0; /* the console (or closed): the child's default */
        acc = fd == 0 || (info.oflags & O_ACCMODE) == O_RDONLY ? 'r' : 'a';
        off = acc == 'r' ? (unsigned long long)info.offset : 0;
    }
    rv = strchr(info.path, CTX_SEP)
             ? -EINVAL
             : ctx_add(b, "%c%d=%c%llu:%s", CTX_SEP, fd, acc, off, info.path);
    if (t >= 0)
        close(t); /* the child opens it again (info.path is not used after this) */
    return rv;
}

/* A program named by a path ("/bin/ls", "./tool") is read from the file
 * service into memory and spawned from there (sys_spawn_image); a bare
 * name ("ls") is a boot program from the kernel's ramdisk. */
static int spawn_from_fs(const char *path, char *const argv[])
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        int rv = S_ISDIR(st.st_mode) ? -EISDIR : -errno;
        close(fd);
        return rv ? rv : -EACCES;
    }
    if (st.st_size <= 0 || st.st_size > SPAWN_IMAGE_MAX) {
        close(fd);
        return -ENOEXEC;
    }
    char *image = malloc((size_t)st.st_size);
    long got = 0, n = 0;
    while (image && got < st.st_size && (n = read(fd, image + got, (size_t)(st.st_size - got))) > 0)
        got += n;
    close(fd);
    int rv;
    if (!image)
        rv = -ENOMEM;
    else if (got != st.st_size)
        rv = n < 0 ? -errno : -EIO;
    else {
        const char *name = strrchr(path, '/') + 1;
        rv = sys_spawn_image(image, (size_t)got, *name ? name : path, argv);
    }
    free(image);
    return rv;
}

int spawn_with_files(const char *prog, char *const argv[], struct spawn_files *sf)
{
    /* On the stack, not static: only a process that spawns pays for them
     * (the kernel maps a program's .bss whole, in every process). */
    struct ctx_buf b;
    char *args[USER_ARGV_MAX + 2];
    char *const only_prog[2] = {(char *)prog, NULL};
    int rv, node = sf ? sf->node : 0;
    if (sf)
        sf->failed = -1;
    if (!argv)
        argv = only_prog;
    memcpy(b.text, ctx_magic, sizeof ctx_magic);
    b.len = sizeof ctx_magic - 1;
    b.fields = 0;
    /* The order the child applies them in: cwd, then the mount mode (the
     * child's opens use it), then the descriptors. */
    const char *cwd = posix_fs_cwd();
    if (strcmp(cwd, "/") != 0) {
        if (strchr(cwd, CTX_SEP))
            return -EINVAL;
        if ((rv = ctx_add(&b, "%ccwd=%s", CTX_SEP, cwd)) < 0)
            return rv;
    }
    struct fsc_mount m;
    fsc_get_mount(&m);
    if (m.soft != default_mount.soft || m.timeo_ms != default_mount.timeo_ms ||
        m.retrans != default_mount.retrans) {
        rv = ctx_add(&b, "%cmount=%s,%u,%u", CTX_SEP, m.soft ? "soft" : "hard",
                     (unsigned)m.timeo_ms, (unsigned)m.retrans);
        if (rv < 0)
            return rv;
    }
    for (int fd = 0; fd < 3; fd++)
        if ((rv = ctx_add_fd(&b, fd, sf)) < 0)
            return rv;
    char *const *use = argv;
    if (b.fields > 0) {
        int argc = 0;
        while (argv[argc])
            if (++argc + 1 > USER_ARGV_MAX)
                return -E2BIG;
        args[0] = b.text;
        memcpy(&args[1], argv, sizeof argv[0] * (size_t)(argc + 1));
        use = args;
    }
    if (strchr(prog, '/') && !node)
        return spawn_from_fs(prog, use);
    return node ? (int)syscall3(SYS_SPAWN_NODE, node, prog, use) : sys_spawn(prog, use);
}

/* ---- the child's side ------------------------------------------------------ */

static void ctx_bad(const char *prog)
{
    fprintf(stderr, "%s: malformed file context from the parent\n", prog);
    exit(126);
}

/* Opens path onto descriptor fd (acc as in the convention) at offset. */
static void ctx_open_fd(const char *prog, int fd, char acc, unsigned long long off,
                        const char *path)
{
    int flags = acc == 'r' ? O_RDONLY : acc == 'w' ? O_WRONLY : O_WRONLY | O_APPEND;
    int t = open(path, flags);
    if (t >= 0 && t != fd) {
        if (dup2(t, fd) < 0) {
            int e = errno;
            close(t);
            errno = e;
            t = -1;
        } else {
            close(t);
        }
    }
    if (t >= 0 && off > 0 && lseek(fd, (off_t)off, SEEK_SET) < 0)
        t = -1;
    if (t < 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        exit(1);
    }
}

/* Applies one field (NUL-terminated); -1 if malformed. */
static int ctx_field(const char *prog, char *f)
{
    if (strncmp(f, "cwd=", 4) == 0)
        return posix_fs_set_cwd(f + 4) < 0 ? -1 : 0;
    if (strncmp(f, "mount=", 6) == 0) {
        struct fsc_mount m;
        char *p = f + 6, *end;
        if (strncmp(p, "hard,", 5) != 0 && strncmp(p, "soft,", 5) != 0)
            return -1;
        m.soft = p[0] == 's';
        m.timeo_ms = (uint32_t)strtoul(p + 5, &end, 10);
        if (end == p + 5 || *end != ',')
            return -1;
        p = end + 1;
        m.retrans = (uint32_t)strtoul(p, &end, 10);
        if (end == p || *end != 0)
            return -1;
        fsc_set_mount(&m);
        return 0;
    }
    if (f[0] >= '0' && f[0] <= '2' && f[1] == '=' && (f[2] == 'r' || f[2] == 'w' || f[2] == 'a')) {
        char *colon;
        unsigned long long off = strtoull(f + 3, &colon, 10);
        if (colon == f + 3 || *colon != ':' || colon[1] != '/')
            return -1;
        ctx_open_fd(prog, f[0] - '0', f[2], off, colon + 1);
        return 0;
    }
    return -1;
}

void spawn_files_accept(int *argc, char ***argv)
{
    fsc_get_mount(&default_mount);
    if (*argc < 1 || strncmp((*argv)[0], ctx_magic, sizeof ctx_magic - 1) != 0)
        return;
    char *p = (*argv)[0] + sizeof ctx_magic - 1;
    (*argv)++;
    (*argc)--;
    const char *prog = *argc > 0 ? (*argv)[0] : "?";
    if (*p != 0 && *p != CTX_SEP)
        ctx_bad(prog);
    while (*p == CTX_SEP) {
        char *f = p + 1, *end = strchr(f, CTX_SEP);
        if (end)
            *end = 0;
        if (ctx_field(prog, f) < 0)
            ctx_bad(prog);
        if (!end)
            break;
        *end = CTX_SEP;
        p = end;
    }
}
