/* user/posix_fs.h: the POSIX file calls over the file service's client
 * library (user/fsclient.h), and what our own programs need beyond POSIX.
 *
 * The POSIX calls themselves (open, read, write, lseek, pread, pwrite,
 * close, dup, dup2, fcntl, ftruncate, truncate, fsync, fstat, stat, lstat,
 * mkdir, rmdir, unlink, rename, chdir, getcwd, access, isatty;
 * opendir/readdir/closedir in user/posix_dir.c) are defined with picolibc's
 * own prototypes: include <fcntl.h>, <unistd.h>, <sys/stat.h>, <stdio.h>
 * and <dirent.h> as on any POSIX system. They return -1 with errno set.
 * docs/fs-client.md describes them, the descriptor table and the limits.
 *
 * Descriptors 0, 1 and 2 start as the console (the kernel's own read and
 * write) unless the parent redirected them (user/spawnfiles.h); 3 and up
 * are files. Paths are resolved against the working directory here, in the
 * process (user/fspath.h), before the file service sees them. */
#ifndef USER_POSIX_FS_H
#define USER_POSIX_FS_H

#include <stdint.h>

#include "user/fsclient.h"

/* Descriptors 0 .. POSIX_FD_MAX-1: the three standard ones and 33 files. */
#define POSIX_FD_MAX 36

enum posix_fd_kind { POSIX_FD_CLOSED = 0, POSIX_FD_CONSOLE = 1, POSIX_FD_FILE = 2 };

/* What a descriptor refers to, for a spawner that hands it to a child. */
struct posix_fd_info {
    int kind;         /* enum posix_fd_kind */
    int oflags;       /* O_RDONLY / O_WRONLY / O_RDWR, | O_APPEND (as F_GETFL) */
    uint64_t offset;  /* the current file position */
    const char *path; /* absolute path it was opened by (files only) */
};

/* Fills *out for fd; -EBADF if fd is out of range (a closed fd in range
 * reports POSIX_FD_CLOSED). */
int posix_fs_fd_info(int fd, struct posix_fd_info *out);

/* 1 if fd is open on the console (a terminal, for isatty and for stdio's
 * line buffering), else 0. Never touches errno. */
int posix_fs_is_console(int fd);

/* Resolves path against the working directory into out (FSC_PATH_MAX + 1
 * bytes): its length, or -errno (-ENOENT for "", -ENAMETOOLONG). */
int posix_fs_resolve(const char *path, char out[FSC_PATH_MAX + 1]);

/* The working directory: absolute and normalised, "/" at start. */
const char *posix_fs_cwd(void);

/* Sets the working directory without asking the file service whether it
 * exists (chdir does ask): for a child taking its parent's, which may be
 * gone by now, as on any POSIX system. -EINVAL unless abs is absolute. */
int posix_fs_set_cwd(const char *abs);

/* Closes every descriptor (exit and _exit call it, so each file's open
 * reference is dropped at the service). */
void posix_fs_close_all(void);

#endif
