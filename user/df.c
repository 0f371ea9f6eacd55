/* user/df.c: df: the file service's space, per node (the chunk bytes of
 * each node's disk region) and in total, its inodes, and per node the
 * requests its three servers refused as malformed (docs/fs.md, "Bad
 * input"):
 *
 *   node            size            used           avail  use%
 *      1        16777216         1048576        15728640    6%
 *      ...
 *   total       50331648         3145728        47185920    6%
 *   inodes: 12 used, 4084 free
 *   bad requests: node 1: fs 0, chunkd 0, primaryd 0
 *      ...
 *
 * A node that does not answer is reported and skipped (status 1); a
 * server that does not answer shows "?" for its count. */
#include <stdio.h>
#include <string.h>

#include "services/fs/chunkproto.h"
#include "services/fs/fsproto.h"
#include "user/fsclient.h"
#include "user/ipc.h"
#include "user/ulib.h"

#define ASK_NS (2 * IPC_SECOND)

static void row(const char *label, const struct fsc_statfs *s)
{
    unsigned long long size = s->chunk_bytes, avail = s->chunk_bytes_free;
    unsigned long long used = size > avail ? size - avail : 0;
    unsigned pct = size ? (unsigned)((used * 100 + size - 1) / size) : 0;
    printf("%-6s %15llu %15llu %15llu %4u%%\n", label, size, used, avail, pct);
}

/* One call to port `name` on node: the reply's length, or -errno. */
static long ask(int node, const char *name, const void *req, long len, void *rep, size_t cap)
{
    struct port_id port;
    int rv = ipc_lookup_timeout(node, name, &port, ASK_NS);
    if (rv)
        return rv;
    return ipc_call(&port, req, (size_t)len, rep, cap, ASK_NS);
}

/* STATFS to node's chunkd ("chunks") or primaryd ("primary"): its count of
 * refused requests, or -errno. */
static long chunk_bad(int node, const char *name)
{
    static uint8_t buf[CHUNK_MSG_MAX];
    struct chunk_req q;
    struct chunk_rep r;
    memset(&q, 0, sizeof q);
    q.op = CHUNK_OP_STATFS;
    q.ino = 1;
    long n = chunk_req_encode(&q, buf, sizeof buf);
    if (n >= 0)
        n = ask(node, name, buf, n, buf, sizeof buf);
    if (n < 0)
        return n;
    if (chunk_rep_decode(buf, (size_t)n, &r))
        return -EPROTO;
    return r.status ? r.status : (long)r.count;
}

/* STATUS to node's metadata server: its count of refused calls, or -errno. */
static long fs_bad(int node)
{
    struct fs_status st;
    int rv = fsc_server_status(node, &st);
    return rv ? rv : (long)st.bad_requests;
}

static void count(const char *label, long n, const char *sep)
{
    if (n < 0)
        printf("%s ?%s", label, sep);
    else
        printf("%s %ld%s", label, n, sep);
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
    for (int k = 1; k <= nodes; k++) {
        printf("bad requests: node %d:", k);
        count(" fs", fs_bad(k), ",");
        count(" chunkd", chunk_bad(k, "chunks"), ",");
        count(" primaryd", chunk_bad(k, "primary"), "\n");
    }
    return status;
}
