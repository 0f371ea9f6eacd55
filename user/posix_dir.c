/* user/posix_dir.c: opendir, readdir and closedir (user/include/dirent.h)
 * over fsc_readdir, which pages through a directory by name: each call
 * returns the entries after the last name of the page before. A stream
 * holds its directory open (a descriptor, so dirfd works and a directory
 * that is removed meanwhile stays valid at the service) and one page of
 * entries. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user/fsclient.h"
#include "user/posix_fs.h"

#define DIR_PAGE 16 /* entries asked for at a time */

_Static_assert(FSC_NAME_MAX < sizeof(((struct dirent *)0)->d_name), "d_name too small");

struct posix_dir {
    int fd;
    int pos, count; /* next entry of page[0..count) */
    int more;       /* fsc_readdir said more follow the page */
    int started;    /* a page has been asked for */
    char path[FSC_PATH_MAX + 1];
    char after[FSC_NAME_MAX + 1];
    struct fsc_dirent page[DIR_PAGE];
    struct dirent ent;
};

DIR *fdopendir(int fd)
{
    struct posix_fd_info info;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return NULL;
    if (!S_ISDIR(st.st_mode) || posix_fs_fd_info(fd, &info) < 0 || !info.path) {
        errno = ENOTDIR;
        return NULL;
    }
    DIR *d = calloc(1, sizeof *d);
    if (!d) {
        errno = ENOMEM;
        return NULL;
    }
    d->fd = fd;
    memcpy(d->path, info.path, strlen(info.path) + 1);
    return d;
}

DIR *opendir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return d;
}

struct dirent *readdir(DIR *d)
{
    if (d->pos == d->count) {
        if (d->started && !d->more)
            return NULL;
        int more = 0;
        int n = fsc_readdir(d->path, d->started ? d->after : "", d->page, DIR_PAGE, &more);
        if (n < 0) {
            errno = -n;
            return NULL;
        }
        d->started = 1;
        d->more = more && n > 0;
        d->pos = 0;
        d->count = n;
        if (n == 0)
            return NULL;
        memcpy(d->after, d->page[n - 1].name, sizeof d->after);
        d->after[FSC_NAME_MAX] = 0;
    }
    const struct fsc_dirent *e = &d->page[d->pos++];
    d->ent.d_ino = (ino_t)e->ino;
    d->ent.d_type = e->type == FSC_T_DIR ? DT_DIR : e->type == FSC_T_FILE ? DT_REG : DT_UNKNOWN;
    size_t len = strnlen(e->name, FSC_NAME_MAX);
    memcpy(d->ent.d_name, e->name, len);
    d->ent.d_name[len] = 0;
    return &d->ent;
}

void rewinddir(DIR *d)
{
    d->pos = d->count = d->more = d->started = 0;
    d->after[0] = 0;
}

int dirfd(DIR *d) { return d->fd; }

int closedir(DIR *d)
{
    int rv = close(d->fd);
    free(d);
    return rv;
}
