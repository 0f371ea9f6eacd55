/* user/cat.c: cat [FILE...]: copies each FILE (or stdin, for none or "-")
 * to stdout. A file that cannot be read is reported and skipped; the
 * status is then 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[16384]; /* one file-service read per 16 KiB */

/* Writes all of buf[0..n) to stdout; exits 1 if it cannot. */
static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(1, p, n);
        if (w < 0) {
            fprintf(stderr, "cat: write error: %s\n", strerror(errno));
            _exit(1);
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Copies fd to stdout; 0, or 1 after a read error. */
static int cat_fd(int fd, const char *name)
{
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0) {
            fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
            return 1;
        }
        write_all(buf, (size_t)n);
    }
}

int main(int argc, char **argv)
{
    int status = 0;
    if (argc < 2)
        return cat_fd(0, "-");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            status |= cat_fd(0, "-");
            continue;
        }
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        status |= cat_fd(fd, argv[i]);
        close(fd);
    }
    return status;
}
