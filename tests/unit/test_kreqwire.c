/* tests/unit/test_kreqwire.c: lib/kreqwire: spawn bodies and registry
 * requests, as a node's kernel receives them from another. */
#include <string.h>

#include "lib/errno.h"
#include "lib/kreqwire.h"
#include "tests/unit/unit.h"

static void kreqwire_spawn_roundtrip(void)
{
    char *argv[] = {"calc", "add", "2", "", "40", NULL};
    char body[128];
    int len = kreqwire_build_spawn(body, sizeof body, "calc", argv, 5);
    CHECK_EQ(len, 5 + 5 + 4 + 2 + 1 + 3);
    const char *path, *out[USER_ARGV_MAX + 1];
    CHECK_EQ(kreqwire_parse_spawn(body, (uint32_t)len, 5, &path, out), 0);
    CHECK_STR(path, "calc");
    for (int i = 0; i < 5; i++)
        CHECK_STR(out[i], argv[i]);
    CHECK(out[5] == NULL);
    CHECK_EQ(kreqwire_parse_spawn(body, 5, 0, &path, out), 0); /* path alone */
    CHECK(out[0] == NULL);
}

static void kreqwire_spawn_refusals(void)
{
    char *argv[] = {"a", "b", NULL};
    char body[64];
    int len = kreqwire_build_spawn(body, sizeof body, "p", argv, 2);
    const char *path, *out[USER_ARGV_MAX + 1];
    CHECK_EQ(kreqwire_parse_spawn(body, (uint32_t)len, 3, &path, out), -EINVAL);     /* too few */
    CHECK_EQ(kreqwire_parse_spawn(body, (uint32_t)len, 1, &path, out), -EINVAL);     /* extra */
    CHECK_EQ(kreqwire_parse_spawn(body, (uint32_t)len - 1, 2, &path, out), -EINVAL); /* no NUL */
    CHECK_EQ(kreqwire_parse_spawn(body, (uint32_t)len, -1, &path, out), -EINVAL);
    CHECK_EQ(kreqwire_parse_spawn(body, (uint32_t)len, USER_ARGV_MAX + 1, &path, out), -EINVAL);
    CHECK_EQ(kreqwire_parse_spawn(body, 0, 0, &path, out), -EINVAL);
    CHECK_EQ(kreqwire_parse_spawn("\0x\0", 3, 1, &path, out), -EINVAL); /* empty path */
    CHECK_EQ(kreqwire_build_spawn(body, 3, "p", argv, 2), -E2BIG);
    CHECK_EQ(kreqwire_build_spawn(body, 6, "p", argv, 2), 6);
}

static void kreqwire_registry(void)
{
    struct registry_req rq = {.op = REGISTRY_LOOKUP};
    strcpy(rq.name, "calc");
    CHECK_EQ(kreqwire_check_registry(&rq), 0);
    rq.op = 9;
    CHECK_EQ(kreqwire_check_registry(&rq), -EINVAL);
    rq.op = REGISTRY_BIND;
    memset(rq.name, 'x', sizeof rq.name); /* not terminated */
    CHECK_EQ(kreqwire_check_registry(&rq), -EINVAL);
    rq.name[REGISTRY_NAME_MAX - 1] = 0;
    CHECK_EQ(kreqwire_check_registry(&rq), 0);
    rq.name[0] = 0;
    CHECK_EQ(kreqwire_check_registry(&rq), -EINVAL);
}

const struct unit_test unit_kreqwire_tests[] = {
    {"kreqwire_spawn_roundtrip", kreqwire_spawn_roundtrip},
    {"kreqwire_spawn_refusals", kreqwire_spawn_refusals},
    {"kreqwire_registry", kreqwire_registry},
    {NULL, NULL},
};
