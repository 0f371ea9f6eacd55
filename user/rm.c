/* user/rm.c: rm [-r] [-f] PATH...: removes each file; with -r, each
 * directory and everything under it (children first); -f ignores paths
 * that do not exist. As coreutils, rm refuses to remove "/" and any path
 * whose last component is "." or "..". */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int opt_recursive, opt_force;

static int fail(const char *path)
{
    fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
    return 1;
}

static int rm_path(const char *path);

/* Removes everything in directory dir, then dir. The names are read first
 * (the service pages by name, so removing while reading would be fine too,
 * but a listing taken first is easier to reason about). */
static int rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return fail(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int status = 0;
    struct dirent *e;
    for (;;) {
        errno = 0;
        if (!(e = readdir(d)))
            break;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                errno = ENOMEM;
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name))) {
            errno = ENOMEM;
            break;
        }
        n++;
    }
    if (errno)
        status = fail(dir);
    closedir(d);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *child = malloc(len);
        if (!child) {
            errno = ENOMEM;
            status = fail(dir);
        } else {
            snprintf(child, len, "%s/%s", dir, names[i]);
            status |= rm_path(child);
            free(child);
        }
        free(names[i]);
    }
    free(names);
    if (status == 0 && rmdir(dir) < 0)
        status = fail(dir);
    return status;
}

static int rm_path(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) {
        if (opt_force && errno == ENOENT)
            return 0;
        return fail(path);
    }
    if (S_ISDIR(st.st_mode)) {
        if (!opt_recursive) {
            errno = EISDIR;
            return fail(path);
        }
        return rm_tree(path);
    }
    return unlink(path) < 0 ? fail(path) : 0;
}

/* "/", ".", "..", "a/." and "a/.." (with or without trailing '/'). */
static int refused(const char *path)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && path[start - 1] != '/')
        start--;
    const char *last = path + start;
    size_t n = len - start;
    if (len == 1 && path[0] == '/') {
        fprintf(stderr, "rm: refusing to remove '/'\n");
        return 1;
    }
    if ((n == 1 && last[0] == '.') || (n == 2 && last[0] == '.' && last[1] == '.')) {
        fprintf(stderr, "rm: refusing to remove '.' or '..' directory: skipping '%s'\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1, status = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        for (const char *o = argv[i] + 1; *o; o++) {
            if (*o == 'r' || *o == 'R') {
                opt_recursive = 1;
            } else if (*o == 'f') {
                opt_force = 1;
            } else {
                fprintf(stderr, "rm: unknown option -%c\nusage: rm [-r] [-f] PATH...\n", *o);
                return 1;
            }
        }
    }
    if (i >= argc && !opt_force) {
        fprintf(stderr, "usage: rm [-r] [-f] PATH...\n");
        return 1;
    }
    for (; i < argc; i++)
        status |= refused(argv[i]) ? 1 : rm_path(argv[i]);
    return status;
}
