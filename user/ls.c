/* user/ls.c: ls [-l] [-a] [PATH...]: lists each directory's entries (or
 * names each file), sorted by name; "." when no PATH is given. Files named
 * on the command line come first, then each directory, headed `DIR:` when
 * there are several. -a shows names starting with '.'; -l prints, per
 * entry, its type and permission bits, link count, size and name:
 *
 *   drwxr-xr-x  2        3 docs
 *   -rw-r--r--  1     1234 notes.txt
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int opt_long, opt_all, status;

static void fail(const char *path)
{
    fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
    status = 1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void print_entry(const char *name, const struct stat *st)
{
    if (!opt_long) {
        printf("%s\n", name);
        return;
    }
    static const char rwx[] = "rwxrwxrwx";
    char mode[11];
    mode[0] = S_ISDIR(st->st_mode) ? 'd' : '-';
    for (int i = 0; i < 9; i++)
        mode[i + 1] = (st->st_mode & (0400 >> i)) ? rwx[i] : '-';
    mode[10] = 0;
    printf("%s %2lu %8lld %s\n", mode, (unsigned long)st->st_nlink, (long long)st->st_size, name);
}

/* A growable list of malloc'd names. */
struct names {
    char **v;
    size_t n, cap;
};

static int names_add(struct names *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

static void names_free(struct names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    *l = (struct names){0};
}

static void list_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fail(dir);
        return;
    }
    struct names l = {0};
    struct dirent *e;
    for (;;) {
        errno = 0;
        if (!(e = readdir(d)))
            break;
        if (!opt_all && e->d_name[0] == '.')
            continue;
        if (names_add(&l, e->d_name) < 0) {
            errno = ENOMEM;
            break;
        }
    }
    if (errno)
        fail(dir);
    closedir(d);
    qsort(l.v, l.n, sizeof l.v[0], by_name);
    for (size_t i = 0; i < l.n; i++) {
        struct stat st = {0};
        if (opt_long) {
            char path[512];
            snprintf(path, sizeof path, "%s/%s", dir, l.v[i]);
            if (stat(path, &st) < 0) {
                fail(path);
                continue;
            }
        }
        print_entry(l.v[i], &st);
    }
    names_free(&l);
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        for (const char *o = argv[i] + 1; *o; o++) {
            if (*o == 'l') {
                opt_long = 1;
            } else if (*o == 'a') {
                opt_all = 1;
            } else {
                fprintf(stderr, "ls: unknown option -%c\nusage: ls [-l] [-a] [PATH...]\n", *o);
                return 1;
            }
        }
    }
    char *dot[] = {".", NULL};
    char **paths = i < argc ? argv + i : dot;
    int n = i < argc ? argc - i : 1;
    struct names files = {0}, dirs = {0};
    for (int k = 0; k < n; k++) {
        struct stat st;
        if (stat(paths[k], &st) < 0) {
            fail(paths[k]);
            continue;
        }
        if (names_add(S_ISDIR(st.st_mode) ? &dirs : &files, paths[k]) < 0) {
            fprintf(stderr, "ls: out of memory\n");
            return 1;
        }
    }
    qsort(files.v, files.n, sizeof files.v[0], by_name);
    qsort(dirs.v, dirs.n, sizeof dirs.v[0], by_name);
    for (size_t k = 0; k < files.n; k++) {
        struct stat st = {0};
        if (opt_long && stat(files.v[k], &st) < 0) {
            fail(files.v[k]);
            continue;
        }
        print_entry(files.v[k], &st);
    }
    for (size_t k = 0; k < dirs.n; k++) {
        if (n > 1)
            printf("%s%s:\n", k > 0 || files.n > 0 ? "\n" : "", dirs.v[k]);
        list_dir(dirs.v[k]);
    }
    names_free(&files);
    names_free(&dirs);
    return status;
}
