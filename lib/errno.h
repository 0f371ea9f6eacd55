/* lib/errno.h: the one list of error codes shared by the kernel, services and
 * user space. System calls return 0 or a positive value on success and the
 * negative of one of these on failure.
 *
 * The values are the ones picolibc (newlib) uses, so user space can hand a
 * kernel error straight to errno/strerror without a translation table.
 * Freestanding: include nothing else. */
#ifndef LIB_ERRNO_H
#define LIB_ERRNO_H

#define EPERM 1         /* operation not permitted */
#define ENOENT 2        /* no such file or program */
#define ESRCH 3         /* no such process */
#define EINTR 4         /* interrupted */
#define EIO 5           /* device I/O error */
#define E2BIG 7         /* argument list too long */
#define ENOEXEC 8       /* not a valid executable */
#define EBADF 9         /* bad file descriptor */
#define ECHILD 10       /* no child to wait for */
#define EAGAIN 11       /* try again (queue full, nothing ready) */
#define ENOMEM 12       /* out of memory or over a memory limit */
#define EACCES 13       /* permission denied */
#define EFAULT 14       /* bad user address */
#define EBUSY 16        /* resource busy */
#define EEXIST 17       /* already exists */
#define ENODEV 19       /* no such device */
#define ENOTDIR 20      /* not a directory */
#define EISDIR 21       /* is a directory */
#define EINVAL 22       /* invalid argument */
#define EMFILE 24       /* too many open objects */
#define EFBIG 27        /* file too large */
#define ENOSPC 28       /* no space left */
#define ESPIPE 29       /* illegal seek */
#define ERANGE 34       /* result out of range */
#define EREMOTE 66      /* not here: ask another node (naming: not the leader) */
#define EPROTO 71       /* protocol error */
#define EBADMSG 77      /* malformed message */
#define ENOSYS 88       /* no such system call */
#define ENOTEMPTY 90    /* directory not empty */
#define ENAMETOOLONG 91 /* name too long */
#define ELOOP 92        /* too many hops (a pid's redirects went round) */
#define ECONNRESET 104  /* connection reset (peer restarted) */
#define ENOBUFS 105     /* no buffer space */
#define ECONNREFUSED 111
#define ETIMEDOUT 116 /* timed out */
#define EHOSTDOWN 117 /* peer node is down */
#define EHOSTUNREACH 118
#define EALREADY 120  /* already done (a process is on that node already) */
#define EMSGSIZE 122  /* message too long */
#define ESTALE 133    /* state no longer known (naming: session or history gone) */
#define ENOTSUP 134   /* not supported */
#define EOVERFLOW 139 /* value too large */
#define ECANCELED 140
#define ERESTART 512 /* kernel only: restart the system call (never seen by a program) */

#endif
