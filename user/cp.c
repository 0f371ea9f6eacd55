/* user/cp.c: cp SRC DST: copies file SRC to DST, or into DST/ if DST is
 * a directory. DST is created (with SRC's permission bits) or truncated. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[16384];

static int fail(const char *path)
{
    fprintf(stderr, "cp: %s: %s\n", path, strerror(errno));
    return 1;
}

/* Copies all of in to out; 0, or 1 with a message. */
static int copy(int in, const char *src, int out, const char *dst)
{
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0)
            return fail(src);
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0)
                return fail(dst);
            off += w;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: cp SRC DST\n");
        return 1;
    }
    const char *src = argv[1];
    char dst[512], base[512];
    struct stat sst, dst_st;
    if (stat(src, &sst) < 0)
        return fail(src);
    if (S_ISDIR(sst.st_mode)) {
        fprintf(stderr, "cp: %s: Is a directory\n", src);
        return 1;
    }
    snprintf(dst, sizeof dst, "%s", argv[2]);
    if (stat(dst, &dst_st) == 0 && S_ISDIR(dst_st.st_mode)) {
        snprintf(base, sizeof base, "%s", src);
        snprintf(dst, sizeof dst, "%s/%s", argv[2], basename(base));
    }
    if (stat(dst, &dst_st) == 0 && dst_st.st_ino == sst.st_ino) {
        fprintf(stderr, "cp: '%s' and '%s' are the same file\n", src, dst);
        return 1;
    }
    int in = open(src, O_RDONLY);
    if (in < 0)
        return fail(src);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, sst.st_mode & 07777);
    if (out < 0) {
        close(in);
        return fail(dst);
    }
    int status = copy(in, src, out, dst);
    close(in);
    if (close(out) < 0 && status == 0)
        status = fail(dst);
    return status;
}
