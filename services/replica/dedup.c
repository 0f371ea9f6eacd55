/* services/replica/dedup.c: the client table that suppresses retried
 * requests (dedup.h). */
#include "services/replica/dedup.h"

/* Entries are written field by field over zeros, never from a compound
 * literal, so their padding is zero too: replicas hold the same bytes. */
static void client_set(struct dedup_client *c, uint64_t id, uint64_t seq, uint64_t last_used,
                       int32_t status, uint64_t version, uint64_t index)
{
    __builtin_memset(c, 0, sizeof *c);
    c->id = id;
    c->seq = seq;
    c->last_used = last_used;
    c->status = status;
    c->version = version;
    c->index = index;
}

static struct dedup_client *find(struct dedup_client *tab, uint32_t cap, uint64_t id)
{
    for (uint32_t i = 0; i < cap; i++)
        if (tab[i].id == id)
            return &tab[i];
    return 0;
}

/* The lowest free slot, else the least recently used (lowest slot on a tie). */
static struct dedup_client *victim(struct dedup_client *tab, uint32_t cap)
{
    uint32_t v = 0;
    for (uint32_t i = 0; i < cap; i++) {
        if (!tab[i].id)
            return &tab[i];
        if (tab[i].last_used < tab[v].last_used)
            v = i;
    }
    return &tab[v];
}

enum dedup_verdict dedup_check(struct dedup_client *tab, uint32_t cap, uint64_t id, uint64_t seq,
                               uint64_t index, struct dedup_client **prev)
{
    struct dedup_client *c = find(tab, cap, id);
    *prev = c;
    if (c && seq <= c->seq) {
        c->last_used = index;
        return seq == c->seq ? DEDUP_REPEAT : DEDUP_STALE;
    }
    if (!c && seq != 1)
        return DEDUP_STALE; /* forgotten: this may be a retry of one that ran */
    return DEDUP_APPLY;
}

void dedup_record(struct dedup_client *tab, uint32_t cap, struct dedup_client *slot, uint64_t id,
                  uint64_t seq, uint64_t index, int32_t status, uint64_t version)
{
    if (!slot)
        slot = victim(tab, cap);
    client_set(slot, id, seq, index, status, version, index);
}

uint32_t dedup_count(const struct dedup_client *tab, uint32_t cap)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < cap; i++)
        n += tab[i].id != 0;
    return n;
}

void dedup_put(struct le_writer *w, const struct dedup_client *tab, uint32_t cap)
{
    for (uint32_t i = 0; i < cap; i++) {
        const struct dedup_client *c = &tab[i];
        if (!c->id)
            continue;
        le_put(w, i, 2);
        le_put(w, c->id, 8);
        le_put(w, c->seq, 8);
        le_put(w, c->last_used, 8);
        le_put(w, (uint32_t)c->status, 4);
        le_put(w, c->version, 8);
        le_put(w, c->index, 8);
    }
}

bool dedup_get(struct le_reader *r, struct dedup_client *tab, uint32_t cap, uint32_t n,
               uint64_t applied)
{
    int64_t last_slot = -1;
    const uint8_t *first = r->p + r->at; /* for the uniqueness check, which re-reads */
    for (uint32_t k = 0; k < n; k++) {
        int64_t slot = (int64_t)le_get(r, 2);
        uint64_t id = le_get(r, 8), seq = le_get(r, 8), last_used = le_get(r, 8);
        int32_t status = (int32_t)(uint32_t)le_get(r, 4);
        uint64_t version = le_get(r, 8), index = le_get(r, 8);
        if (!r->ok || slot <= last_slot || slot >= (int64_t)cap || id == 0 || seq == 0 ||
            last_used > applied || index > last_used || index == 0 || status > 0 || status < -4095)
            return false;
        /* ids unique: compare with the entries already read */
        for (uint32_t j = 0; j < k; j++) {
            struct le_reader e = le_reader(first + (size_t)j * DEDUP_SNAP_ENTRY + 2, 8);
            if (le_get(&e, 8) == id)
                return false;
        }
        last_slot = slot;
        if (tab)
            client_set(&tab[slot], id, seq, last_used, status, version, index);
    }
    return true;
}
