/* user/include/sys/stat.h: picolibc's <sys/stat.h>, plus lstat, which
 * picolibc declares only for a few systems. Ours is stat (the file service
 * has no symbolic links: user/posix_fs.c). user/user.mk puts user/include/
 * ahead of picolibc's headers. */
#ifndef USER_INCLUDE_SYS_STAT_H
#define USER_INCLUDE_SYS_STAT_H

#include_next <sys/stat.h>

int lstat(const char *__restrict path, struct stat *__restrict st);

#endif
