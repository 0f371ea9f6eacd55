/* lib/migwire.h: the bodies of the kernel requests that move a process
 * between nodes (kernel/migrate.c; docs/migration.md has the protocol).
 *
 * A migration is three kinds of request from the source kernel to the
 * target's, all naming one transfer by a random 64-bit id:
 *   OFFER   what is coming (pid, pages, limit): the target refuses here,
 *           before anything is frozen, if it cannot hold the process;
 *   PAGES   up to MIG_PAGES_PER_MSG user pages: a directory of (va, perm)
 *           records, then the pages' bytes in the same order;
 *   COMMIT  the rest of the process (registers, FP state, heap bounds,
 *           limits, console, parent and children): the target makes it
 *           runnable and answers; from then on it lives there.
 * Every body arrives from the network, so the decoders check every field
 * and never read past the buffer. Pure and freestanding: the same code
 * runs in the kernel, the host tests and the fuzzer
 * (tests/fuzz/fuzz_migwire.c). Little-endian throughout. */
#ifndef LIB_MIGWIRE_H
#define LIB_MIGWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/syscall_abi.h"

#define MIG_PAGE 4096
#define MIG_PAGES_PER_MSG 15 /* 15 x (12 + 4096) + 12 bytes: under one 64 KiB message */
#define MIG_CHILDREN_MAX 64  /* children a moving process may have (local and remote) */
#define MIG_PORTS_MAX 16     /* ports a process may own (PORTS_PER_PROC) */
#define MIG_PROXIES_MAX 64   /* calls a moving process may have taken and not answered */
#define MIG_PERM_R 0x2       /* the PTE permission bits a page may carry */
#define MIG_PERM_W 0x4
#define MIG_PERM_X 0x8

/* OFFER: 24 bytes. */
struct mig_offer {
    uint64_t id;         /* the transfer (random, never 0) */
    int32_t pid;         /* the process's pid (> 0; it keeps it) */
    uint32_t pages;      /* user pages that will follow */
    uint64_t page_limit; /* its LIMIT_PAGES */
};
#define MIG_OFFER_LEN 24
int migwire_put_offer(const struct mig_offer *o, uint8_t *buf, size_t cap);
int migwire_get_offer(const uint8_t *buf, size_t len, struct mig_offer *o);

/* PAGES: id u64, count u32, count x (va u64, perm u32), count x 4096 bytes.
 * migwire_pages_head checks the head and the directory (buf holds at least
 * those bytes; total is the whole body's length): count in
 * 1..MIG_PAGES_PER_MSG, total exactly right, every va page-aligned inside
 * [USER_BASE, USER_TOP), va strictly increasing (no page twice), perm a
 * non-empty subset of R|W|X. 0 or -EBADMSG. The page i's bytes are at
 * migwire_page_offset(count, i). */
#define MIG_PAGES_HEAD 12
#define MIG_PAGE_DIR 12
struct mig_page_ref {
    uint64_t va;
    uint32_t perm;
};
static inline size_t migwire_pages_len(uint32_t count)
{
    return MIG_PAGES_HEAD + (size_t)count * (MIG_PAGE_DIR + MIG_PAGE);
}
static inline size_t migwire_page_offset(uint32_t count, uint32_t i)
{
    return MIG_PAGES_HEAD + (size_t)count * MIG_PAGE_DIR + (size_t)i * MIG_PAGE;
}
int migwire_put_pages_head(uint64_t id, const struct mig_page_ref *refs, uint32_t count,
                           uint8_t *buf, size_t cap);
int migwire_get_pages_head(const uint8_t *buf, size_t have, size_t total, uint64_t *id,
                           struct mig_page_ref refs[MIG_PAGES_PER_MSG], uint32_t *count);

/* COMMIT: everything but the memory. */
struct mig_child {
    int32_t pid;
    uint32_t exited; /* 0 or 1 */
    int32_t status;  /* when exited */
};
struct mig_state {
    uint64_t id;
    int32_t pid;
    char name[PROC_NAME_MAX]; /* NUL-terminated */
    uint64_t regs[32];        /* x1..x31 (regs[0] unused, sent as 0) */
    uint64_t sepc;            /* where it resumes */
    uint32_t fp_saved;        /* 0 or 1: fpregs holds its FP state */
    uint64_t fpregs[33];      /* f0..f31, fcsr */
    uint64_t heap_start, brk; /* inside [USER_BASE, USER_TOP), heap_start <= brk */
    uint64_t page_limit;      /* > 0 */
    uint64_t child_limit;
    uint64_t cpu_ns;
    struct port_id console; /* where its output goes (never zero after a move) */
    int32_t parent_pid;     /* 0: none (an orphan) */
    uint32_t parent_node;   /* where the parent was last known to run */
    int32_t killed;         /* a pending kill (0: none) */
    uint32_t nchildren;     /* <= MIG_CHILDREN_MAX */
    struct mig_child children[MIG_CHILDREN_MAX];
    uint32_t nports; /* <= MIG_PORTS_MAX: the ports it owns, which move with it */
    struct port_id ports[MIG_PORTS_MAX]; /* each non-zero, no two alike */
    uint32_t nproxies;                 /* <= MIG_PROXIES_MAX: calls it took and has not answered */
    uint64_t proxies[MIG_PROXIES_MAX]; /* their reply tokens (non-zero): its answers go back
                                          through the source, which holds the callers */
    int64_t clock_ns;                  /* its clock() when frozen: it goes on from there */
    uint64_t clock_uva;                /* where it keeps its struct clock_info (0: nowhere; else
                                     8-aligned, the whole struct inside user space) */
    uint64_t call_left_ns;             /* 0: none. Else it was frozen in a call that goes on at
                                     the source (kernel/migrate_call.c): its restarted call
                                     waits this long (MIG_CALL_FOREVER: no limit) for the
                                     answer the source sends on (CALL_RESULT, tagged id) */
};
#define MIG_CALL_FOREVER UINT64_MAX
#define MIG_STATE_MAX                                                                              \
    (8 + 4 + PROC_NAME_MAX + 31 * 8 + 8 + 4 + 33 * 8 + 5 * 8 + 16 + 4 + 4 + 4 + 4 +                \
     MIG_CHILDREN_MAX * 12 + 4 + MIG_PORTS_MAX * 16 + 4 + MIG_PROXIES_MAX * 8 + 8 + 8 + 8)
int migwire_put_state(const struct mig_state *s, uint8_t *buf, size_t cap);
int migwire_get_state(const uint8_t *buf, size_t len, struct mig_state *s);

/* MSG: one queued message of a moving port (or a part of one: a message
 * of MSG_MAX bytes does not fit a kernel request with its header), in
 * queue order: the head below, then `len` bytes of the body at `off`. */
struct mig_msg {
    uint64_t id;         /* the transfer */
    struct port_id port; /* whose queue (non-zero) */
    int32_t sender_pid, sender_node;
    struct port_id carried;
    uint32_t total, off; /* the body's length (<= MSG_MAX); where this part goes */
};
#define MIG_MSG_HEAD 56
int migwire_put_msg(const struct mig_msg *h, uint8_t *buf, size_t cap);
/* Check head buf[0..MIG_MSG_HEAD) of a body of `len` bytes: its part is
 * len - MIG_MSG_HEAD bytes, inside [0, total), and not empty unless total
 * is 0. 0 or -EBADMSG. */
int migwire_get_msg(const uint8_t *buf, size_t len, struct mig_msg *h);

/* KEEP: the pages the process has when it is frozen, as runs of
 * consecutive pages, after the last PAGES: the target unmaps what it got
 * earlier that is not listed (freed meanwhile) and checks it has every
 * listed page. id u64, last u32 (1 on the final KEEP of a move), count
 * u32, count x (va u64, pages u32): runs page-aligned, inside user space,
 * increasing, not touching or overlapping (a longer run would say it). */
#define MIG_KEEP_HEAD 16
#define MIG_KEEP_RUN 12
#define MIG_KEEP_MAX ((MSG_MAX - 64 - MIG_KEEP_HEAD) / MIG_KEEP_RUN)
struct mig_run {
    uint64_t va;
    uint32_t pages;
};
int migwire_put_keep(uint64_t id, uint32_t last, const struct mig_run *runs, uint32_t count,
                     uint8_t *buf, size_t cap);
/* Check a KEEP body of len bytes: 0 with id, last, count; the runs are
 * then read with migwire_keep_run. -EBADMSG if anything is off. */
int migwire_get_keep(const uint8_t *buf, size_t len, uint64_t *id, uint32_t *last, uint32_t *count);
struct mig_run migwire_keep_run(const uint8_t *buf, uint32_t i);

/* REPLY (target to source): a reply to a call the process took before it
 * moved: the caller's token, then the reply's bytes (or, with `error`, no
 * bytes: the call fails, the process exited without answering). */
#define MIG_REPLY_HEAD 12
int migwire_put_reply(uint64_t token, int32_t error, uint8_t *buf, size_t cap);
int migwire_get_reply(const uint8_t *buf, size_t len, uint64_t *token, int32_t *error);

/* CALL_RESULT (source to target): how a call the process was frozen in
 * ended, at the source (kernel/migrate_call.c), sent in parts: id u64 (the
 * move's), error i32 (0, or the call's -errno and then total 0), total u32
 * (the reply's length, <= MSG_MAX), off u32 (where this part goes), then
 * the part's bytes: inside [0, total), and not empty unless total is 0. */
#define MIG_RESULT_HEAD 20
struct mig_result {
    uint64_t id;
    int32_t error;
    uint32_t total, off;
};
int migwire_put_result(const struct mig_result *r, uint8_t *buf, size_t cap);
/* Check head buf[0..MIG_RESULT_HEAD) of a body of len bytes. 0 or -EBADMSG. */
int migwire_get_result(const uint8_t *buf, size_t len, struct mig_result *r);

#endif
