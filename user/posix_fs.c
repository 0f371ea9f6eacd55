/* user/posix_fs.c: the POSIX file calls (user/posix_fs.h) over the file
 * service's client library (user/fsclient.h).
 *
 * Two tables, as in a Unix kernel but in the process's own memory:
 *   fd_ofd[fd]  which open file description descriptor fd refers to (+1;
 *               0: closed); dup and dup2 make two descriptors share one;
 *   ofds[i]     an open file description: the console, or an open file
 *               (struct fsc_file: inode, flags, offset) with the access
 *               mode, the O_APPEND flag and the path it was opened by.
 * Both are plain data, no pointers, so a migrating process takes its open
 * files along with the rest of its memory; nothing about them lives in the
 * kernel, which knows nothing of files. The file position is in the
 * description, so descriptors made by dup share it, as POSIX says; a child
 * process gets its own copy (user/spawnfiles.c).
 *
 * The tables start out (lazily, on first use) with fds 0, 1, 2 each on its
 * own console description. The kernel's console takes reads on its fd 0 and
 * writes on its fds 1 and 2, whichever of our descriptors they come from. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user/fspath.h"
#include "user/posix_fs.h"
#include "user/ulib.h"

struct pfs_ofd {
    uint8_t kind;        /* enum posix_fd_kind; POSIX_FD_CLOSED: free slot */
    uint8_t refs;        /* descriptors referring to it */
    uint8_t console_out; /* the console: kernel fd for writes (1 or 2) */
    int32_t oflags;      /* O_ACCMODE bits | O_APPEND */
    struct fsc_file f;
    char path[FSC_PATH_MAX + 1];
};

static struct pfs_ofd ofds[POSIX_FD_MAX]; /* never more descriptions than fds */
static uint8_t fd_ofd[POSIX_FD_MAX];      /* ofds index + 1; 0: closed */
static uint8_t fd_cloexec[POSIX_FD_MAX];  /* FD_CLOEXEC (kept for F_GETFD only) */
static char cwd[FSC_PATH_MAX + 1] = "/";
static int ready;

static void pfs_init(void)
{
    for (int i = 0; i < 3; i++) {
        ofds[i].kind = POSIX_FD_CONSOLE;
        ofds[i].refs = 1;
        ofds[i].console_out = i == 2 ? 2 : 1;
        ofds[i].oflags = O_RDWR;
        fd_ofd[i] = (uint8_t)(i + 1);
    }
    ready = 1;
}

/* errno = -rv, return -1: every call's error path. */
static int fail(long rv)
{
    errno = (int)-rv;
    return -1;
}

/* The description behind fd, or NULL (not open, or out of range). */
static struct pfs_ofd *fd_get(int fd)
{
    if (!ready)
        pfs_init();
    if (fd < 0 || fd >= POSIX_FD_MAX || fd_ofd[fd] == 0)
        return NULL;
    return &ofds[fd_ofd[fd] - 1];
}

static int fd_lowest_free(int from)
{
    for (int fd = from < 0 ? 0 : from; fd < POSIX_FD_MAX; fd++)
        if (fd_ofd[fd] == 0)
            return fd;
    return -1;
}

static int ofd_free_slot(void)
{
    for (int i = 0; i < POSIX_FD_MAX; i++)
        if (ofds[i].kind == POSIX_FD_CLOSED)
            return i;
    return -1;
}

static int readable(const struct pfs_ofd *o) { return (o->oflags & O_ACCMODE) != O_WRONLY; }
static int writable(const struct pfs_ofd *o) { return (o->oflags & O_ACCMODE) != O_RDONLY; }

int posix_fs_resolve(const char *path, char out[FSC_PATH_MAX + 1])
{
    if (!path || !path[0]) {
        out[0] = 0;
        return -ENOENT; /* POSIX: an empty path names nothing */
    }
    return fspath_resolve(cwd, path, out);
}

const char *posix_fs_cwd(void) { return cwd; }

int posix_fs_set_cwd(const char *abs)
{
    char norm[FSC_PATH_MAX + 1];
    if (!abs || abs[0] != '/')
        return -EINVAL;
    int rv = fspath_resolve("/", abs, norm);
    if (rv < 0)
        return rv;
    memcpy(cwd, norm, (size_t)rv + 1);
    return 0;
}

int posix_fs_fd_info(int fd, struct posix_fd_info *out)
{
    memset(out, 0, sizeof *out);
    if (fd < 0 || fd >= POSIX_FD_MAX)
        return -EBADF;
    const struct pfs_ofd *o = fd_get(fd);
    if (!o)
        return 0; /* POSIX_FD_CLOSED */
    out->kind = o->kind;
    out->oflags = o->oflags;
    if (o->kind == POSIX_FD_FILE) {
        out->offset = o->f.offset;
        out->path = o->path;
    }
    return 0;
}

int posix_fs_is_console(int fd)
{
    const struct pfs_ofd *o = fd_get(fd);
    return o && o->kind == POSIX_FD_CONSOLE;
}

void posix_fs_close_all(void)
{
    for (int fd = 0; fd < POSIX_FD_MAX; fd++)
        if (fd_get(fd))
            close(fd);
}

/* ---- descriptors ----------------------------------------------------------- */

static uint32_t fsc_flags(int flags)
{
    int acc = flags & O_ACCMODE;
    uint32_t fl = 0;
    if (acc != O_WRONLY)
        fl |= FSC_O_READ;
    if (acc != O_RDONLY)
        fl |= FSC_O_WRITE;
    if (flags & O_CREAT)
        fl |= FSC_O_CREAT;
    if ((flags & O_EXCL) && (flags & O_CREAT))
        fl |= FSC_O_EXCL;
    if ((flags & O_TRUNC) && acc != O_RDONLY)
        fl |= FSC_O_TRUNC;
    if (flags & O_APPEND)
        fl |= FSC_O_APPEND;
    if (flags & O_DIRECTORY)
        fl |= FSC_O_DIRECTORY;
    return fl;
}

int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    if ((flags & O_ACCMODE) == O_ACCMODE)
        return fail(-EINVAL);
    char abs[FSC_PATH_MAX + 1];
    int rv = posix_fs_resolve(path, abs);
    if (rv < 0)
        return fail(rv);
    if (!ready)
        pfs_init();
    int fd = fd_lowest_free(0), slot = ofd_free_slot();
    if (fd < 0 || slot < 0)
        return fail(-EMFILE); /* checked before the service hands out a reference */
    struct pfs_ofd *o = &ofds[slot];
    rv = fsc_open(abs, fsc_flags(flags), (uint16_t)(mode & 07777), &o->f);
    if (rv < 0)
        return fail(rv);
    /* The service checks these too; a description must never be otherwise. */
    if ((o->f.type == FSC_T_DIR && (flags & O_ACCMODE) != O_RDONLY) ||
        (o->f.type != FSC_T_DIR && (flags & O_DIRECTORY))) {
        fsc_close(&o->f);
        return fail(o->f.type == FSC_T_DIR ? -EISDIR : -ENOTDIR);
    }
    o->kind = POSIX_FD_FILE;
    o->refs = 1;
    o->oflags = flags & (O_ACCMODE | O_APPEND);
    o->f.offset = 0;
    memcpy(o->path, abs, strlen(abs) + 1);
    fd_ofd[fd] = (uint8_t)(slot + 1);
    fd_cloexec[fd] = (flags & O_CLOEXEC) ? FD_CLOEXEC : 0;
    return fd;
}

int close(int fd)
{
    struct pfs_ofd *o = fd_get(fd);
    if (!o)
        return fail(-EBADF);
    fd_ofd[fd] = 0;
    fd_cloexec[fd] = 0;
    if (--o->refs > 0)
        return 0;
    int rv = o->kind == POSIX_FD_FILE ? fsc_close(&o->f) : 0;
    o->kind = POSIX_FD_CLOSED;
    return rv < 0 ? fail(rv) : 0; /* the descriptor is closed either way */
}

/* Makes fd `to` refer to the description of `from` (to is free). */
static int fd_share(int from, int to)
{
    struct pfs_ofd *o = fd_get(from);
    o->refs++;
    fd_ofd[to] = fd_ofd[from];
    fd_cloexec[to] = 0;
    return to;
}

int dup(int fd)
{
    if (!fd_get(fd))
        return fail(-EBADF);
    int to = fd_lowest_free(0);
    return to < 0 ? fail(-EMFILE) : fd_share(fd, to);
}

int dup2(int fd, int to)
{
    if (!fd_get(fd) || to < 0 || to >= POSIX_FD_MAX)
        return fail(-EBADF);
    if (fd == to)
        return to;
    if (fd_get(to))
        close(to); /* as POSIX: an error closing it is not reported */
    return fd_share(fd, to);
}

int fcntl(int fd, int cmd, ...)
{
    struct pfs_ofd *o = fd_get(fd);
    if (!o)
        return fail(-EBADF);
    va_list ap;
    va_start(ap, cmd);
    int arg = (cmd == F_GETFD || cmd == F_GETFL) ? 0 : va_arg(ap, int);
    va_end(ap);
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        if (arg < 0 || arg >= POSIX_FD_MAX)
            return fail(-EINVAL);
        int to = fd_lowest_free(arg);
        if (to < 0)
            return fail(-EMFILE);
        fd_share(fd, to);
        fd_cloexec[to] = cmd == F_DUPFD_CLOEXEC ? FD_CLOEXEC : 0;
        return to;
    }
    case F_GETFD:
        return fd_cloexec[fd];
    case F_SETFD:
        fd_cloexec[fd] = (uint8_t)(arg & FD_CLOEXEC);
        return 0;
    case F_GETFL:
        return o->oflags;
    case F_SETFL: /* only O_APPEND can change, as on Linux */
        o->oflags = (o->oflags & ~O_APPEND) | (arg & O_APPEND);
        return 0;
    default:
        return fail(-EINVAL);
    }
}

int isatty(int fd)
{
    const struct pfs_ofd *o = fd_get(fd);
    if (o && o->kind == POSIX_FD_CONSOLE)
        return 1;
    errno = o ? ENOTTY : EBADF;
    return 0;
}

/* ---- data -------------------------------------------------------------------- */

/* The description behind fd, checked for reading (want_write 0) or writing:
 * NULL with errno set if fd is not open (EBADF), a directory (EISDIR), or
 * not open that way (EBADF). */
static struct pfs_ofd *fd_for_io(int fd, int want_write)
{
    struct pfs_ofd *o = fd_get(fd);
    if (o && o->kind == POSIX_FD_FILE && o->f.type == FSC_T_DIR) {
        errno = EISDIR;
        return NULL;
    }
    if (!o || !(want_write ? writable(o) : readable(o))) {
        errno = EBADF;
        return NULL;
    }
    return o;
}

ssize_t read(int fd, void *buf, size_t len)
{
    struct pfs_ofd *o = fd_for_io(fd, 0);
    if (!o)
        return -1;
    if (o->kind == POSIX_FD_CONSOLE) {
        long n = sys_read(0, buf, len);
        return n < 0 ? fail(n) : n;
    }
    if (len == 0)
        return 0;
    long n = fsc_pread(&o->f, buf, len, o->f.offset);
    if (n < 0)
        return fail(n);
    o->f.offset += (uint64_t)n;
    return n;
}

ssize_t write(int fd, const void *buf, size_t len)
{
    struct pfs_ofd *o = fd_for_io(fd, 1);
    if (!o)
        return -1;
    if (o->kind == POSIX_FD_CONSOLE) {
        long n = sys_write(o->console_out, buf, len);
        return n < 0 ? fail(n) : n;
    }
    if (len == 0)
        return 0;
    long n;
    if (o->oflags & O_APPEND) {
        uint64_t at = 0;
        n = fsc_append(&o->f, buf, len, &at);
        if (n >= 0)
            o->f.offset = at + (uint64_t)n;
    } else {
        if (o->f.offset + len > (uint64_t)INT64_MAX)
            return fail(-EFBIG);
        n = fsc_pwrite(&o->f, buf, len, o->f.offset);
        if (n >= 0)
            o->f.offset += (uint64_t)n;
    }
    return n < 0 ? fail(n) : n;
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
    struct pfs_ofd *o = fd_for_io(fd, 0);
    if (!o)
        return -1;
    if (o->kind == POSIX_FD_CONSOLE)
        return fail(-ESPIPE);
    if (off < 0)
        return fail(-EINVAL);
    if (len == 0)
        return 0;
    long n = fsc_pread(&o->f, buf, len, (uint64_t)off);
    return n < 0 ? fail(n) : n;
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
    struct pfs_ofd *o = fd_for_io(fd, 1);
    if (!o)
        return -1;
    if (o->kind == POSIX_FD_CONSOLE)
        return fail(-ESPIPE);
    if (off < 0)
        return fail(-EINVAL);
    if ((uint64_t)off + len > (uint64_t)INT64_MAX)
        return fail(-EFBIG);
    if (len == 0)
        return 0;
    long n = fsc_pwrite(&o->f, buf, len, (uint64_t)off);
    return n < 0 ? fail(n) : n;
}

off_t lseek(int fd, off_t off, int whence)
{
    struct pfs_ofd *o = fd_get(fd);
    if (!o)
        return fail(-EBADF);
    if (o->kind == POSIX_FD_CONSOLE)
        return fail(-ESPIPE);
    int64_t base;
    switch (whence) {
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = (int64_t)o->f.offset;
        break;
    case SEEK_END: {
        struct fsc_stat st;
        int rv = fsc_fstat(&o->f, &st);
        if (rv < 0)
            return fail(rv);
        base = (int64_t)st.size;
        break;
    }
    default:
        return fail(-EINVAL);
    }
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
        return fail(off > 0 ? -EOVERFLOW : -EINVAL);
    o->f.offset = (uint64_t)(base + off);
    return (off_t)o->f.offset;
}

int ftruncate(int fd, off_t len)
{
    struct pfs_ofd *o = fd_get(fd);
    if (!o)
        return fail(-EBADF);
    if (o->kind != POSIX_FD_FILE || !writable(o) || len < 0)
        return fail(-EINVAL);
    int rv = fsc_ftruncate(&o->f, (uint64_t)len);
    return rv < 0 ? fail(rv) : 0;
}

int fsync(int fd)
{
    struct pfs_ofd *o = fd_get(fd);
    if (!o)
        return fail(-EBADF);
    if (o->kind != POSIX_FD_FILE)
        return 0; /* the console keeps nothing back */
    int rv = fsc_fsync(&o->f);
    return rv < 0 ? fail(rv) : 0;
}

int fdatasync(int fd) { return fsync(fd); }

/* ---- metadata --------------------------------------------------------------- */

static void stat_from(const struct fsc_stat *s, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_ino = (ino_t)s->ino;
    st->st_mode = (mode_t)((s->type == FSC_T_DIR ? S_IFDIR : S_IFREG) | (s->mode & 07777));
    st->st_nlink = (nlink_t)s->nlink;
    st->st_size = (off_t)s->size;
    st->st_blksize = 4096;
    st->st_blocks = (blkcnt_t)((s->size + 511) / 512);
    st->st_mtim.tv_sec = (time_t)(s->mtime_ns / 1000000000ULL);
    st->st_mtim.tv_nsec = (long)(s->mtime_ns % 1000000000ULL);
    st->st_ctim.tv_sec = (time_t)(s->ctime_ns / 1000000000ULL);
    st->st_ctim.tv_nsec = (long)(s->ctime_ns % 1000000000ULL);
    st->st_atim = st->st_mtim; /* the service keeps no access times */
}

int fstat(int fd, struct stat *st)
{
    struct pfs_ofd *o = fd_get(fd);
    if (!o)
        return fail(-EBADF);
    if (o->kind == POSIX_FD_CONSOLE) {
        memset(st, 0, sizeof *st);
        st->st_mode = S_IFCHR | 0620;
        st->st_nlink = 1;
        st->st_blksize = 256;
        return 0;
    }
    struct fsc_stat s;
    int rv = fsc_fstat(&o->f, &s);
    if (rv < 0)
        return fail(rv);
    stat_from(&s, st);
    return 0;
}

int stat(const char *path, struct stat *st)
{
    char abs[FSC_PATH_MAX + 1];
    struct fsc_stat s;
    int rv = posix_fs_resolve(path, abs);
    if (rv >= 0)
        rv = fsc_stat(abs, &s);
    if (rv < 0)
        return fail(rv);
    stat_from(&s, st);
    return 0;
}

/* The service has no symbolic links: lstat is stat. */
int lstat(const char *path, struct stat *st) { return stat(path, st); }

/* Resolves path, then calls op on it: the shape of every path-only call. */
static int path_call(const char *path, int (*op)(const char *abs))
{
    char abs[FSC_PATH_MAX + 1];
    int rv = posix_fs_resolve(path, abs);
    if (rv >= 0)
        rv = op(abs);
    return rv < 0 ? fail(rv) : 0;
}

int rmdir(const char *path) { return path_call(path, fsc_rmdir); }
int unlink(const char *path) { return path_call(path, fsc_unlink); }

int mkdir(const char *path, mode_t mode)
{
    char abs[FSC_PATH_MAX + 1];
    int rv = posix_fs_resolve(path, abs);
    if (rv >= 0)
        rv = fsc_mkdir(abs, (uint16_t)(mode & 07777));
    return rv < 0 ? fail(rv) : 0;
}

int truncate(const char *path, off_t len)
{
    char abs[FSC_PATH_MAX + 1];
    if (len < 0)
        return fail(-EINVAL);
    int rv = posix_fs_resolve(path, abs);
    if (rv >= 0)
        rv = fsc_truncate(abs, (uint64_t)len);
    return rv < 0 ? fail(rv) : 0;
}

int rename(const char *from, const char *to)
{
    char a[FSC_PATH_MAX + 1], b[FSC_PATH_MAX + 1];
    int na = posix_fs_resolve(from, a), rv = na;
    if (rv >= 0)
        rv = posix_fs_resolve(to, b);
    if (rv < 0)
        return fail(rv);
    /* A directory cannot move inside itself (POSIX: EINVAL). */
    if (strncmp(a, b, (size_t)na) == 0 && b[na] == '/' && strcmp(a, "/") != 0)
        return fail(-EINVAL);
    rv = fsc_rename(a, b);
    return rv < 0 ? fail(rv) : 0;
}

int access(const char *path, int mode)
{
    /* No users or permissions yet: a file that exists may be used. */
    if (mode & ~(R_OK | W_OK | X_OK))
        return fail(-EINVAL);
    char abs[FSC_PATH_MAX + 1];
    struct fsc_stat s;
    int rv = posix_fs_resolve(path, abs);
    if (rv >= 0)
        rv = fsc_stat(abs, &s);
    return rv < 0 ? fail(rv) : 0;
}

/* ---- the working directory ---------------------------------------------------- */

int chdir(const char *path)
{
    char abs[FSC_PATH_MAX + 1];
    struct fsc_stat s;
    int rv = posix_fs_resolve(path, abs);
    if (rv >= 0)
        rv = fsc_stat(abs, &s);
    if (rv >= 0 && s.type != FSC_T_DIR)
        rv = -ENOTDIR;
    if (rv < 0)
        return fail(rv);
    memcpy(cwd, abs, strlen(abs) + 1);
    return 0;
}

/* As glibc: a NULL buf gets a malloc'd copy (size bytes, or just enough). */
char *getcwd(char *buf, size_t size)
{
    size_t need = strlen(cwd) + 1;
    if (!buf) {
        if (size == 0)
            size = need;
        if (size < need || !(buf = malloc(size))) {
            errno = size < need ? ERANGE : ENOMEM;
            return NULL;
        }
    } else if (size == 0) {
        errno = EINVAL;
        return NULL;
    } else if (size < need) {
        errno = ERANGE;
        return NULL;
    }
    memcpy(buf, cwd, need);
    return buf;
}
