/* tests/unit/test_fspath.c: user/fspath.c, the lexical path normalisation
 * under the POSIX file calls (cwd joined, ".", ".." and empty components
 * resolved, the service's length limits enforced). */
#include <string.h>

#include "lib/errno.h"
#include "tests/unit/unit.h"
#include "user/fspath.h"

/* Resolves and checks both the text and the returned length. */
#define RESOLVES(cwd, path, want)                                                                  \
    do {                                                                                           \
        char out_[FSC_PATH_MAX + 1];                                                               \
        int n_ = fspath_resolve((cwd), (path), out_);                                              \
        CHECK_EQ(n_, strlen(want));                                                                \
        CHECK_STR(out_, (want));                                                                   \
    } while (0)

#define FAILS(cwd, path, err)                                                                      \
    do {                                                                                           \
        char out_[FSC_PATH_MAX + 1];                                                               \
        memset(out_, 'x', sizeof out_);                                                            \
        CHECK_EQ(fspath_resolve((cwd), (path), out_), (err));                                      \
        CHECK_STR(out_, "");                                                                       \
    } while (0)

/* Fills buf with `count` components of `len` bytes each: "/aaa/aaa...". */
static void components(char *buf, int count, int len)
{
    char *p = buf;
    for (int i = 0; i < count; i++) {
        *p++ = '/';
        memset(p, 'a' + i % 26, (size_t)len);
        p += len;
    }
    *p = 0;
}

static void fspath_absolute(void)
{
    RESOLVES("/ignored", "/", "/");
    RESOLVES("/ignored", "/a", "/a");
    RESOLVES("/ignored", "/a/b/c", "/a/b/c");
    RESOLVES("/x", "//a///b//", "/a/b");
    RESOLVES("/x", "/a/./b/.", "/a/b");
    RESOLVES("/x", "/.", "/");
    RESOLVES("/x", "///", "/");
    /* Names that merely start with dots are names. */
    RESOLVES("/", "/.a/..b/...", "/.a/..b/...");
}

static void fspath_relative(void)
{
    RESOLVES("/", "a", "/a");
    RESOLVES("/home", "a/b", "/home/a/b");
    RESOLVES("/home/", "a", "/home/a");
    RESOLVES("/home", ".", "/home");
    RESOLVES("/home", "./", "/home");
    RESOLVES("/home/u", "..", "/home");
    RESOLVES("/home/u", "../v/./w", "/home/v/w");
    /* A cwd that is not normalised is normalised along the way. */
    RESOLVES("//home/./u/../v//", "w", "/home/v/w");
}

static void fspath_dotdot(void)
{
    RESOLVES("/", "..", "/");
    RESOLVES("/", "../../..", "/");
    RESOLVES("/a", "../../b", "/b");
    RESOLVES("/", "/a/b/../..", "/");
    RESOLVES("/", "/a/b/../../c/..", "/");
    RESOLVES("/", "/a/../b/../c", "/c");
    /* Lexical: ".." removes the name before it, whatever that name is. */
    RESOLVES("/", "/nosuch/../x", "/x");
}

static void fspath_errors(void)
{
    FAILS("/", "", -EINVAL);
    FAILS("/", NULL, -EINVAL);
    FAILS("relative", "a", -EINVAL);
    FAILS("", "a", -EINVAL);
    FAILS(NULL, "a", -EINVAL);
    /* ... but an absolute path needs no cwd. */
    RESOLVES(NULL, "/a", "/a");
}

static void fspath_name_limit(void)
{
    char name[FSC_NAME_MAX + 3];
    memset(name, 'n', FSC_NAME_MAX);
    name[FSC_NAME_MAX] = 0;
    char want[FSC_NAME_MAX + 3];
    want[0] = '/';
    memcpy(want + 1, name, FSC_NAME_MAX + 1);
    RESOLVES("/", name, want); /* exactly FSC_NAME_MAX: fine */
    name[FSC_NAME_MAX] = 'n';
    name[FSC_NAME_MAX + 1] = 0;
    FAILS("/", name, -ENAMETOOLONG);
    /* Even when a later ".." would have removed it, and in cwd too. */
    char path[FSC_NAME_MAX + 8];
    memcpy(path, name, FSC_NAME_MAX + 1);
    memcpy(path + FSC_NAME_MAX + 1, "/..", 4);
    FAILS("/", path, -ENAMETOOLONG);
    char cwd[FSC_NAME_MAX + 3];
    cwd[0] = '/';
    memcpy(cwd + 1, name, FSC_NAME_MAX + 2);
    FAILS(cwd, "a", -ENAMETOOLONG);
    RESOLVES(cwd, "/a", "/a"); /* an absolute path never looks at cwd */
}

static void fspath_path_limit(void)
{
    /* 4 components of 63 bytes: 4 * 64 = 256 = FSC_PATH_MAX exactly. */
    char path[2 * FSC_PATH_MAX];
    components(path, 4, 63);
    CHECK_EQ(strlen(path), FSC_PATH_MAX);
    RESOLVES("/", path, path);
    /* One byte more is too long. */
    char longer[2 * FSC_PATH_MAX];
    memcpy(longer, path, FSC_PATH_MAX);
    memcpy(longer + FSC_PATH_MAX, "/b", 3);
    FAILS("/", longer, -ENAMETOOLONG);
    /* The same as cwd + a relative name. */
    FAILS(path, "b", -ENAMETOOLONG);
    /* The limit is on the result: a long way to a short path is fine. */
    char way[3 * FSC_PATH_MAX];
    components(way, 6, 60); /* 366 bytes */
    strcat(way, "/../../../../../..");
    strcat(way, "/short");
    RESOLVES("/", way, "/short");
    /* ... and from a long cwd, ".." back under the limit. */
    char want[2 * FSC_PATH_MAX];
    components(want, 3, 63);
    strcat(want, "/x");
    RESOLVES(path, "../x", want);
    /* A result that stays over the limit after some ".." is still too long. */
    char over[3 * FSC_PATH_MAX];
    components(over, 6, 60);
    strcat(over, "/../.."); /* 4 * 61 = 244: fits */
    components(want, 4, 60);
    RESOLVES("/", over, want);
    components(over, 6, 60);
    strcat(over, "/.."); /* 5 * 61 = 305: does not */
    FAILS("/", over, -ENAMETOOLONG);
    /* A short name after one that did not fit lies beyond it: ".." takes
     * back the short one, not the long one. */
    components(over, 5, 60);
    strcat(over, "/x/..");
    FAILS("/", over, -ENAMETOOLONG);
    strcat(over, "/..");
    RESOLVES("/", over, want);
}

static void fspath_base_name(void)
{
    CHECK_STR(fspath_base("/"), "/");
    CHECK_STR(fspath_base("/a"), "a");
    CHECK_STR(fspath_base("/a/bc"), "bc");
}

const struct unit_test unit_fspath_tests[] = {
    {"fspath_absolute", fspath_absolute},     {"fspath_relative", fspath_relative},
    {"fspath_dotdot", fspath_dotdot},         {"fspath_errors", fspath_errors},
    {"fspath_name_limit", fspath_name_limit}, {"fspath_path_limit", fspath_path_limit},
    {"fspath_base_name", fspath_base_name},   {NULL, NULL},
};
