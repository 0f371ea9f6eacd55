/*
 * fabric.c: the switching decision and the faults.
 *
 * A received frame is learned (source MAC -> port), then sent to the port
 * its destination was learned on, or flooded to every other port when the
 * destination is broadcast, multicast or unknown. Each copy then crosses the
 * directed link in -> out: a partition may block it, and the link's faults
 * are applied in a fixed order (loss, duplication, corruption, delay and
 * reordering), drawing from that link's own seeded PRNG. Per-link streams
 * keep a link's fault pattern independent of traffic on other links, so the
 * same seed and the same frame sequence on a link give the same faults.
 */
#include <stdlib.h>
#include <string.h>

#include "netswitch.h"

/* ---- randomness: lib/rand.c's xoshiro256**, one stream per link ---------- */

/* Uniform in [0, 1). */
static double rng_unit(struct rand *r) { return (double)(rand_next(r) >> 11) * 0x1.0p-53; }

/* Uniform in [0, n]. */
static uint32_t rng_upto(struct rand *r, uint32_t n)
{
    return (uint32_t)rand_below(r, (uint64_t)n + 1);
}

static bool rng_chance(struct rand *r, double p) { return p > 0 && rng_unit(r) < p; }

struct link *fabric_link(struct sw *sw, int a, int b)
{
    return &sw->links[a * (sw->nports + 1) + b];
}

static void link_seed(struct sw *sw, int a, int b)
{
    uint64_t x = sw->seed ^ ((uint64_t)a << 32 | (uint64_t)b) * 0xd1342543de82ef95ull;
    struct link *l = fabric_link(sw, a, b);
    uint64_t state[4];
    for (int i = 0; i < 4; i++)
        state[i] = rand_splitmix64(&x);
    rand_set_state(&l->rng, state);
}

/* Reseed every link's stream from seed; link settings are kept. */
void fabric_seed(struct sw *sw, uint64_t seed)
{
    sw->seed = seed;
    for (int a = 0; a <= sw->nports; a++)
        for (int b = 0; b <= sw->nports; b++)
            link_seed(sw, a, b);
}

/* Restore link a -> b to a perfect wire (its PRNG stream is left alone). */
void fabric_link_clear(struct sw *sw, int a, int b)
{
    struct link *l = fabric_link(sw, a, b);
    l->loss = l->dup = l->corrupt = l->reorder = 0;
    l->delay_ms = l->jitter_ms = 0;
    l->reorder_ms = 0;
}

int fabric_init(struct sw *sw, uint64_t seed, unsigned dqcap, unsigned age_s)
{
    size_t n = (size_t)(sw->nports + 1) * (size_t)(sw->nports + 1);
    sw->links = calloc(n, sizeof *sw->links);
    sw->dq = calloc(dqcap, sizeof *sw->dq);
    if (!sw->links || !sw->dq)
        return -1;
    sw->dqcap = dqcap;
    sw->age_ns = (uint64_t)age_s * 1000000000ull;
    fabric_seed(sw, seed);
    return 0;
}

void fabric_free(struct sw *sw)
{
    for (unsigned i = 0; i < sw->dqlen; i++)
        free(sw->dq[i].f);
    free(sw->dq);
    free(sw->links);
    sw->dq = NULL;
    sw->links = NULL;
    sw->dqlen = 0;
}

/* ---- MAC learning: open addressing, entries expire after age_ns ---------- */

static unsigned mac_hash(const uint8_t *mac)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 6; i++)
        h = (h ^ mac[i]) * 16777619u;
    return h & (NSW_MAC_SLOTS - 1);
}

static bool mac_live(const struct sw *sw, const struct mac_entry *e, uint64_t now)
{
    return e->used && now - e->seen_ns < sw->age_ns;
}

/* Port that mac was last seen on, or 0 when unknown or aged out. */
static int mac_lookup(struct sw *sw, const uint8_t *mac, uint64_t now)
{
    unsigned h = mac_hash(mac);
    for (unsigned i = 0; i < NSW_MAC_SLOTS; i++) {
        struct mac_entry *e = &sw->macs[(h + i) & (NSW_MAC_SLOTS - 1)];
        if (!e->used)
            return 0;
        if (memcmp(e->mac, mac, 6) == 0)
            return mac_live(sw, e, now) ? e->port : 0;
    }
    return 0;
}

/* Record that mac was seen on port. Expired slots are reused, but only after
 * the whole probe chain was searched for mac, so a key is never stored twice.
 * A full table simply stops learning (unknown destinations are flooded). */
static void mac_learn(struct sw *sw, const uint8_t *mac, int port, uint64_t now)
{
    unsigned h = mac_hash(mac);
    struct mac_entry *reuse = NULL;
    for (unsigned i = 0; i < NSW_MAC_SLOTS; i++) {
        struct mac_entry *e = &sw->macs[(h + i) & (NSW_MAC_SLOTS - 1)];
        if (!e->used) {
            if (!reuse)
                reuse = e;
            break;
        }
        if (memcmp(e->mac, mac, 6) == 0) {
            if (mac_live(sw, e, now) && e->port != port)
                sw->learned_moves++;
            e->port = (uint8_t)port;
            e->seen_ns = now;
            return;
        }
        if (!reuse && !mac_live(sw, e, now))
            reuse = e;
    }
    if (!reuse)
        return;
    memcpy(reuse->mac, mac, 6);
    reuse->used = 1;
    reuse->port = (uint8_t)port;
    reuse->seen_ns = now;
}

void fabric_each_mac(struct sw *sw, mac_visit_fn *fn, void *arg)
{
    uint64_t now = nsw_now();
    for (unsigned i = 0; i < NSW_MAC_SLOTS; i++)
        if (mac_live(sw, &sw->macs[i], now))
            fn(arg, &sw->macs[i], now - sw->macs[i].seen_ns);
}

void fabric_mac_flush(struct sw *sw) { memset(sw->macs, 0, sizeof sw->macs); }

/* ---- the delay queue: a min-heap ordered by (at_ns, seq) ----------------- */

static bool dq_before(const struct delayed *x, const struct delayed *y)
{
    return x->at_ns != y->at_ns ? x->at_ns < y->at_ns : x->seq < y->seq;
}

static void dq_swap(struct delayed *x, struct delayed *y)
{
    struct delayed t = *x;
    *x = *y;
    *y = t;
}

/* Hold f for port until at_ns; takes ownership. Returns -1 (f freed) when full. */
static int dq_push(struct sw *sw, int port, struct frame *f, uint64_t at_ns)
{
    if (sw->dqlen == sw->dqcap) {
        free(f);
        return -1;
    }
    unsigned i = sw->dqlen++;
    sw->dq[i] = (struct delayed){.at_ns = at_ns, .seq = sw->dqseq++, .port = port, .f = f};
    while (i > 0 && dq_before(&sw->dq[i], &sw->dq[(i - 1) / 2])) {
        dq_swap(&sw->dq[i], &sw->dq[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    return 0;
}

static struct delayed dq_pop(struct sw *sw)
{
    struct delayed top = sw->dq[0];
    sw->dq[0] = sw->dq[--sw->dqlen];
    unsigned i = 0;
    for (;;) {
        unsigned l = 2 * i + 1, r = l + 1, m = i;
        if (l < sw->dqlen && dq_before(&sw->dq[l], &sw->dq[m]))
            m = l;
        if (r < sw->dqlen && dq_before(&sw->dq[r], &sw->dq[m]))
            m = r;
        if (m == i)
            break;
        dq_swap(&sw->dq[i], &sw->dq[m]);
        i = m;
    }
    return top;
}

uint64_t fabric_release_due(struct sw *sw, uint64_t now)
{
    while (sw->dqlen > 0 && sw->dq[0].at_ns <= now) {
        struct delayed d = dq_pop(sw);
        port_output(sw, d.port, d.f);
    }
    return sw->dqlen > 0 ? sw->dq[0].at_ns : 0;
}

/* ---- forwarding ------------------------------------------------------------ */

static bool is_multicast(const uint8_t *mac) { return mac[0] & 1; }

/* One copy of a frame crossing link in -> out; takes ownership of f. */
static void link_deliver(struct sw *sw, int in, int out, struct frame *f, uint64_t now)
{
    struct link *l = fabric_link(sw, in, out);
    struct port_stats *st = &sw->ports[out].st;

    if (l->corrupt > 0 && rng_chance(&l->rng, l->corrupt)) {
        /* Flip one bit past the Ethernet header, so the frame still reaches
         * its port and the damage lands where checksums must catch it. */
        size_t lo = f->len > NSW_ETH_HLEN ? NSW_ETH_HLEN : 0;
        size_t at = lo + rng_upto(&l->rng, (uint32_t)(f->len - lo - 1));
        f->data[at] ^= (uint8_t)(1u << rng_upto(&l->rng, 7));
        st->corrupt++;
    }
    uint64_t hold_ms = 0;
    if (l->delay_ms || l->jitter_ms)
        hold_ms = l->delay_ms + (l->jitter_ms ? rng_upto(&l->rng, l->jitter_ms) : 0);
    if (l->reorder > 0 && rng_chance(&l->rng, l->reorder)) {
        hold_ms += l->reorder_ms ? l->reorder_ms : 5;
        st->reordered++;
    }
    if (hold_ms == 0) {
        port_output(sw, out, f);
        return;
    }
    st->delayed++;
    if (dq_push(sw, out, f, now + hold_ms * 1000000ull) < 0) {
        st->drop_delayq++;
        sw->drop_delayq_total++;
    }
}

static void forward_one(struct sw *sw, int in, int out, const struct frame *f, uint64_t now)
{
    struct link *l = fabric_link(sw, in, out);
    struct port_stats *st = &sw->ports[out].st;

    if (sw->partitioned && sw->group[in] != sw->group[out]) {
        st->drop_part++;
        return;
    }
    if (l->loss > 0 && rng_chance(&l->rng, l->loss)) {
        st->drop_loss++;
        return;
    }
    int copies = 1;
    if (l->dup > 0 && rng_chance(&l->rng, l->dup)) {
        copies = 2;
        st->dup++;
    }
    for (int c = 0; c < copies; c++) {
        struct frame *g = frame_new(f->data, f->len);
        if (!g) {
            st->drop_err++;
            continue;
        }
        link_deliver(sw, in, out, g, now);
    }
}

void fabric_forward(struct sw *sw, int in, const struct frame *f)
{
    uint64_t now = nsw_now();
    const uint8_t *dst = f->data, *src = f->data + 6;

    if (!is_multicast(src))
        mac_learn(sw, src, in, now);
    int out = is_multicast(dst) ? 0 : mac_lookup(sw, dst, now);
    if (out == in) {
        sw->ports[in].st.drop_filtered++;
        return;
    }
    if (out > 0) {
        forward_one(sw, in, out, f, now);
        return;
    }
    sw->flooded++;
    for (int k = 1; k <= sw->nports; k++)
        if (k != in)
            forward_one(sw, in, k, f, now);
}
