/* tests/sim/check.c: the Raft safety properties (thesis §3.6.3, Figure 3.2),
 * checked after every simulated event.
 *
 *  - Election safety: at most one leader per term, ever.
 *  - Leader append-only: a leader never overwrites or deletes its entries.
 *  - Log matching: entries with the same index and term hold the same command
 *    and follow the same previous term (hence, inductively, the same prefix).
 *  - Leader completeness: a new leader holds every entry committed so far.
 *  - State machine safety: no two nodes apply different entries at an index.
 *  - Durability: an entry is applied only once it is on the disks of a
 *    majority of voters (static-membership runs).
 * Each check fails the run with sim_failf and a message naming the nodes. */
#include "tests/sim/sim.h"

#include <stdlib.h>
#include <string.h>

struct logent {
    uint64_t index, term, hash, prev_term;
    uint32_t node;
};

struct logmap {
    struct logent *tab;
    uint64_t cap, n;
};

uint64_t check_hash_entry(const struct raft_entry *e)
{
    uint64_t h = 1469598103934665603ull ^ e->type;
    for (uint16_t i = 0; i < e->len; i++) {
        h ^= e->data[i];
        h *= 1099511628211ull;
    }
    return h ^ ((uint64_t)e->len << 48);
}

void check_init(struct sim *s)
{
    struct logmap *m = calloc(1, sizeof *m);
    m->cap = 4096;
    m->tab = calloc(m->cap, sizeof *m->tab);
    s->logmap = m;
}

void check_free(struct sim *s)
{
    struct logmap *m = s->logmap;
    free(m->tab);
    free(m);
    free(s->leader_of_term);
    free(s->committed);
}

static uint64_t slot(uint64_t index, uint64_t term, uint64_t mask)
{
    uint64_t h = index * 0x9e3779b97f4a7c15ull ^ term * 0xc2b2ae3d27d4eb4full;
    return (h ^ (h >> 31)) & mask;
}

/* Find or insert (index, term). Returns the slot; *fresh tells which. */
static struct logent *logmap_get(struct logmap *m, uint64_t index, uint64_t term, bool *fresh)
{
    if (2 * (m->n + 1) > m->cap) {
        struct logent *old = m->tab;
        uint64_t oc = m->cap;
        m->cap *= 2;
        m->tab = calloc(m->cap, sizeof *m->tab);
        for (uint64_t i = 0; i < oc; i++)
            if (old[i].index) {
                uint64_t j = slot(old[i].index, old[i].term, m->cap - 1);
                while (m->tab[j].index)
                    j = (j + 1) & (m->cap - 1);
                m->tab[j] = old[i];
            }
        free(old);
    }
    uint64_t j = slot(index, term, m->cap - 1);
    while (m->tab[j].index && !(m->tab[j].index == index && m->tab[j].term == term))
        j = (j + 1) & (m->cap - 1);
    *fresh = !m->tab[j].index;
    if (*fresh)
        m->n++;
    return &m->tab[j];
}

/* Log matching, checked on every entry a node writes to its log. */
void check_entries(struct sim *s, struct sim_node *nd, const struct raft_ready *rd)
{
    if (!rd->ents_from)
        return;
    for (uint64_t i = rd->ents_from; i <= rd->ents_to; i++) {
        const struct raft_entry *e = raft_entry_at(&nd->r, i);
        if (!e)
            continue;
        uint64_t prev = raft_term_at(&nd->r, i - 1);
        uint64_t h = check_hash_entry(e);
        bool fresh;
        struct logent *le = logmap_get(s->logmap, i, e->term, &fresh);
        if (fresh) {
            *le = (struct logent){i, e->term, h, prev, nd->id};
        } else if (le->hash != h || le->prev_term != prev) {
            sim_failf(s,
                      "LOG MATCHING violated at index %llu term %llu: n%u has prev term %llu, "
                      "n%u had prev term %llu (content %s)",
                      (unsigned long long)i, (unsigned long long)e->term, nd->id,
                      (unsigned long long)prev, le->node, (unsigned long long)le->prev_term,
                      le->hash == h ? "same" : "differs");
        }
    }
}

static bool on_disk(const struct sim_node *nd, uint64_t index, uint64_t term)
{
    const struct sim_disk *d = &nd->disk;
    if (d->has_snap && d->snap_index >= index)
        return true;
    return index >= d->first && index < d->first + d->n && d->ents[index - d->first].term == term;
}

/* State machine safety and durability, on every applied entry. */
void check_apply(struct sim *s, struct sim_node *nd, uint64_t index, const struct raft_entry *e)
{
    if (index > raft_commit(&nd->r))
        sim_failf(s, "n%u applies %llu beyond its commit index %llu", nd->id,
                  (unsigned long long)index, (unsigned long long)raft_commit(&nd->r));
    if (index >= s->committed_cap) {
        uint64_t nc = s->committed_cap ? 2 * s->committed_cap : 1024;
        while (nc <= index)
            nc *= 2;
        s->committed = realloc(s->committed, nc * sizeof *s->committed);
        memset(s->committed + s->committed_cap, 0, (nc - s->committed_cap) * sizeof *s->committed);
        s->committed_cap = nc;
    }
    uint64_t h = check_hash_entry(e);
    if (s->committed[index].term == 0) {
        s->committed[index].term = e->term;
        s->committed[index].hash = h;
        s->committed[index].at_term = raft_term(&nd->r);
        if (index > s->n_committed)
            s->n_committed = index;
    } else if (s->committed[index].term != e->term || s->committed[index].hash != h) {
        sim_failf(s,
                  "STATE MACHINE SAFETY violated: n%u applies term %llu at %llu, another node "
                  "applied term %llu",
                  nd->id, (unsigned long long)e->term, (unsigned long long)index,
                  (unsigned long long)s->committed[index].term);
    }
    if (s->check_durable) {
        const struct raft_conf *c = raft_conf(&nd->r);
        uint32_t voters = 0, have = 0;
        for (uint32_t k = 0; k < c->n; k++) {
            if (c->m[k].role != RAFT_VOTER || c->m[k].id > (uint32_t)s->n)
                continue;
            voters++;
            have += on_disk(s->nodes[c->m[k].id - 1], index, e->term);
        }
        if (have < voters / 2 + 1)
            sim_failf(s, "DURABILITY violated: n%u applies %llu (term %llu) held on %u of %u disks",
                      nd->id, (unsigned long long)index, (unsigned long long)e->term, have, voters);
    }
}

/* Per-node checks after each event: election safety, leader append-only,
 * leader completeness, commit monotonicity. */
void check_node(struct sim *s, struct sim_node *nd)
{
    struct raft *r = &nd->r;
    uint64_t term = raft_term(r);
    bool leader = raft_role(r) == RAFT_LEADER;
    if (raft_commit(r) < nd->last_commit)
        sim_failf(s, "n%u commit went back from %llu to %llu", nd->id,
                  (unsigned long long)nd->last_commit, (unsigned long long)raft_commit(r));
    nd->last_commit = raft_commit(r);
    if (leader) {
        if (term >= s->n_terms) {
            uint64_t nt = s->n_terms ? 2 * s->n_terms : 256;
            while (nt <= term)
                nt *= 2;
            s->leader_of_term = realloc(s->leader_of_term, nt * sizeof *s->leader_of_term);
            memset(s->leader_of_term + s->n_terms, 0, (nt - s->n_terms) * sizeof(uint32_t));
            s->n_terms = nt;
        }
        if (s->leader_of_term[term] == 0)
            s->leader_of_term[term] = nd->id;
        else if (s->leader_of_term[term] != nd->id)
            sim_failf(s, "ELECTION SAFETY violated: n%u and n%u both leaders of term %llu",
                      s->leader_of_term[term], nd->id, (unsigned long long)term);
        bool was = nd->last_role == RAFT_LEADER && nd->last_term == term;
        if (!was) {
            sim_tracef(s, "n%u becomes LEADER of term %llu (last %llu commit %llu)", nd->id,
                       (unsigned long long)term, (unsigned long long)raft_last_index(r),
                       (unsigned long long)raft_commit(r));
            /* LEASE SAFETY: no leader of an older term may still trust its
             * lease, by its own clock as it reads now (docs/raft.md, "Lease
             * reads"). (A leader of an older term winning late, as above,
             * can commit and read nothing: the newer term's servers refuse it.) */
            for (int k = 0; k < s->n; k++) {
                struct sim_node *o = s->nodes[k];
                if (!o || o == nd || !o->up || raft_term(&o->r) >= term)
                    continue;
                sim_node_clock(s, o);
                if (raft_lease_valid(&o->r))
                    sim_failf(s,
                              "LEASE SAFETY violated: n%u leads term %llu while n%u (term "
                              "%llu) still reads on its lease for %llu ms",
                              nd->id, (unsigned long long)term, o->id,
                              (unsigned long long)raft_term(&o->r),
                              (unsigned long long)(o->r.lease_until - o->r.clock_ms));
            }
            /* (entries committed in an earlier term: a leader of an older
             * term can still win late, its votes held up by a pause) */
            for (uint64_t i = raft_snap_index(r) + 1; i <= s->n_committed; i++)
                if (s->committed[i].term && s->committed[i].at_term < term &&
                    raft_term_at(r, i) != s->committed[i].term)
                    sim_failf(s,
                              "LEADER COMPLETENESS violated: n%u leads term %llu without "
                              "committed entry %llu (term %llu; has %llu)",
                              nd->id, (unsigned long long)term, (unsigned long long)i,
                              (unsigned long long)s->committed[i].term,
                              (unsigned long long)raft_term_at(r, i));
        } else if (raft_last_index(r) < nd->leader_last ||
                   (nd->leader_last > raft_snap_index(r) &&
                    raft_term_at(r, nd->leader_last) != nd->last_term_at_leader_last)) {
            sim_failf(s, "LEADER APPEND-ONLY violated: n%u (term %llu) lost entry %llu", nd->id,
                      (unsigned long long)term, (unsigned long long)nd->leader_last);
        }
        nd->leader_last = raft_last_index(r);
        nd->last_term_at_leader_last = raft_term_at(r, nd->leader_last);
    } else if (nd->last_role != raft_role(r) || nd->last_term != term) {
        sim_tracef(s, "n%u is %s of term %llu", nd->id,
                   raft_role(r) == RAFT_FOLLOWER    ? "follower"
                   : raft_role(r) == RAFT_CANDIDATE ? "candidate"
                                                    : "pre-candidate",
                   (unsigned long long)term);
    }
    nd->last_role = raft_role(r);
    nd->last_term = term;
}
