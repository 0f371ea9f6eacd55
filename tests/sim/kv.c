/* tests/sim/kv.c: the replicated key-value store on top of the Raft core, and
 * the clients whose history the linearizability checker judges.
 *
 * A command is 14 bytes: u8 client, u32 seq, u8 key, i64 value (a put). Every
 * put writes a value unique in the run. Gets use ReadIndex (raft_read) and
 * are answered from the serving node's map once the read is released. A
 * client has one operation outstanding; if it does not complete before its
 * deadline (or its node crashes), a put's outcome is unknown and stays open
 * in the history, while an unanswered get is dropped (it observed nothing). A
 * put whose log slot is applied with a different command definitely failed. */
#include "tests/sim/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OP_DEADLINE_MS 400

static void encode(uint8_t *b, int client, uint32_t seq, int key, int64_t value)
{
    b[0] = (uint8_t)client;
    memcpy(b + 1, &seq, 4);
    b[5] = (uint8_t)key;
    memcpy(b + 6, &value, 8);
}

/* The first time any node applies the put of `value`: the put took effect
 * no later than that moment. Values are unique, so a table keyed by value. */
static uint64_t *first_apply(struct sim *s, int64_t value, bool insert)
{
    if (insert && 2 * (s->applied_n + 1) > s->applied_cap) {
        uint64_t oc = s->applied_cap;
        __typeof__(s->applied_vals) old = s->applied_vals;
        s->applied_cap = oc ? 2 * oc : 1024;
        s->applied_vals = calloc(s->applied_cap, sizeof *s->applied_vals);
        s->applied_n = 0;
        for (uint64_t i = 0; i < oc; i++)
            if (old[i].stamp)
                *first_apply(s, old[i].value, true) = old[i].stamp;
        free(old);
    }
    if (!s->applied_cap)
        return NULL;
    uint64_t m = s->applied_cap - 1, j = ((uint64_t)value * 0x9e3779b97f4a7c15ull >> 20) & m;
    while (s->applied_vals[j].stamp && s->applied_vals[j].value != value)
        j = (j + 1) & m;
    if (!s->applied_vals[j].stamp) {
        if (!insert)
            return NULL;
        s->applied_vals[j].value = value;
        s->applied_vals[j].stamp = ++s->stamp;
        s->applied_n++;
    }
    return &s->applied_vals[j].stamp;
}

void kv_apply(struct sim *s, struct sim_node *nd, uint64_t index, const struct raft_entry *e)
{
    int client = -1, key = 0;
    uint32_t seq = 0;
    int64_t value = 0;
    if (e->type == RAFT_ENTRY_NORMAL && e->len == 14) {
        client = e->data[0] == 0xff ? -1 : e->data[0];
        memcpy(&seq, e->data + 1, 4);
        key = e->data[5] % SIM_KEYS;
        memcpy(&value, e->data + 6, 8);
        nd->kv[key] = value;
        first_apply(s, value, true);
    }
    for (int c = 0; c < s->n_clients; c++) {
        struct sim_client *cl = &s->clients[c];
        if (!cl->busy || cl->is_get || cl->node != (int)nd->id - 1 || cl->gen != nd->gen ||
            cl->index != index)
            continue;
        cl->busy = false;
        if (client == c && seq == cl->seq) {
            s->hist.ops[cl->hist].ret = ++s->stamp;
            s->ops_ok++;
            sim_tracef(s, "client %d put k%d=%lld ok at %llu", c, cl->key, (long long)cl->value,
                       (unsigned long long)index);
        } else {
            s->hist.ops[cl->hist].failed = true;
            s->ops_failed++;
            sim_tracef(s, "client %d put k%d=%lld lost its slot %llu", c, cl->key,
                       (long long)cl->value, (unsigned long long)index);
        }
    }
}

void kv_restore(struct sim_node *nd, const uint8_t *data, uint32_t len)
{
    memset(nd->kv, 0, sizeof nd->kv);
    if (len == sizeof nd->kv)
        memcpy(nd->kv, data, len);
}

uint32_t kv_snapshot(const struct sim_node *nd, uint8_t *buf)
{
    memcpy(buf, nd->kv, sizeof nd->kv);
    return sizeof nd->kv;
}

void kv_read_ready(struct sim *s, struct sim_node *nd, const struct raft_read *rd)
{
    int c = (int)(rd->ctx >> 32);
    uint32_t seq = (uint32_t)rd->ctx;
    if (c < 0 || c >= s->n_clients)
        return;
    struct sim_client *cl = &s->clients[c];
    if (!cl->busy || !cl->is_get || cl->seq != seq || cl->node != (int)nd->id - 1 ||
        cl->gen != nd->gen)
        return;
    cl->busy = false;
    s->gets_done++;
    s->gets_at_once += s->now == cl->issued;
    s->follower_gets += raft_role(&nd->r) != RAFT_LEADER;
    s->hist.ops[cl->hist].value = nd->kv[cl->key];
    s->hist.ops[cl->hist].ret = ++s->stamp;
    s->ops_ok++;
    sim_tracef(s, "client %d get k%d -> %lld from n%u (read index %llu)", c, cl->key,
               (long long)nd->kv[cl->key], nd->id, (unsigned long long)rd->index);
}

static void give_up(struct sim *s, struct sim_client *cl, int c)
{
    cl->busy = false;
    s->ops_unknown++;
    if (cl->is_get)
        s->hist.ops[cl->hist].failed = true; /* observed nothing */
    sim_tracef(s, "client %d %s k%d: outcome unknown", c, cl->is_get ? "get" : "put", cl->key);
}

void kv_client_step(struct sim *s, int c)
{
    struct sim_client *cl = &s->clients[c];
    if (cl->busy) {
        if (s->now >= cl->deadline)
            give_up(s, cl, c);
        return;
    }
    if (!s->clients_on)
        return;
    /* With follower reads, whether this is a read is drawn first: a read
     * goes to any server that is up, followers included. (Without, the draw
     * comes after a leader was found, as it always did: the seeds of the
     * other scenarios replay as before.) */
    bool get = s->follower_reads && (s->gets_only || (s->reads_on && sim_rand(s) % 2));
    if (get) {
        int k = (int)(sim_rand(s) % (uint64_t)s->n);
        if (s->nodes[k] && s->nodes[k]->up && raft_role(&s->nodes[k]->r) == RAFT_FOLLOWER)
            cl->guess = k;
    }
    struct sim_node *nd = s->nodes[cl->guess];
    bool takes = nd && nd->up &&
                 (raft_role(&nd->r) == RAFT_LEADER || (get && raft_role(&nd->r) == RAFT_FOLLOWER));
    if (!takes) {
        uint32_t hint = nd && nd->up ? raft_leader(&nd->r) : 0;
        if (hint && hint <= (uint32_t)s->n && s->nodes[hint - 1]->up &&
            hint - 1 != (uint32_t)cl->guess)
            cl->guess = (int)hint - 1;
        else
            cl->guess = (int)(sim_rand(s) % (uint64_t)s->n);
        return;
    }
    cl->seq++;
    cl->node = cl->guess;
    cl->gen = nd->gen;
    cl->key = (int)(sim_rand(s) % SIM_KEYS);
    cl->is_get = s->follower_reads ? get : s->gets_only || (s->reads_on && sim_rand(s) % 2);
    cl->deadline = s->now + OP_DEADLINE_MS;
    cl->issued = s->now;
    int rv;
    if (cl->is_get) {
        sim_node_clock(s, nd); /* a lease is judged by the clock as it is now */
        rv = raft_read(&nd->r, (uint64_t)c << 32 | cl->seq);
        if (rv == 0)
            cl->hist = lin_add(&s->hist, (struct lin_op){.client = c,
                                                         .kind = LIN_GET,
                                                         .key = cl->key,
                                                         .call = ++s->stamp,
                                                         .ret = LIN_INF});
    } else {
        uint8_t b[14];
        cl->value = (int64_t)(c + 1) * 1000000 + cl->seq;
        encode(b, c, cl->seq, cl->key, cl->value);
        rv = raft_propose(&nd->r, b, sizeof b, &cl->index);
        if (rv == 0)
            cl->hist = lin_add(&s->hist, (struct lin_op){.client = c,
                                                         .kind = LIN_PUT,
                                                         .key = cl->key,
                                                         .value = cl->value,
                                                         .call = ++s->stamp,
                                                         .ret = LIN_INF});
    }
    if (rv == 0) {
        cl->busy = true;
        sim_tracef(s, "client %d %s k%d%s via n%u", c, cl->is_get ? "get" : "put", cl->key,
                   cl->is_get ? "" : "=…", nd->id);
    }
    sim_node_ready(s, nd);
}

void kv_node_crashed(struct sim *s, int i)
{
    for (int c = 0; c < s->n_clients; c++)
        if (s->clients[c].busy && s->clients[c].node == i)
            give_up(s, &s->clients[c], c);
}

void kv_clients_start(struct sim *s, int n, bool reads)
{
    s->n_clients = n;
    s->clients_on = true;
    s->reads_on = reads;
    for (int c = 0; c < n; c++) {
        s->clients[c].guess = (int)(sim_rand(s) % (uint64_t)s->n);
        sim_schedule_client(s, c);
    }
}

void kv_clients_stop(struct sim *s) { s->clients_on = false; }

void kv_finish(struct sim *s)
{
    for (int c = 0; c < s->n_clients; c++)
        if (s->clients[c].busy)
            give_up(s, &s->clients[c], c);
    /* The cluster has converged: a put whose outcome its client never learned
     * either was applied (it took effect by its first application) or never
     * will be. This narrows open operations, which keeps the search small. */
    for (int i = 0; i < s->hist.n; i++) {
        struct lin_op *o = &s->hist.ops[i];
        if (o->kind != LIN_PUT || o->ret != LIN_INF || o->failed)
            continue;
        uint64_t *st = first_apply(s, o->value, false);
        if (st)
            o->ret = *st;
        else
            o->failed = true;
    }
    /* Puts injected by the scenario script (client -1) have no caller waiting
     * on them; they take effect exactly when first applied. Bursts of them
     * would otherwise all overlap and make the search exponential. */
    for (int i = 0; i < s->hist.n; i++) {
        struct lin_op *o = &s->hist.ops[i];
        if (o->client == -1 && !o->failed)
            o->call = o->ret;
    }
    int bad = -1;
    if (!lin_check(&s->hist, &bad)) {
        for (int i = 0; i < s->hist.n; i++) {
            const struct lin_op *o = &s->hist.ops[i];
            if (o->key != bad || o->failed)
                continue;
            char ret[24];
            if (o->ret == LIN_INF)
                snprintf(ret, sizeof ret, "open");
            else
                snprintf(ret, sizeof ret, "%llu", (unsigned long long)o->ret);
            sim_tracef(s, "  history k%d: client %d %s %lld [%llu, %s]", bad, o->client,
                       o->kind == LIN_PUT ? "put" : "get", (long long)o->value,
                       (unsigned long long)o->call, ret);
        }
        sim_failf(s, "LINEARIZABILITY violated on key %d (%d ops in history)", bad, s->hist.n);
    }
}
