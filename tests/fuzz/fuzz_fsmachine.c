/* tests/fuzz/fuzz_fsmachine.c: libFuzzer target for the file service's
 * metadata state machine (services/fs/fsmachine.c, fssnap.c).
 *
 * Input byte 0 chooses:
 *   a multiple of 4: the rest is a snapshot. fsm_restore must refuse it
 *         (-EBADMSG, the machine untouched) or accept it, and then the
 *         machine keeps every invariant and snapshots back to exactly the
 *         same bytes.
 *   else: the rest is a series of commands. Each starts with a selector
 *         byte k:
 *           k < 0x10      raw: a length byte, then that many bytes applied as
 *                         they are (mostly refused by the decoder);
 *           0x10..0x13    an index skipped;
 *           0x14..0x17    snapshot, restore into a second machine, compare;
 *           otherwise     a request of op k % (number of ops), its fields
 *                         drawn from the bytes that follow over a small
 *                         namespace, existing inodes and sessions, a few
 *                         clients with retries, encoded and applied.
 *         After every command the machine keeps every invariant
 *         (tests/fs/invariants.c) and its reply encodes. At the end,
 *         snapshot -> restore -> snapshot gives the same bytes and the same
 *         machine, which answers reads alike. */
#include <stdlib.h>
#include <string.h>

#include "services/fs/fsmachine.h"

/* tests/fs/invariants.c */
const char *ft_invariants(const struct fs_machine *m);
const char *ft_invariants_used(const struct fs_machine *m);

static struct fs_machine m, m2, saved;
static struct fs_reply r1, r2;
static struct fs_request q;
static uint8_t *snap_a, *snap_b;
static uint8_t out[FS_REPLY_MAX];

/* The bytes a command's fields are drawn from; zeros once they run out. */
struct src {
    const uint8_t *p;
    size_t n, at;
};

static uint8_t byte(struct src *s) { return s->at < s->n ? s->p[s->at++] : 0; }

static uint64_t number(struct src *s)
{
    uint8_t shape = byte(s);
    switch (shape % 4) {
    case 0:
        return shape / 4;
    case 1:
        return (uint64_t)byte(s) * FS_CHUNK_SIZE + byte(s) - 128;
    case 2:
        return FS_FILE_MAX - 2 + shape / 64;
    default: {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v |= (uint64_t)byte(s) << (8 * i);
        return v;
    }
    }
}

static uint16_t path(struct src *s, char *dst)
{
    static const char *const names[] = {"a", "b", "c", "dd", "e.x"};
    int depth = byte(s) % 4;
    uint16_t n = 0;
    for (int i = 0; i < depth; i++) {
        dst[n++] = '/';
        uint8_t b = byte(s);
        if (b < 0xf0) {
            const char *c = names[b % 5];
            memcpy(dst + n, c, strlen(c));
            n += (uint16_t)strlen(c);
        } else if (b < 0xf8) { /* a name of FS_NAME_MAX bytes */
            memset(dst + n, 'L', FS_NAME_MAX);
            n += FS_NAME_MAX;
        } else { /* raw bytes: the encoder refuses the bad ones */
            uint8_t len = 1 + byte(s) % 8;
            for (int k = 0; k < len; k++)
                dst[n++] = (char)byte(s);
        }
    }
    if (n == 0)
        dst[n++] = '/';
    return n;
}

static uint64_t session(struct src *s)
{
    uint8_t b = byte(s);
    return b < 200 ? m.s[b % FS_MAX_SESSIONS].id : number(s);
}

static uint64_t inode(struct src *s)
{
    uint8_t b = byte(s);
    return b < 200 ? m.inodes[b % m.n_inodes].ino : number(s);
}

static uint64_t client_seq[5];

/* Build a request from the bytes; its encoding's length, or 0. */
static size_t build(struct src *s, uint8_t k, uint8_t *buf)
{
    static const uint8_t ops[] = {
        FS_OP_CREATE,         FS_OP_CREATE,  FS_OP_MKDIR,  FS_OP_MKDIR,   FS_OP_UNLINK,
        FS_OP_RMDIR,          FS_OP_RENAME,  FS_OP_RENAME, FS_OP_SETATTR, FS_OP_OPEN,
        FS_OP_OPEN,           FS_OP_CLOSE,   FS_OP_EXTEND, FS_OP_RESERVE, FS_OP_SESSION_OPEN,
        FS_OP_SESSION_EXPIRE, FS_OP_RELEASE, FS_OP_STAT,   FS_OP_FSTAT};
    memset(&q, 0, sizeof q);
    q.op = ops[k % sizeof ops];
    q.flags = byte(s);
    q.mode = (uint16_t)(byte(s) | byte(s) << 8) & FS_MODE_MASK;
    q.now_ns = number(s);
    q.path_len = path(s, q.path);
    q.path2_len = path(s, q.path2);
    q.session = session(s);
    q.pid = (int8_t)byte(s) % 4;
    q.ino = inode(s);
    q.size = number(s);
    q.mtime_ns = number(s);
    q.owner_node = 1 + byte(s) % 4;
    q.nonce = byte(s) % 3;
    if (q.op == FS_OP_SESSION_EXPIRE || q.op == FS_OP_RELEASE)
        q.session |= q.session ? 0 : 1;
    uint8_t c = byte(s) % 5;
    if (c && fs_op_is_client_write(q.op)) {
        q.client = 100 + c;
        q.seq = client_seq[c] + byte(s) % 4; /* a retry, a next one, a gap */
        if (q.seq == 0)
            q.seq = 1;
        if (q.seq > client_seq[c])
            client_seq[c] = q.seq;
    }
    int n = fs_request_encode(&q, buf, FS_REQUEST_MAX);
    if (n == -EINVAL && q.op != FS_OP_SETATTR) { /* flags the op does not take */
        q.flags &= q.op == FS_OP_CREATE ? (FS_F_EXCL | FS_F_TRUNC | FS_F_OPEN)
                   : q.op == FS_OP_OPEN ? FS_F_TRUNC
                                        : 0;
        n = fs_request_encode(&q, buf, FS_REQUEST_MAX);
    }
    return n > 0 ? (size_t)n : 0;
}

/* Every invariant but the zero unused slots, which each round trip checks
 * (the restored machine, zero but for what the snapshot holds, must equal
 * this one byte for byte) and the full check at the end. */
static void check(void)
{
    if (ft_invariants_used(&m))
        abort();
}

/* Snapshot m, restore into m2: the same machine, the same bytes again. */
static void roundtrip(void)
{
    size_t max = fsm_snapshot_max();
    long n = fsm_snapshot(&m, snap_a, max);
    if (n <= 0 || fsm_restore(&m2, snap_a, (size_t)n) != 0)
        abort();
    if (memcmp(&m, &m2, sizeof m) != 0)
        abort();
    if (fsm_snapshot(&m2, snap_b, max) != n || memcmp(snap_a, snap_b, (size_t)n) != 0)
        abort();
}

static void same_read(const struct fs_request *req)
{
    fsm_read(&m, req, &r1);
    fsm_read(&m2, req, &r2);
    if (r1.status != r2.status || memcmp(&r1.attr, &r2.attr, sizeof r1.attr) != 0 || r1.n != r2.n ||
        r1.more != r2.more || memcmp(r1.ents, r2.ents, r1.n * sizeof r1.ents[0]))
        abort();
    if (fs_reply_encode(&r1, out, sizeof out) <= 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t max = fsm_snapshot_max();
    if (!snap_a) {
        snap_a = malloc(max);
        snap_b = malloc(max);
    }
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    uint8_t *buf = malloc(size);
    memcpy(buf, data + 1, size - 1);
    size--;

    if (mode % 4 == 0) {
        fsm_init(&m);
        m.applied = 12345; /* something a refusal must leave alone */
        memcpy(&saved, &m, sizeof m);
        int rv = fsm_restore(&m, buf, size);
        if (rv == -EBADMSG) {
            if (memcmp(&m, &saved, sizeof m) != 0)
                abort();
        } else if (rv == 0) {
            if (ft_invariants(&m))
                abort();
            long n = fsm_snapshot(&m, snap_a, max);
            if (n != (long)size || memcmp(snap_a, buf, size) != 0)
                abort();
        } else {
            abort();
        }
        free(buf);
        return 0;
    }

    fsm_init(&m);
    memset(client_seq, 0, sizeof client_seq);
    struct src s = {buf, size, 0};
    uint8_t cmd[FS_REQUEST_MAX];
    while (s.at < s.n) {
        uint8_t k = byte(&s);
        size_t len;
        if (k < 0x10) {
            len = byte(&s);
            if (len > s.n - s.at)
                len = s.n - s.at;
            memcpy(cmd, s.p + s.at, len);
            s.at += len;
        } else if (k < 0x14) {
            fsm_skip(&m, m.applied + 1 + k % 4);
            continue;
        } else if (k < 0x18) {
            roundtrip();
            continue;
        } else if ((len = build(&s, k, cmd)) == 0) {
            continue;
        }
        int rv = fsm_apply(&m, m.applied + 1, cmd, len, &r1);
        if (rv != r1.status || rv > 0)
            abort();
        if (fs_reply_encode(&r1, out, sizeof out) <= 0)
            abort();
        check();
    }
    if (ft_invariants(&m))
        abort();
    roundtrip();
    /* reads: every inode, and the directories and paths the input names */
    struct fs_request rq;
    memset(&rq, 0, sizeof rq);
    rq.op = FS_OP_FSTAT;
    for (uint32_t i = 0; i < m.n_inodes; i++) {
        rq.ino = m.inodes[i].ino;
        same_read(&rq);
    }
    rq.op = FS_OP_STATFS;
    same_read(&rq);
    s.at = 0;
    for (int i = 0; i < 8 && s.at < s.n; i++) {
        memset(&rq, 0, sizeof rq);
        rq.path_len = path(&s, rq.path);
        if (fs_path_check(rq.path, rq.path_len) != 0)
            continue;
        rq.op = FS_OP_STAT;
        same_read(&rq);
        rq.op = FS_OP_READDIR;
        rq.max = 1 + byte(&s) % FS_READDIR_MAX;
        same_read(&rq);
    }
    free(buf);
    return 0;
}
