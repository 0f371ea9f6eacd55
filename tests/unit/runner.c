/* tests/unit/runner.c: runs the unit tests of the pure lib/ code.
 *
 * Usage: build/host/unit_tests [FILTER]
 * Runs every test whose name contains FILTER, each in its own process, prints
 * `PASS name` or `FAIL name: file:line: message` per test and ends with the line
 * `N passed, M failed`. Exit status 1 if any failed (the runner is
 * tests/common/hosttest.c). Tests read tests/unit/data/ and build/host/
 * relative to the repo root, which this program finds from its own path
 * when started elsewhere. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit.h"

/* Weak, so a table whose test file is not linked in is simply absent. */
#define TABLE(name) extern const struct unit_test name[] __attribute__((weak))
TABLE(unit_fmt_tests);
TABLE(unit_fdt_tests);
TABLE(unit_bootargs_tests);
TABLE(unit_elf_tests);
TABLE(unit_pagealloc_tests);
TABLE(unit_heap_tests);
TABLE(unit_rand_tests);
TABLE(unit_ramdisk_tests);
TABLE(unit_inet_tests);
TABLE(unit_kreqwire_tests);
TABLE(unit_blake2s_tests);
TABLE(unit_rpcwire_tests);
TABLE(unit_lebytes_tests);
TABLE(unit_disklabel_tests);
TABLE(unit_migwire_tests);
TABLE(unit_fspath_tests);

static const struct unit_test *const tables[] = {
    unit_fmt_tests,       unit_fdt_tests,       unit_bootargs_tests, unit_elf_tests,
    unit_pagealloc_tests, unit_heap_tests,      unit_rand_tests,     unit_ramdisk_tests,
    unit_inet_tests,      unit_kreqwire_tests,  unit_blake2s_tests,  unit_rpcwire_tests,
    unit_lebytes_tests,   unit_disklabel_tests, unit_migwire_tests,  unit_fspath_tests,
};

void *unit_read_file(const char *path, uint64_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        unit_fail(__FILE__, __LINE__,
                  "cannot open %s (run from the repo root after "
                  "`make build/host/unit_tests`)",
                  path);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            unsigned char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (!buf)
        unit_fail(__FILE__, __LINE__, "out of memory reading %s", path);
    *len = n;
    return buf;
}

/* Test data paths are relative to the repo root: if started elsewhere, move
 * there, found from the binary's own path (<root>/build/host/unit_tests). */
static void goto_repo_root(const char *argv0)
{
    if (access("tests/unit/data", R_OK) == 0)
        return;
    char dir[4096];
    if (!realpath(argv0, dir))
        return;
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(dir, '/');
        if (!slash)
            return;
        *slash = '\0';
    }
    if (dir[0] && chdir(dir) != 0)
        perror("unit_tests: chdir to the repo root");
}

int main(int argc, char **argv)
{
    goto_repo_root(argv[0]);
    const struct hosttest_suite suite = {
        .tables = tables,
        .ntables = sizeof tables / sizeof tables[0],
    };
    return hosttest_main(&suite, argc, argv);
}
