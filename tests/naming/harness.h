/* tests/naming/harness.h: the naming tests' small framework and helpers.
 *
 * A test is a named `void fn(void)` in a table ending with {NULL, NULL}; the
 * runner (main.c) runs each in its own process, so a crash or a sanitizer
 * report fails that test only. A CHECK that fails records file:line, the
 * message and the test's seed, and returns from the test function. Random
 * tests draw from nt_rand(), seeded per test from NAMING_SEED (default 1)
 * and the test's name, so a failure reproduces with the seed it prints. */
#ifndef TESTS_NAMING_HARNESS_H
#define TESTS_NAMING_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/errno.h"
#include "services/naming/nsmachine.h"
#include "services/naming/nsproto.h"

struct nt_test {
    const char *name;
    void (*fn)(void);
};

extern const struct nt_test nt_proto_tests[];
extern const struct nt_test nt_machine_tests[];
extern const struct nt_test nt_snapshot_tests[];

void nt_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int nt_failed(void);

uint64_t nt_rand(void);
static inline uint64_t nt_below(uint64_t n) { return n ? nt_rand() % n : 0; }

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            nt_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                           \
            return;                                                                    \
        }                                                                              \
    } while (0)

#define CHECK_EQ(a, b)                                                                 \
    do {                                                                               \
        long long a_ = (long long)(a), b_ = (long long)(b);                            \
        if (a_ != b_) {                                                                \
            nt_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);     \
            return;                                                                    \
        }                                                                              \
    } while (0)

/* Returns from the test when a helper called inside it has failed. */
#define CHECK_OK()                                                                     \
    do {                                                                               \
        if (nt_failed())                                                               \
            return;                                                                    \
    } while (0)

/* ---- request builders and a driver for the state machine (machine.c) ---- */

/* A request with op and a NUL-terminated name. */
struct ns_request nt_req(uint8_t op, const char *name);
/* A PUT of a string value (NULL: no value) and/or a port (NULL: none). */
struct ns_request nt_put(const char *name, const char *value, const struct port_id *port);
/* Encode req and apply it at the machine's next index; the reply status. */
int nt_apply(struct ns_machine *m, const struct ns_request *req, struct ns_reply *rep);
/* A random command for m: mostly valid requests over a small name space
 * (sessions drawn from m's, clients from a few with their own sequence
 * numbers, retries and stale ones included), some garbage; its length. */
size_t nt_random_command(const struct ns_machine *m, uint8_t *buf, size_t cap);
/* A random name from the space nt_random_command uses; its length. */
uint16_t nt_random_name(char *dst);
/* Fill a machine with a random history of n commands. */
void nt_random_history(struct ns_machine *m, int n);
/* Check the machine's invariants (sorted bindings, sessions of ephemerals...). */
void nt_check_invariants(const struct ns_machine *m);

#endif
