/* user/df.c: df: the file service's space, per node (the chunk bytes of
 * each node's disk region) and in total, and its inodes:
 *
 *   node            size            used           avail  use%
 *      1        16777216         1048576        15728640    6%
 *      ...
 *   total       50331648         3145728        47185920    6%
 *   inodes: 12 used, 4084 free
 *
 * A node that does not answer is reported and skipped (status 1). */
#include <stdio.h>

#include "user/fsclient.h"
#include "user/ulib.h"

static void row(const char *label, const struct fsc_statfs *s)
{
    unsigned long long size = s->chunk_bytes, avail = s->chunk_bytes_free;
    unsigned long long used = size > avail ? size - avail : 0;
    unsigned pct = size ? (unsigned)((used * 100 + size - 1) / size) : 0;
    printf("%-6s %15llu %15llu %15llu %4u%%\n", label, size, used, avail, pct);
}

int main(void)
{
    int nodes = (int)syscall0(SYS_NODES), status = 0;
    struct fsc_statfs s;
    char label[16];
    printf("%-6s %15s %15s %15s %5s\n", "node", "size", "used", "avail", "use%");
    for (int k = 1; k <= nodes; k++) {
        int rv = fsc_statfs(k, &s);
        if (rv < 0) {
            fprintf(stderr, "df: node %d: %s\n", k, err_str(rv));
            status = 1;
            continue;
        }
        snprintf(label, sizeof label, "%d", k);
        row(label, &s);
    }
    int rv = fsc_statfs(0, &s);
    if (rv < 0) {
        fprintf(stderr, "df: total: %s\n", err_str(rv));
        return 1;
    }
    row("total", &s);
    unsigned long long used = s.inodes > s.inodes_free ? s.inodes - s.inodes_free : 0;
    printf("inodes: %llu used, %llu free\n", used, (unsigned long long)s.inodes_free);
    return status;
}
