/* tests/naming/harness.h: the naming tests' tables and helpers.
 *
 * A test is a named `void fn(void)` in a table ending with {NULL, NULL}; the
 * runner (tests/common/hosttest.h) runs each in its own process, so a crash
 * or a sanitizer report fails that test only. A CHECK that fails records
 * file:line, the message and the test's seed, and returns from the test
 * function. Random tests draw from nt_rand(), seeded per test from
 * NAMING_SEED (default 1) and the test's name, so a failure reproduces with
 * the seed it prints. */
#ifndef TESTS_NAMING_HARNESS_H
#define TESTS_NAMING_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/errno.h"
#include "services/naming/nsmachine.h"
#include "services/naming/nsproto.h"
#include "tests/common/hosttest.h"

/* The runner's names under this suite's prefix. */
#define nt_test hosttest
#define nt_fail hosttest_fail
#define nt_failed hosttest_failed
#define nt_rand hosttest_rand
#define nt_below hosttest_below

extern const struct nt_test nt_proto_tests[];
extern const struct nt_test nt_machine_tests[];
extern const struct nt_test nt_snapshot_tests[];

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
