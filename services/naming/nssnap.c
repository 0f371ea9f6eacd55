/* services/naming/nssnap.c: snapshots of the naming service's state
 * machine (nsm_snapshot, nsm_restore in nsmachine.h; the layout is tabled in
 * docs/naming-machine.md). */
#include "services/naming/nsmachine.h"

#include "lib/crc32c.h"
#include "lib/errno.h"
#include "lib/lebytes.h"

/* Layout (docs/naming-machine.md), little-endian:
 *   magic u32 "NSM1", format u32 = 1, applied u64, d_lost u64,
 *   n_sessions u16, n_clients u16, n_deletes u16, n_bindings u16, d_next u16
 *   sessions  (slot order): slot u16, id u64, nonce u64, node u32
 *   clients   (slot order): slot u16, id u64, seq u64, last_used u64,
 *                           status i32, version u64, index u64
 *   deletes   (slot order, slots 0..n_deletes-1): index u64, name_len u8, name
 *   bindings  (name order): name_len u8, name, version u64, create_index u64,
 *                           mod_index u64, session u64, owner_pid i32, flags u8,
 *                           PORT: port.a u64, port.b u64; VALUE: value_len u16, value
 *   crc32c u32 of everything before it
 * Slots are kept, so a restored machine is byte for byte the original (and
 * chooses as it would: lowest free slot, lowest slot on an LRU tie). The ring
 * only ever fills up, so its used slots are 0..n_deletes-1; oldest first is
 * from d_next round when it is full, from 0 when not (then d_next is
 * n_deletes and d_lost is 0). */
#define SNAP_MAGIC 0x314d534eu /* "NSM1" */
#define SNAP_FORMAT 1
#define SNAP_HEAD (4 + 4 + 8 + 8 + 5 * 2)
#define SNAP_SESSION SESSIONTAB_SNAP_ENTRY
#define SNAP_CLIENT DEDUP_SNAP_ENTRY
#define SNAP_DELETE (8 + 1 + NS_NAME_MAX)
#define SNAP_BINDING (1 + NS_NAME_MAX + 8 * 4 + 4 + 1 + 16 + 2 + NS_VALUE_MAX)

size_t nsm_snapshot_max(void)
{
    return SNAP_HEAD + NS_MAX_SESSIONS * SNAP_SESSION + NS_MAX_CLIENTS * SNAP_CLIENT +
           NS_MAX_DELETES * SNAP_DELETE + NS_MAX_BINDINGS * SNAP_BINDING + 4;
}

static uint32_t deletes_count(const struct ns_machine *m)
{
    uint32_t n = 0;
    for (int k = 0; k < NS_MAX_DELETES; k++)
        n += m->d[k].index != 0;
    return n;
}

long nsm_snapshot(const struct ns_machine *m, uint8_t *buf, size_t cap)
{
    struct le_writer w = {buf, cap, 0};
    uint32_t ns = sessiontab_count(m->s, NS_MAX_SESSIONS);
    uint32_t nc = dedup_count(m->c, NS_MAX_CLIENTS), nd = deletes_count(m);
    le_put(&w, SNAP_MAGIC, 4);
    le_put(&w, SNAP_FORMAT, 4);
    le_put(&w, m->applied, 8);
    le_put(&w, m->d_lost, 8);
    le_put(&w, ns, 2);
    le_put(&w, nc, 2);
    le_put(&w, nd, 2);
    le_put(&w, m->n_bindings, 2);
    le_put(&w, m->d_next, 2);
    sessiontab_put(&w, m->s, NS_MAX_SESSIONS);
    dedup_put(&w, m->c, NS_MAX_CLIENTS);
    for (uint32_t k = 0; k < nd; k++) {
        const struct nsm_delete *d = &m->d[k];
        le_put(&w, d->index, 8);
        le_put(&w, d->name_len, 1);
        le_put_bytes(&w, d->name, d->name_len);
    }
    for (uint32_t i = 0; i < m->n_bindings; i++) {
        const struct ns_binding *b = &m->e[i].b;
        le_put(&w, b->name_len, 1);
        le_put_bytes(&w, b->name, b->name_len);
        le_put(&w, b->version, 8);
        le_put(&w, b->create_index, 8);
        le_put(&w, b->mod_index, 8);
        le_put(&w, b->session, 8);
        le_put(&w, (uint32_t)b->owner_pid, 4);
        le_put(&w, b->flags, 1);
        if (b->flags & NS_F_PORT) {
            le_put(&w, b->port.a, 8);
            le_put(&w, b->port.b, 8);
        }
        if (b->flags & NS_F_VALUE) {
            le_put(&w, b->value_len, 2);
            le_put_bytes(&w, b->value, b->value_len);
        }
    }
    if (w.n > w.cap || w.cap - w.n < 4)
        return -EMSGSIZE;
    le_put(&w, crc32c(buf, w.n), 4);
    return (long)w.n;
}

/* A name of 1..NS_NAME_MAX valid bytes into dst (if any); its length, 0 if bad. */
static uint16_t s_name(struct le_reader *r, char *dst)
{
    size_t n = (size_t)le_get(r, 1);
    if (!r->ok || n > r->len - r->at || !ns_name_ok((const char *)r->p + r->at, n, false)) {
        r->ok = false;
        return 0;
    }
    le_get_bytes(r, dst, n);
    return (uint16_t)n;
}

/* One pass over a snapshot whose CRC and length were checked: with m NULL it
 * only validates, else it fills m (already cleared). The same code does both,
 * so nothing reaches m that the first pass did not accept. */
static bool restore_pass(struct ns_machine *m, const uint8_t *buf, size_t len)
{
    struct le_reader r = le_reader(buf, len);
    if (le_get(&r, 4) != SNAP_MAGIC || le_get(&r, 4) != SNAP_FORMAT)
        return false;
    uint64_t applied = le_get(&r, 8), d_lost = le_get(&r, 8);
    uint32_t ns = (uint32_t)le_get(&r, 2), nc = (uint32_t)le_get(&r, 2);
    uint32_t nd = (uint32_t)le_get(&r, 2), nb = (uint32_t)le_get(&r, 2);
    uint32_t d_next = (uint32_t)le_get(&r, 2);
    bool full = nd == NS_MAX_DELETES;
    if (!r.ok || ns > NS_MAX_SESSIONS || nc > NS_MAX_CLIENTS || nd > NS_MAX_DELETES ||
        nb > NS_MAX_BINDINGS || d_lost > applied || d_next >= NS_MAX_DELETES ||
        (!full && (d_lost || d_next != nd)))
        return false;
    if (m) {
        m->applied = applied;
        m->d_lost = d_lost;
        m->d_next = d_next;
    }

    /* Sessions: slots increasing, ids 1..applied and unique, (node, nonce)
     * unique; clients: slots increasing, ids unique, seq >= 1, indexes <=
     * applied. A validating pass reads the sessions into a table of its own,
     * for the bindings' check below. */
    struct session_entry seen[NS_MAX_SESSIONS];
    __builtin_memset(seen, 0, sizeof seen);
    if (!sessiontab_get(&r, seen, NS_MAX_SESSIONS, ns, applied) ||
        !dedup_get(&r, m ? m->c : 0, NS_MAX_CLIENTS, nc, applied))
        return false;
    if (m)
        __builtin_memcpy(m->s, seen, sizeof seen);

    /* Deletes: indexes 1..applied, non-decreasing oldest first, none before
     * d_lost (the newest one dropped). */
    uint64_t di[NS_MAX_DELETES];
    for (uint32_t k = 0; k < nd; k++) {
        struct nsm_delete d;
        __builtin_memset(&d, 0, sizeof d);
        d.index = di[k] = le_get(&r, 8);
        d.name_len = s_name(&r, d.name);
        if (!r.ok || d.index == 0 || d.index > applied)
            return false;
        if (m)
            __builtin_memcpy(&m->d[k], &d, sizeof d);
    }
    uint64_t prev = d_lost;
    for (uint32_t k = 0; k < nd; k++) {
        uint64_t index = di[(full ? d_next + k : k) % NS_MAX_DELETES];
        if (index < prev)
            return false;
        prev = index;
    }

    /* Bindings: names strictly increasing; an ephemeral one's session exists. */
    const uint8_t *prev_name = 0;
    size_t prev_len = 0;
    for (uint32_t k = 0; k < nb; k++) {
        size_t name_at = r.at + 1;
        struct nsm_entry e;
        __builtin_memset(&e, 0, sizeof e);
        e.used = true;
        struct ns_binding *b = &e.b;
        b->name_len = s_name(&r, b->name);
        b->version = le_get(&r, 8);
        b->create_index = le_get(&r, 8);
        b->mod_index = le_get(&r, 8);
        b->session = le_get(&r, 8);
        b->owner_pid = (int32_t)(uint32_t)le_get(&r, 4);
        b->flags = (uint8_t)le_get(&r, 1);
        if (!r.ok || b->version == 0 || b->create_index == 0 || b->create_index > b->mod_index ||
            b->mod_index > applied || (b->flags & ~(NS_F_VALUE | NS_F_PORT)) ||
            !(b->flags & (NS_F_VALUE | NS_F_PORT)) || (b->session == 0 && b->owner_pid != 0))
            return false;
        if (prev_name && nsm_name_cmp((const char *)prev_name, prev_len, b->name, b->name_len) >= 0)
            return false;
        prev_name = buf + name_at;
        prev_len = b->name_len;
        if (b->session && sessiontab_slot(seen, NS_MAX_SESSIONS, b->session) < 0)
            return false;
        if (b->flags & NS_F_PORT) {
            b->port.a = le_get(&r, 8);
            b->port.b = le_get(&r, 8);
        }
        if (b->flags & NS_F_VALUE) {
            size_t vl = (size_t)le_get(&r, 2);
            if (!r.ok || vl > NS_VALUE_MAX || vl > r.len - r.at)
                return false;
            b->value_len = (uint16_t)vl;
            __builtin_memcpy(b->value, r.p + r.at, vl);
            r.at += vl;
        }
        if (!r.ok)
            return false;
        if (m)
            __builtin_memcpy(&m->e[k], &e, sizeof e);
    }
    if (m)
        m->n_bindings = nb;
    return r.ok && r.at == len;
}

int nsm_restore(struct ns_machine *m, const uint8_t *buf, size_t len)
{
    if (len < SNAP_HEAD + 4 || len > nsm_snapshot_max())
        return -EBADMSG;
    uint32_t crc = 0;
    for (int i = 0; i < 4; i++)
        crc |= (uint32_t)buf[len - 4 + (size_t)i] << (8 * i);
    if (crc32c(buf, len - 4) != crc || !restore_pass(0, buf, len - 4))
        return -EBADMSG;
    nsm_init(m);
    restore_pass(m, buf, len - 4);
    return 0;
}
