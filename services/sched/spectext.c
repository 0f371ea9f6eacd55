/* services/sched/spectext.c: text forms of specs, labels and taints
 * (spectext.h). */
#include "services/sched/spectext.h"

#include "lib/errno.h"
#include "services/sched/schedstr.h"
#include "services/sched/view.h"

/* A piece of the text: [p, p + n). */
struct span {
    const char *p;
    size_t n;
};

static bool span_is(struct span s, const char *word)
{
    size_t n = sched_strnlen(word, 32);
    return s.n == n && (n == 0 || __builtin_memcmp(s.p, word, n) == 0);
}

/* Split s at the first c: *head before it, *tail after it; false if no c. */
static bool split(struct span s, char c, struct span *head, struct span *tail)
{
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] == c) {
            *head = (struct span){s.p, i};
            *tail = (struct span){s.p + i + 1, s.n - i - 1};
            return true;
        }
    }
    *head = s;
    *tail = (struct span){s.p + s.n, 0};
    return false;
}

/* A name of min..max-1 name bytes into dst[0..max). */
static bool take_name(struct span s, char *dst, size_t max, size_t min)
{
    if (s.n < min || s.n >= max || !sched_name_ok(s.p, s.n))
        return false;
    for (size_t i = 0; i < max; i++)
        dst[i] = i < s.n ? s.p[i] : 0;
    return true;
}

/* A decimal number 0..max. */
static bool take_number(struct span s, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    if (s.n == 0 || s.n > 10)
        return false;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s.p[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

/* "K=V" or "K" (value ""): value_required refuses "K" alone. */
static bool take_label(struct span s, struct sched_label *l, bool value_required)
{
    struct span k, v;
    bool has = split(s, '=', &k, &v);
    __builtin_memset(l, 0, sizeof *l);
    return (has || !value_required) && take_name(k, l->key, SCHED_KEY_MAX, 1) &&
           take_name(v, l->value, SCHED_VALUE_MAX, 0);
}

static bool take_effect(struct span s, uint8_t *effect)
{
    if (span_is(s, "NoSchedule"))
        *effect = SCHED_NO_SCHEDULE;
    else if (span_is(s, "NoExecute"))
        *effect = SCHED_NO_EXECUTE;
    else
        return false;
    return true;
}

/* "K[=V][:E]"; effect_required for a node's taint. */
static bool take_taint(struct span s, struct sched_taint *t, bool effect_required)
{
    struct span kv, e;
    bool has_effect = split(s, ':', &kv, &e);
    __builtin_memset(t, 0, sizeof *t);
    if (!take_label(kv, &t->kv, false))
        return false;
    if (!has_effect)
        return !effect_required;
    return take_effect(e, &t->effect);
}

/* One spec item; seen marks the single-use ones. */
static bool spec_item(struct span item, struct sched_spec *s, unsigned *seen)
{
    struct span name, arg;
    bool has_arg = split(item, '=', &name, &arg);
    unsigned bit;
    if (span_is(name, "restart") && !has_arg) {
        bit = 1u << 0;
        s->restart = 1;
    } else if (!has_arg) {
        return false;
    } else if (span_is(name, "cpu")) {
        bit = 1u << 1;
        if (!take_number(arg, SCHED_CPU_MILLI_MAX, &s->cpu_milli))
            return false;
    } else if (span_is(name, "mem")) {
        bit = 1u << 2;
        if (!take_number(arg, SCHED_MEM_KIB_MAX, &s->mem_kib))
            return false;
    } else if (span_is(name, "aff")) {
        bit = 1u << 3;
        if (!take_label(arg, &s->affinity, false))
            return false;
    } else if (span_is(name, "anti")) {
        bit = 1u << 4;
        if (!take_label(arg, &s->anti_affinity, false))
            return false;
    } else if (span_is(name, "spread")) {
        bit = 1u << 5;
        if (!take_name(arg, s->spread_key, SCHED_KEY_MAX, 1))
            return false;
    } else if (span_is(name, "sel")) {
        return s->nselector < SCHED_SPEC_TERMS &&
               take_label(arg, &s->selector[s->nselector++], false);
    } else if (span_is(name, "tol")) {
        return s->ntolerations < SCHED_SPEC_TERMS &&
               take_taint(arg, &s->tolerations[s->ntolerations++], false);
    } else if (span_is(name, "label")) {
        return s->nlabels < SCHED_SPEC_TERMS && take_label(arg, &s->labels[s->nlabels++], true);
    } else {
        return false;
    }
    if (*seen & bit)
        return false;
    *seen |= bit;
    return true;
}

int sched_spec_parse(const char *text, struct sched_spec *out)
{
    sched_spec_default(out);
    if (!text)
        return -EINVAL;
    struct span rest = {text, sched_strnlen(text, 4096)};
    if (rest.n == 4096)
        return -EINVAL;
    unsigned seen = 0;
    while (rest.n) {
        struct span item;
        bool more = split(rest, ',', &item, &rest);
        if (!spec_item(item, out, &seen) || (more && rest.n == 0))
            return -EINVAL; /* an empty item, a trailing comma */
    }
    return 0;
}

int sched_labels_parse(const char *text, struct sched_label *out, uint32_t max, uint32_t *n)
{
    *n = 0;
    if (!text)
        return -EINVAL;
    struct span rest = {text, sched_strnlen(text, 4096)};
    if (rest.n == 4096)
        return -EINVAL;
    while (rest.n) {
        struct span item;
        bool more = split(rest, ',', &item, &rest);
        if (*n == max || !take_label(item, &out[*n], false) || (more && rest.n == 0))
            return -EINVAL;
        for (uint32_t i = 0; i < *n; i++)
            if (sched_streq(out[i].key, out[*n].key, SCHED_KEY_MAX))
                return -EINVAL;
        (*n)++;
    }
    return 0;
}

int sched_taint_parse(const char *text, struct sched_taint *out)
{
    if (!text)
        return -EINVAL;
    struct span s = {text, sched_strnlen(text, 4096)};
    return s.n < 4096 && take_taint(s, out, true) ? 0 : -EINVAL;
}

/* ---- formatting --------------------------------------------------------------- */

const char *sched_effect_name(uint8_t effect)
{
    return effect == SCHED_NO_SCHEDULE  ? "NoSchedule"
           : effect == SCHED_NO_EXECUTE ? "NoExecute"
                                        : "";
}

struct out {
    char *p;
    size_t cap, n;
};

static void put(struct out *o, const char *s, size_t max)
{
    for (size_t i = 0; i < max && s[i]; i++, o->n++)
        if (o->n + 1 < o->cap)
            o->p[o->n] = s[i];
}

static void put_u32(struct out *o, uint32_t v)
{
    char d[11];
    int i = 10;
    d[i] = 0;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(o, &d[i], 11);
}

static void put_label(struct out *o, const struct sched_label *l, bool always_eq)
{
    put(o, l->key, SCHED_KEY_MAX);
    if (always_eq || l->value[0]) {
        put(o, "=", 1);
        put(o, l->value, SCHED_VALUE_MAX);
    }
}

static void put_taint(struct out *o, const struct sched_taint *t)
{
    put_label(o, &t->kv, false);
    if (t->effect) {
        put(o, ":", 1);
        put(o, sched_effect_name(t->effect), 16);
    }
}

static int finish(struct out *o)
{
    if (o->cap)
        o->p[o->n < o->cap ? o->n : o->cap - 1] = 0;
    return o->n < o->cap ? (int)o->n : -EMSGSIZE;
}

int sched_spec_format(const struct sched_spec *s, char *buf, size_t cap)
{
    struct out o = {buf, cap, 0};
    put(&o, "cpu=", 4);
    put_u32(&o, s->cpu_milli);
    put(&o, ",mem=", 5);
    put_u32(&o, s->mem_kib);
    for (uint32_t i = 0; i < s->nselector && i < SCHED_SPEC_TERMS; i++) {
        put(&o, ",sel=", 5);
        put_label(&o, &s->selector[i], false);
    }
    for (uint32_t i = 0; i < s->ntolerations && i < SCHED_SPEC_TERMS; i++) {
        put(&o, ",tol=", 5);
        put_taint(&o, &s->tolerations[i]);
    }
    for (uint32_t i = 0; i < s->nlabels && i < SCHED_SPEC_TERMS; i++) {
        put(&o, ",label=", 7);
        put_label(&o, &s->labels[i], true);
    }
    if (s->affinity.key[0]) {
        put(&o, ",aff=", 5);
        put_label(&o, &s->affinity, false);
    }
    if (s->anti_affinity.key[0]) {
        put(&o, ",anti=", 6);
        put_label(&o, &s->anti_affinity, false);
    }
    if (s->spread_key[0]) {
        put(&o, ",spread=", 8);
        put(&o, s->spread_key, SCHED_KEY_MAX);
    }
    if (s->restart)
        put(&o, ",restart", 8);
    return finish(&o);
}

int sched_label_format(const struct sched_label *l, char *buf, size_t cap)
{
    struct out o = {buf, cap, 0};
    put_label(&o, l, true);
    return finish(&o);
}

int sched_taint_format(const struct sched_taint *t, char *buf, size_t cap)
{
    struct out o = {buf, cap, 0};
    put_taint(&o, t);
    return finish(&o);
}
