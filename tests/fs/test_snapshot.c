/* tests/fs/test_snapshot.c: snapshots of the metadata machine
 * (services/fs/fssnap.c), and the determinism every replica relies on. */
#include <stdio.h>
#include <stdlib.h>

#include "lib/crc32c.h"
#include "lib/lebytes.h"
#include "tests/fs/harness.h"

static struct fs_machine M, M2, M3, SAVED;
static struct fs_reply R, R2;

static uint8_t *snap_buf(void)
{
    static uint8_t *buf;
    if (!buf)
        buf = malloc(fsm_snapshot_max());
    return buf;
}

static long snap(const struct fs_machine *m, uint8_t *buf)
{
    return fsm_snapshot(m, buf, fsm_snapshot_max());
}

static void fix_crc(uint8_t *buf, size_t len)
{
    uint32_t c = crc32c(buf, len - 4);
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(c >> (8 * i));
}

static void test_empty(void)
{
    uint8_t *buf = snap_buf(), *again = malloc(fsm_snapshot_max());
    fsm_init(&M);
    long n = snap(&M, buf);
    CHECK_EQ(n, 38 + 51 + 4);
    fsm_init(&M2);
    ft_random_history(&M2, 200);
    CHECK_EQ(fsm_restore(&M2, buf, (size_t)n), 0);
    CHECK(memcmp(&M, &M2, sizeof M) == 0);
    CHECK_EQ(snap(&M2, again), n);
    CHECK(memcmp(buf, again, (size_t)n) == 0);
    free(again);
}

/* restore(snapshot(m)) is m byte for byte, snapshots to the same bytes, and
 * goes on to answer as m does under the same commands. */
static void test_roundtrip(void)
{
    uint8_t *buf = snap_buf(), *buf2 = malloc(fsm_snapshot_max());
    static const int lengths[] = {1, 10, 100, 1000, 5000};
    uint8_t cmd[FS_REQUEST_MAX];
    for (size_t t = 0; t < sizeof lengths / sizeof lengths[0]; t++) {
        fsm_init(&M);
        ft_random_history(&M, lengths[t]);
        ft_check_invariants(&M);
        CHECK_OK();
        long n = snap(&M, buf);
        CHECK(n > 0 && (size_t)n <= fsm_snapshot_max());
        fsm_init(&M2);
        ft_random_history(&M2, 50); /* restore replaces whatever was there */
        CHECK_EQ(fsm_restore(&M2, buf, (size_t)n), 0);
        CHECK(memcmp(&M, &M2, sizeof M) == 0); /* padding included */
        CHECK_EQ(snap(&M2, buf2), n);
        CHECK(memcmp(buf, buf2, (size_t)n) == 0);
        for (int i = 0; i < 2000; i++) {
            size_t len = ft_random_command(&M, cmd, sizeof cmd);
            uint64_t idx = M.applied + 1;
            int a = fsm_apply(&M, idx, cmd, len, &R);
            int b = fsm_apply(&M2, idx, cmd, len, &R2);
            CHECK(a == b && R.index == R2.index && memcmp(&R.attr, &R2.attr, sizeof R.attr) == 0);
        }
        CHECK(memcmp(&M, &M2, sizeof M) == 0);
    }
    free(buf2);
}

/* Every table full, every name as long as it goes: the snapshot fits
 * fsm_snapshot_max() (itself under 1 MiB), and a buffer too small is
 * -EMSGSIZE. */
static void test_full_machine(void)
{
    uint8_t *buf = snap_buf();
    fsm_init(&M);
    uint64_t sess[FS_MAX_SESSIONS];
    for (int i = 0; i < FS_MAX_SESSIONS; i++) {
        sess[i] = ft_session(&M, 1 + (uint32_t)i, UINT64_MAX - (uint64_t)i);
        CHECK(sess[i] != 0);
    }
    char path[FS_PATH_MAX];
    for (int i = 1; i < FS_MAX_INODES; i++) {
        path[0] = '/';
        snprintf(path + 1, sizeof path - 1, "%064d", i);
        struct fs_request q = ft_req(FS_OP_CREATE, path);
        q.mode = FS_MODE_MASK;
        if (i <= FS_MAX_OPENS) {
            q.flags = FS_F_OPEN;
            q.session = sess[i % FS_MAX_SESSIONS];
            q.pid = -i;
        }
        if (i <= FS_MAX_CLIENTS) {
            q.client = (uint64_t)i << 40;
            q.seq = 1;
        }
        q.now_ns = UINT64_MAX - (uint64_t)i;
        CHECK_EQ(ft_apply(&M, &q, NULL), 0);
    }
    CHECK(M.n_inodes == FS_MAX_INODES && M.n_opens == FS_MAX_OPENS &&
          M.n_dirents == FS_MAX_INODES - 1);
    CHECK_EQ(ft_script(&M, "create /more", NULL), -ENOSPC);
    long n = snap(&M, buf);
    printf("full machine: snapshot %ld bytes; fsm_snapshot_max() %zu; sizeof(struct fs_machine) "
           "%zu\n",
           n, fsm_snapshot_max(), sizeof(struct fs_machine));
    fflush(stdout);
    CHECK(n > 0 && (size_t)n <= fsm_snapshot_max());
    CHECK(fsm_snapshot_max() <= 1024 * 1024);
    CHECK_EQ(fsm_snapshot(&M, buf, (size_t)n - 1), -EMSGSIZE);
    CHECK_EQ(fsm_snapshot(&M, buf, 10), -EMSGSIZE);
    CHECK_EQ(fsm_snapshot(&M, NULL, 0), -EMSGSIZE);
    CHECK_EQ(fsm_snapshot(&M, buf, (size_t)n), n);
    CHECK_EQ(fsm_restore(&M2, buf, (size_t)n), 0);
    CHECK(memcmp(&M, &M2, sizeof M) == 0);
    /* now orphan every open file: the entries go, the inodes stay */
    for (int i = 1; i <= FS_MAX_OPENS; i++) {
        path[0] = '/';
        snprintf(path + 1, sizeof path - 1, "%064d", i);
        struct fs_request q = ft_req(FS_OP_UNLINK, path);
        CHECK_EQ(ft_apply(&M, &q, NULL), 0);
    }
    CHECK_EQ(M.n_inodes, FS_MAX_INODES);
    n = snap(&M, buf);
    CHECK(n > 0);
    CHECK_EQ(fsm_restore(&M2, buf, (size_t)n), 0);
    CHECK(memcmp(&M, &M2, sizeof M) == 0);
    ft_check_invariants(&M2);
}

/* Try buf as a snapshot on M2 (holding SAVED): refused with M2 unchanged,
 * or, when `may_accept`, accepted with a machine that keeps every invariant
 * and snapshots back to exactly buf. */
static void try_restore(const uint8_t *buf, size_t len, bool may_accept, const char *what,
                        size_t pos)
{
    int rv = fsm_restore(&M2, buf, len);
    if (rv == -EBADMSG) {
        if (memcmp(&M2, &SAVED, sizeof M2) != 0)
            ft_fail(__FILE__, __LINE__, "%s at %zu: refused but the machine changed", what, pos);
        return;
    }
    if (rv != 0 || !may_accept) {
        ft_fail(__FILE__, __LINE__, "%s at %zu: restore returned %d", what, pos, rv);
        return;
    }
    static uint8_t *again;
    if (!again)
        again = malloc(fsm_snapshot_max());
    long n = snap(&M2, again);
    if (n != (long)len || memcmp(again, buf, len) != 0)
        ft_fail(__FILE__, __LINE__, "%s at %zu: accepted, but not canonical", what, pos);
    const char *why = ft_invariants(&M2);
    if (why)
        ft_fail(__FILE__, __LINE__, "%s at %zu: accepted a broken machine: %s", what, pos, why);
    memcpy(&M2, &SAVED, sizeof M2);
}

/* A machine small enough to sweep, with something in every table: sessions,
 * clients, directories, files, entries, references, an orphan. */
static long sweep_snapshot(uint8_t *buf)
{
    fsm_init(&M);
    ft_random_history(&M, 600);
    ft_script(&M,
              "session; mkdir /s; mkdir /s/t; create /s/t/f open; create /s/g open; "
              "unlink /s/g; open / pid=9; mkdir /s/u; open /s/u; rmdir /s/u",
              NULL);
    struct fs_request q = ft_req(FS_OP_MKDIR, "/cl");
    q.client = 99;
    q.seq = 1;
    ft_apply(&M, &q, NULL);
    return snap(&M, buf);
}

static void test_corruption(void)
{
    uint8_t *buf = snap_buf();
    long n = sweep_snapshot(buf);
    CHECK(n > 0);
    printf("sweeping a snapshot of %ld bytes\n", n);
    fflush(stdout);
    fsm_init(&M2);
    ft_random_history(&M2, 300);
    memcpy(&SAVED, &M2, sizeof SAVED);
    uint8_t *bad = malloc((size_t)n);
    /* every byte, each bit flipped and a random other value: the CRC
     * refuses them all */
    for (long pos = 0; pos < n; pos++) {
        for (int k = 0; k < 9; k++) {
            memcpy(bad, buf, (size_t)n);
            bad[pos] ^= k < 8 ? (uint8_t)(1u << k) : (uint8_t)(1 + ft_below(255));
            try_restore(bad, (size_t)n, false, "corrupt byte", (size_t)pos);
            CHECK_OK();
        }
    }
    /* the same with the CRC made right again: the content checks refuse, or
     * the result is a valid machine that is exactly what the bytes say */
    int accepted = 0;
    for (long pos = 0; pos < n - 4; pos++) {
        for (int k = 0; k < 3; k++) {
            memcpy(bad, buf, (size_t)n);
            bad[pos] ^= k < 2 ? (uint8_t)(1u << ft_below(8)) : (uint8_t)(1 + ft_below(255));
            fix_crc(bad, (size_t)n);
            try_restore(bad, (size_t)n, true, "corrupt byte, CRC fixed", (size_t)pos);
            CHECK_OK();
            accepted += fsm_restore(&M3, bad, (size_t)n) == 0;
        }
    }
    printf("with the CRC fixed, %d of %ld corruptions were valid machines\n", accepted,
           3 * (n - 4));
    fflush(stdout);
    free(bad);
}

static void test_truncation(void)
{
    uint8_t *buf = snap_buf();
    long n = sweep_snapshot(buf);
    CHECK(n > 0);
    fsm_init(&M2);
    ft_random_history(&M2, 300);
    memcpy(&SAVED, &M2, sizeof SAVED);
    uint8_t *bad = malloc((size_t)n + 16);
    for (long len = 0; len < n; len++) {
        memcpy(bad, buf, (size_t)len);
        try_restore(bad, (size_t)len, false, "truncated", (size_t)len);
        CHECK_OK();
        if (len >= 4) {
            fix_crc(bad, (size_t)len);
            try_restore(bad, (size_t)len, false, "truncated, CRC fixed", (size_t)len);
            CHECK_OK();
        }
    }
    for (int extra = 1; extra < 16; extra++) {
        memcpy(bad, buf, (size_t)n);
        memset(bad + n, 0, (size_t)extra);
        try_restore(bad, (size_t)n + (size_t)extra, false, "extended", (size_t)extra);
        CHECK_OK();
        memcpy(bad, buf, (size_t)n - 4); /* bytes inserted before the CRC */
        memset(bad + n - 4, 0, (size_t)extra);
        fix_crc(bad, (size_t)n + (size_t)extra);
        try_restore(bad, (size_t)n + (size_t)extra, false, "extended, CRC fixed", (size_t)extra);
        CHECK_OK();
    }
    CHECK_EQ(fsm_restore(&M2, buf, (size_t)n), 0);
    free(bad);
}

/* ---- hand-made inconsistencies behind a good CRC ----------------------------- */

static void put(uint8_t *buf, size_t at, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        buf[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* Offsets in the snapshot of the machine built below (docs/fs-machine.md). */
#define HEAD 38
#define SES HEAD                     /* one session */
#define CLI (SES + 22)               /* one client */
#define INO(k) (CLI + 46 + 51 * (k)) /* six inodes: 1, 3, 4, 5, 6, 8 */
#define DIR(j) (INO(6) + 18 * (j))   /* four entries: d e g under /, f under /d */
#define OPN(i) (DIR(4) + 24 * (i))   /* two references: 4 and 6 */
#define SNAP_LEN (OPN(2) + 4)

static void test_rejects_inconsistent(void)
{
    uint8_t *buf = snap_buf(), *bad = malloc(4096);
    fsm_init(&M2);
    memcpy(&SAVED, &M2, sizeof SAVED);
    fsm_init(&M);
    CHECK_EQ(ft_script(&M,
                       "session; mkdir /d; create /d/f open; create /g; create /h open; "
                       "unlink /h",
                       NULL),
             0);
    struct fs_request q = ft_req(FS_OP_MKDIR, "/e");
    q.client = 9;
    q.seq = 1;
    CHECK_EQ(ft_apply(&M, &q, NULL), 0);
    long n = snap(&M, buf);
    CHECK_EQ(n, SNAP_LEN);
    CHECK(buf[DIR(1) + 17] == 'e' && buf[DIR(3) + 17] == 'f' && buf[OPN(1) + 12] == 6);
    struct {
        const char *what;
        size_t at;
        uint64_t value;
        int bytes;
    } cases[] = {
        {"magic", 0, 'X', 1},
        {"format 1", 4, 1, 4},
        {"format 3", 4, 3, 4},
        {"applied 0", 8, 0, 8},
        {"applied below an inode", 8, 7, 8},
        {"session count", 16, 2, 2},
        {"client count", 18, 0, 2},
        {"no inodes", 20, 0, 2},
        {"inode count", 20, 7, 2},
        {"as many entries as inodes", 22, 6, 2},
        {"open count", 24, 3, 2},
        {"a chunk table", 26, 1, 4},
        {"session id 0", SES + 2, 0, 8},
        {"client seq 0", CLI + 10, 0, 8},
        {"root not first", INO(0), 2, 8},
        {"root with a parent", INO(0) + 8, 3, 8},
        {"root a file", INO(0) + 16, FS_T_FILE, 1},
        {"inodes out of order", INO(2), 3, 8},
        {"inode above applied", INO(5), 99, 8},
        {"bad type", INO(3) + 16, 3, 1},
        {"bad mode", INO(3) + 17, 010000, 2},
        {"version 0", INO(3) + 43, 0, 8},
        {"file too large", INO(3) + 19, FS_FILE_MAX + 1, 8},
        {"directory with a size", INO(1) + 19, 1, 8},
        {"parent a file", INO(2) + 8, 5, 8},
        {"parent missing", INO(3) + 8, 7, 8},
        {"parent itself", INO(1) + 8, 3, 8},
        {"orphan claims a parent", INO(4) + 8, 1, 8},
        {"entries out of order", DIR(1) + 17, 'a', 1},
        {"entry name taken", DIR(1) + 17, 'd', 1},
        {"entry name with a slash", DIR(0) + 17, '/', 1},
        {"entry name empty", DIR(0) + 16, 0, 1},
        {"entry name too long", DIR(0) + 16, FS_NAME_MAX + 1, 1},
        {"entry names the root", DIR(2) + 8, 1, 8},
        {"entry names nothing", DIR(2) + 8, 7, 8},
        {"entry in the wrong directory", DIR(2) + 8, 4, 8},
        {"inode named twice", DIR(1) + 8, 5, 8},
        {"orphan with no reference", OPN(1) + 12, 5, 8},
        {"reference count 0", OPN(0) + 20, 0, 4},
        {"reference count too high", OPN(0) + 20, FS_OPEN_COUNT_MAX + 1, 4},
        {"reference to no inode", OPN(0) + 12, 7, 8},
        {"references out of order", OPN(0) + 12, 6, 8},
        {"reference of no session", OPN(1), 3, 8},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        memcpy(bad, buf, (size_t)n);
        put(bad, cases[k].at, cases[k].value, cases[k].bytes);
        fix_crc(bad, (size_t)n);
        int rv = fsm_restore(&M2, bad, (size_t)n);
        if (rv != -EBADMSG) {
            ft_fail(__FILE__, __LINE__, "%s: restore returned %d", cases[k].what, rv);
            return;
        }
        CHECK(memcmp(&M2, &SAVED, sizeof M2) == 0);
    }
    CHECK_EQ(fsm_restore(&M2, buf, (size_t)n), 0);
    CHECK(memcmp(&M, &M2, sizeof M) == 0);
    free(bad);
}

/* Snapshots written by hand: the shapes no single byte can make. */
struct hand_inode {
    uint64_t ino, parent;
    uint8_t type;
};
struct hand_dirent {
    uint64_t parent, ino;
    const char *name;
};

static size_t hand_snapshot(uint8_t *buf, const struct hand_inode *in, int ni,
                            const struct hand_dirent *de, int nd, uint64_t open_ino)
{
    struct le_writer w = {buf, 4096, 0};
    le_put(&w, 0x314d5346u, 4);
    le_put(&w, 2, 4);   /* format */
    le_put(&w, 100, 8); /* applied */
    le_put(&w, 1, 2);   /* a session */
    le_put(&w, 0, 2);
    le_put(&w, (uint64_t)ni, 2);
    le_put(&w, (uint64_t)nd, 2);
    le_put(&w, open_ino ? 1 : 0, 2);
    le_put(&w, 0, 4);    /* no chunk table */
    le_put(&w, 0x10, 8); /* out nodes: node 5 */
    le_put(&w, 0, 2);    /* the session: slot 0, id 50, nonce 0, node 1 */
    le_put(&w, 50, 8);
    le_put(&w, 0, 8);
    le_put(&w, 1, 4);
    for (int k = 0; k < ni; k++) {
        le_put(&w, in[k].ino, 8);
        le_put(&w, in[k].parent, 8);
        le_put(&w, in[k].type, 1);
        le_put(&w, 0755, 2);
        le_put(&w, 0, 8); /* size */
        le_put(&w, 0, 8); /* mtime */
        le_put(&w, 0, 8); /* ctime */
        le_put(&w, 1, 8);
    }
    for (int k = 0; k < nd; k++) {
        le_put(&w, de[k].parent, 8);
        le_put(&w, de[k].ino, 8);
        le_put(&w, strlen(de[k].name), 1);
        le_put_bytes(&w, de[k].name, strlen(de[k].name));
    }
    if (open_ino) {
        le_put(&w, 50, 8);
        le_put(&w, 1, 4);
        le_put(&w, open_ino, 8);
        le_put(&w, 1, 4);
    }
    le_put(&w, 0, 4);
    fix_crc(buf, w.n);
    return w.n;
}

static void test_rejects_shapes(void)
{
    uint8_t *buf = snap_buf();
    fsm_init(&M2);
    memcpy(&SAVED, &M2, sizeof SAVED);
    /* the control: a tree with an open orphan directory is fine */
    const struct hand_inode good[] = {
        {1, 0, FS_T_DIR}, {2, 1, FS_T_DIR}, {3, 2, FS_T_FILE}, {4, 0, FS_T_DIR}};
    const struct hand_dirent good_d[] = {{1, 2, "a"}, {2, 3, "f"}};
    size_t n = hand_snapshot(buf, good, 4, good_d, 2, 4);
    CHECK_EQ(fsm_restore(&M2, buf, n), 0);
    ft_check_invariants(&M2);
    CHECK_OK();
    CHECK_EQ(M2.out_nodes, 0x10);
    CHECK(ft_stat(&M2, "/a/f", &R) == 0 && R.attr.ino == 3);
    CHECK(ft_fstat(&M2, 4, &R) == 0 && R.attr.nlink == 0);
    CHECK(ft_stat(&M2, "/a", &R) == 0 && R.attr.nlink == 2 && R.attr.size == 1);
    CHECK(ft_stat(&M2, "/", &R) == 0 && R.attr.nlink == 3 && R.attr.size == 1);
    memcpy(&M2, &SAVED, sizeof M2);
    /* two directories in each other, away from the root */
    const struct hand_inode cyc[] = {{1, 0, FS_T_DIR}, {2, 3, FS_T_DIR}, {3, 2, FS_T_DIR}};
    const struct hand_dirent cyc_d[] = {{2, 3, "b"}, {3, 2, "a"}};
    n = hand_snapshot(buf, cyc, 3, cyc_d, 2, 0);
    CHECK_EQ(fsm_restore(&M2, buf, n), -EBADMSG);
    CHECK(memcmp(&M2, &SAVED, sizeof M2) == 0);
    /* a directory inside itself */
    const struct hand_inode self[] = {{1, 0, FS_T_DIR}, {2, 2, FS_T_DIR}};
    const struct hand_dirent self_d[] = {{2, 2, "s"}};
    n = hand_snapshot(buf, self, 2, self_d, 1, 0);
    CHECK_EQ(fsm_restore(&M2, buf, n), -EBADMSG);
    /* a file inside an orphan directory */
    const struct hand_inode orph[] = {{1, 0, FS_T_DIR}, {2, 0, FS_T_DIR}, {3, 2, FS_T_FILE}};
    const struct hand_dirent orph_d[] = {{2, 3, "f"}};
    n = hand_snapshot(buf, orph, 3, orph_d, 1, 2);
    CHECK_EQ(fsm_restore(&M2, buf, n), -EBADMSG);
    CHECK(memcmp(&M2, &SAVED, sizeof M2) == 0);
}

/* Replicas fed the same commands hold the same bytes; one that joins from a
 * snapshot halfway holds them too. */
static void test_determinism(void)
{
    uint8_t *a = snap_buf(), *b = malloc(fsm_snapshot_max());
    uint8_t cmd[FS_REQUEST_MAX];
    fsm_init(&M);
    fsm_init(&M2);
    for (int step = 1; step <= 8000; step++) {
        uint64_t idx = M.applied + 1 + (ft_below(30) == 0);
        size_t len = ft_random_command(&M, cmd, sizeof cmd);
        fsm_apply(&M, idx, cmd, len, NULL);
        fsm_apply(&M2, idx, cmd, len, &R2);
        if (step > 4000) {
            fsm_apply(&M3, idx, cmd, len, &R);
            if (R.status != R2.status || memcmp(&R.attr, &R2.attr, sizeof R.attr) != 0) {
                ft_fail(__FILE__, __LINE__,
                        "step %d: the restored replica answered "
                        "differently",
                        step);
                return;
            }
        }
        if (step == 4000) {
            long n = snap(&M, a);
            CHECK(n > 0);
            CHECK_EQ(fsm_restore(&M3, a, (size_t)n), 0);
        }
        if (step % 1000 == 0) {
            CHECK(memcmp(&M, &M2, sizeof M) == 0);
            if (step >= 4000)
                CHECK(memcmp(&M, &M3, sizeof M) == 0);
            long na = snap(&M, a), nb = snap(&M2, b);
            CHECK(na > 0 && na == nb && memcmp(a, b, (size_t)na) == 0);
        }
    }
    free(b);
}

const struct ft_test ft_snapshot_tests[] = {
    {"snapshot_empty", test_empty},
    {"snapshot_roundtrip", test_roundtrip},
    {"snapshot_full_machine", test_full_machine},
    {"snapshot_corruption", test_corruption},
    {"snapshot_truncation", test_truncation},
    {"snapshot_rejects_inconsistent", test_rejects_inconsistent},
    {"snapshot_rejects_shapes", test_rejects_shapes},
    {"snapshot_determinism", test_determinism},
    {NULL, NULL},
};
