/* tests/fuzz/fuzz_nsmachine.c: libFuzzer target for the naming service's
 * state machine (services/naming/nsmachine.c).
 *
 * Input byte 0 chooses:
 *   even: the rest is a snapshot. nsm_restore must refuse it (-EBADMSG, the
 *         machine untouched) or accept it, and then snapshot it back to
 *         exactly the same bytes.
 *   odd:  the rest is a series of commands, each a 2-byte little-endian
 *         length (mod 1024; 0x3ff: "skip an index" instead) and that many
 *         bytes, applied in order. Then snapshot -> restore into a second
 *         machine -> snapshot must give the same bytes, and both machines
 *         must answer the same reads (each command tried as a read too). */
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "services/naming/nsmachine.h"

static struct ns_machine m, m2, saved;
static struct ns_reply r1, r2;
static struct ns_request q;
static uint8_t *snap_a, *snap_b;

static void same_read(const struct ns_request *req)
{
    nsm_read(&m, req, &r1);
    nsm_read(&m2, req, &r2);
    if (r1.status != r2.status || r1.index != r2.index || r1.version != r2.version ||
        r1.event != r2.event || r1.more != r2.more || r1.n_names != r2.n_names ||
        r1.names_len != r2.names_len || memcmp(r1.names, r2.names, r1.names_len) != 0 ||
        r1.b.name_len != r2.b.name_len || memcmp(r1.b.name, r2.b.name, r1.b.name_len) != 0)
        abort();
    /* every answer the machine gives encodes */
    static uint8_t buf[NS_REPLY_MAX];
    if (ns_reply_encode(&r1, buf, sizeof buf) <= 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t max = nsm_snapshot_max();
    if (!snap_a) {
        snap_a = malloc(max);
        snap_b = malloc(max);
    }
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    data++, size--;
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);

    if (!(mode & 1)) {
        nsm_init(&m);
        m.applied = 12345; /* something a refusal must leave alone */
        saved = m;
        int rv = nsm_restore(&m, buf, size);
        if (rv == -EBADMSG) {
            if (memcmp(&m, &saved, sizeof m) != 0)
                abort();
        } else if (rv == 0) {
            long n = nsm_snapshot(&m, snap_a, max);
            if (n != (long)size || memcmp(snap_a, buf, size) != 0)
                abort();
        } else {
            abort();
        }
        free(buf);
        return 0;
    }

    nsm_init(&m);
    size_t at = 0;
    while (size - at >= 2) {
        size_t len = (buf[at] | (size_t)buf[at + 1] << 8) & 0x3ff;
        at += 2;
        if (len == 0x3ff) {
            nsm_skip(&m, m.applied + 1);
            continue;
        }
        if (len > size - at)
            len = size - at;
        int rv = nsm_apply(&m, m.applied + 1, buf + at, len, &r1);
        if (rv != r1.status || rv > 0)
            abort();
        at += len;
    }
    long n = nsm_snapshot(&m, snap_a, max);
    if (n <= 0)
        abort();
    nsm_init(&m2);
    if (nsm_restore(&m2, snap_a, (size_t)n) != 0)
        abort();
    long n2 = nsm_snapshot(&m2, snap_b, max);
    if (n2 != n || memcmp(snap_a, snap_b, (size_t)n) != 0)
        abort();
    /* reads: each command, as a request, and a LIST/WATCH of its name */
    at = 0;
    while (size - at >= 2) {
        size_t len = (buf[at] | (size_t)buf[at + 1] << 8) & 0x3ff;
        at += 2;
        if (len == 0x3ff)
            continue;
        if (len > size - at)
            len = size - at;
        if (ns_request_decode(buf + at, len, &q) == 0) {
            same_read(&q);
            uint8_t op = q.op;
            q.op = NS_OP_GET;
            if (q.name_len)
                same_read(&q);
            q.op = NS_OP_LIST;
            q.after_len = 0;
            same_read(&q);
            q.op = NS_OP_WATCH;
            q.version = op;
            same_read(&q);
        }
        at += len;
    }
    free(buf);
    return 0;
}
