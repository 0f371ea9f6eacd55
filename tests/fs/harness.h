/* tests/fs/harness.h: the file service's metadata tests: their tables and
 * the helpers shared by the test files.
 *
 * A test is a named `void fn(void)` in a table ending with {NULL, NULL}; the
 * runner (tests/common/hosttest.h) runs each in its own process, so a crash
 * or a sanitizer report fails that test only. A CHECK that fails records
 * file:line, the message and the seed, and returns from the test function.
 * Random tests draw from ft_rand(), seeded per test from FS_SEED (default 1)
 * and the test's name, so a failure reproduces with the seed it prints. */
#ifndef TESTS_FS_HARNESS_H
#define TESTS_FS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "services/fs/fsmachine.h"
#include "services/fs/fsproto.h"
#include "tests/common/hosttest.h"

/* The runner's names under this suite's prefix. */
#define ft_test hosttest
#define ft_fail hosttest_fail
#define ft_failed hosttest_failed
#define ft_rand hosttest_rand
#define ft_seed hosttest_seed
#define ft_below hosttest_below

extern const struct ft_test ft_proto_tests[];
extern const struct ft_test ft_reply_tests[];
extern const struct ft_test ft_machine_tests[];
extern const struct ft_test ft_refs_tests[];
extern const struct ft_test ft_model_tests[];
extern const struct ft_test ft_snapshot_tests[];
extern const struct ft_test ft_data_tests[];

/* The table-driven error cases (test_ops.c): each row runs as its own test. */
struct ft_case {
    const char *name;
    const char *setup; /* script run first; every command must succeed */
    const char *cmd;   /* one script command */
    int want;          /* its status */
};
extern const struct ft_case ft_op_cases[];
void ft_run_case(const struct ft_case *c);

/* ---- building and applying commands (util.c) ------------------------------- */

/* A request of op with a NUL-terminated path (NULL: none). */
struct fs_request ft_req(uint8_t op, const char *path);
/* Encode q (now_ns stamped from the index if it is 0) and apply it at
 * the machine's next index; the status. An unencodable q fails the test. */
int ft_apply(struct fs_machine *m, const struct fs_request *q, struct fs_reply *rep);
/* Run a script: commands separated by ';' (see util.c for the verbs). Every
 * command but the last must succeed (else the test fails); returns the last
 * one's status, its reply in *rep (may be NULL). */
int ft_script(struct fs_machine *m, const char *script, struct fs_reply *rep);
/* The session scripts open and use ("session" sets it). */
extern uint64_t ft_sess;
/* STAT path: its inode number, 0 if it does not resolve. */
uint64_t ft_ino(const struct fs_machine *m, const char *path);
/* STAT / FSTAT into rep; the status. */
int ft_stat(const struct fs_machine *m, const char *path, struct fs_reply *rep);
int ft_fstat(const struct fs_machine *m, uint64_t ino, struct fs_reply *rep);
/* Open a session for (node, nonce); its id (0 on failure). */
uint64_t ft_session(struct fs_machine *m, uint32_t node, uint64_t nonce);

/* ---- random fields (util.c) -------------------------------------------------- */

/* Every op the protocol knows. */
#define FT_N_OPS 22
extern const uint8_t ft_all_ops[FT_N_OPS];
/* 0, a small number, nearly UINT64_MAX, or anything: a quarter each. */
uint64_t ft_rand_u64(void);
/* A random valid path component of 1..max bytes (any byte but NUL and '/',
 * never "." or ".."); its length. */
uint16_t ft_rand_name(char *dst, size_t max);

/* ---- random commands (util.c) ------------------------------------------------ */

/* A random path over a small namespace (depth 1..3, names a b c dd, now and
 * then a 64-byte one); its length. */
uint16_t ft_random_path(char *dst);
/* A random command for m: mostly valid writes over the small namespace,
 * sessions, retries and stale requests of a few clients, now and then
 * garbage; its length. */
size_t ft_random_command(const struct fs_machine *m, uint8_t *buf, size_t cap);
/* Apply n random commands (with a few skipped indexes). */
void ft_random_history(struct fs_machine *m, int n);

/* ---- invariants (invariants.c, also linked into the fuzzer) ----------------- */

/* NULL if m keeps every invariant of docs/fs-machine.md, else what is wrong
 * (a static string). */
const char *ft_invariants(const struct fs_machine *m);
/* The same without checking that the unused table slots are zero (which is
 * most of the work; a snapshot round trip compared byte for byte checks it
 * too). */
const char *ft_invariants_used(const struct fs_machine *m);
/* ft_invariants as a test check. */
void ft_check_invariants(const struct fs_machine *m);

#endif
