/* user/memtouch.c: `memtouch MB` mallocs MB MiB, writes every page with a
 * pattern and reads it back. Prints `memtouch: ok N MiB`, or a clear error
 * and exit 1 when the allocation fails (out of memory, page limit, or an
 * injected kernel allocation failure). */
#include <stdio.h>
#include <stdlib.h>

#include "user/ulib.h"

int main(int argc, char **argv)
{
    long mb;
    if (argc != 2 || parse_long(argv[1], &mb) != 0 || mb < 0 || mb > 65536) {
        fprintf(stderr, "usage: memtouch MB\n");
        return 2;
    }
    size_t len = (size_t)mb << 20;
    uint64_t *p = malloc(len ? len : 1);
    if (!p) {
        printf("memtouch: cannot allocate %ld MiB: out of memory\n", mb);
        return 1;
    }
    size_t words = len / sizeof *p, stride = 4096 / sizeof *p;
    for (size_t i = 0; i < words; i += stride / 4)
        p[i] = i * 2654435761u + 17;
    for (size_t i = 0; i < words; i += stride / 4) {
        if (p[i] != i * 2654435761u + 17) {
            printf("memtouch: corrupt at offset %zu\n", i * sizeof *p);
            return 1;
        }
    }
    free(p);
    printf("memtouch: ok %ld MiB\n", mb);
    return 0;
}
