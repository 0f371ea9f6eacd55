/* services/sched/schedwire.h: the pieces every scheduler encoding is made
 * of (requests, log commands, replies, load reports, snapshots): strings,
 * labels, taints, a spec, a node. Little-endian through lib/lebytes.h.
 *
 *   str     len u8 | bytes            (len < the field's array size)
 *   label   key str | value str       (key 1..15 name bytes, value 0..23)
 *   taint   label | effect u8
 *   spec    cpu_milli u32 | mem_kib u32
 *           | nsel u8 | label x nsel | ntol u8 | taint x ntol
 *           | nlabels u8 | label x nlabels
 *           | affinity label-or-empty | anti label-or-empty | spread str
 *           | restart u8
 *   cmd     len u8 | bytes           (len <= SCHED_CMD_MAX; 0, or NUL-ended
 *                                     arguments, the first not empty, all
 *                                     printable)
 *   node    id u32 | up u8 | cordoned u8 | cpu_cap u32 | mem_cap u32
 *           | runq u32 | cpu_use u32 | mem_free u32 | nprocs u32
 *           | cpu_req u32 | mem_req u32
 *           | nlabels u8 | label x n | ntaints u8 | taint x n
 *           [ | nlisted u8 | (pid i32 | cpu u32 | mem u32 | movable u8
 *               | req_id u64) x nlisted ]      (with procs: load reports)
 * "label-or-empty": an empty key with an empty value means none.
 *
 * A getter checks everything it reads and clears the reader's ok on
 * anything out of range, so a decoder reads the whole layout and checks
 * once; what it fills is zeroed first, so equal values are equal bytes.
 * Freestanding. */
#ifndef SERVICES_SCHED_SCHEDWIRE_H
#define SERVICES_SCHED_SCHEDWIRE_H

#include "lib/lebytes.h"
#include "services/sched/sched.h"

/* Largest encodings. */
#define SCHED_WIRE_LABEL (1 + (SCHED_KEY_MAX - 1) + 1 + (SCHED_VALUE_MAX - 1))
#define SCHED_WIRE_TAINT (SCHED_WIRE_LABEL + 1)
#define SCHED_WIRE_SPEC                                                                            \
    (8 + 3 + SCHED_SPEC_TERMS * (2 * SCHED_WIRE_LABEL + SCHED_WIRE_TAINT) + 2 * SCHED_WIRE_LABEL + \
     SCHED_KEY_MAX + 1)
#define SCHED_WIRE_NODE                                                                            \
    (4 + 2 + 8 * 4 + 2 + SCHED_NODE_LABELS * SCHED_WIRE_LABEL +                                    \
     SCHED_NODE_TAINTS * SCHED_WIRE_TAINT)
#define SCHED_WIRE_PROC (4 + 4 + 4 + 1 + 8)
#define SCHED_WIRE_REPORT                                                                          \
    (SCHED_WIRE_NODE + 1 + SCHED_NODE_PROCS * SCHED_WIRE_PROC + 1 + SCHED_NODE_EXITED * 4)

void sched_put_str(struct le_writer *w, const char *s, size_t max);
/* A string of at most max - 1 bytes into dst[0..max), NUL-padded. kind:
 * SCHED_STR_NAME (name bytes, schedstr.h) or SCHED_STR_TEXT (printable).
 * min_len 1 refuses an empty one. */
enum { SCHED_STR_NAME, SCHED_STR_TEXT };
void sched_get_str(struct le_reader *r, char *dst, size_t max, int kind, size_t min_len);

void sched_put_label(struct le_writer *w, const struct sched_label *l);
/* key_required: an empty key (with an empty value) is refused, else allowed. */
void sched_get_label(struct le_reader *r, struct sched_label *l, bool key_required);
void sched_put_taint(struct le_writer *w, const struct sched_taint *t);
/* effect_any: 0 (any effect: a toleration) is allowed besides 1 and 2. */
void sched_get_taint(struct le_reader *r, struct sched_taint *t, bool effect_any);

void sched_put_cmd(struct le_writer *w, const struct sched_cmd *c);
void sched_get_cmd(struct le_reader *r, struct sched_cmd *c);
/* Build a command from argv (argc arguments): 0, or -E2BIG if it does not
 * fit SCHED_CMD_MAX, -EINVAL for an empty program or a byte not printable. */
int sched_cmd_from_argv(struct sched_cmd *c, int argc, char *const argv[]);
/* Split a valid command into argv (at most max - 1 pointers into c->bytes,
 * then NULL): the count. */
int sched_cmd_argv(struct sched_cmd *c, char *argv[], int max);

void sched_put_spec(struct le_writer *w, const struct sched_spec *s);
void sched_get_spec(struct le_reader *r, struct sched_spec *s);
/* A spec as the decoder would accept it (the text parser's result, a
 * client's before encoding). */
bool sched_spec_valid(const struct sched_spec *s);

void sched_put_node(struct le_writer *w, const struct sched_node *n, bool procs);
void sched_get_node(struct le_reader *r, struct sched_node *n, bool procs);

#endif
