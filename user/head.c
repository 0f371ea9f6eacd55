/* user/head.c: head [-n N] [FILE...]: the first N (10) lines of each FILE,
 * or of stdin for none or "-"; with several files each is headed
 * `==> FILE <==`, as coreutils do. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[8192];

/* Copies the first `lines` lines of fd to stdout; 0, or 1 on a read error. */
static int head_fd(int fd, const char *name, long lines)
{
    while (lines > 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0) {
            fprintf(stderr, "head: %s: %s\n", name, strerror(errno));
            return 1;
        }
        size_t take = 0;
        while (take < (size_t)n && lines > 0)
            if (buf[take++] == '\n')
                lines--;
        fwrite(buf, 1, take, stdout);
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: head [-n N] [FILE...]\n");
    return 1;
}

int main(int argc, char **argv)
{
    long lines = 10;
    int i = 1, status = 0;
    if (i < argc && strncmp(argv[i], "-n", 2) == 0) {
        const char *num = argv[i][2] ? argv[i] + 2 : (i + 1 < argc ? argv[++i] : NULL);
        char *end;
        if (!num || !*num)
            return usage();
        lines = strtol(num, &end, 10);
        if (*end || lines < 0) {
            fprintf(stderr, "head: invalid number of lines: '%s'\n", num);
            return 1;
        }
        i++;
    }
    int files = argc - i;
    if (files == 0)
        return head_fd(0, "-", lines);
    for (int first = 1; i < argc; i++, first = 0) {
        int fd = strcmp(argv[i], "-") == 0 ? 0 : open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "head: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        if (files > 1)
            printf("%s==> %s <==\n", first ? "" : "\n", argv[i]);
        status |= head_fd(fd, argv[i], lines);
        if (fd != 0)
            close(fd);
    }
    return status;
}
