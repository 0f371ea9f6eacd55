/* services/sched/schedwire.c: the pieces of every scheduler encoding
 * (schedwire.h). */
#include "services/sched/schedwire.h"

#include "lib/errno.h"
#include "services/sched/schedstr.h"

/* ---- strings, labels, taints ---------------------------------------------------- */

void sched_put_str(struct le_writer *w, const char *s, size_t max)
{
    size_t n = sched_strnlen(s, max - 1);
    le_put(w, n, 1);
    le_put_bytes(w, s, n);
}

void sched_get_str(struct le_reader *r, char *dst, size_t max, int kind, size_t min_len)
{
    size_t n = (size_t)le_get(r, 1);
    __builtin_memset(dst, 0, max);
    if (!r->ok || n >= max || n < min_len || n > r->len - r->at) {
        r->ok = false;
        return;
    }
    const char *src = (const char *)r->p + r->at;
    if (kind == SCHED_STR_NAME ? !sched_name_ok(src, n) : !sched_text_ok(src, n)) {
        r->ok = false;
        return;
    }
    le_get_bytes(r, dst, n);
}

void sched_put_label(struct le_writer *w, const struct sched_label *l)
{
    sched_put_str(w, l->key, SCHED_KEY_MAX);
    sched_put_str(w, l->value, SCHED_VALUE_MAX);
}

void sched_get_label(struct le_reader *r, struct sched_label *l, bool key_required)
{
    sched_get_str(r, l->key, SCHED_KEY_MAX, SCHED_STR_NAME, key_required ? 1 : 0);
    sched_get_str(r, l->value, SCHED_VALUE_MAX, SCHED_STR_NAME, 0);
    if (!l->key[0] && l->value[0])
        r->ok = false; /* no key: no value either */
}

void sched_put_taint(struct le_writer *w, const struct sched_taint *t)
{
    sched_put_label(w, &t->kv);
    le_put(w, t->effect, 1);
}

void sched_get_taint(struct le_reader *r, struct sched_taint *t, bool effect_any)
{
    sched_get_label(r, &t->kv, true);
    t->effect = (uint8_t)le_get(r, 1);
    if (t->effect > SCHED_NO_EXECUTE || (!effect_any && t->effect == 0))
        r->ok = false;
}

/* ---- spec ---------------------------------------------------------------------------- */

void sched_put_spec(struct le_writer *w, const struct sched_spec *s)
{
    le_put(w, s->cpu_milli, 4);
    le_put(w, s->mem_kib, 4);
    le_put(w, s->nselector, 1);
    for (uint32_t i = 0; i < s->nselector && i < SCHED_SPEC_TERMS; i++)
        sched_put_label(w, &s->selector[i]);
    le_put(w, s->ntolerations, 1);
    for (uint32_t i = 0; i < s->ntolerations && i < SCHED_SPEC_TERMS; i++)
        sched_put_taint(w, &s->tolerations[i]);
    le_put(w, s->nlabels, 1);
    for (uint32_t i = 0; i < s->nlabels && i < SCHED_SPEC_TERMS; i++)
        sched_put_label(w, &s->labels[i]);
    sched_put_label(w, &s->affinity);
    sched_put_label(w, &s->anti_affinity);
    sched_put_str(w, s->spread_key, SCHED_KEY_MAX);
    le_put(w, s->restart, 1);
}

/* A count of terms, at most SCHED_SPEC_TERMS. */
static uint32_t get_count(struct le_reader *r, uint32_t max)
{
    uint32_t n = (uint32_t)le_get(r, 1);
    if (n > max)
        r->ok = false;
    return r->ok ? n : 0;
}

void sched_get_spec(struct le_reader *r, struct sched_spec *s)
{
    __builtin_memset(s, 0, sizeof *s);
    s->cpu_milli = (uint32_t)le_get(r, 4);
    s->mem_kib = (uint32_t)le_get(r, 4);
    if (s->cpu_milli > SCHED_CPU_MILLI_MAX || s->mem_kib > SCHED_MEM_KIB_MAX)
        r->ok = false;
    s->nselector = get_count(r, SCHED_SPEC_TERMS);
    for (uint32_t i = 0; i < s->nselector; i++)
        sched_get_label(r, &s->selector[i], true);
    s->ntolerations = get_count(r, SCHED_SPEC_TERMS);
    for (uint32_t i = 0; i < s->ntolerations; i++)
        sched_get_taint(r, &s->tolerations[i], true);
    s->nlabels = get_count(r, SCHED_SPEC_TERMS);
    for (uint32_t i = 0; i < s->nlabels; i++)
        sched_get_label(r, &s->labels[i], true);
    sched_get_label(r, &s->affinity, false);
    sched_get_label(r, &s->anti_affinity, false);
    sched_get_str(r, s->spread_key, SCHED_KEY_MAX, SCHED_STR_NAME, 0);
    s->restart = (uint8_t)le_get(r, 1);
    if (s->restart > 1)
        r->ok = false;
    if (!r->ok) {
        __builtin_memset(s, 0, sizeof *s);
        return;
    }
}

static bool str_ok(const char *s, size_t max, size_t min_len)
{
    size_t n = sched_strnlen(s, max);
    return n < max && n >= min_len && sched_name_ok(s, n);
}

static bool label_ok(const struct sched_label *l, bool key_required)
{
    return str_ok(l->key, SCHED_KEY_MAX, key_required) && str_ok(l->value, SCHED_VALUE_MAX, 0) &&
           (l->key[0] || !l->value[0]);
}

bool sched_spec_valid(const struct sched_spec *s)
{
    if (s->cpu_milli > SCHED_CPU_MILLI_MAX || s->mem_kib > SCHED_MEM_KIB_MAX ||
        s->nselector > SCHED_SPEC_TERMS || s->ntolerations > SCHED_SPEC_TERMS ||
        s->nlabels > SCHED_SPEC_TERMS || s->restart > 1)
        return false;
    for (uint32_t i = 0; i < s->nselector; i++)
        if (!label_ok(&s->selector[i], true))
            return false;
    for (uint32_t i = 0; i < s->ntolerations; i++)
        if (!label_ok(&s->tolerations[i].kv, true) || s->tolerations[i].effect > SCHED_NO_EXECUTE)
            return false;
    for (uint32_t i = 0; i < s->nlabels; i++)
        if (!label_ok(&s->labels[i], true))
            return false;
    return label_ok(&s->affinity, false) && label_ok(&s->anti_affinity, false) &&
           str_ok(s->spread_key, SCHED_KEY_MAX, 0);
}

/* ---- node ------------------------------------------------------------------------------ */

void sched_put_node(struct le_writer *w, const struct sched_node *n, bool procs)
{
    le_put(w, n->id, 4);
    le_put(w, n->up, 1);
    le_put(w, n->cordoned, 1);
    le_put(w, n->cpu_cap_milli, 4);
    le_put(w, n->mem_cap_kib, 4);
    le_put(w, n->runq_milli, 4);
    le_put(w, n->cpu_use_milli, 4);
    le_put(w, n->mem_free_kib, 4);
    le_put(w, n->nprocs, 4);
    le_put(w, n->cpu_req_milli, 4);
    le_put(w, n->mem_req_kib, 4);
    le_put(w, n->nlabels, 1);
    for (uint32_t i = 0; i < n->nlabels && i < SCHED_NODE_LABELS; i++)
        sched_put_label(w, &n->labels[i]);
    le_put(w, n->ntaints, 1);
    for (uint32_t i = 0; i < n->ntaints && i < SCHED_NODE_TAINTS; i++)
        sched_put_taint(w, &n->taints[i]);
    if (!procs)
        return;
    le_put(w, n->nprocs_listed, 1);
    for (uint32_t i = 0; i < n->nprocs_listed && i < SCHED_NODE_PROCS; i++) {
        const struct sched_proc *p = &n->procs[i];
        le_put(w, (uint32_t)p->pid, 4);
        le_put(w, p->cpu_milli, 4);
        le_put(w, p->mem_kib, 4);
        le_put(w, (uint32_t)(p->movable | p->leaving << 1), 1); /* bit 0 movable, bit 1 leaving */
        le_put(w, p->req_id, 8);
    }
    le_put(w, n->nexited, 1);
    for (uint32_t i = 0; i < n->nexited && i < SCHED_NODE_EXITED; i++)
        le_put(w, (uint32_t)n->exited[i], 4);
}

/* No two of labels[0..n) share a key. */
static bool keys_unique(const struct sched_label *l, uint32_t n, size_t stride)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < i; j++) {
            const struct sched_label *a = (const void *)((const char *)l + i * stride);
            const struct sched_label *b = (const void *)((const char *)l + j * stride);
            if (sched_streq(a->key, b->key, SCHED_KEY_MAX))
                return false;
        }
    return true;
}

void sched_get_node(struct le_reader *r, struct sched_node *n, bool procs)
{
    __builtin_memset(n, 0, sizeof *n);
    n->id = (uint32_t)le_get(r, 4);
    uint32_t up = (uint32_t)le_get(r, 1), cordoned = (uint32_t)le_get(r, 1);
    n->up = up == 1;
    n->cordoned = cordoned == 1;
    n->cpu_cap_milli = (uint32_t)le_get(r, 4);
    n->mem_cap_kib = (uint32_t)le_get(r, 4);
    n->runq_milli = (uint32_t)le_get(r, 4);
    n->cpu_use_milli = (uint32_t)le_get(r, 4);
    n->mem_free_kib = (uint32_t)le_get(r, 4);
    n->nprocs = (uint32_t)le_get(r, 4);
    n->cpu_req_milli = (uint32_t)le_get(r, 4);
    n->mem_req_kib = (uint32_t)le_get(r, 4);
    if (n->id == 0 || n->id > SCHED_NODES_MAX || up > 1 || cordoned > 1)
        r->ok = false;
    n->nlabels = get_count(r, SCHED_NODE_LABELS);
    for (uint32_t i = 0; i < n->nlabels; i++)
        sched_get_label(r, &n->labels[i], true);
    n->ntaints = get_count(r, SCHED_NODE_TAINTS);
    for (uint32_t i = 0; i < n->ntaints; i++)
        sched_get_taint(r, &n->taints[i], false);
    if (!keys_unique(n->labels, n->nlabels, sizeof n->labels[0]) ||
        !keys_unique(&n->taints[0].kv, n->ntaints, sizeof n->taints[0]))
        r->ok = false;
    if (procs) {
        n->nprocs_listed = get_count(r, SCHED_NODE_PROCS);
        for (uint32_t i = 0; i < n->nprocs_listed; i++) {
            struct sched_proc *p = &n->procs[i];
            p->pid = (int32_t)(uint32_t)le_get(r, 4);
            p->cpu_milli = (uint32_t)le_get(r, 4);
            p->mem_kib = (uint32_t)le_get(r, 4);
            uint32_t movable = (uint32_t)le_get(r, 1);
            p->movable = (uint8_t)(movable & 1);
            p->leaving = (uint8_t)(movable >> 1 & 1);
            p->req_id = le_get(r, 8);
            if (p->pid <= 0 || movable > 3)
                r->ok = false;
        }
        n->nexited = get_count(r, SCHED_NODE_EXITED);
        for (uint32_t i = 0; i < n->nexited; i++) {
            n->exited[i] = (int32_t)(uint32_t)le_get(r, 4);
            if (n->exited[i] <= 0)
                r->ok = false;
        }
    }
    if (!r->ok)
        __builtin_memset(n, 0, sizeof *n);
}

/* ---- cmd ----------------------------------------------------------------------------- */

/* c's bytes form NUL-ended printable arguments, the first not empty. */
static bool cmd_ok(const struct sched_cmd *c)
{
    if (c->len == 0)
        return true;
    if (c->len > SCHED_CMD_MAX || c->bytes[0] == 0 || c->bytes[c->len - 1] != 0)
        return false;
    for (size_t i = 0; i < c->len; i++) {
        unsigned char ch = (unsigned char)c->bytes[i];
        if (ch != 0 && (ch < 0x20 || ch > 0x7e))
            return false;
    }
    return true;
}

void sched_put_cmd(struct le_writer *w, const struct sched_cmd *c)
{
    le_put(w, c->len, 1);
    le_put_bytes(w, c->bytes, c->len <= SCHED_CMD_MAX ? c->len : 0);
}

void sched_get_cmd(struct le_reader *r, struct sched_cmd *c)
{
    __builtin_memset(c, 0, sizeof *c);
    size_t n = (size_t)le_get(r, 1);
    if (!r->ok || n > SCHED_CMD_MAX || n > r->len - r->at) {
        r->ok = false;
        return;
    }
    c->len = (uint8_t)n;
    le_get_bytes(r, c->bytes, n);
    if (!cmd_ok(c)) {
        __builtin_memset(c, 0, sizeof *c);
        r->ok = false;
    }
}

int sched_cmd_from_argv(struct sched_cmd *c, int argc, char *const argv[])
{
    __builtin_memset(c, 0, sizeof *c);
    if (argc < 1 || !argv[0] || !argv[0][0])
        return -EINVAL;
    size_t at = 0;
    for (int i = 0; i < argc; i++) {
        size_t n = sched_strnlen(argv[i], SCHED_CMD_MAX + 1);
        if (n + 1 > SCHED_CMD_MAX - at) {
            __builtin_memset(c, 0, sizeof *c);
            return -E2BIG;
        }
        __builtin_memcpy(c->bytes + at, argv[i], n);
        at += n + 1; /* and its NUL, already there */
    }
    c->len = (uint8_t)at;
    if (!cmd_ok(c)) {
        __builtin_memset(c, 0, sizeof *c);
        return -EINVAL;
    }
    return 0;
}

int sched_cmd_argv(struct sched_cmd *c, char *argv[], int max)
{
    int n = 0;
    for (size_t at = 0; at < c->len && n < max - 1;) {
        argv[n++] = c->bytes + at;
        at += sched_strnlen(c->bytes + at, (size_t)c->len - at) + 1;
    }
    argv[n] = 0;
    return n;
}
