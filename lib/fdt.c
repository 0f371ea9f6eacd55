/* lib/fdt.c: one validating pass over a flattened device tree.
 *
 * Layout (devicetree spec v0.4, chapter 5): a 40-byte big-endian header, a
 * memory reservation block, a structure block of 4-aligned big-endian tokens
 * (BEGIN_NODE name, PROP len nameoff value, END_NODE, NOP, END) and a strings
 * block holding property names.
 *
 * Properties of a node precede its subnodes (spec 5.4.2), so only the innermost
 * open node is ever collecting properties. We gather the ones we care about in
 * `struct props`, and act on them once the node's properties are complete (at
 * its first subnode or its END_NODE). That visits nodes in document order, which
 * is what keeps the virtio slots in FDT order. The only per-level state kept is
 * the node kind and its #address-cells/#size-cells for its children's `reg`. */
#include "lib/fdt.h"

#include <stddef.h>

#include "lib/errno.h"

#define TOK_BEGIN_NODE 1u
#define TOK_END_NODE 2u
#define TOK_PROP 3u
#define TOK_NOP 4u
#define TOK_END 9u

enum kind { K_OTHER, K_ROOT, K_CPUS, K_CPU, K_CHOSEN, K_MEMORY };

/* One open node. */
struct level {
    uint8_t kind;
    uint8_t addr_cells, size_cells; /* for this node's children */
    bool cpu0;                      /* the node is /cpus/cpu@0 */
};

/* A property value inside the blob; p == NULL when absent. */
struct val {
    const uint8_t *p;
    uint32_t len;
};

/* The properties of the innermost open node that we may use. */
struct props {
    struct val reg, interrupts, compatible, device_type, status, clock, timebase;
    struct val isa, isa_ext, bootargs, rng_seed, initrd_start, initrd_end;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Does node name `name` equal `base` or start with `base@`? */
static bool name_is(const char *name, const char *base)
{
    while (*base && *name == *base) {
        name++;
        base++;
    }
    return *base == '\0' && (*name == '\0' || *name == '@');
}

/* Does the string list v (NUL-separated; the last may lack its NUL) contain s? */
static bool list_has(struct val v, const char *s, bool nocase)
{
    uint32_t i = 0;
    while (i < v.len) {
        uint32_t j = 0;
        while (i + j < v.len && v.p[i + j] != '\0' && s[j] != '\0' &&
               (nocase ? lower((char)v.p[i + j]) == lower(s[j]) : (char)v.p[i + j] == s[j]))
            j++;
        if (s[j] == '\0' && (i + j == v.len || v.p[i + j] == '\0'))
            return true;
        while (i < v.len && v.p[i] != '\0')
            i++;
        i++;
    }
    return false;
}

/* Is `ext` a multi-letter extension in an ISA string such as
 * "rv64imafdc_zicsr_sstc"? Those follow the single-letter part, each after '_'. */
static bool isa_has(struct val v, const char *ext)
{
    uint32_t i = 0;
    while (i < v.len && v.p[i] != '\0') {
        if (v.p[i] == '_') {
            uint32_t j = 0;
            i++;
            while (ext[j] && i + j < v.len && lower((char)v.p[i + j]) == ext[j])
                j++;
            if (ext[j] == '\0' && (i + j == v.len || v.p[i + j] == '\0' || v.p[i + j] == '_'))
                return true;
        } else {
            i++;
        }
    }
    return false;
}

/* Reads a 1- or 2-cell number. */
static uint64_t cells(const uint8_t *p, uint32_t n)
{
    return n == 1 ? be32(p) : (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Decodes the first (address, size) pair of `reg` under the given cell counts. */
static int decode_reg(struct val reg, const struct level *parent, uint64_t *base, uint64_t *size)
{
    uint32_t ac = parent->addr_cells, sc = parent->size_cells;
    if (!reg.p || ac < 1 || ac > 2 || sc < 1 || sc > 2)
        return -EINVAL;
    uint32_t entry = (ac + sc) * 4;
    if (reg.len < entry || reg.len % entry != 0)
        return -EINVAL;
    *base = cells(reg.p, ac);
    *size = cells(reg.p + ac * 4, sc);
    return 0;
}

/* A 4- or 8-byte integer property (both forms occur for frequencies and initrd). */
static int decode_num(struct val v, uint64_t *out)
{
    if (v.len == 4)
        *out = be32(v.p);
    else if (v.len == 8)
        *out = cells(v.p, 2);
    else
        return -EINVAL;
    return 0;
}

static int decode_mmio(const struct props *pr, const struct level *parent, struct fdt_mmio *m)
{
    if (decode_reg(pr->reg, parent, &m->base, &m->size) < 0)
        return -EINVAL;
    m->irq = 0;
    if (pr->interrupts.p) {
        if (pr->interrupts.len < 4)
            return -EINVAL;
        m->irq = be32(pr->interrupts.p);
    }
    return 0;
}

struct state {
    struct fdt_info *out;
    bool have_mem, have_uart, have_plic, have_timebase;
};

/* Acts on the completed properties of node `self` whose parent is `parent`. */
static int node_done(struct state *st, const struct level *self, const struct level *parent,
                     const struct props *pr)
{
    struct fdt_info *out = st->out;
    uint64_t v;

    if (pr->status.p && list_has(pr->status, "disabled", false))
        return 0;

    switch (self->kind) {
    case K_CPUS:
        if (pr->timebase.p) {
            if (decode_num(pr->timebase, &v) < 0 || v > 0xffffffffu)
                return -EINVAL;
            out->timebase_freq = (uint32_t)v;
            st->have_timebase = true;
        }
        return 0;
    case K_CPU:
        out->nharts++;
        if (self->cpu0)
            out->has_sstc = (pr->isa.p && isa_has(pr->isa, "sstc")) ||
                            (pr->isa_ext.p && list_has(pr->isa_ext, "sstc", true));
        return 0;
    case K_CHOSEN:
        if (pr->bootargs.p) {
            uint32_t n = 0;
            while (n < pr->bootargs.len && pr->bootargs.p[n] != '\0')
                n++;
            if (n == pr->bootargs.len || n >= FDT_BOOTARGS_MAX)
                return -EINVAL; /* unterminated, or does not fit */
            for (uint32_t i = 0; i <= n; i++)
                out->bootargs[i] = (char)pr->bootargs.p[i];
        }
        if (pr->rng_seed.p) {
            uint32_t n = pr->rng_seed.len < FDT_RNG_SEED_MAX ? pr->rng_seed.len : FDT_RNG_SEED_MAX;
            for (uint32_t i = 0; i < n; i++)
                out->rng_seed[i] = pr->rng_seed.p[i];
            out->rng_seed_len = n;
        }
        if (pr->initrd_start.p && decode_num(pr->initrd_start, &out->initrd_start) < 0)
            return -EINVAL;
        if (pr->initrd_end.p && decode_num(pr->initrd_end, &out->initrd_end) < 0)
            return -EINVAL;
        return 0;
    default:
        break;
    }

    if (!st->have_mem && (self->kind == K_MEMORY ||
                          (pr->device_type.p && list_has(pr->device_type, "memory", false)))) {
        if (decode_reg(pr->reg, parent, &out->mem_base, &out->mem_size) < 0)
            return -EINVAL;
        st->have_mem = out->mem_size > 0;
        return 0;
    }
    if (!pr->compatible.p)
        return 0;
    if (!st->have_uart && list_has(pr->compatible, "ns16550a", false)) {
        if (decode_mmio(pr, parent, &out->uart) < 0)
            return -EINVAL;
        if (pr->clock.p) {
            if (decode_num(pr->clock, &v) < 0 || v > 0xffffffffu)
                return -EINVAL;
            out->uart_clock = (uint32_t)v;
        }
        st->have_uart = true;
    } else if (!st->have_plic && (list_has(pr->compatible, "riscv,plic0", false) ||
                                  list_has(pr->compatible, "sifive,plic-1.0.0", false))) {
        if (decode_mmio(pr, parent, &out->plic) < 0)
            return -EINVAL;
        st->have_plic = true;
    } else if (out->rtc.base == 0 && list_has(pr->compatible, "google,goldfish-rtc", false)) {
        if (decode_mmio(pr, parent, &out->rtc) < 0)
            return -EINVAL;
    } else if (list_has(pr->compatible, "virtio,mmio", false)) {
        if (out->nvirtio < FDT_MAX_VIRTIO) {
            if (decode_mmio(pr, parent, &out->virtio[out->nvirtio]) < 0)
                return -EINVAL;
            out->nvirtio++;
        }
    }
    return 0;
}

/* Records property `name` = v of the current node, checking shapes it relies on. */
static int take_prop(struct level *self, struct props *pr, const char *name, struct val v)
{
    if (streq(name, "#address-cells") || streq(name, "#size-cells")) {
        if (v.len != 4 || be32(v.p) > 4)
            return -EINVAL;
        if (name[1] == 'a')
            self->addr_cells = (uint8_t)be32(v.p);
        else
            self->size_cells = (uint8_t)be32(v.p);
    } else if (streq(name, "reg")) {
        pr->reg = v;
    } else if (streq(name, "interrupts")) {
        pr->interrupts = v;
    } else if (streq(name, "compatible")) {
        pr->compatible = v;
    } else if (streq(name, "device_type")) {
        pr->device_type = v;
    } else if (streq(name, "status")) {
        pr->status = v;
    } else if (streq(name, "clock-frequency")) {
        pr->clock = v;
    } else if (streq(name, "timebase-frequency")) {
        pr->timebase = v;
    } else if (streq(name, "riscv,isa")) {
        pr->isa = v;
    } else if (streq(name, "riscv,isa-extensions")) {
        pr->isa_ext = v;
    } else if (streq(name, "bootargs")) {
        pr->bootargs = v;
    } else if (streq(name, "rng-seed")) {
        pr->rng_seed = v;
    } else if (streq(name, "linux,initrd-start")) {
        pr->initrd_start = v;
    } else if (streq(name, "linux,initrd-end")) {
        pr->initrd_end = v;
    }
    return 0;
}

static void zero(void *p, uint64_t n)
{
    uint8_t *b = p;
    for (uint64_t i = 0; i < n; i++)
        b[i] = 0;
}

uint64_t fdt_totalsize(const void *blob)
{
    const uint8_t *b = blob;
    if (!b || be32(b) != FDT_MAGIC)
        return 0;
    return be32(b + 4);
}

int fdt_parse(const void *blob, uint64_t maxlen, struct fdt_info *out)
{
    const uint8_t *b = blob;
    if (!b || !out || maxlen < FDT_HEADER_SIZE)
        return -EINVAL;

    /* ---- decode and check the header ---- */
    uint64_t total = be32(b + 4), off_struct = be32(b + 8), off_strings = be32(b + 12);
    uint64_t off_rsv = be32(b + 16), version = be32(b + 20), last_comp = be32(b + 24);
    uint64_t size_strings = be32(b + 32), size_struct = be32(b + 36);
    if (be32(b) != FDT_MAGIC || total < FDT_HEADER_SIZE || total > maxlen)
        return -EINVAL;
    if (version < 17 || last_comp > 17)
        return -EINVAL;
    if (off_struct < FDT_HEADER_SIZE || off_struct % 4 != 0 || size_struct % 4 != 0 ||
        off_struct + size_struct > total)
        return -EINVAL;
    if (off_strings < FDT_HEADER_SIZE || off_strings + size_strings > total)
        return -EINVAL;
    if (off_rsv < FDT_HEADER_SIZE || off_rsv % 8 != 0 || off_rsv > total)
        return -EINVAL;
    /* The reservation map: 16-byte (address, size) entries ending in (0, 0). */
    for (uint64_t r = off_rsv;; r += 16) {
        if (r + 16 > total)
            return -EINVAL;
        bool end = true;
        for (int i = 0; i < 16; i++)
            end = end && b[r + i] == 0;
        if (end)
            break;
    }

    /* ---- walk the structure block ---- */
    const uint8_t *s = b + off_struct;
    const char *strings = (const char *)b + off_strings;
    struct level stack[FDT_MAX_DEPTH + 1];
    struct props pr;
    struct state st = {.out = out};
    int depth = 0;           /* open nodes; stack[depth] is the innermost */
    bool collecting = false; /* the innermost node's properties are still coming */
    bool seen_root = false;
    uint64_t pos = 0;
    int rv;

    zero(out, sizeof *out);
    zero(&pr, sizeof pr);
    /* stack[0] stands for "above the root": the spec's default cells. */
    stack[0] = (struct level){.kind = K_OTHER, .addr_cells = 2, .size_cells = 1};

    for (;;) {
        if (pos + 4 > size_struct)
            return -EINVAL; /* ran off the end without FDT_END */
        uint32_t tok = be32(s + pos);
        pos += 4;
        switch (tok) {
        case TOK_NOP:
            break;
        case TOK_BEGIN_NODE: {
            const char *name = (const char *)s + pos;
            uint64_t n = 0;
            while (pos + n < size_struct && name[n] != '\0')
                n++;
            if (pos + n >= size_struct)
                return -EINVAL; /* unterminated name */
            pos += (n + 1 + 3) & ~(uint64_t)3;
            if (pos > size_struct || depth == FDT_MAX_DEPTH)
                return -EINVAL;
            if (depth == 0 && (seen_root || n != 0))
                return -EINVAL; /* exactly one root, and it has an empty name */
            if (collecting) {
                rv = node_done(&st, &stack[depth], &stack[depth - 1], &pr);
                if (rv < 0)
                    return rv;
                zero(&pr, sizeof pr);
            }
            struct level *parent = &stack[depth];
            struct level *self = &stack[++depth];
            *self = (struct level){.kind = K_OTHER, .addr_cells = 2, .size_cells = 1};
            if (depth == 1)
                self->kind = K_ROOT;
            else if (parent->kind == K_ROOT && streq(name, "cpus"))
                self->kind = K_CPUS;
            else if (parent->kind == K_ROOT && streq(name, "chosen"))
                self->kind = K_CHOSEN;
            else if (parent->kind == K_ROOT && name_is(name, "memory"))
                self->kind = K_MEMORY;
            else if (parent->kind == K_CPUS && name_is(name, "cpu") && name[3] == '@') {
                self->kind = K_CPU;
                self->cpu0 = streq(name, "cpu@0");
            }
            seen_root = true;
            collecting = true;
            break;
        }
        case TOK_END_NODE:
            if (depth == 0)
                return -EINVAL;
            if (collecting) {
                rv = node_done(&st, &stack[depth], &stack[depth - 1], &pr);
                if (rv < 0)
                    return rv;
                zero(&pr, sizeof pr);
            }
            depth--;
            collecting = false;
            break;
        case TOK_PROP: {
            if (pos + 8 > size_struct || !collecting)
                return -EINVAL; /* truncated, or a property after a subnode */
            uint64_t len = be32(s + pos), nameoff = be32(s + pos + 4);
            pos += 8;
            if (len > size_struct - pos)
                return -EINVAL;
            struct val v = {s + pos, (uint32_t)len};
            pos += (len + 3) & ~(uint64_t)3;
            if (pos > size_struct || nameoff >= size_strings)
                return -EINVAL;
            uint64_t k = nameoff;
            while (k < size_strings && strings[k] != '\0')
                k++;
            if (k == size_strings)
                return -EINVAL; /* name not terminated inside the strings block */
            rv = take_prop(&stack[depth], &pr, strings + nameoff, v);
            if (rv < 0)
                return rv;
            break;
        }
        case TOK_END:
            if (depth != 0 || !seen_root)
                return -EINVAL;
            if (!st.have_mem || !st.have_uart || !st.have_plic || !st.have_timebase)
                return -EINVAL;
            return 0;
        default:
            return -EINVAL;
        }
    }
}
