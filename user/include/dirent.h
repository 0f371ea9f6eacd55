/* user/include/dirent.h: <dirent.h> for our user programs.
 *
 * picolibc ships a <dirent.h> whose <sys/dirent.h> is an #error ("not
 * supported": it leaves directories to the system). user/user.mk puts
 * user/include/ ahead of picolibc's headers, so `#include <dirent.h>` finds
 * this one, and programs written for POSIX build unchanged. The functions
 * are in user/posix_dir.c, over the file service's fsc_readdir.
 *
 * A directory stream returns no "." or ".." entries (POSIX allows that when
 * the file system keeps none); names come in the service's order. */
#ifndef USER_INCLUDE_DIRENT_H
#define USER_INCLUDE_DIRENT_H

#include <sys/types.h>

#define DT_UNKNOWN 0
#define DT_DIR 4
#define DT_REG 8

struct dirent {
    ino_t d_ino;
    unsigned char d_type; /* DT_REG or DT_DIR */
    char d_name[256];     /* NUL-terminated; at most FSC_NAME_MAX bytes used */
};

typedef struct posix_dir DIR; /* opaque: user/posix_dir.c */

DIR *opendir(const char *path);
DIR *fdopendir(int fd);         /* takes over fd (closedir closes it) */
struct dirent *readdir(DIR *d); /* NULL at the end (errno unchanged) or on error */
void rewinddir(DIR *d);
int closedir(DIR *d);
int dirfd(DIR *d);

#endif
