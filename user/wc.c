/* user/wc.c: wc [FILE...]: lines, words and bytes of each FILE (or of
 * stdin, for none or "-"), and a total line for several, as coreutils
 * print them: right-aligned to the width of the largest number. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct counts {
    unsigned long long lines, words, bytes;
    const char *name; /* NULL: stdin with no name */
    int ok;
};

static char buf[16384];

static int count_fd(int fd, const char *name, struct counts *c)
{
    int in_word = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0) {
            fprintf(stderr, "wc: %s: %s\n", name ? name : "-", strerror(errno));
            return 1;
        }
        c->bytes += (unsigned long long)n;
        for (ssize_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)buf[i];
            if (ch == '\n')
                c->lines++;
            if (isspace(ch)) {
                in_word = 0;
            } else if (!in_word) {
                in_word = 1;
                c->words++;
            }
        }
    }
}

static int digits(unsigned long long v)
{
    int d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

static void print(const struct counts *c, int w)
{
    printf("%*llu %*llu %*llu", w, c->lines, w, c->words, w, c->bytes);
    if (c->name)
        printf(" %s", c->name);
    printf("\n");
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? argc - 1 : 1, status = 0;
    struct counts *all = calloc((size_t)n + 1, sizeof *all);
    if (!all) {
        fprintf(stderr, "wc: out of memory\n");
        return 1;
    }
    struct counts *total = &all[n];
    total->name = "total";
    for (int i = 0; i < n; i++) {
        const char *arg = argc > 1 ? argv[i + 1] : NULL;
        all[i].name = arg;
        int fd = !arg || strcmp(arg, "-") == 0 ? 0 : open(arg, O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "wc: %s: %s\n", arg, strerror(errno));
            status = 1;
            continue;
        }
        if (count_fd(fd, arg, &all[i]) == 0)
            all[i].ok = 1;
        else
            status = 1;
        if (fd != 0)
            close(fd);
        total->lines += all[i].lines;
        total->words += all[i].words;
        total->bytes += all[i].bytes;
    }
    /* coreutils: width 7 when reading stdin (its size is not known first). */
    int w = argc > 1 ? digits(total->bytes) : 7;
    for (int i = 0; i < n; i++)
        if (all[i].ok)
            print(&all[i], w);
    if (n > 1)
        print(total, w);
    free(all);
    return status;
}
