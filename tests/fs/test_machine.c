/* tests/fs/test_machine.c: the namespace commands and reads of the metadata
 * machine (services/fs/fsmachine.c): attributes, link counts, times and
 * versions, renames, READDIR paging, deep paths, the index rules. Open
 * references, orphans, sessions and dedup are in test_refs.c. */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fs/harness.h"

static struct fs_machine M, SAVED;
static struct fs_reply R;

static int run(const char *script) { return ft_script(&M, script, &R); }

/* The attributes of path (the test fails if it does not resolve). */
static struct fs_attr attr(const char *path)
{
    static struct fs_reply r;
    struct fs_attr a;
    memset(&a, 0, sizeof a);
    if (ft_stat(&M, path, &r) != 0)
        ft_fail(__FILE__, __LINE__, "stat %s: %d", path, r.status);
    else
        a = r.attr;
    return a;
}

static void test_init(void)
{
    fsm_init(&M);
    CHECK_EQ(M.applied, 1);
    struct fs_attr a = attr("/");
    CHECK_OK();
    CHECK(a.ino == FS_ROOT_INO && a.type == FS_T_DIR && a.mode == 0755 && a.nlink == 2 &&
          a.size == 0 && a.version == 1);
    struct fs_request q = ft_req(FS_OP_STATFS, NULL);
    fsm_read(&M, &q, &R);
    CHECK_EQ(R.status, 0);
    CHECK(R.sf.inodes_used == 1 && R.sf.inodes_total == FS_MAX_INODES);
    CHECK(R.sf.opens_used == 0 && R.sf.opens_total == FS_MAX_OPENS);
    CHECK_EQ(R.index, 1);
    ft_check_invariants(&M);
}

/* An index at or below applied changes nothing; anything else advances
 * applied, whatever the outcome; skip only ever raises it. */
static void test_index_rules(void)
{
    fsm_init(&M);
    uint8_t cmd[FS_REQUEST_MAX];
    struct fs_request q = ft_req(FS_OP_MKDIR, "/d");
    int n = fs_request_encode(&q, cmd, sizeof cmd);
    CHECK(n > 0);
    memcpy(&SAVED, &M, sizeof M);
    CHECK_EQ(fsm_apply(&M, 1, cmd, (size_t)n, &R), -EINVAL); /* the root's index */
    CHECK_EQ(R.index, 1);
    CHECK(memcmp(&M, &SAVED, sizeof M) == 0);
    CHECK_EQ(fsm_apply(&M, 5, cmd, (size_t)n, &R), 0);
    CHECK_EQ(R.attr.ino, 5); /* the inode's number is the command's index */
    memcpy(&SAVED, &M, sizeof M);
    CHECK_EQ(fsm_apply(&M, 5, cmd, (size_t)n, NULL), -EINVAL);
    CHECK_EQ(fsm_apply(&M, 3, cmd, (size_t)n, NULL), -EINVAL);
    CHECK(memcmp(&M, &SAVED, sizeof M) == 0);
    fsm_skip(&M, 4);
    CHECK_EQ(M.applied, 5);
    fsm_skip(&M, 9);
    CHECK_EQ(M.applied, 9);
    CHECK_EQ(fsm_apply(&M, 10, cmd, 1, &R), -EBADMSG);
    CHECK_EQ(M.applied, 10);
    CHECK_EQ(fsm_apply(&M, 11, cmd, (size_t)n, &R), -EEXIST);
    CHECK_EQ(M.applied, 11);
    /* numbers are never reused */
    CHECK_EQ(run("rmdir /d; mkdir /d"), 0);
    CHECK_EQ(R.attr.ino, 13);
    ft_check_invariants(&M);
}

static void test_create_attrs(void)
{
    fsm_init(&M);
    struct fs_request q = ft_req(FS_OP_CREATE, "/f");
    q.mode = 0640;
    q.now_ns = 5000;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.created == 1 && R.index == 2 && R.op == FS_OP_CREATE);
    struct fs_attr a = R.attr;
    CHECK(a.ino == 2 && a.type == FS_T_FILE && a.mode == 0640 && a.nlink == 1 && a.size == 0 &&
          a.mtime_ns == 5000 && a.ctime_ns == 5000 && a.version == 1);
    struct fs_attr s = attr("/f");
    CHECK_OK();
    CHECK(memcmp(&s, &a, sizeof a) == 0);
    CHECK_EQ(ft_fstat(&M, 2, &R), 0);
    CHECK(memcmp(&R.attr, &a, sizeof a) == 0);
    struct fs_attr root = attr("/");
    CHECK(root.size == 1 && root.nlink == 2 && root.version == 2 && root.mtime_ns == 5000 &&
          root.ctime_ns == 5000);
    /* the same name again: opened, not created; the mode is not touched */
    q.mode = 0600;
    q.now_ns = 6000;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.created == 0 && R.attr.ino == 2 && R.attr.mode == 0640 && R.attr.version == 1);
    CHECK_EQ(attr("/").version, 2);
    /* TRUNC of an existing file: size 0, new times, a new version */
    CHECK_EQ(run("setattr /f size=70000"), 0);
    CHECK_EQ(R.attr.version, 2);
    q.flags = FS_F_TRUNC;
    q.now_ns = 9000;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.created == 0 && R.attr.size == 0 && R.attr.version == 3 && R.attr.mtime_ns == 9000 &&
          R.attr.ctime_ns == 9000);
    ft_check_invariants(&M);
}

/* Directories: nlink 2 + subdirectories, size = entries, times and versions
 * of the parent on every entry added or removed. */
static void test_mkdir_rmdir_links(void)
{
    fsm_init(&M);
    CHECK_EQ(run("mkdir /a; mkdir /a/b; mkdir /a/c; create /a/f"), 0);
    struct fs_attr a = attr("/a");
    CHECK(a.nlink == 4 && a.size == 3 && a.version == 4);
    CHECK(attr("/").nlink == 3 && attr("/").size == 1);
    CHECK_EQ(attr("/a/b").nlink, 2);
    struct fs_request q = ft_req(FS_OP_RMDIR, "/a/b");
    q.now_ns = 77777;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.attr.ino == attr("/a").ino + 1 && R.attr.type == 0); /* freed: the number alone */
    a = attr("/a");
    CHECK(a.nlink == 3 && a.size == 2 && a.version == 5 && a.mtime_ns == 77777);
    CHECK_EQ(run("unlink /a/f"), 0);
    a = attr("/a");
    CHECK(a.nlink == 3 && a.size == 1 && a.version == 6);
    CHECK_EQ(run("rmdir /a/c; rmdir /a"), 0);
    CHECK(attr("/").nlink == 2 && attr("/").size == 0);
    CHECK_EQ(M.n_inodes, 1);
    CHECK_EQ(M.n_dirents, 0);
    ft_check_invariants(&M);
}

static void test_setattr(void)
{
    fsm_init(&M);
    CHECK_EQ(run("create /f"), 0);
    uint64_t v = R.attr.version;
    struct fs_request q = ft_req(FS_OP_SETATTR, NULL);
    q.ino = R.attr.ino;
    q.flags = FS_F_SIZE;
    q.size = 3 * FS_CHUNK_SIZE + 1;
    q.now_ns = 100;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.attr.size == q.size && R.attr.version == v + 1 && R.attr.mtime_ns == 100 &&
          R.attr.ctime_ns == 100);
    q.size = 5; /* shrinks: the chunk hook runs */
    q.now_ns = 200;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.attr.size == 5 && R.attr.version == v + 2);
    q.flags = FS_F_MTIME;
    q.mtime_ns = 42;
    q.now_ns = 300;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.attr.mtime_ns == 42 && R.attr.ctime_ns == 300 && R.attr.size == 5 &&
          R.attr.version == v + 3);
    q.flags = FS_F_MODE | FS_F_SIZE | FS_F_MTIME;
    q.mode = 04711;
    q.size = FS_FILE_MAX;
    q.mtime_ns = 7;
    q.now_ns = 400;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.attr.mode == 04711 && R.attr.size == FS_FILE_MAX && R.attr.mtime_ns == 7 &&
          R.attr.ctime_ns == 400 && R.attr.version == v + 4);
    q.size = FS_FILE_MAX + 1;
    CHECK_EQ(ft_apply(&M, &q, &R), -EFBIG);
    CHECK_EQ(attr("/f").version, v + 4);
    ft_check_invariants(&M);
}

/* EXTEND covers a write (never shrinks); RESERVE appends, answering where;
 * both touch mtime, ctime and the version. */
static void test_extend_reserve(void)
{
    fsm_init(&M);
    CHECK_EQ(run("create /f"), 0);
    uint64_t f = R.attr.ino;
    struct fs_request q = ft_req(FS_OP_EXTEND, NULL);
    q.ino = f;
    q.size = 5000;
    q.now_ns = 10;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.attr.size == 5000 && R.attr.version == 2 && R.attr.mtime_ns == 10 &&
          R.attr.ctime_ns == 10 && R.value == 0);
    q.size = 100; /* a write inside the file */
    q.now_ns = 20;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.attr.size == 5000 && R.attr.version == 3 && R.attr.mtime_ns == 20);
    q.op = FS_OP_RESERVE;
    q.size = 300;
    q.now_ns = 30;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.value == 5000 && R.attr.size == 5300 && R.attr.version == 4 && R.attr.mtime_ns == 30);
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.value == 5300 && R.attr.size == 5600);
    q.size = FS_FILE_MAX - 5600;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK(R.value == 5600 && R.attr.size == FS_FILE_MAX);
    q.size = 1;
    CHECK_EQ(ft_apply(&M, &q, &R), -EFBIG);
    CHECK_EQ(R.value, 0);
    ft_check_invariants(&M);
}

/* RENAME moves the entry, keeps the inode (number, mtime, size), updates
 * both parents, and carries a directory's whole subtree. */
static void test_rename_moves(void)
{
    fsm_init(&M);
    CHECK_EQ(run("mkdir /a; mkdir /a/b; mkdir /a/b/c; create /a/b/c/f; mkdir /z"), 0);
    uint64_t b = ft_ino(&M, "/a/b"), f = ft_ino(&M, "/a/b/c/f");
    struct fs_attr before = attr("/a/b");
    struct fs_request q = ft_req(FS_OP_RENAME, "/a/b");
    memcpy(q.path2, "/z/y", 4);
    q.path2_len = 4;
    q.now_ns = 123456;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK_EQ(R.attr.ino, b);
    CHECK_EQ(ft_ino(&M, "/a/b"), 0);
    CHECK_EQ(ft_ino(&M, "/z/y"), b);
    CHECK_EQ(ft_ino(&M, "/z/y/c/f"), f);
    struct fs_attr after = attr("/z/y");
    CHECK(after.mtime_ns == before.mtime_ns && after.ctime_ns == 123456 &&
          after.version == before.version + 1 && after.nlink == 3);
    struct fs_attr a = attr("/a"), z = attr("/z");
    CHECK(a.nlink == 2 && a.size == 0 && a.mtime_ns == 123456);
    CHECK(z.nlink == 3 && z.size == 1 && z.mtime_ns == 123456);
    /* within one directory: the parent changes once */
    uint64_t zv = z.version;
    CHECK_EQ(run("rename /z/y /z/x"), 0);
    CHECK(attr("/z").version == zv + 1 && attr("/z").size == 1 && attr("/z").nlink == 3);
    /* into a sibling's subtree is fine; into its own is not */
    CHECK_EQ(run("rename /z /a/z"), 0);
    CHECK_EQ(ft_ino(&M, "/a/z/x/c/f"), f);
    CHECK_EQ(run("rename /a /a/z/x/c/a"), -EINVAL);
    CHECK_EQ(run("rename /a/z /a/z/x/q"), -EINVAL);
    CHECK_EQ(run("rename /a/z/x/c /q"), 0);
    CHECK_EQ(ft_ino(&M, "/q/f"), f);
    ft_check_invariants(&M);
}

/* Source and destination the same entry: success, and nothing changes. */
static void test_rename_same_path(void)
{
    fsm_init(&M);
    CHECK_EQ(run("mkdir /d; create /d/f"), 0);
    memcpy(&SAVED, &M, sizeof M);
    CHECK_EQ(run("rename /d/f /d/f"), 0);
    CHECK_EQ(R.attr.ino, ft_ino(&M, "/d/f"));
    CHECK_EQ(run("rename /d /d"), 0);
    SAVED.applied = M.applied;
    CHECK(memcmp(&M, &SAVED, sizeof M) == 0);
}

/* A file over a file and a directory over an empty directory replace it:
 * the replaced one is freed (nothing holds it open), the parents' counts
 * stay right. */
static void test_rename_replaces(void)
{
    fsm_init(&M);
    CHECK_EQ(run("mkdir /p; mkdir /p/a; mkdir /p/b; create /p/a/f; create /p/g; create /p/h"), 0);
    uint64_t a = ft_ino(&M, "/p/a"), b = ft_ino(&M, "/p/b"), g = ft_ino(&M, "/p/g");
    uint64_t h = ft_ino(&M, "/p/h");
    CHECK(attr("/p").nlink == 4 && attr("/p").size == 4);
    CHECK_EQ(run("rename /p/a /p/b"), 0);
    CHECK_EQ(ft_ino(&M, "/p/b"), a);
    CHECK_EQ(ft_fstat(&M, b, &R), -ENOENT); /* replaced and freed */
    CHECK(attr("/p").nlink == 3 && attr("/p").size == 3);
    CHECK_EQ(run("rename /p/g /p/h"), 0);
    CHECK_EQ(ft_ino(&M, "/p/h"), g);
    CHECK_EQ(ft_fstat(&M, h, &R), -ENOENT);
    CHECK(attr("/p").nlink == 3 && attr("/p").size == 2);
    /* across directories, over a file */
    CHECK_EQ(run("create /top; rename /p/h /top"), 0);
    CHECK_EQ(ft_ino(&M, "/top"), g);
    CHECK(attr("/p").size == 1 && attr("/").size == 2);
    CHECK_EQ(M.n_inodes, 5); /* root, p, a (now b), f, g (now top) */
    ft_check_invariants(&M);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Read the whole of dir in pages of `max`; the names in out (NUL-separated)
 * and how many. Every page but the last says more = 1. */
static int read_all(const char *dir, uint32_t max, char (*out)[FS_NAME_MAX + 1], int cap)
{
    struct fs_request q = ft_req(FS_OP_READDIR, dir);
    q.max = max;
    int n = 0;
    for (int pages = 0; pages < 10000; pages++) {
        fsm_read(&M, &q, &R);
        if (R.status || R.attr.type != FS_T_DIR) {
            ft_fail(__FILE__, __LINE__, "readdir %s: %d", dir, R.status);
            return -1;
        }
        uint32_t lim = max == 0 ? FS_READDIR_MAX : max;
        if (R.n > lim || (R.more && R.n != lim) || (R.n == 0 && R.more)) {
            ft_fail(__FILE__, __LINE__, "page of %u with more %u (max %u)", R.n, R.more, lim);
            return -1;
        }
        for (uint32_t i = 0; i < R.n && n < cap; i++, n++) {
            memcpy(out[n], R.ents[i].name, R.ents[i].name_len);
            out[n][R.ents[i].name_len] = 0;
        }
        if (!R.more)
            return n;
        const struct fs_dirent *last = &R.ents[R.n - 1];
        memcpy(q.after, last->name, last->name_len);
        q.after_len = last->name_len;
    }
    return -1;
}

/* 1000 files in one directory (between two busy siblings): READDIR pages
 * through them in name order, each exactly once, whatever the page size. */
static void test_readdir_1000_paging(void)
{
    static char want[1000][FS_NAME_MAX + 1], got[1100][FS_NAME_MAX + 1];
    static const char *sorted[1000];
    fsm_init(&M);
    CHECK_EQ(run("mkdir /a; mkdir /big; mkdir /c; create /a/x; create /c/y; create /bigfile"), 0);
    for (int i = 0; i < 1000; i++) {
        int k = (i * 7919) % 1000; /* not in order */
        snprintf(want[k], sizeof want[k], "f%d%s", k, k % 3 ? "" : ".txt");
        char path[FS_PATH_MAX];
        snprintf(path, sizeof path, "/big/%s", want[k]);
        struct fs_request q = ft_req(FS_OP_CREATE, path);
        CHECK_EQ(ft_apply(&M, &q, NULL), 0);
    }
    CHECK_EQ(run("create /a/zzz; create /c/0"), 0);
    ft_check_invariants(&M);
    CHECK_OK();
    for (int i = 0; i < 1000; i++)
        sorted[i] = want[i];
    qsort(sorted, 1000, sizeof sorted[0], cmp_str); /* strcmp: bytewise, shorter first */
    static const uint32_t maxes[] = {0, 1, 7, 100, FS_READDIR_MAX, 999};
    for (size_t k = 0; k < sizeof maxes / sizeof maxes[0]; k++) {
        uint32_t max = maxes[k] > FS_READDIR_MAX ? FS_READDIR_MAX : maxes[k];
        int n = read_all("/big", max, got, 1100);
        CHECK_OK();
        CHECK_EQ(n, 1000);
        for (int i = 0; i < 1000; i++)
            if (strcmp(got[i], sorted[i]) != 0) {
                ft_fail(__FILE__, __LINE__, "max %u: entry %d is %s, want %s", max, i, got[i],
                        sorted[i]);
                return;
            }
    }
    CHECK_EQ(attr("/big").size, 1000);
    /* `after` a name that has gone since: the listing goes on after it */
    struct fs_request q = ft_req(FS_OP_READDIR, "/big");
    q.max = 3;
    char path[FS_PATH_MAX];
    snprintf(path, sizeof path, "unlink /big/%s", sorted[500]);
    CHECK_EQ(run(path), 0);
    q.after_len = (uint16_t)strlen(sorted[500]);
    memcpy(q.after, sorted[500], q.after_len);
    fsm_read(&M, &q, &R);
    CHECK(R.status == 0 && R.n == 3 && R.more == 1);
    CHECK(R.ents[0].name_len == strlen(sorted[501]) &&
          memcmp(R.ents[0].name, sorted[501], R.ents[0].name_len) == 0);
    snprintf(path, sizeof path, "/big/%s", sorted[501]);
    CHECK(R.ents[0].type == FS_T_FILE && R.ents[0].ino == ft_ino(&M, path));
    /* the last page, and past the end */
    q.after_len = (uint16_t)strlen(sorted[998]);
    memcpy(q.after, sorted[998], q.after_len);
    fsm_read(&M, &q, &R);
    CHECK(R.status == 0 && R.n == 1 && R.more == 0);
    q.after_len = 1;
    q.after[0] = '~';
    fsm_read(&M, &q, &R);
    CHECK(R.status == 0 && R.n == 0 && R.more == 0);
    /* the root lists its four, directories typed as such */
    int n = read_all("/", 2, got, 1100);
    CHECK_EQ(n, 4);
    CHECK(strcmp(got[0], "a") == 0 && strcmp(got[1], "big") == 0 &&
          strcmp(got[2], "bigfile") == 0 && strcmp(got[3], "c") == 0);
    q = ft_req(FS_OP_READDIR, "/");
    fsm_read(&M, &q, &R);
    CHECK(R.n == 4 && R.ents[0].type == FS_T_DIR && R.ents[2].type == FS_T_FILE);
    ft_check_invariants(&M);
}

static void test_reads(void)
{
    fsm_init(&M);
    CHECK_EQ(run("mkdir /d; create /d/f"), 0);
    CHECK_EQ(ft_stat(&M, "/nope", &R), -ENOENT);
    CHECK_EQ(ft_stat(&M, "/nope/x", &R), -ENOENT);
    CHECK_EQ(ft_stat(&M, "/d/f/x", &R), -ENOTDIR);
    CHECK_EQ(R.index, M.applied);
    CHECK_EQ(ft_fstat(&M, 999, &R), -ENOENT);
    struct fs_request q = ft_req(FS_OP_READDIR, "/d/f");
    fsm_read(&M, &q, &R);
    CHECK_EQ(R.status, -ENOTDIR);
    q = ft_req(FS_OP_READDIR, "/e");
    fsm_read(&M, &q, &R);
    CHECK_EQ(R.status, -ENOENT);
    CHECK_EQ(run("mkdir /e"), 0);
    fsm_read(&M, &q, &R);
    CHECK(R.status == 0 && R.n == 0 && R.more == 0 && R.attr.ino == ft_ino(&M, "/e"));
    static const uint8_t not_reads[] = {FS_OP_CREATE, FS_OP_STATUS, FS_OP_SESSION_OPEN, 0, 99};
    for (size_t i = 0; i < sizeof not_reads; i++) {
        q = ft_req(not_reads[i], "/");
        fsm_read(&M, &q, &R);
        CHECK_EQ(R.status, -EINVAL);
    }
}

/* The deepest paths FS_PATH_MAX allows: 64-byte names and 1-byte names. A
 * subtree moved deeper is still there, reachable by inode number, even
 * where its path would pass FS_PATH_MAX. */
static void test_deep_paths(void)
{
    fsm_init(&M);
    char path[FS_PATH_MAX + 2];
    size_t n = 0;
    struct fs_request q;
    for (int level = 0; level < 3; level++) { /* three components of 64 bytes */
        path[n++] = '/';
        memset(path + n, 'a' + level, FS_NAME_MAX);
        n += FS_NAME_MAX;
        path[n] = 0;
        q = ft_req(FS_OP_MKDIR, path);
        CHECK_EQ(ft_apply(&M, &q, &R), 0);
    }
    path[n++] = '/';
    memset(path + n, 'f', FS_PATH_MAX - n);
    n = FS_PATH_MAX;
    path[n] = 0;
    q = ft_req(FS_OP_CREATE, path);
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    uint64_t f = R.attr.ino;
    CHECK_EQ(ft_ino(&M, path), f);
    path[n] = 'g';
    path[n + 1] = 0;
    q = ft_req(FS_OP_CREATE, path);
    uint8_t buf[FS_REQUEST_MAX];
    CHECK_EQ(fs_request_encode(&q, buf, sizeof buf), -ENAMETOOLONG);
    /* a chain of 128 one-byte directories: 256 bytes */
    n = 0;
    for (int level = 0; level < FS_PATH_MAX / 2; level++) {
        path[n++] = '/';
        path[n++] = 'x';
        path[n] = 0;
        q = ft_req(FS_OP_MKDIR, path);
        CHECK_EQ(ft_apply(&M, &q, &R), 0);
    }
    CHECK_EQ(n, FS_PATH_MAX);
    uint64_t deepest = R.attr.ino;
    CHECK_EQ(ft_ino(&M, path), deepest);
    ft_check_invariants(&M);
    CHECK_OK();
    /* move the chain under the 64-byte directories: too deep for a path now */
    memset(path, 0, sizeof path);
    path[0] = '/';
    memset(path + 1, 'a', FS_NAME_MAX);
    memcpy(path + 1 + FS_NAME_MAX, "/x", 2);
    q = ft_req(FS_OP_RENAME, "/x");
    memcpy(q.path2, path, strlen(path));
    q.path2_len = (uint16_t)strlen(path);
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK_EQ(ft_fstat(&M, deepest, &R), 0);
    CHECK_EQ(R.attr.nlink, 2);
    ft_check_invariants(&M);
    CHECK_OK();
    /* and back */
    q = ft_req(FS_OP_RENAME, path);
    memcpy(q.path2, "/x", 2);
    q.path2_len = 2;
    CHECK_EQ(ft_apply(&M, &q, &R), 0);
    CHECK_EQ(ft_ino(&M, "/x/x/x"), ft_ino(&M, "/x") + 2);
    ft_check_invariants(&M);
}

const struct ft_test ft_machine_tests[] = {
    {"machine_init", test_init},
    {"machine_index_rules", test_index_rules},
    {"machine_create_attrs", test_create_attrs},
    {"machine_mkdir_rmdir_links", test_mkdir_rmdir_links},
    {"machine_setattr", test_setattr},
    {"machine_extend_reserve", test_extend_reserve},
    {"machine_rename_moves", test_rename_moves},
    {"machine_rename_same_path", test_rename_same_path},
    {"machine_rename_replaces", test_rename_replaces},
    {"machine_readdir_1000_paging", test_readdir_1000_paging},
    {"machine_reads", test_reads},
    {"machine_deep_paths", test_deep_paths},
    {NULL, NULL},
};
