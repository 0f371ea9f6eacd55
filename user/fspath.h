/* user/fspath.h: path normalisation for the POSIX file layer (user/posix_fs.c).
 *
 * Pure and freestanding (only our headers and <stddef.h>), so the same code
 * runs in user programs and in the host unit tests (tests/unit/test_fspath.c).
 * The file service knows only absolute, normalised paths (user/fsclient.h):
 * "/" or "/a/b", no "." or ".." components, no repeated or trailing '/'.
 * Everything a process names relative to its working directory, or with
 * "." and "..", is turned into that form here, in user space: ".." is
 * resolved lexically ("/a/b/.." is "/a" whatever b is), as the service has
 * no symbolic links that would make it mean anything else. */
#ifndef USER_FSPATH_H
#define USER_FSPATH_H

#include <stddef.h>

#include "user/fsclient.h"

/* Resolves path against cwd into out (FSC_PATH_MAX + 1 bytes): an absolute
 * path ignores cwd; a relative one is taken from cwd, which must itself be
 * absolute (it need not be normalised). Empty components and "." are
 * dropped, ".." removes the component before it (".." of "/" is "/").
 *
 * Returns the length of the result (>= 1), or
 *   -EINVAL        path is empty, or path is relative and cwd is not absolute
 *   -ENAMETOOLONG  a component of cwd or path exceeds FSC_NAME_MAX bytes, or
 *                  the result exceeds FSC_PATH_MAX bytes
 * On error out holds "" (never a partial path). */
int fspath_resolve(const char *cwd, const char *path, char out[FSC_PATH_MAX + 1]);

/* The last component of a normalised path ("/a/b" -> "b", "/" -> "/"). */
const char *fspath_base(const char *norm);

#endif
