/* tests/unit/unit.h: the tiny unit-test framework.
 *
 * A test is a named `void fn(void)`. Each test file exports a table
 * `const struct unit_test unit_<module>_tests[]` ending with a {NULL, NULL}
 * entry; runner.c lists the tables. The runner forks a process per test, so a
 * crash (ASan report, signal) fails that test only. A CHECK that fails records
 * file:line and a message and returns from the test function. */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <stdint.h>

struct unit_test {
    const char *name;
    void (*fn)(void);
};

/* Records the first failure of the current test (later ones are ignored). */
void unit_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True once the current test has failed; helpers use it to stop early. */
int unit_failed(void);

/* Reads a whole file into a malloc'd buffer; NULL (and a recorded failure) if
 * it cannot. Test data lives under tests/unit/data/ and build/host/. */
void *unit_read_file(const char *path, uint64_t *len);

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            unit_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                   \
            return;                                                              \
        }                                                                        \
    } while (0)

#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        unsigned long long a_ = (unsigned long long)(a);                         \
        unsigned long long b_ = (unsigned long long)(b);                         \
        if (a_ != b_) {                                                          \
            unit_fail(__FILE__, __LINE__, "%s == %s: 0x%llx (%lld) != 0x%llx (%lld)", \
                      #a, #b, a_, (long long)a_, b_, (long long)b_);             \
            return;                                                              \
        }                                                                        \
    } while (0)

#define CHECK_STR(a, b)                                                          \
    do {                                                                         \
        const char *a_ = (a), *b_ = (b);                                         \
        if (strcmp(a_, b_) != 0) {                                               \
            unit_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,  \
                      a_, b_);                                                   \
            return;                                                              \
        }                                                                        \
    } while (0)

/* Fails and returns when a helper called inside a test has failed. */
#define CHECK_OK() \
    do {                                                                         \
        if (unit_failed())                                                       \
            return;                                                              \
    } while (0)

#endif
