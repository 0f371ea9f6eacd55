/* user/fstest.c: the file service from inside a node, through the POSIX
 * calls (tests/fs/cluster.py drives it on every node of a cluster).
 *
 *   fstest write PATH SIZE SEED [IO]   write SIZE bytes of pattern SEED in IO-byte calls
 *   fstest check PATH SIZE SEED [IO]   read them back: exact bytes, then end of file
 *   fstest sparse PATH                 a write far past the end: zeros before it
 *   fstest trunc PATH                  truncation down and up: zeros, never old bytes
 *   fstest append PATH TAG N           N records "TAG i" with O_APPEND, one write each
 *   fstest records PATH TAGS N         every TAG's N records, once each, in order per tag
 *   fstest errors [DIR]                every call's error cases, a table of named tests
 *   fstest many DIR N                  N files in one directory; readdir lists each once
 *   fstest pwrite PATH OFF LEN SEED    pattern SEED at OFF..OFF+LEN (64 KiB calls, aligned)
 *   fstest blocks PATH OFF LEN SEEDS   every 64 KiB block of OFF..OFF+LEN is wholly one
 *                                      of the comma-separated SEEDS' pattern (no mix)
 *   fstest put PATH VALUE              replace PATH's content with VALUE atomically (a
 *                                      temporary file renamed over it); prints "ok"
 *   fstest get PATH                    PATH's content, or "absent"
 *   fstest unlinked PATH SIZE SEED S   open PATH, unlink it, wait S seconds, then read it
 *                                      all through the open descriptor and check it
 *   fstest random DIR SEED N           N random operations (open, write, pwrite, read,
 *                                      ftruncate, close, rename, unlink) on a few files,
 *                                      every read compared with an in-memory model
 *
 * The pattern makes every byte depend on its offset and the seed, so a
 * misplaced, stale or torn chunk shows as a mismatch at a precise offset.
 * Exit status 0 when everything checked out, 1 otherwise. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "user/ulib.h"

#define IO_MAX 65536

static unsigned char io[IO_MAX];

static unsigned char pattern(unsigned long long off, unsigned long seed)
{
    unsigned long long x = (off + 1) * 0x9e3779b97f4a7c15ULL ^ (seed * 0xbf58476d1ce4e5b9ULL);
    x ^= x >> 29;
    return (unsigned char)(x ^ (x >> 8));
}

static int num(const char *s, long *out)
{
    if (parse_long(s, out) || *out < 0) {
        fprintf(stderr, "fstest: bad number %s\n", s);
        return -1;
    }
    return 0;
}

static int cmd_write(const char *path, long size, long seed, long iosz)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        printf("fstest: open %s: %s\n", path, strerror(errno));
        return 1;
    }
    for (long at = 0; at < size;) {
        long n = size - at < iosz ? size - at : iosz;
        for (long i = 0; i < n; i++)
            io[i] = pattern((unsigned long long)(at + i), (unsigned long)seed);
        long w = write(fd, io, (size_t)n);
        if (w != n) {
            printf("fstest: write at %ld: %s\n", at, w < 0 ? strerror(errno) : "short");
            close(fd);
            return 1;
        }
        at += n;
    }
    if (close(fd)) {
        printf("fstest: close: %s\n", strerror(errno));
        return 1;
    }
    printf("fstest: wrote %ld bytes\n", size);
    return 0;
}

static int cmd_check(const char *path, long size, long seed, long iosz)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("fstest: open %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct stat st;
    if (fstat(fd, &st) || st.st_size != size) {
        printf("fstest: size %ld, expected %ld\n", (long)st.st_size, size);
        close(fd);
        return 1;
    }
    long at = 0;
    for (;;) {
        long r = read(fd, io, (size_t)iosz);
        if (r < 0) {
            printf("fstest: read at %ld: %s\n", at, strerror(errno));
            close(fd);
            return 1;
        }
        if (r == 0)
            break;
        for (long i = 0; i < r; i++) {
            if (io[i] != pattern((unsigned long long)(at + i), (unsigned long)seed)) {
                printf("fstest: MISMATCH at offset %ld: %02x, expected %02x\n", at + i, io[i],
                       pattern((unsigned long long)(at + i), (unsigned long)seed));
                close(fd);
                return 1;
            }
        }
        at += r;
    }
    close(fd);
    if (at != size) {
        printf("fstest: end of file at %ld, expected %ld\n", at, size);
        return 1;
    }
    printf("fstest: ok %ld bytes\n", size);
    return 0;
}

/* ---- the table of named tests ------------------------------------------ */

static char base[128];
static int failures;

#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("  line %d: ", __LINE__);                                                       \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)
#define EXPECT_ERR(call, err)                                                                      \
    EXPECT((call) == -1 && errno == (err), "%s: want %s, got %s", #call, strerror(err),            \
           errno ? strerror(errno) : "success")

static const char *at(const char *name)
{
    static char p[4][300];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", base, name);
    return p[k];
}

static int put_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    long n = write(fd, text, strlen(text));
    close(fd);
    return n == (long)strlen(text) ? 0 : -1;
}

static long get_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = read(fd, buf, cap - 1);
    close(fd);
    if (n >= 0)
        buf[n] = 0;
    return n;
}

static int t_open_missing(void)
{
    EXPECT_ERR(open(at("nope"), O_RDONLY), ENOENT);
    EXPECT_ERR(open(at("nodir/x"), O_RDONLY | O_CREAT, 0644), ENOENT);
    return 0;
}

static int t_create_excl(void)
{
    int fd = open(at("excl"), O_WRONLY | O_CREAT | O_EXCL, 0644);
    EXPECT(fd >= 0, "first create: %s", strerror(errno));
    close(fd);
    EXPECT_ERR(open(at("excl"), O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
    return 0;
}

static int t_trunc_on_open(void)
{
    EXPECT(put_file(at("tr"), "hello world") == 0, "write");
    int fd = open(at("tr"), O_WRONLY | O_TRUNC);
    EXPECT(fd >= 0, "open O_TRUNC: %s", strerror(errno));
    close(fd);
    struct stat st;
    EXPECT(stat(at("tr"), &st) == 0 && st.st_size == 0, "size after O_TRUNC %ld", (long)st.st_size);
    return 0;
}

static int t_access_modes(void)
{
    EXPECT(put_file(at("am"), "abc") == 0, "write");
    int fd = open(at("am"), O_RDONLY);
    EXPECT(fd >= 0, "open");
    EXPECT_ERR(write(fd, "x", 1), EBADF);
    close(fd);
    fd = open(at("am"), O_WRONLY);
    char c;
    EXPECT_ERR(read(fd, &c, 1), EBADF);
    close(fd);
    EXPECT_ERR(close(fd), EBADF);
    EXPECT_ERR(read(99, &c, 1), EBADF);
    return 0;
}

static int t_dirs(void)
{
    EXPECT(mkdir(at("d"), 0755) == 0, "mkdir: %s", strerror(errno));
    EXPECT_ERR(mkdir(at("d"), 0755), EEXIST);
    EXPECT(put_file(at("d/f"), "x") == 0, "file in d");
    EXPECT_ERR(rmdir(at("d")), ENOTEMPTY);
    EXPECT_ERR(rmdir(at("d/f")), ENOTDIR);
    EXPECT_ERR(unlink(at("d")), EISDIR);
    EXPECT_ERR(mkdir(at("d/f/g"), 0755), ENOTDIR);
    EXPECT_ERR(open(at("d"), O_WRONLY), EISDIR);
    EXPECT(unlink(at("d/f")) == 0, "unlink");
    EXPECT(rmdir(at("d")) == 0, "rmdir: %s", strerror(errno));
    EXPECT_ERR(rmdir(at("d")), ENOENT);
    return 0;
}

static int t_names(void)
{
    char longname[80];
    memset(longname, 'n', 65);
    longname[65] = 0;
    EXPECT_ERR(open(at(longname), O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
    char longpath[400];
    int n = snprintf(longpath, sizeof longpath, "%s", base);
    while (n < 300)
        n += snprintf(longpath + n, sizeof longpath - (size_t)n, "/abcdefghij");
    EXPECT_ERR(open(longpath, O_RDONLY), ENAMETOOLONG);
    return 0;
}

static int t_deep_paths(void)
{
    char p[260];
    int n = snprintf(p, sizeof p, "%s/deep", base);
    EXPECT(mkdir(p, 0755) == 0, "mkdir %s: %s", p, strerror(errno));
    for (int i = 0; i < 20; i++) {
        n += snprintf(p + n, sizeof p - (size_t)n, "/%d", i);
        EXPECT(mkdir(p, 0755) == 0, "mkdir %s: %s", p, strerror(errno));
    }
    n += snprintf(p + n, sizeof p - (size_t)n, "/leaf");
    EXPECT(put_file(p, "deep") == 0, "leaf: %s", strerror(errno));
    char buf[16];
    EXPECT(get_file(p, buf, sizeof buf) == 4 && !strcmp(buf, "deep"), "read leaf");
    return 0;
}

static int t_rename(void)
{
    EXPECT(put_file(at("ra"), "AAA") == 0 && put_file(at("rb"), "BB") == 0, "files");
    EXPECT(rename(at("ra"), at("rb")) == 0, "rename over: %s", strerror(errno));
    char buf[16];
    EXPECT(get_file(at("rb"), buf, sizeof buf) == 3 && !strcmp(buf, "AAA"), "content %s", buf);
    EXPECT_ERR(open(at("ra"), O_RDONLY), ENOENT);
    EXPECT(mkdir(at("r1"), 0755) == 0 && mkdir(at("r2"), 0755) == 0, "dirs");
    EXPECT(rename(at("rb"), at("r2/moved")) == 0, "across directories: %s", strerror(errno));
    EXPECT(get_file(at("r2/moved"), buf, sizeof buf) == 3, "moved file");
    EXPECT_ERR(rename(at("r1"), at("r1/sub")), EINVAL);
    EXPECT_ERR(rename(at("r1"), at("r2")), ENOTEMPTY);
    EXPECT_ERR(rename(at("nope"), at("r1/x")), ENOENT);
    return 0;
}

static int t_unlink_open(void)
{
    EXPECT(put_file(at("uo"), "still here") == 0, "write");
    int fd = open(at("uo"), O_RDONLY);
    EXPECT(fd >= 0, "open");
    EXPECT(unlink(at("uo")) == 0, "unlink: %s", strerror(errno));
    struct stat st;
    EXPECT_ERR(stat(at("uo"), &st), ENOENT);
    char buf[32];
    long n = read(fd, buf, sizeof buf - 1);
    EXPECT(n == 10, "read after unlink: %ld (%s)", n, n < 0 ? strerror(errno) : "");
    EXPECT(fstat(fd, &st) == 0 && st.st_nlink == 0, "fstat after unlink: nlink %d",
           (int)st.st_nlink);
    close(fd);
    return 0;
}

static int t_seek_pread(void)
{
    int fd = open(at("sp"), O_RDWR | O_CREAT | O_TRUNC, 0644);
    EXPECT(fd >= 0, "open");
    EXPECT(write(fd, "0123456789", 10) == 10, "write");
    EXPECT(lseek(fd, 2, SEEK_SET) == 2, "seek set");
    char c[4] = {0};
    EXPECT(read(fd, c, 3) == 3 && !memcmp(c, "234", 3), "read after seek");
    EXPECT(lseek(fd, -1, SEEK_END) == 9, "seek end");
    EXPECT_ERR(lseek(fd, -20, SEEK_CUR), EINVAL);
    EXPECT(pwrite(fd, "AB", 2, 4) == 2, "pwrite");
    EXPECT(pread(fd, c, 4, 3) == 4 && !memcmp(c, "3AB6", 4), "pread %.4s", c);
    EXPECT(ftruncate(fd, 5) == 0, "ftruncate");
    struct stat st;
    EXPECT(fstat(fd, &st) == 0 && st.st_size == 5, "size %ld", (long)st.st_size);
    EXPECT(fsync(fd) == 0, "fsync");
    close(fd);
    return 0;
}

static int t_cwd(void)
{
    char buf[300];
    EXPECT(mkdir(at("cw"), 0755) == 0, "mkdir");
    EXPECT(chdir(at("cw")) == 0, "chdir: %s", strerror(errno));
    EXPECT(getcwd(buf, sizeof buf) && !strcmp(buf, at("cw")), "getcwd %s", buf);
    EXPECT(put_file("rel", "r") == 0, "relative create");
    EXPECT(get_file(at("cw/rel"), buf, sizeof buf) == 1, "found by absolute path");
    EXPECT(chdir("..") == 0 && getcwd(buf, sizeof buf) && !strcmp(buf, base), "chdir ..");
    EXPECT_ERR(chdir(at("nope")), ENOENT);
    return 0;
}

static int t_readdir(void)
{
    EXPECT(mkdir(at("rd"), 0755) == 0, "mkdir");
    EXPECT(put_file(at("rd/b"), "") == 0 && put_file(at("rd/a"), "") == 0, "files");
    EXPECT(mkdir(at("rd/c"), 0755) == 0, "subdir");
    DIR *d = opendir(at("rd"));
    EXPECT(d, "opendir: %s", strerror(errno));
    const char *want[] = {"a", "b", "c"};
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        EXPECT(n < 3 && !strcmp(e->d_name, want[n]), "entry %d is %s", n, e->d_name);
        n++;
    }
    closedir(d);
    EXPECT(n == 3, "%d entries", n);
    return 0;
}

struct named_test {
    const char *name;
    int (*fn)(void);
};

static const struct named_test tests[] = {
    {"open_missing", t_open_missing},
    {"create_excl", t_create_excl},
    {"trunc_on_open", t_trunc_on_open},
    {"access_modes", t_access_modes},
    {"dirs", t_dirs},
    {"names", t_names},
    {"deep_paths", t_deep_paths},
    {"rename", t_rename},
    {"unlink_open", t_unlink_open},
    {"seek_pread", t_seek_pread},
    {"cwd", t_cwd},
    {"readdir", t_readdir},
};

static int cmd_errors(const char *dir)
{
    snprintf(base, sizeof base, "%s", dir);
    if (mkdir(base, 0755) && errno != EEXIST) {
        printf("fstest: mkdir %s: %s\n", base, strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        errno = 0;
        int rv = tests[i].fn();
        printf("%s %s\n", rv ? "FAIL" : "PASS", tests[i].name);
        failures += rv != 0;
        chdir("/");
    }
    printf("fstest: %d failed\n", failures);
    return failures ? 1 : 0;
}

static int cmd_sparse(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || pwrite(fd, "end", 3, 1 << 20) != 3) {
        printf("fstest: sparse write: %s\n", strerror(errno));
        return 1;
    }
    long n = pread(fd, io, IO_MAX, (1 << 20) - 100);
    int bad = n != 103 || memcmp(io + 100, "end", 3);
    for (int i = 0; i < 100 && !bad; i++)
        bad = io[i] != 0;
    n = pread(fd, io, IO_MAX, 0);
    for (long i = 0; i < n && !bad; i++)
        bad = io[i] != 0;
    close(fd);
    printf("fstest: sparse %s\n", bad ? "MISMATCH" : "ok");
    return bad;
}

static int cmd_trunc(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return 1;
    memset(io, 'x', IO_MAX);
    int bad = write(fd, io, IO_MAX) != IO_MAX || write(fd, io, 100000 - IO_MAX) != 100000 - IO_MAX;
    bad |= ftruncate(fd, 70000) != 0;  /* inside the second chunk */
    bad |= ftruncate(fd, 200000) != 0; /* and up again: zeros from 70000 */
    long n = pread(fd, io, IO_MAX, 65536);
    bad |= n != IO_MAX;
    for (long i = 0; i < n && !bad; i++)
        bad = io[i] != (i < 70000 - 65536 ? 'x' : 0);
    struct stat st;
    bad |= fstat(fd, &st) != 0 || st.st_size != 200000;
    close(fd);
    printf("fstest: trunc %s\n", bad ? "MISMATCH" : "ok");
    return bad;
}

static int cmd_append(const char *path, const char *tag, long n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) {
        printf("fstest: open %s: %s\n", path, strerror(errno));
        return 1;
    }
    char rec[64];
    for (long i = 0; i < n; i++) {
        int len = snprintf(rec, sizeof rec, "%s %ld\n", tag, i);
        if (write(fd, rec, (size_t)len) != len) {
            printf("fstest: append %ld: %s\n", i, strerror(errno));
            close(fd);
            return 1;
        }
    }
    close(fd);
    printf("fstest: appended %ld\n", n);
    return 0;
}

/* Every record "TAG i" of each tag in TAGS (comma separated), i = 0..n-1,
 * exactly once, and each tag's in order. */
static int cmd_records(const char *path, const char *tags, long n)
{
    static char text[1 << 20];
    long len = get_file(path, text, sizeof text);
    if (len < 0) {
        printf("fstest: read %s: %s\n", path, strerror(errno));
        return 1;
    }
    char tagv[8][16];
    int nt = 0;
    for (const char *p = tags; *p && nt < 8;) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        snprintf(tagv[nt++], sizeof tagv[0], "%.*s", (int)l, p);
        p += l + (c ? 1 : 0);
    }
    long next[8] = {0};
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        if (!nl) {
            printf("fstest: a torn record at the end: %s\n", line);
            return 1;
        }
        *nl = 0;
        char t[16];
        long i;
        int k = -1;
        if (sscanf(line, "%15s %ld", t, &i) == 2)
            for (int j = 0; j < nt; j++)
                if (!strcmp(t, tagv[j]))
                    k = j;
        if (k < 0 || i != next[k]) {
            printf("fstest: unexpected record \"%s\" (next of its tag: %ld)\n", line,
                   k < 0 ? -1 : next[k]);
            return 1;
        }
        next[k]++;
        line = nl + 1;
    }
    for (int j = 0; j < nt; j++) {
        if (next[j] != n) {
            printf("fstest: tag %s has %ld records, expected %ld\n", tagv[j], next[j], n);
            return 1;
        }
    }
    printf("fstest: records ok\n");
    return 0;
}

static int cmd_many(const char *dir, long n)
{
    if (mkdir(dir, 0755)) {
        printf("fstest: mkdir %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char p[200];
    for (long i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/f%04ld", dir, i);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) {
            printf("fstest: create %s: %s\n", p, strerror(errno));
            return 1;
        }
        close(fd);
    }
    DIR *d = opendir(dir);
    if (!d)
        return 1;
    long seen = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "f%04ld", seen);
        if (strcmp(e->d_name, p)) {
            printf("fstest: entry %ld is %s, expected %s\n", seen, e->d_name, p);
            closedir(d);
            return 1;
        }
        seen++;
    }
    closedir(d);
    printf("fstest: %ld files listed\n", seen);
    return seen == n ? 0 : 1;
}

static int cmd_unlinked(const char *path, long size, long seed, long secs)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0 || unlink(path)) {
        printf("fstest: open and unlink %s: %s\n", path, strerror(errno));
        return 1;
    }
    sys_sleep((uint64_t)secs * 1000000000ULL);
    long at = 0, r;
    while ((r = read(fd, io, IO_MAX)) > 0) {
        for (long i = 0; i < r; i++)
            if (io[i] != pattern((unsigned long long)(at + i), (unsigned long)seed)) {
                printf("fstest: unlinked file differs at %ld\n", at + i);
                return 1;
            }
        at += r;
    }
    close(fd);
    if (r < 0 || at != size) {
        printf("fstest: unlinked file: %ld bytes (%s)\n", at, r < 0 ? strerror(errno) : "");
        return 1;
    }
    printf("fstest: unlinked ok\n");
    return 0;
}

static int cmd_put(const char *path, const char *value)
{
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.t%d", path, sys_getpid());
    if (put_file(tmp, value) || rename(tmp, path)) {
        printf("fstest: put: %s\n", strerror(errno));
        return 1;
    }
    printf("ok\n");
    return 0;
}

static int cmd_get(const char *path)
{
    char buf[256];
    long n = get_file(path, buf, sizeof buf);
    if (n < 0 && errno == ENOENT) {
        printf("absent\n");
        return 0;
    }
    if (n < 0) {
        printf("fstest: get: %s\n", strerror(errno));
        return 1;
    }
    printf("%s\n", buf);
    return 0;
}

/* ---- the random-operation checker --------------------------------------- */

#define RFILES 4
#define RMAX (192 * 1024)

static unsigned char model[RFILES][RMAX];
static long msize[RFILES];
static int mexists[RFILES];
static int rfd[RFILES];
static unsigned long long rstate;

static unsigned long rnd(unsigned long n)
{
    rstate ^= rstate << 13, rstate ^= rstate >> 7, rstate ^= rstate << 17;
    return (unsigned long)(rstate % n);
}

static int rfail(long op, const char *what, const char *path)
{
    printf("fstest: random op %ld: %s %s: %s\n", op, what, path, strerror(errno));
    return 1;
}

static int cmd_random(const char *dir, long seed, long n)
{
    char path[RFILES][200];
    rstate = 0x9e3779b97f4a7c15ULL ^ (unsigned long long)seed * 0xbf58476d1ce4e5b9ULL;
    if (mkdir(dir, 0755) && errno != EEXIST)
        return rfail(-1, "mkdir", dir);
    for (int f = 0; f < RFILES; f++) {
        snprintf(path[f], sizeof path[f], "%s/r%d", dir, f);
        rfd[f] = -1;
        unlink(path[f]);
    }
    for (long op = 0; op < n; op++) {
        int f = (int)rnd(RFILES);
        switch (rnd(8)) {
        case 0: /* open (creating it), or close */
            if (rfd[f] >= 0) {
                if (close(rfd[f]))
                    return rfail(op, "close", path[f]);
                rfd[f] = -1;
            } else {
                rfd[f] = open(path[f], O_RDWR | O_CREAT, 0644);
                if (rfd[f] < 0)
                    return rfail(op, "open", path[f]);
                if (!mexists[f])
                    mexists[f] = 1, msize[f] = 0;
            }
            break;
        case 1:
        case 2: { /* pwrite somewhere (past the end too: a hole) */
            if (rfd[f] < 0)
                break;
            long len = 1 + (long)rnd(rnd(4) ? 5000 : 70000);
            long off = (long)rnd(RMAX - (unsigned long)len);
            for (long i = 0; i < len; i++)
                io[i % IO_MAX] = (unsigned char)rnd(256);
            if (len > IO_MAX)
                len = IO_MAX;
            if (pwrite(rfd[f], io, (size_t)len, off) != len)
                return rfail(op, "pwrite", path[f]);
            if (off > msize[f])
                memset(model[f] + msize[f], 0, (size_t)(off - msize[f]));
            memcpy(model[f] + off, io, (size_t)len);
            if (off + len > msize[f])
                msize[f] = off + len;
            break;
        }
        case 3: { /* ftruncate down or up */
            if (rfd[f] < 0)
                break;
            long size = (long)rnd(RMAX);
            if (ftruncate(rfd[f], size))
                return rfail(op, "ftruncate", path[f]);
            if (size > msize[f])
                memset(model[f] + msize[f], 0, (size_t)(size - msize[f]));
            msize[f] = size;
            break;
        }
        case 4:
        case 5: { /* read a range, or the whole file, and compare */
            if (!mexists[f])
                break;
            int fd = rfd[f] >= 0 ? rfd[f] : open(path[f], O_RDONLY);
            if (fd < 0)
                return rfail(op, "open for reading", path[f]);
            long off = (long)rnd((unsigned long)msize[f] + 100);
            long len = 1 + (long)rnd(IO_MAX);
            long got = pread(fd, io, (size_t)len, off);
            long want = off >= msize[f] ? 0 : (msize[f] - off < len ? msize[f] - off : len);
            if (got != want || (want && memcmp(io, model[f] + off, (size_t)want))) {
                printf("fstest: random op %ld: MISMATCH reading %s at %ld: got %ld bytes, "
                       "expected %ld\n",
                       op, path[f], off, got, want);
                return 1;
            }
            if (fd != rfd[f])
                close(fd);
            break;
        }
        case 6: { /* rename over another (both closed: the model follows names) */
            int g = (int)rnd(RFILES);
            if (g == f || !mexists[f] || rfd[f] >= 0 || rfd[g] >= 0)
                break;
            if (rename(path[f], path[g]))
                return rfail(op, "rename", path[f]);
            memcpy(model[g], model[f], (size_t)msize[f]);
            msize[g] = msize[f];
            mexists[g] = 1;
            mexists[f] = 0;
            break;
        }
        case 7: /* unlink a closed file */
            if (!mexists[f] || rfd[f] >= 0)
                break;
            if (unlink(path[f]))
                return rfail(op, "unlink", path[f]);
            mexists[f] = 0;
            struct stat st;
            if (stat(path[f], &st) == 0 || errno != ENOENT)
                return rfail(op, "stat after unlink", path[f]);
            break;
        }
    }
    for (int f = 0; f < RFILES; f++)
        if (rfd[f] >= 0)
            close(rfd[f]);
    printf("fstest: random ok %ld ops\n", n);
    return 0;
}

static int cmd_pwrite(const char *path, long off, long len, long seed)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    if (fd < 0) {
        printf("fstest: open %s: %s\n", path, strerror(errno));
        return 1;
    }
    for (long at = off; at < off + len;) {
        long n = IO_MAX - at % IO_MAX;
        if (n > off + len - at)
            n = off + len - at;
        for (long i = 0; i < n; i++)
            io[i] = pattern((unsigned long long)(at + i), (unsigned long)seed);
        if (pwrite(fd, io, (size_t)n, at) != n) {
            printf("fstest: pwrite at %ld: %s\n", at, strerror(errno));
            close(fd);
            return 1;
        }
        at += n;
    }
    close(fd);
    printf("fstest: pwrote %ld at %ld\n", len, off);
    return 0;
}

static int cmd_blocks(const char *path, long off, long len, const char *seeds)
{
    long sv[8];
    int ns = 0;
    for (const char *p = seeds; *p && ns < 8;) {
        sv[ns++] = strtol(p, 0, 10);
        p = strchr(p, ',');
        if (!p)
            break;
        p++;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 1;
    int bad = 0;
    for (long at = off; at < off + len && !bad; at += IO_MAX) {
        long n = off + len - at < IO_MAX ? off + len - at : IO_MAX;
        if (pread(fd, io, (size_t)n, at) != n) {
            printf("fstest: pread at %ld: %s\n", at, strerror(errno));
            bad = 1;
            break;
        }
        int which = -1;
        for (int k = 0; k < ns && which < 0; k++) {
            long i = 0;
            while (i < n && io[i] == pattern((unsigned long long)(at + i), (unsigned long)sv[k]))
                i++;
            if (i == n)
                which = k;
        }
        if (which < 0) {
            printf("fstest: block at %ld is no one writer's\n", at);
            bad = 1;
        }
    }
    close(fd);
    if (!bad)
        printf("fstest: blocks ok\n");
    return bad;
}

int main(int argc, char **argv)
{
    long a = 0, b = 0, c = IO_MAX;
    if (argc >= 5 && (!strcmp(argv[1], "write") || !strcmp(argv[1], "check"))) {
        if (num(argv[3], &a) || num(argv[4], &b) || (argc > 5 && num(argv[5], &c)) || c < 1 ||
            c > IO_MAX)
            return 2;
        return argv[1][0] == 'w' ? cmd_write(argv[2], a, b, c) : cmd_check(argv[2], a, b, c);
    }
    if (argc == 3 && !strcmp(argv[1], "sparse"))
        return cmd_sparse(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "trunc"))
        return cmd_trunc(argv[2]);
    if (argc == 5 && !strcmp(argv[1], "append") && !num(argv[4], &a))
        return cmd_append(argv[2], argv[3], a);
    if (argc == 5 && !strcmp(argv[1], "records") && !num(argv[4], &a))
        return cmd_records(argv[2], argv[3], a);
    if (argc <= 3 && argc >= 2 && !strcmp(argv[1], "errors"))
        return cmd_errors(argc == 3 ? argv[2] : "/fstest");
    if (argc == 6 && !strcmp(argv[1], "pwrite") && !num(argv[3], &a) && !num(argv[4], &b) &&
        !num(argv[5], &c))
        return cmd_pwrite(argv[2], a, b, c);
    if (argc == 6 && !strcmp(argv[1], "blocks") && !num(argv[3], &a) && !num(argv[4], &b))
        return cmd_blocks(argv[2], a, b, argv[5]);
    if (argc == 6 && !strcmp(argv[1], "unlinked") && !num(argv[3], &a) && !num(argv[4], &b) &&
        !num(argv[5], &c))
        return cmd_unlinked(argv[2], a, b, c);
    if (argc == 4 && !strcmp(argv[1], "put"))
        return cmd_put(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "get"))
        return cmd_get(argv[2]);
    if (argc == 5 && !strcmp(argv[1], "random") && !num(argv[3], &a) && !num(argv[4], &b))
        return cmd_random(argv[2], a, b);
    if (argc == 4 && !strcmp(argv[1], "many") && !num(argv[3], &a))
        return cmd_many(argv[2], a);
    fprintf(stderr, "usage: fstest write|check PATH SIZE SEED [IO] | sparse PATH | trunc PATH |"
                    " append PATH TAG N | records PATH TAGS N | errors [DIR] | many DIR N\n");
    return 2;
}
