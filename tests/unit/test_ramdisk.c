/* tests/unit/test_ramdisk.c: lib/ramdisk on archives built here and on one
 * packed by tools/mkramdisk.py at build time (see unit.mk). */
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "lib/ramdisk.h"
#include "tests/unit/unit.h"

static void put(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Three files: "sh" (5 bytes), "echo" (0 bytes), "true" (9 bytes). */
static uint64_t build(uint8_t *a)
{
    static const char *names[] = {"sh", "echo", "true"};
    static const char *data[] = {"hello", "", "123456789"};
    memset(a, 0, 512);
    memcpy(a, "RDSK", 4);
    put(a + 4, 1, 4);
    put(a + 8, 3, 4);
    uint64_t off = 16 + 3 * 48;
    for (int i = 0; i < 3; i++) {
        uint8_t *e = a + 16 + 48 * i;
        uint64_t n = strlen(data[i]);
        memcpy(e, names[i], strlen(names[i]));
        put(e + 32, off, 8);
        put(e + 40, n, 8);
        memcpy(a + off, data[i], n);
        off = (off + n + 7) & ~7ull;
    }
    return off;
}

/* Runs the accessors on an exact-size copy (ASan sees any overread). */
static int find_in(const uint8_t *a, uint64_t len, const char *name, char *out)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, a, len);
    const void *d;
    uint64_t n;
    int rv = ramdisk_find(copy, len, name, &d, &n);
    if (rv == 0 && out) {
        memcpy(out, d, n);
        out[n] = '\0';
    }
    free(copy);
    return rv;
}

static void ramdisk_good(void)
{
    _Alignas(8) uint8_t a[512];
    uint64_t len = build(a);
    char out[64];
    CHECK_EQ(ramdisk_check(a, len), 3);
    CHECK_EQ(find_in(a, len, "sh", out), 0);
    CHECK_STR(out, "hello");
    CHECK_EQ(find_in(a, len, "echo", out), 0);
    CHECK_STR(out, "");
    CHECK_EQ(find_in(a, len, "true", out), 0);
    CHECK_STR(out, "123456789");
    CHECK_EQ(find_in(a, len, "tru", out), -ENOENT);
    CHECK_EQ(find_in(a, len, "truee", out), -ENOENT);
    CHECK_EQ(find_in(a, len, "", out), -ENOENT);
    CHECK_EQ(find_in(a, len, NULL, out), -ENOENT);
    CHECK_EQ(find_in(a, len, "a-name-much-longer-than-thirty-two-bytes", out), -ENOENT);
    const void *d;
    uint64_t n;
    CHECK_EQ(ramdisk_find(a, len, "true", &d, &n), 0);
    CHECK_EQ((uintptr_t)d % 8, 0);
    const char *name;
    CHECK_EQ(ramdisk_name_at(a, len, 0, &name), 0);
    CHECK_STR(name, "sh");
    CHECK_EQ(ramdisk_name_at(a, len, 2, &name), 0);
    CHECK_STR(name, "true");
    CHECK_EQ(ramdisk_name_at(a, len, 3, &name), -ENOENT);
    CHECK_EQ(ramdisk_name_at(a, len, -1, &name), -ENOENT);
    /* An empty archive is valid. */
    put(a + 8, 0, 4);
    CHECK_EQ(ramdisk_check(a, 16), 0);
    CHECK_EQ(find_in(a, 16, "sh", out), -ENOENT);
}

static void ramdisk_malformed(void)
{
    static const struct {
        const char *what;
        int off, size;
        uint64_t val;
    } muts[] = {
        {"magic", 0, 1, 'r'},
        {"version", 4, 4, 2},
        {"count too many", 8, 4, 4},
        {"count huge", 8, 4, 0xffffffff},
        {"reserved", 12, 4, 1},
        {"empty name", 16, 1, 0},
        {"slash in name", 17, 1, '/'},
        {"junk after NUL", 16 + 20, 1, 'x'},
        {"offset misaligned", 16 + 32, 8, 16 + 3 * 48 + 1},
        {"offset in table", 16 + 32, 8, 16 + 48},
        {"offset past end", 16 + 32, 8, 4096},
        {"offset wraps", 16 + 32, 8, ~7ull},
        {"size past end", 16 + 40, 8, 1000},
        {"size wraps", 16 + 40, 8, ~0ull},
        {"duplicate", 16 + 48, 4, 0x6873}, /* "echo" -> "sh\0\0" */
    };
    for (size_t i = 0; i < sizeof muts / sizeof muts[0]; i++) {
        _Alignas(8) uint8_t a[512];
        uint64_t len = build(a);
        put(a + muts[i].off, muts[i].val, muts[i].size);
        int rv = find_in(a, len, "true", NULL);
        const char *name;
        if (rv != -EINVAL || ramdisk_name_at(a, len, 0, &name) != -EINVAL)
            unit_fail(__FILE__, __LINE__, "mutation \"%s\" gave %d", muts[i].what, rv);
        CHECK_OK();
    }
    /* A full 31-character name is fine; 32 without a NUL is not. */
    _Alignas(8) uint8_t a[512];
    uint64_t len = build(a);
    memset(a + 16, 'n', 31);
    CHECK_EQ(ramdisk_check(a, len), 3);
    a[16 + 31] = 'n';
    CHECK_EQ(ramdisk_check(a, len), -EINVAL);
    /* Every truncation that cuts a file off is refused. */
    len = build(a);
    for (uint64_t n = 0; n < 16 + 3 * 48 + 5 + 9 + 3; n++)
        CHECK_EQ(find_in(a, n, "sh", NULL), -EINVAL);
    CHECK_EQ(ramdisk_check(NULL, 100), -EINVAL);
}

static void ramdisk_random_mutations(void)
{
    uint64_t x = 7;
    for (int iter = 0; iter < 20000; iter++) {
        _Alignas(8) uint8_t a[512];
        uint64_t len = build(a);
        for (int k = 0; k < 1 + iter % 3; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            a[(x >> 33) % len] = (uint8_t)(x >> 20);
        }
        uint8_t *copy = malloc(len);
        memcpy(copy, a, len);
        const void *d;
        uint64_t n;
        int rv = ramdisk_find(copy, len, "true", &d, &n);
        CHECK(rv == 0 || rv == -ENOENT || rv == -EINVAL);
        if (rv == 0)
            CHECK((const uint8_t *)d >= copy && (const uint8_t *)d + n <= copy + len);
        free(copy);
    }
}

/* tools/mkramdisk.py output (built by unit.mk from files in tests/unit/data/). */
static void ramdisk_packer(void)
{
    uint64_t len, slen, dlen;
    uint8_t *img = unit_read_file("build/host/ramdisk/test.img", &len);
    uint8_t *src = unit_read_file("tests/unit/data/start.c", &slen);
    uint8_t *dtb = unit_read_file("tests/unit/data/virt-64m.dtb", &dlen);
    CHECK_OK();
    CHECK_EQ(ramdisk_check(img, len), 2);
    const void *d;
    uint64_t n;
    CHECK_EQ(ramdisk_find(img, len, "start.c", &d, &n), 0); /* basename */
    CHECK_EQ(n, slen);
    CHECK(memcmp(d, src, n) == 0);
    CHECK_EQ(ramdisk_find(img, len, "virt.dtb", &d, &n), 0); /* NAME=PATH */
    CHECK_EQ(n, dlen);
    CHECK(memcmp(d, dtb, n) == 0);
    CHECK_EQ(ramdisk_find(img, len, "virt-64m.dtb", &d, &n), -ENOENT);
    free(img);
    free(src);
    free(dtb);
}

/* The fuzzer's seed is a valid archive. */
static void ramdisk_fuzz_seed(void)
{
    uint64_t len;
    uint8_t *img = unit_read_file("tests/fuzz/corpus/fuzz_ramdisk/three.img", &len);
    CHECK_OK();
    CHECK_EQ(ramdisk_check(img, len), 3);
    const void *d;
    uint64_t n;
    CHECK_EQ(ramdisk_find(img, len, "sh", &d, &n), 0);
    CHECK_EQ(n, 5);
    CHECK(memcmp(d, "hello", 5) == 0);
    free(img);
}

const struct unit_test unit_ramdisk_tests[] = {
    {"ramdisk_good", ramdisk_good},
    {"ramdisk_malformed", ramdisk_malformed},
    {"ramdisk_random_mutations", ramdisk_random_mutations},
    {"ramdisk_packer", ramdisk_packer},
    {"ramdisk_fuzz_seed", ramdisk_fuzz_seed},
    {NULL, NULL},
};
