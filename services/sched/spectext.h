/* services/sched/spectext.h: the text forms of specs, labels and taints,
 * as a user types them (`run -n any -s SPEC PROG`, `label`, `taint`) and
 * bootargs give them (`labels=disk=ssd,zone=a`).
 *
 * A spec is comma-separated items, each at most once unless it adds a term:
 *   cpu=N          cpu request in thousandths of a hart (default 250)
 *   mem=N          memory request in KiB (default 1024)
 *   sel=K=V        the node must have label K=V (sel=K, sel=K=: any value)
 *   tol=K[=V][:E]  tolerate taint K (=V: only that value; :E NoSchedule or
 *                  NoExecute: only that effect; else any)
 *   label=K=V      the process's own label (for affinity, spread)
 *   aff=K[=V]      only beside a process labelled K=V (K alone: any value)
 *   anti=K[=V]     never beside one
 *   spread=K       spread over the values of node label K (skew <= 1)
 *   restart        placed again elsewhere if its node is lost
 * e.g. "cpu=500,mem=2048,sel=disk=ssd,tol=gpu=yes:NoSchedule,label=app=web,
 * anti=app=web,spread=zone,restart". Up to SCHED_SPEC_TERMS each of sel,
 * tol and label. Keys are 1..15 and values 0..23 bytes of letters, digits
 * and - _ . /.
 *
 * Labels: "K=V,K=V" (a key at most once; "K" alone: value ""). A taint:
 * "K=V:E" or "K:E" (the effect is required).
 *
 * Parsers return 0 or -EINVAL for anything malformed (out untouched on
 * failure is not promised: callers use out only on 0). Freestanding. */
#ifndef SERVICES_SCHED_SPECTEXT_H
#define SERVICES_SCHED_SPECTEXT_H

#include <stddef.h>

#include "services/sched/sched.h"

int sched_spec_parse(const char *text, struct sched_spec *out);
/* Up to max labels into out; their number in *n. */
int sched_labels_parse(const char *text, struct sched_label *out, uint32_t max, uint32_t *n);
int sched_taint_parse(const char *text, struct sched_taint *out);

/* The canonical text of s (cpu and mem always, then the terms in the order
 * above): sched_spec_parse gives s back. Its length, or -EMSGSIZE if it
 * does not fit cap (with its NUL). */
int sched_spec_format(const struct sched_spec *s, char *buf, size_t cap);
/* "K=V" and "K=V:E" (E's name; a toleration's 0 effect and "" value left out). */
int sched_label_format(const struct sched_label *l, char *buf, size_t cap);
int sched_taint_format(const struct sched_taint *t, char *buf, size_t cap);

/* "NoSchedule", "NoExecute", or "" for 0 (any). */
const char *sched_effect_name(uint8_t effect);

#endif
