/* user/mv.c: mv SRC DST: renames SRC to DST, or moves it into DST/ if DST
 * is a directory. One atomic rename at the file service, across
 * directories too; DST, if it is a file, is replaced. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mv SRC DST\n");
        return 1;
    }
    const char *src = argv[1];
    char dst[512], base[512];
    struct stat st;
    if (stat(src, &st) < 0) {
        fprintf(stderr, "mv: %s: %s\n", src, strerror(errno));
        return 1;
    }
    snprintf(dst, sizeof dst, "%s", argv[2]);
    if (stat(dst, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(base, sizeof base, "%s", src);
        snprintf(dst, sizeof dst, "%s/%s", argv[2], basename(base));
    }
    if (rename(src, dst) < 0) {
        fprintf(stderr, "mv: cannot move '%s' to '%s': %s\n", src, dst, strerror(errno));
        return 1;
    }
    return 0;
}
