/* services/replica/sessiontab.c: the replicated table of sessions
 * (sessiontab.h). */
#include "services/replica/sessiontab.h"

#include "lib/errno.h"

/* Written field by field over zeros, so padding is zero on every replica. */
static void entry_set(struct session_entry *s, uint64_t id, uint64_t nonce, uint32_t node)
{
    __builtin_memset(s, 0, sizeof *s);
    s->id = id;
    s->nonce = nonce;
    s->node = node;
}

uint64_t sessiontab_find(const struct session_entry *tab, uint32_t cap, uint32_t node,
                         uint64_t nonce)
{
    for (uint32_t i = 0; i < cap; i++)
        if (tab[i].id && tab[i].node == node && tab[i].nonce == nonce)
            return tab[i].id;
    return 0;
}

int sessiontab_slot(const struct session_entry *tab, uint32_t cap, uint64_t id)
{
    for (uint32_t i = 0; i < cap; i++)
        if (id && tab[i].id == id)
            return (int)i;
    return -1;
}

int sessiontab_open(struct session_entry *tab, uint32_t cap, uint64_t index, uint32_t node,
                    uint64_t nonce, uint64_t *id)
{
    uint64_t s = sessiontab_find(tab, cap, node, nonce);
    if (s) {
        *id = s; /* a retry of the open that made it */
        return 0;
    }
    for (uint32_t i = 0; i < cap; i++) {
        if (!tab[i].id) {
            entry_set(&tab[i], index, nonce, node);
            *id = index;
            return 0;
        }
    }
    return -ENOSPC;
}

bool sessiontab_close(struct session_entry *tab, uint32_t cap, uint64_t id)
{
    int s = sessiontab_slot(tab, cap, id);
    if (s < 0)
        return false;
    __builtin_memset(&tab[s], 0, sizeof tab[s]);
    return true;
}

uint32_t sessiontab_count(const struct session_entry *tab, uint32_t cap)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < cap; i++)
        n += tab[i].id != 0;
    return n;
}

void sessiontab_put(struct le_writer *w, const struct session_entry *tab, uint32_t cap)
{
    for (uint32_t i = 0; i < cap; i++) {
        if (!tab[i].id)
            continue;
        le_put(w, i, 2);
        le_put(w, tab[i].id, 8);
        le_put(w, tab[i].nonce, 8);
        le_put(w, tab[i].node, 4);
    }
}

bool sessiontab_get(struct le_reader *r, struct session_entry *tab, uint32_t cap, uint32_t n,
                    uint64_t applied)
{
    int64_t last_slot = -1;
    const uint8_t *first = r->p + r->at;
    for (uint32_t k = 0; k < n; k++) {
        int64_t slot = (int64_t)le_get(r, 2);
        uint64_t id = le_get(r, 8), nonce = le_get(r, 8);
        uint32_t node = (uint32_t)le_get(r, 4);
        if (!r->ok || slot <= last_slot || slot >= (int64_t)cap || id == 0 || id > applied ||
            node == 0)
            return false;
        for (uint32_t j = 0; j < k; j++) { /* re-read the entries before this one */
            struct le_reader e =
                le_reader(first + (size_t)j * SESSIONTAB_SNAP_ENTRY + 2, SESSIONTAB_SNAP_ENTRY);
            uint64_t jid = le_get(&e, 8), jnonce = le_get(&e, 8);
            uint32_t jnode = (uint32_t)le_get(&e, 4);
            if (jid == id || (jnode == node && jnonce == nonce))
                return false;
        }
        last_slot = slot;
        if (tab)
            entry_set(&tab[slot], id, nonce, node);
    }
    return true;
}
