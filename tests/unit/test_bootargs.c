/* tests/unit/test_bootargs.c: lib/bootargs. */
#include <string.h>

#include "lib/bootargs.h"
#include "lib/errno.h"
#include "tests/unit/unit.h"

static void bootargs_basic(void)
{
    char v[32];
    const char *a = "node=2 nodes=3  console=uart\tquiet path=/a=b";
    CHECK_EQ(bootargs_get(a, "node", v, sizeof v), 0);
    CHECK_STR(v, "2");
    CHECK_EQ(bootargs_get(a, "nodes", v, sizeof v), 0);
    CHECK_STR(v, "3");
    CHECK_EQ(bootargs_get(a, "console", v, sizeof v), 0);
    CHECK_STR(v, "uart");
    CHECK_EQ(bootargs_get(a, "quiet", v, sizeof v), 0);
    CHECK_STR(v, "");
    CHECK_EQ(bootargs_get(a, "path", v, sizeof v), 0);
    CHECK_STR(v, "/a=b");
    CHECK_EQ(bootargs_get(a, "nod", v, sizeof v), -ENOENT);
    CHECK_EQ(bootargs_get(a, "nodes=", v, sizeof v), -ENOENT);
    CHECK_EQ(bootargs_get(a, "ode", v, sizeof v), -ENOENT);
    CHECK_EQ(bootargs_get(a, "Node", v, sizeof v), -ENOENT);
    CHECK_EQ(bootargs_get(a, "", v, sizeof v), -ENOENT);
    CHECK_EQ(bootargs_get(NULL, "node", v, sizeof v), -ENOENT);
    CHECK_EQ(bootargs_get("", "node", v, sizeof v), -ENOENT);
    CHECK_EQ(bootargs_get("   ", "node", v, sizeof v), -ENOENT);
}

static void bootargs_last_wins(void)
{
    char v[8];
    CHECK_EQ(bootargs_get("x=1 y=2 x=3", "x", v, sizeof v), 0);
    CHECK_STR(v, "3");
    CHECK_EQ(bootargs_get(" x=  ", "x", v, sizeof v), 0);
    CHECK_STR(v, "");
}

static void bootargs_too_long(void)
{
    char v[4];
    memset(v, 'Z', sizeof v);
    CHECK_EQ(bootargs_get("k=abc", "k", v, 4), 0);
    CHECK_STR(v, "abc");
    CHECK_EQ(bootargs_get("k=abcd", "k", v, 4), -ENAMETOOLONG);
    CHECK_STR(v, "");
    CHECK_EQ(bootargs_get("k=", "k", v, 1), 0);
    CHECK_EQ(bootargs_get("k=a", "k", v, 1), -ENAMETOOLONG);
    CHECK_EQ(bootargs_get("k=", "k", NULL, 0), -ENAMETOOLONG);
}

static void bootargs_u64(void)
{
    uint64_t x = 77;
    const char *a = "a=0 b=42 c=0x1F d=0XfF e=18446744073709551615 f=0xffffffffffffffff";
    CHECK_EQ(bootargs_get_u64(a, "a", &x), 0);
    CHECK_EQ(x, 0);
    CHECK_EQ(bootargs_get_u64(a, "b", &x), 0);
    CHECK_EQ(x, 42);
    CHECK_EQ(bootargs_get_u64(a, "c", &x), 0);
    CHECK_EQ(x, 0x1f);
    CHECK_EQ(bootargs_get_u64(a, "d", &x), 0);
    CHECK_EQ(x, 0xff);
    CHECK_EQ(bootargs_get_u64(a, "e", &x), 0);
    CHECK_EQ(x, UINT64_MAX);
    CHECK_EQ(bootargs_get_u64(a, "f", &x), 0);
    CHECK_EQ(x, UINT64_MAX);
    CHECK_EQ(bootargs_get_u64(a, "g", &x), -ENOENT);
    x = 5;
    static const char *bad[] = {
        "n=",
        "n",
        "n=-1",
        "n=+1",
        "n=12a",
        "n=0x",
        "n=0xg",
        "n=1.5",
        "n=18446744073709551616",
        "n=0x10000000000000000",
        "n=99999999999999999999999",
        "n= 1",
        "n=0b1",
        "n=abc",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bootargs_get_u64(bad[i], "n", &x) != -EINVAL)
            unit_fail(__FILE__, __LINE__, "\"%s\" accepted", bad[i]);
        CHECK_OK();
        CHECK_EQ(x, 5);
    }
    CHECK_EQ(bootargs_get_u64("n=007", "n", &x), 0);
    CHECK_EQ(x, 7);
}

const struct unit_test unit_bootargs_tests[] = {
    {"bootargs_basic", bootargs_basic},
    {"bootargs_last_wins", bootargs_last_wins},
    {"bootargs_too_long", bootargs_too_long},
    {"bootargs_u64", bootargs_u64},
    {NULL, NULL},
};
