/* tests/fs/test_refs.c: open references, orphans, sessions and duplicate
 * suppression in the metadata machine (services/fs/fsmachine.c). */
#include <stdio.h>

#include "tests/fs/harness.h"

static struct fs_machine M, SAVED;
static struct fs_reply R;

static int run(const char *script) { return ft_script(&M, script, &R); }

/* The count of (session, pid, ino)'s reference, 0 if none. */
static uint32_t refs(uint64_t session, int32_t pid, uint64_t ino)
{
    for (uint32_t i = 0; i < M.n_opens; i++)
        if (M.opens[i].session == session && M.opens[i].pid == pid && M.opens[i].ino == ino)
            return M.opens[i].count;
    return 0;
}

static int close_ref(uint64_t session, int32_t pid, uint64_t ino)
{
    struct fs_request q = ft_req(FS_OP_CLOSE, NULL);
    q.session = session;
    q.pid = pid;
    q.ino = ino;
    return ft_apply(&M, &q, &R);
}

/* CREATE with FS_F_OPEN is one command: created and referenced; repeated
 * opens count up, closes count down. */
static void test_create_open_counts(void)
{
    fsm_init(&M);
    CHECK_EQ(run("session; create /f open"), 0);
    uint64_t f = R.attr.ino;
    CHECK(R.created == 1 && f == M.applied);
    CHECK_EQ(refs(ft_sess, 1, f), 1);
    CHECK_EQ(run("create /f open"), 0);
    CHECK(R.created == 0 && R.attr.ino == f);
    CHECK_EQ(refs(ft_sess, 1, f), 2);
    CHECK_EQ(run("open /f; open /f pid=2"), 0);
    CHECK_EQ(refs(ft_sess, 1, f), 3);
    CHECK_EQ(refs(ft_sess, 2, f), 1);
    CHECK_EQ(M.n_opens, 2);
    uint64_t v = R.attr.version;
    CHECK_EQ(v, 1); /* opening is not a change */
    CHECK_EQ(run("close /f; close /f; close /f"), 0);
    CHECK_EQ(refs(ft_sess, 1, f), 0);
    CHECK_EQ(M.n_opens, 1);
    CHECK_EQ(run("close /f"), -EBADF);
    CHECK_EQ(run("close /f pid=2"), 0);
    CHECK_EQ(M.n_opens, 0);
    ft_check_invariants(&M);
}

/* fsm_holds: does a pid hold anything under a session? */
static void test_holds(void)
{
    fsm_init(&M);
    CHECK_EQ(run("session; create /f; open /f pid=-5; open / pid=7; open /f pid=7"), 0);
    CHECK(fsm_holds(&M, ft_sess, -5) && fsm_holds(&M, ft_sess, 7));
    CHECK(!fsm_holds(&M, ft_sess, 1) && !fsm_holds(&M, ft_sess, 6) && !fsm_holds(&M, ft_sess, 8) &&
          !fsm_holds(&M, ft_sess + 1, 7) && !fsm_holds(&M, 0, 7));
    CHECK_EQ(run("close /f pid=7"), 0);
    CHECK(fsm_holds(&M, ft_sess, 7));
    CHECK_EQ(run("close / pid=7"), 0);
    CHECK(!fsm_holds(&M, ft_sess, 7));
    struct fs_request q = ft_req(FS_OP_RELEASE, NULL);
    q.session = ft_sess;
    q.pid = -5;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK_EQ(R.value, 1);
    CHECK(!fsm_holds(&M, ft_sess, -5));
}

/* OPEN with FS_F_TRUNC empties the file: size 0, times, a new version. */
static void test_open_trunc(void)
{
    fsm_init(&M);
    CHECK_EQ(run("session; create /f; setattr /f size=200000"), 0);
    uint64_t v = R.attr.version;
    struct fs_request q = ft_req(FS_OP_OPEN, "/f");
    q.flags = FS_F_TRUNC;
    q.session = ft_sess;
    q.now_ns = 31337;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.attr.size == 0 && R.attr.version == v + 1 && R.attr.mtime_ns == 31337);
    CHECK_EQ(refs(ft_sess, 0, R.attr.ino), 1);
    ft_check_invariants(&M);
}

/* An unlinked file that is open stays, as an orphan: gone from its
 * directory and from path lookups, there by inode number (FSTAT, SETATTR,
 * CLOSE) until its last reference goes, then freed. */
static void test_unlink_while_open(void)
{
    fsm_init(&M);
    CHECK_EQ(run("session; create /f open; setattr /f size=1000"), 0);
    uint64_t f = R.attr.ino;
    CHECK_EQ(run("unlink /f"), 0);
    CHECK(R.attr.ino == f && R.attr.type == FS_T_FILE && R.attr.nlink == 0 && R.attr.size == 1000);
    CHECK_EQ(ft_stat(&M, "/f", &R), -ENOENT);
    CHECK_EQ(ft_fstat(&M, f, &R), 0);
    CHECK(R.attr.nlink == 0 && R.attr.size == 1000);
    struct fs_request q = ft_req(FS_OP_READDIR, "/");
    fsm_read(&M, &q, &R);
    CHECK(R.status == 0 && R.n == 0);
    ft_check_invariants(&M);
    CHECK_OK();
    char cmd[64];
    snprintf(cmd, sizeof cmd, "setattr #%llu size=5", (unsigned long long)f);
    CHECK_EQ(run(cmd), 0);
    CHECK(R.attr.size == 5 && R.attr.nlink == 0);
    /* the name is free again: a new file, a new number */
    CHECK_EQ(run("create /f"), 0);
    CHECK(R.created == 1 && R.attr.ino != f);
    CHECK_EQ(M.n_inodes, 3);
    CHECK_EQ(close_ref(ft_sess, 1, f), 0);
    CHECK(R.attr.ino == f && R.attr.type == 0); /* freed: the number alone */
    CHECK_EQ(ft_fstat(&M, f, &R), -ENOENT);
    CHECK_EQ(M.n_inodes, 2);
    ft_check_invariants(&M);
}

/* The last reference may also go by RELEASE of its pid or by the expiry of
 * its session; references in two sessions keep it until both are gone. */
static void test_orphan_release_and_expire(void)
{
    fsm_init(&M);
    CHECK_EQ(run("session; create /f open; open /f pid=2"), 0);
    uint64_t s1 = ft_sess, f = ft_ino(&M, "/f");
    CHECK_EQ(run("session; open /f pid=7"), 0);
    uint64_t s2 = ft_sess;
    CHECK_EQ(run("unlink /f"), 0);
    ft_sess = s1;
    CHECK_EQ(run("release"), 0); /* pid 1 of s1 */
    CHECK_EQ(R.value, 1);
    CHECK_EQ(ft_fstat(&M, f, &R), 0);
    ft_sess = s2;
    CHECK_EQ(run("expire"), 0);
    CHECK_EQ(R.value, 1);
    CHECK_EQ(ft_fstat(&M, f, &R), 0); /* s1's pid 2 still holds it */
    CHECK(!fsm_session_exists(&M, s2));
    ft_sess = s1;
    CHECK_EQ(run("expire"), 0);
    CHECK_EQ(R.value, 1);
    CHECK_EQ(ft_fstat(&M, f, &R), -ENOENT);
    CHECK(M.n_opens == 0 && M.n_inodes == 1);
    CHECK_EQ(run("expire"), 0); /* again: nothing */
    CHECK_EQ(R.value, 0);
    ft_check_invariants(&M);
}

/* RMDIR of an open directory: an orphan directory, freed at the close. */
static void test_rmdir_while_open(void)
{
    fsm_init(&M);
    CHECK_EQ(run("session; mkdir /d; open /d"), 0);
    uint64_t d = R.attr.ino;
    CHECK_EQ(run("rmdir /d"), 0);
    CHECK(R.attr.nlink == 0 && R.attr.size == 0 && R.attr.type == FS_T_DIR);
    CHECK(ft_stat(&M, "/", &R) == 0 && R.attr.nlink == 2 && R.attr.size == 0);
    CHECK_EQ(ft_fstat(&M, d, &R), 0);
    ft_check_invariants(&M);
    CHECK_OK();
    CHECK_EQ(close_ref(ft_sess, 1, d), 0);
    CHECK_EQ(ft_fstat(&M, d, &R), -ENOENT);
    ft_check_invariants(&M);
}

/* RENAME over an open file: the replaced file is orphaned, not freed. */
static void test_rename_over_open_file(void)
{
    fsm_init(&M);
    CHECK_EQ(run("session; create /a; setattr /a size=11; create /b open; setattr /b size=22"), 0);
    uint64_t a = ft_ino(&M, "/a"), b = ft_ino(&M, "/b");
    CHECK_EQ(run("rename /a /b"), 0);
    CHECK_EQ(ft_ino(&M, "/b"), a);
    CHECK_EQ(ft_stat(&M, "/a", &R), -ENOENT);
    CHECK_EQ(ft_fstat(&M, b, &R), 0);
    CHECK(R.attr.nlink == 0 && R.attr.size == 22);
    CHECK(ft_stat(&M, "/b", &R) == 0 && R.attr.size == 11 && R.attr.nlink == 1);
    CHECK(ft_stat(&M, "/", &R) == 0 && R.attr.size == 1);
    ft_check_invariants(&M);
    CHECK_OK();
    CHECK_EQ(close_ref(ft_sess, 1, b), 0);
    CHECK_EQ(ft_fstat(&M, b, &R), -ENOENT);
    CHECK_EQ(M.n_inodes, 2);
    /* over an open directory, likewise */
    CHECK_EQ(run("mkdir /d; mkdir /e; open /e"), 0);
    uint64_t e = ft_ino(&M, "/e");
    CHECK_EQ(run("rename /d /e"), 0);
    CHECK(ft_fstat(&M, e, &R) == 0 && R.attr.nlink == 0);
    CHECK(ft_stat(&M, "/", &R) == 0 && R.attr.nlink == 3 && R.attr.size == 2);
    ft_check_invariants(&M);
}

/* Opening a file held by the table's last slot: its count goes to
 * FS_OPEN_COUNT_MAX and no further. */
static void test_open_count_limit(void)
{
    fsm_init(&M);
    CHECK_EQ(run("session; create /f; opens /f 65535"), 0);
    CHECK_EQ(refs(ft_sess, 1, ft_ino(&M, "/f")), FS_OPEN_COUNT_MAX);
    CHECK_EQ(run("open /f"), -EMFILE);
    CHECK_EQ(run("close /f; open /f"), 0);
    ft_check_invariants(&M);
}

static void test_sessions(void)
{
    fsm_init(&M);
    uint64_t a = ft_session(&M, 3, 9);
    CHECK_EQ(a, M.applied);            /* the id is the index of the open */
    CHECK_EQ(ft_session(&M, 3, 9), a); /* a retry: the same session */
    uint64_t b = ft_session(&M, 3, 10);
    CHECK(b != a && b == M.applied);
    CHECK_EQ(fsm_session_find(&M, 3, 10), b);
    CHECK_EQ(fsm_session_find(&M, 4, 10), 0);
    CHECK(fsm_session_exists(&M, a) && !fsm_session_exists(&M, 0) && !fsm_session_exists(&M, 999));
    struct fs_request q = ft_req(FS_OP_SESSION_EXPIRE, NULL);
    q.session = a;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(!fsm_session_exists(&M, a) && fsm_session_exists(&M, b));
    CHECK_EQ(ft_session(&M, 3, 9), M.applied); /* a new one now */
    ft_check_invariants(&M);
}

/* NODE_OUT and NODE_IN keep the out-node mask that chunk placement leaves
 * out: STATFS shows it, a snapshot carries it, a repeat changes nothing,
 * and a node number outside 1..64 is refused before it reaches the log. */
static void test_out_nodes(void)
{
    fsm_init(&M);
    struct fs_request q = ft_req(FS_OP_NODE_OUT, NULL), st = ft_req(FS_OP_STATFS, NULL);
    q.owner_node = 3;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK_EQ(ft_apply(&M, &q, &R), 0); /* again: still out */
    q.owner_node = 64;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    fsm_read(&M, &st, &R);
    CHECK_EQ(R.sf.out_nodes, (1ULL << 2) | (1ULL << 63));
    static uint8_t snap[1 << 20];
    static struct fs_machine M3;
    long n = fsm_snapshot(&M, snap, sizeof snap);
    CHECK(n > 0 && fsm_restore(&M3, snap, (size_t)n) == 0 && M3.out_nodes == M.out_nodes);
    q.op = FS_OP_NODE_IN;
    q.owner_node = 3;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    fsm_read(&M, &st, &R);
    CHECK_EQ(R.sf.out_nodes, 1ULL << 63);
    uint8_t buf[FS_REQUEST_MAX];
    q.owner_node = 0;
    CHECK_EQ(fs_request_encode(&q, buf, sizeof buf), -EINVAL);
    q.owner_node = 65;
    CHECK_EQ(fs_request_encode(&q, buf, sizeof buf), -EINVAL);
    ft_check_invariants(&M);
}

/* A retried client write is answered from the table, not applied again:
 * the same status, inode number, index and `created`, even where applying
 * it again would give something else. The repeat's attr holds the number
 * alone. */
static void test_dedup_repeat(void)
{
    fsm_init(&M);
    struct fs_request q = ft_req(FS_OP_CREATE, "/f");
    q.flags = FS_F_EXCL;
    q.client = 77;
    q.seq = 1;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    uint64_t f = R.attr.ino, idx = R.index;
    CHECK(R.created == 1 && f == idx);
    fsm_skip(&M, M.applied + 5);
    memcpy(&SAVED, &M, sizeof M);
    CHECK_EQ(ft_apply(&M, &q, &R), 0); /* applied again, EXCL would say EEXIST */
    CHECK(R.created == 1 && R.attr.ino == f && R.index == idx && R.attr.type == 0);
    CHECK_EQ(M.n_inodes, 2);
    /* a repeat of an open of an existing file: created stays 0 */
    q.flags = 0;
    q.seq = 2;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.created == 0 && R.attr.ino == f);
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.created == 0 && R.attr.ino == f && R.index == M.applied - 1);
    /* an UNLINK retried after it ran: 0, not ENOENT */
    q = ft_req(FS_OP_UNLINK, "/f");
    q.client = 77;
    q.seq = 3;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK_EQ(R.attr.ino, f);
    /* a failure is remembered too */
    q.seq = 4;
    CHECK_EQ(ft_apply(&M, &q, &R), -ENOENT);
    CHECK_EQ(run("create /f"), 0); /* would succeed now */
    CHECK_EQ(ft_apply(&M, &q, &R), -ENOENT);
    CHECK_EQ(R.attr.ino, 0);
    CHECK(ft_stat(&M, "/f", &R) == 0);
    ft_check_invariants(&M);
}

/* A retried RESERVE gets the place it got the first time: the table keeps
 * the offset for it, not the inode number. */
static void test_dedup_reserve(void)
{
    fsm_init(&M);
    CHECK_EQ(run("create /log; extend /log 100"), 0);
    uint64_t f = R.attr.ino;
    struct fs_request q = ft_req(FS_OP_RESERVE, NULL);
    q.ino = f;
    q.size = 10;
    q.client = 31;
    q.seq = 1;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.value == 100 && R.attr.size == 110 && R.attr.ino == f);
    uint64_t idx = R.index;
    CHECK_EQ(run("reserve /log 7"), 0); /* someone else appends */
    CHECK_EQ(R.value, 110);
    CHECK_EQ(ft_apply(&M, &q, &R), 0); /* our retry */
    CHECK(R.value == 100 && R.attr.ino == f && R.attr.type == 0 && R.index == idx);
    struct fs_reply s;
    CHECK(ft_stat(&M, "/log", &s) == 0 && s.attr.size == 117);
    q.seq = 2;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK_EQ(R.value, 117);
    ft_check_invariants(&M);
}

static void test_dedup_stale(void)
{
    fsm_init(&M);
    struct fs_request q = ft_req(FS_OP_MKDIR, "/d");
    q.client = 5;
    q.seq = 3; /* unknown client, not its first request: maybe a retry */
    CHECK_EQ(ft_apply(&M, &q, &R), -ESTALE);
    CHECK_EQ(ft_stat(&M, "/d", &R), -ENOENT);
    q.seq = 1;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    q = ft_req(FS_OP_MKDIR, "/e");
    q.client = 5;
    q.seq = 4; /* a gap is fine */
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    q = ft_req(FS_OP_MKDIR, "/g");
    q.client = 5;
    q.seq = 2; /* older than the last: already answered */
    CHECK_EQ(ft_apply(&M, &q, &R), -ESTALE);
    CHECK_EQ(ft_stat(&M, "/g", &R), -ENOENT);
    /* servers' commands (client 0) are not numbered */
    CHECK_EQ(run("mkdir /g; rmdir /g; mkdir /g"), 0);
    ft_check_invariants(&M);
}

/* With every client slot taken, a new client takes the least recently
 * used one's; the forgotten client's next request is -ESTALE. */
static void test_dedup_lru_eviction(void)
{
    fsm_init(&M);
    struct fs_request q = ft_req(FS_OP_SETATTR, NULL);
    q.ino = FS_ROOT_INO;
    q.flags = FS_F_MODE;
    q.mode = 0755;
    for (uint64_t c = 1; c <= FS_MAX_CLIENTS; c++) {
        q.client = 1000 + c;
        q.seq = 1;
        CHECK_EQ(ft_apply(&M, &q, NULL), 0);
    }
    q.client = 1001; /* the oldest, used again: no longer the LRU */
    q.seq = 2;
    CHECK_EQ(ft_apply(&M, &q, NULL), 0);
    q.client = 9999;
    q.seq = 1;
    CHECK_EQ(ft_apply(&M, &q, NULL), 0);
    q.client = 1002; /* forgotten */
    q.seq = 2;
    CHECK_EQ(ft_apply(&M, &q, &R), -ESTALE);
    q.client = 1001;
    q.seq = 2;
    CHECK_EQ(ft_apply(&M, &q, &R), 0); /* still known: a repeat */
    CHECK(R.index < M.applied);
    q.client = 1003;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK_EQ(R.index, M.applied);
    ft_check_invariants(&M);
}

const struct ft_test ft_refs_tests[] = {
    {"refs_create_open_counts", test_create_open_counts},
    {"refs_holds", test_holds},
    {"refs_open_trunc", test_open_trunc},
    {"refs_unlink_while_open", test_unlink_while_open},
    {"refs_orphan_release_and_expire", test_orphan_release_and_expire},
    {"refs_rmdir_while_open", test_rmdir_while_open},
    {"refs_rename_over_open_file", test_rename_over_open_file},
    {"refs_open_count_limit", test_open_count_limit},
    {"refs_sessions", test_sessions},
    {"refs_out_nodes", test_out_nodes},
    {"refs_dedup_repeat", test_dedup_repeat},
    {"refs_dedup_reserve", test_dedup_reserve},
    {"refs_dedup_stale", test_dedup_stale},
    {"refs_dedup_lru_eviction", test_dedup_lru_eviction},
    {NULL, NULL},
};
