/* tests/common/forkrun.h: the one-process-per-test runner shared by the host
 * test programs (tests/unit/runner.c, tests/naming/main.c).
 *
 * forkrun_one() runs a test function in a child process, so a crash or a
 * sanitizer report fails that test only, and prints `PASS name` or
 * `FAIL name: why`. Inside the child, forkrun_fail() records the first
 * failure (file:line: message) and sends it to the parent. */
#ifndef TESTS_COMMON_FORKRUN_H
#define TESTS_COMMON_FORKRUN_H

#include <stdarg.h>

/* Runs fn in a child (calling before(name) there first, if given); returns
 * 1 if it passed. `hint` (may be "") is appended to a failure caused by a
 * signal or an exit status, e.g. the seed that reproduces it. */
int forkrun_one(const char *name, void (*fn)(void), void (*before)(const char *name),
                const char *hint);

/* Record a failure of the running test (only the first counts); `hint` is
 * appended to the message. */
void forkrun_vfail(const char *file, int line, const char *hint, const char *fmt, va_list ap);

/* True once the running test has failed. */
int forkrun_failed(void);

#endif
