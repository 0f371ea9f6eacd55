/* tests/sim/sim.c: the simulated cluster: event queue, network, disks, node
 * lifecycle (crash, restart) and the glue that feeds each node's raft_ready
 * output to the disk, the state machine and the network. See sim.h. */
#define _POSIX_C_SOURCE 200809L
#include "tests/sim/sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EV_TICK, EV_DELIVER, EV_DISK, EV_CLIENT, EV_CRASH, EV_RESTART };

struct sim_event {
    uint64_t t, seq;
    int type;
    int node;
    uint32_t gen;
    int from;
    uint8_t *buf;
    size_t len;
};

void sim_node_ready(struct sim *s, struct sim_node *nd);

uint64_t sim_rand(struct sim *s)
{
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rand_range(struct sim *s, uint64_t lo, uint64_t hi)
{
    return lo + (hi > lo ? sim_rand(s) % (hi - lo + 1) : 0);
}

/* ---- trace ---------------------------------------------------------------- */

void sim_tracef(struct sim *s, const char *fmt, ...)
{
    char *line = s->trace[s->trace_n++ % SIM_TRACE_LINES];
    int k = snprintf(line, 160, "t=%-6llu ", (unsigned long long)s->now);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + k, 160 - (size_t)k, fmt, ap);
    va_end(ap);
    if (s->trace_live)
        printf("  %s\n", line);
}

void sim_print_trace(struct sim *s, uint64_t last)
{
    uint64_t n = s->trace_n < SIM_TRACE_LINES ? s->trace_n : SIM_TRACE_LINES;
    if (last < n)
        n = last;
    for (uint64_t i = s->trace_n - n; i < s->trace_n; i++)
        printf("    %s\n", s->trace[i % SIM_TRACE_LINES]);
}

void sim_failf(struct sim *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->fail, sizeof s->fail, fmt, ap);
    va_end(ap);
    sim_tracef(s, "FAIL: %s", s->fail);
    longjmp(s->fail_jmp, 1);
}

/* ---- event queue ------------------------------------------------------------ */

static bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* Queue e at time t (after every event already queued for t). */
static void ev_insert(struct sim *s, struct sim_event *e, uint64_t t)
{
    e->t = t;
    e->seq = s->ev_seq++;
    if (s->heap_n == s->heap_cap) {
        s->heap_cap = s->heap_cap ? 2 * s->heap_cap : 1024;
        s->heap = realloc(s->heap, s->heap_cap * sizeof *s->heap);
    }
    uint64_t i = s->heap_n++;
    while (i > 0 && ev_before(e, s->heap[(i - 1) / 2])) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = e;
}

static struct sim_event *ev_push(struct sim *s, uint64_t t, int type, int node)
{
    struct sim_event *e = calloc(1, sizeof *e);
    e->type = type;
    e->node = node;
    ev_insert(s, e, t);
    return e;
}

static struct sim_event *ev_pop(struct sim *s)
{
    struct sim_event *top = s->heap[0], *last = s->heap[--s->heap_n];
    uint64_t i = 0;
    for (;;) {
        uint64_t c = 2 * i + 1;
        if (c >= s->heap_n)
            break;
        if (c + 1 < s->heap_n && ev_before(s->heap[c + 1], s->heap[c]))
            c++;
        if (!ev_before(s->heap[c], last))
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->heap_n)
        s->heap[i] = last;
    return top;
}

/* ---- network ---------------------------------------------------------------- */

static const char *msg_name(int t)
{
    static const char *names[] = {"?",         "APPEND",  "APPEND_RESP",  "VOTE",
                                  "VOTE_RESP", "PREVOTE", "PREVOTE_RESP", "SNAPSHOT",
                                  "HEARTBEAT", "HB_RESP", "TIMEOUT_NOW"};
    return t > 0 && t < RAFT_MSG_TYPE_END ? names[t] : "?";
}

static void send_msg(struct sim *s, int from, const struct raft_msg *m)
{
    int to = (int)m->to - 1;
    size_t len = raft_encoded_size(m);
    uint8_t *buf = malloc(len);
    int rv = raft_encode(m, buf, len);
    if (rv != (int)len)
        sim_failf(s, "encode of %s returned %d, expected %zu", msg_name(m->type), rv, len);
    s->msgs_sent++;
    s->bytes_sent += len;
    if (s->trace_live || s->trace)
        if (s->trace_live)
            sim_tracef(s, "n%u->n%u %s term=%llu idx=%llu lt=%llu c=%llu n=%u%s", m->from, m->to,
                       msg_name(m->type), (unsigned long long)m->term, (unsigned long long)m->index,
                       (unsigned long long)m->log_term, (unsigned long long)m->commit, m->n_entries,
                       m->reject ? " REJECT" : "");
    if (to < 0 || to >= s->n || !s->link[from][to] || sim_rand(s) % 100 < s->loss_pct) {
        free(buf);
        return;
    }
    if (m->type == RAFT_MSG_VOTE_RESP && !m->reject && s->crash_after_vote_pct &&
        sim_rand(s) % 100 < s->crash_after_vote_pct) {
        /* the grant is on the wire; the voter crashes and comes back */
        ev_push(s, s->now, EV_CRASH, from);
        ev_push(s, s->now + rand_range(s, 1, 10), EV_RESTART, from);
    }
    int copies = 1 + (sim_rand(s) % 100 < s->dup_pct);
    for (int c = 0; c < copies; c++) {
        struct sim_event *e =
            ev_push(s, s->now + rand_range(s, s->delay_min, s->delay_max), EV_DELIVER, to);
        e->from = from;
        e->len = len;
        if (c == 0) {
            e->buf = buf;
        } else {
            e->buf = malloc(len);
            memcpy(e->buf, buf, len);
        }
    }
}

static void deliver(struct sim *s, struct sim_event *e)
{
    struct sim_node *nd = s->nodes[e->node];
    if (!nd || !nd->up || !s->link[e->from][e->node])
        return;
    static struct raft_entry ents[64];
    struct raft_msg m;
    int rv = raft_decode(e->buf, e->len, &m, ents, 64);
    if (rv)
        sim_failf(s, "decode of a message from n%d failed: %d", e->from + 1, rv);
    s->msgs_delivered++;
    rv = raft_step(&nd->r, &m);
    if (rv)
        sim_failf(s, "n%u rejected a %s from n%u: %d", nd->id, msg_name(m.type), m.from, rv);
    sim_node_ready(s, nd);
}

/* ---- disk ----------------------------------------------------------------- */

static void disk_write(struct sim *s, struct sim_node *nd)
{
    struct sim_disk *d = &nd->disk;
    struct sim_write *w = &nd->w;
    if (w->hs) {
        d->has_hs = true;
        d->term = w->term;
        d->vote = w->vote;
    }
    if (w->snap) {
        d->has_snap = true;
        d->snap_index = w->snap_index;
        d->snap_term = w->snap_term;
        d->snap_conf = w->snap_conf;
        memcpy(d->snap, w->snap_data, w->snap_len);
        d->snap_len = w->snap_len;
        /* drop entries covered by the snapshot */
        if (d->n && d->first <= w->snap_index) {
            uint64_t drop = w->snap_index - d->first + 1;
            if (drop > d->n)
                drop = d->n;
            memmove(d->ents, d->ents + drop, (d->n - drop) * sizeof *d->ents);
            d->n -= drop;
        }
        if (d->n == 0 || d->first <= w->snap_index)
            d->first = w->snap_index + 1;
        else
            d->first = d->first > w->snap_index + 1 ? d->first : w->snap_index + 1;
    }
    if (w->ents_from) {
        if (w->ents_from < d->first || w->ents_from > d->first + d->n)
            sim_failf(s, "n%u asked to write entries from %llu to a disk holding [%llu, %llu)",
                      nd->id, (unsigned long long)w->ents_from, (unsigned long long)d->first,
                      (unsigned long long)(d->first + d->n));
        d->n = w->ents_from - d->first;
        if (d->n + w->n_ents > d->cap) {
            d->cap = (d->n + w->n_ents) * 2;
            d->ents = realloc(d->ents, d->cap * sizeof *d->ents);
        }
        if (w->n_ents)
            memcpy(d->ents + d->n, w->ents, w->n_ents * sizeof *d->ents);
        d->n += w->n_ents;
    }
}

static void disk_done(struct sim *s, struct sim_event *e)
{
    struct sim_node *nd = s->nodes[e->node];
    if (!nd || !nd->up || e->gen != nd->gen || !nd->writing)
        return;
    disk_write(s, nd);
    nd->writing = false;
    raft_persisted(&nd->r);
    sim_node_ready(s, nd);
}

/* ---- the ready loop ------------------------------------------------------- */

static void capture_write(struct sim *s, struct sim_node *nd, const struct raft_ready *rd)
{
    struct sim_write *w = &nd->w;
    w->hs = rd->hs;
    w->term = rd->term;
    w->vote = rd->vote;
    w->snap = rd->snap;
    if (rd->snap) {
        w->snap_index = rd->snap_index;
        w->snap_term = rd->snap_term;
        w->snap_conf = *rd->snap_conf;
        memcpy(w->snap_data, rd->snap_data, rd->snap_len);
        w->snap_len = rd->snap_len;
    }
    w->ents_from = rd->ents_from;
    w->n_ents = rd->ents_from ? rd->ents_to + 1 - rd->ents_from : 0;
    free(w->ents);
    w->ents = malloc((w->n_ents + 1) * sizeof *w->ents);
    for (uint64_t i = 0; i < w->n_ents; i++) {
        const struct raft_entry *e = raft_entry_at(&nd->r, rd->ents_from + i);
        if (!e)
            sim_failf(s, "n%u: entry %llu to persist is not in the log", nd->id,
                      (unsigned long long)(rd->ents_from + i));
        w->ents[i] = *e;
    }
    nd->writing = true;
    struct sim_event *ev =
        ev_push(s, s->now + rand_range(s, s->disk_min, s->disk_max), EV_DISK, (int)nd->id - 1);
    ev->gen = nd->gen;
}

void sim_node_ready(struct sim *s, struct sim_node *nd)
{
    struct raft_ready rd;
    raft_ready(&nd->r, &rd);
    if (rd.persist) {
        if (nd->writing)
            sim_failf(s, "n%u issued a second persistence batch before the first completed",
                      nd->id);
        check_entries(s, nd, &rd);
        capture_write(s, nd, &rd);
    }
    if (rd.restore) {
        kv_restore(nd, rd.snap_data, rd.snap_len);
        nd->applied = rd.snap_index;
        sim_tracef(s, "n%u restores snapshot at %llu", nd->id, (unsigned long long)rd.snap_index);
    }
    for (uint64_t i = rd.apply_from; rd.apply_from && i <= rd.apply_to; i++) {
        const struct raft_entry *e = raft_entry_at(&nd->r, i);
        if (!e || i != nd->applied + 1)
            sim_failf(s, "n%u: entry %llu to apply is missing or out of order (applied %llu)",
                      nd->id, (unsigned long long)i, (unsigned long long)nd->applied);
        check_apply(s, nd, i, e);
        kv_apply(s, nd, i, e);
        nd->applied = i;
    }
    for (uint32_t i = 0; i < rd.n_msgs; i++)
        send_msg(s, (int)nd->id - 1, &rd.msgs[i]);
    for (uint32_t i = 0; i < rd.n_reads; i++)
        kv_read_ready(s, nd, &rd.reads[i]);
    uint64_t snap_i = raft_snap_index(&nd->r);
    bool crowded = raft_last_index(&nd->r) - snap_i >= s->ring_cap / 2 && nd->applied > snap_i;
    if (s->compact_every && (nd->applied >= snap_i + s->compact_every || crowded)) {
        uint8_t buf[SIM_SNAP_CAP];
        uint32_t len = kv_snapshot(nd, buf);
        int rv = raft_compact(&nd->r, nd->applied, buf, len);
        if (rv)
            sim_failf(s, "n%u: compact at %llu failed: %d", nd->id, (unsigned long long)nd->applied,
                      rv);
        nd->compacted++;
    }
    check_node(s, nd);
}

/* ---- nodes ---------------------------------------------------------------- */

void sim_node_clock(struct sim *s, struct sim_node *nd)
{
    uint64_t local = (s->now - nd->clock_at) * (uint64_t)(1000 + nd->rate_pm) + nd->clock_frac;
    nd->clock_at = s->now;
    nd->clock_frac = local % 1000;
    if (local / 1000)
        raft_tick(&nd->r, (uint32_t)(local / 1000));
}

void sim_pause(struct sim *s, int i, uint64_t ms)
{
    struct sim_node *nd = s->nodes[i];
    if (!nd || !nd->up)
        return;
    nd->paused_until = s->now + ms;
    sim_tracef(s, "n%d PAUSED for %llu ms", i + 1, (unsigned long long)ms);
}

void sim_set_drift(struct sim *s, int32_t max_pm)
{
    for (int i = 0; i < s->n; i++) {
        struct sim_node *nd = s->nodes[i];
        if (!nd)
            continue;
        sim_node_clock(s, nd); /* the old rate up to now */
        nd->rate_pm = (int32_t)(sim_rand(s) % (uint64_t)(2 * max_pm + 1)) - max_pm;
        sim_tracef(s, "n%d clock rate %+d per mille", i + 1, nd->rate_pm);
    }
}

static void schedule_tick(struct sim *s, struct sim_node *nd, uint64_t delay)
{
    struct sim_event *e = ev_push(s, s->now + delay, EV_TICK, (int)nd->id - 1);
    e->gen = nd->gen;
}

static void node_init_raft(struct sim *s, struct sim_node *nd)
{
    struct raft_config cfg = {
        .id = nd->id,
        .election_ms = s->election_ms,
        .heartbeat_ms = s->heartbeat_ms,
        .seed = s->seed * 1000003u + nd->gen * 7919u + nd->id,
        .pre_vote = s->pre_vote,
        .check_quorum = s->check_quorum,
        .lease_read_ms = s->lease_read_ms,
        .follower_reads = s->follower_reads,
        .ring = nd->ring,
        .ring_cap = s->ring_cap,
        .snap_buf = nd->snap,
        .snap_cap = SIM_SNAP_CAP,
    };
    if (raft_init(&nd->r, &cfg))
        sim_failf(s, "raft_init failed");
    nd->last_role = RAFT_FOLLOWER;
    nd->last_term = 0;
    nd->last_commit = 0;
    nd->clock_at = s->now; /* a fresh core's clock starts now */
    nd->clock_frac = 0;
    nd->paused_until = 0;
}

static struct sim_node *node_new(struct sim *s, int i)
{
    struct sim_node *nd = calloc(1, sizeof *nd);
    nd->id = (uint32_t)i + 1;
    s->nodes[i] = nd;
    node_init_raft(s, nd);
    return nd;
}

void sim_init(struct sim *s, uint64_t seed, int nodes)
{
    memset(s, 0, sizeof *s);
    s->seed = seed;
    s->rng = seed * 0x2545f4914f6cdd1dull + 12345;
    s->n = nodes;
    s->election_ms = 100;
    s->heartbeat_ms = 20;
    s->tick_ms = 5;
    s->ring_cap = SIM_RING;
    s->compact_every = 64;
    s->pre_vote = true;
    s->check_quorum = true;
    s->delay_min = 1;
    s->delay_max = 5;
    s->disk_min = 1;
    s->disk_max = 4;
    s->client_gap = 5;
    s->check_durable = true;
    s->trace = calloc(SIM_TRACE_LINES, sizeof *s->trace);
    for (int i = 0; i < SIM_MAX_NODES; i++)
        for (int j = 0; j < SIM_MAX_NODES; j++)
            s->link[i][j] = true;
    check_init(s);
}

void sim_free(struct sim *s)
{
    while (s->heap_n) {
        struct sim_event *e = ev_pop(s);
        free(e->buf);
        free(e);
    }
    free(s->heap);
    for (int i = 0; i < SIM_MAX_NODES; i++)
        if (s->nodes[i]) {
            free(s->nodes[i]->disk.ents);
            free(s->nodes[i]->w.ents);
            free(s->nodes[i]);
        }
    check_free(s);
    lin_free(&s->hist);
    free(s->applied_vals);
    free(s->trace);
}

void sim_start(struct sim *s)
{
    struct raft_conf conf = {.n = (uint32_t)s->n};
    for (int i = 0; i < s->n; i++)
        conf.m[i] = (struct raft_member){.id = (uint32_t)i + 1, .role = RAFT_VOTER};
    for (int i = 0; i < s->n; i++) {
        struct sim_node *nd = node_new(s, i);
        if (raft_bootstrap(&nd->r, &conf))
            sim_failf(s, "bootstrap failed");
        /* bootstrap is durable before the node starts */
        nd->disk.has_snap = true;
        nd->disk.snap_conf = conf;
        nd->disk.first = 1;
        nd->up = nd->member = true;
        schedule_tick(s, nd, rand_range(s, 1, s->tick_ms));
    }
}

int sim_add_node(struct sim *s)
{
    int i = s->n++;
    struct sim_node *nd = node_new(s, i);
    nd->disk.first = 1;
    nd->up = nd->member = true;
    schedule_tick(s, nd, rand_range(s, 1, s->tick_ms));
    sim_tracef(s, "n%u starts empty", nd->id);
    return i;
}

void sim_crash(struct sim *s, int i)
{
    struct sim_node *nd = s->nodes[i];
    if (!nd->up)
        return;
    nd->up = false;
    nd->gen++;
    nd->writing = false;
    kv_node_crashed(s, i);
    sim_tracef(s, "n%u CRASH (term %llu, role %d)", nd->id, (unsigned long long)raft_term(&nd->r),
               raft_role(&nd->r));
}

void sim_restart(struct sim *s, int i)
{
    struct sim_node *nd = s->nodes[i];
    if (nd->up)
        return;
    nd->gen++;
    node_init_raft(s, nd);
    struct sim_disk *d = &nd->disk;
    memset(nd->kv, 0, sizeof nd->kv);
    nd->applied = 0;
    if (d->has_snap) {
        if (raft_load_snapshot(&nd->r, d->snap_index, d->snap_term, &d->snap_conf, d->snap,
                               d->snap_len))
            sim_failf(s, "n%u: load snapshot failed", nd->id);
        kv_restore(nd, d->snap, d->snap_len);
        nd->applied = d->snap_index;
    }
    if (d->has_hs)
        raft_load_hard_state(&nd->r, d->term, d->vote);
    for (uint64_t k = 0; k < d->n; k++)
        if (raft_load_entry(&nd->r, d->first + k, &d->ents[k]))
            sim_failf(s, "n%u: load entry %llu failed", nd->id, (unsigned long long)(d->first + k));
    nd->up = true;
    nd->last_commit = raft_commit(&nd->r);
    sim_tracef(s, "n%u RESTART term=%llu vote=%u snap=%llu log=[%llu,%llu]", nd->id,
               (unsigned long long)d->term, d->vote, (unsigned long long)d->snap_index,
               (unsigned long long)d->first, (unsigned long long)(d->first + d->n - 1));
    schedule_tick(s, nd, rand_range(s, 1, s->tick_ms));
}

/* ---- faults ----------------------------------------------------------------- */

void sim_connect_all(struct sim *s)
{
    for (int i = 0; i < SIM_MAX_NODES; i++)
        for (int j = 0; j < SIM_MAX_NODES; j++)
            s->link[i][j] = true;
    sim_tracef(s, "network healed");
}

void sim_isolate(struct sim *s, int i)
{
    for (int j = 0; j < SIM_MAX_NODES; j++)
        s->link[i][j] = s->link[j][i] = (i == j);
    sim_tracef(s, "n%d isolated", i + 1);
}

void sim_partition(struct sim *s, const int *group, int n_group)
{
    bool in[SIM_MAX_NODES] = {0};
    for (int k = 0; k < n_group; k++)
        in[group[k]] = true;
    char desc[64] = "";
    for (int i = 0; i < s->n; i++) {
        for (int j = 0; j < s->n; j++)
            s->link[i][j] = in[i] == in[j];
        if (in[i])
            snprintf(desc + strlen(desc), sizeof desc - strlen(desc), "n%d ", i + 1);
    }
    sim_tracef(s, "partition { %s} | rest", desc);
}

/* One of: random halves, a majority ring, a bridge, or the isolated leader. */
void sim_partition_random(struct sim *s)
{
    int n = s->n, perm[SIM_MAX_NODES];
    for (int i = 0; i < n; i++)
        perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(sim_rand(s) % (uint64_t)(i + 1)), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    switch (sim_rand(s) % 4) {
    case 0: /* halves */
        sim_partition(s, perm, 1 + (int)(sim_rand(s) % (uint64_t)(n - 1)));
        break;
    case 1: { /* majority ring: everyone sees a majority, no two see the same one */
        int d = (n / 2 + 1) / 2;
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++) {
                int dist = abs(a - b);
                if (n - dist < dist)
                    dist = n - dist;
                s->link[perm[a]][perm[b]] = dist <= d;
            }
        sim_tracef(s, "partition: majority ring");
        break;
    }
    case 2: { /* bridge: two halves joined only through perm[0] */
        int half = (n - 1) / 2;
        sim_partition(s, perm + 1, half);
        for (int j = 0; j < n; j++)
            s->link[perm[0]][j] = s->link[j][perm[0]] = true;
        sim_tracef(s, "partition: bridge through n%d", perm[0] + 1);
        break;
    }
    default: {
        int l = sim_leader(s);
        sim_isolate(s, l >= 0 ? l : perm[0]);
        break;
    }
    }
}

void sim_set_unreliable(struct sim *s, bool on)
{
    s->loss_pct = on ? 10 : 0;
    s->dup_pct = on ? 5 : 0;
    s->delay_min = 1;
    s->delay_max = on ? 40 : 5;
    s->disk_max = on ? 15 : 4;
    sim_tracef(s, "network %s", on ? "unreliable" : "reliable");
}

/* ---- running ---------------------------------------------------------------- */

/* The node an event is handled by (NULL: none, or a crash or restart,
 * which a pause does not hold back). */
static struct sim_node *handler_of(struct sim *s, const struct sim_event *e)
{
    switch (e->type) {
    case EV_TICK:
    case EV_DELIVER:
    case EV_DISK:
        return e->node >= 0 ? s->nodes[e->node] : NULL;
    case EV_CLIENT: {
        const struct sim_client *cl = &s->clients[e->node];
        return s->nodes[cl->busy ? cl->node : cl->guess];
    }
    default:
        return NULL;
    }
}

/* Handle e; false if it was put back in the queue (its node is paused). */
static bool handle(struct sim *s, struct sim_event *e)
{
    struct sim_node *h = handler_of(s, e);
    if (h && h->up && h->paused_until > s->now) {
        ev_insert(s, e, h->paused_until);
        return false;
    }
    struct sim_node *nd = e->node >= 0 ? s->nodes[e->node] : NULL;
    switch (e->type) {
    case EV_TICK:
        if (nd && nd->up && e->gen == nd->gen) {
            sim_node_clock(s, nd);
            sim_node_ready(s, nd);
            schedule_tick(s, nd, s->tick_ms);
        }
        break;
    case EV_DELIVER:
        deliver(s, e);
        break;
    case EV_DISK:
        disk_done(s, e);
        break;
    case EV_CRASH:
        sim_crash(s, e->node);
        break;
    case EV_RESTART:
        sim_restart(s, e->node);
        break;
    case EV_CLIENT:
        kv_client_step(s, e->node);
        if (s->clients_on)
            ev_push(s, s->now + rand_range(s, 1, 2 * s->client_gap), EV_CLIENT, e->node);
        break;
    }
    return true;
}

void sim_run_for(struct sim *s, uint64_t ms)
{
    uint64_t end = s->now + ms;
    while (s->heap_n && s->heap[0]->t <= end) {
        struct sim_event *e = ev_pop(s);
        s->now = e->t;
        s->steps++;
        if (!handle(s, e))
            continue; /* held back: still queued */
        free(e->buf);
        free(e);
    }
    s->now = end;
}

void sim_schedule_client(struct sim *s, int c)
{
    ev_push(s, s->now + rand_range(s, 1, s->client_gap), EV_CLIENT, c);
}

int sim_leader(struct sim *s)
{
    int best = -1;
    for (int i = 0; i < s->n; i++) {
        struct sim_node *nd = s->nodes[i];
        if (nd && nd->up && raft_role(&nd->r) == RAFT_LEADER &&
            (best < 0 || raft_term(&nd->r) > raft_term(&s->nodes[best]->r)))
            best = i;
    }
    return best;
}

int sim_wait_leader(struct sim *s, uint64_t max_ms)
{
    for (uint64_t t = 0; t <= max_ms; t += 10) {
        int l = sim_leader(s);
        if (l >= 0)
            return l;
        sim_run_for(s, 10);
    }
    return -1;
}

int sim_propose(struct sim *s, int node, int key, int64_t value, uint64_t *index)
{
    uint8_t buf[14] = {0xff};
    buf[5] = (uint8_t)key;
    memcpy(buf + 6, &value, 8);
    int rv = raft_propose(&s->nodes[node]->r, buf, sizeof buf, index);
    if (rv == 0) /* outcome unknown to the history: an open put */
        lin_add(&s->hist, (struct lin_op){.client = -1,
                                          .kind = LIN_PUT,
                                          .key = key,
                                          .value = value,
                                          .call = ++s->stamp,
                                          .ret = LIN_INF});
    sim_node_ready(s, s->nodes[node]);
    return rv;
}

bool sim_converged(struct sim *s)
{
    uint64_t c = 0;
    bool first = true;
    for (int i = 0; i < s->n; i++) {
        struct sim_node *nd = s->nodes[i];
        if (!nd || !nd->up || !nd->member)
            continue;
        if (first)
            c = nd->applied;
        else if (nd->applied != c)
            return false;
        if (nd->applied != raft_last_index(&nd->r))
            return false;
        first = false;
    }
    return true;
}

void sim_wait_converged(struct sim *s, uint64_t max_ms)
{
    for (uint64_t t = 0; t <= max_ms; t += 10) {
        if (sim_converged(s) && sim_leader(s) >= 0)
            return;
        sim_run_for(s, 10);
    }
    char buf[256] = "";
    for (int i = 0; i < s->n; i++) {
        struct sim_node *nd = s->nodes[i];
        if (nd && nd->up)
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
                     "n%u(role %d term %llu last %llu commit %llu applied %llu) ", nd->id,
                     raft_role(&nd->r), (unsigned long long)raft_term(&nd->r),
                     (unsigned long long)raft_last_index(&nd->r),
                     (unsigned long long)raft_commit(&nd->r), (unsigned long long)nd->applied);
    }
    sim_failf(s, "no convergence within %llu ms: %s", (unsigned long long)max_ms, buf);
}
