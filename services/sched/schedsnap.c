/* services/sched/schedsnap.c: snapshots of the scheduler's machine
 * (schedmachine.h).
 *
 * Layout, little-endian (str, label, taint, spec: schedwire.h):
 *   magic u32 "SCM1" | version u8 = 2 | applied u64 | policy str
 *   n_nodes u8, then each node with any state, in id order:
 *     id u8 | cordoned u8 | nlabels u8 | (label | removed u8) x nlabels
 *     | ntaints u8 | (taint | removed u8) x ntaints
 *   n_placements u16, then each non-free slot in slot order:
 *     slot u16 | req_id u64 | state u8 | node u32 | pid i32 | since u64
 *     | spec | reason str | cmd | restarts u8
 *   n_decisions u8 | d_next u8, then slots 0..n-1:
 *     index u64 | req_id u64 | node u32 | score u8 | policy str | reason str
 *   n_moves u8 | mv_next u8, then slots 0..n-1:
 *     index u64 | pid i32 | from u32 | to u32
 *   n_clients u16, then the client table (dedup.h)
 *   crc32c u32 of everything before it
 * Slots are kept, so a restored machine is byte for byte the original and
 * chooses as it would have. A ring only ever fills up: its used slots are
 * 0..n-1, and its next slot is n until it is full.
 *
 * Restore checks everything before it changes anything: one pass over the
 * bytes validates (m NULL), a second, the same code, fills. */
#include "lib/crc32c.h"
#include "lib/errno.h"
#include "services/sched/schedmachine.h"
#include "services/sched/schedstr.h"
#include "services/sched/schedwire.h"

#define SNAP_MAGIC 0x314d4353u /* "SCM1" */
#define SNAP_VERSION 2         /* 2: placements carry cmd and restarts */
#define SNAP_HEAD (4 + 1 + 8 + SCHED_POLICY_NAME_MAX + 1)
/* The smallest: a one-byte policy name, nothing in any table, the CRC. */
#define SNAP_MIN (4 + 1 + 8 + 2 + 1 + 2 + 2 + 2 + 2 + 4)
#define SNAP_NODE                                                                                  \
    (3 + SCHED_NODE_LABELS * (SCHED_WIRE_LABEL + 1) + 1 +                                          \
     SCHED_NODE_TAINTS * (SCHED_WIRE_TAINT + 1))
#define SNAP_PLACEMENT                                                                             \
    (2 + 8 + 1 + 4 + 4 + 8 + SCHED_WIRE_SPEC + SCHED_REASON_MAX + 1 + SCHED_CMD_MAX + 1)
#define SNAP_DECISION (8 + 8 + 4 + 1 + SCHED_POLICY_NAME_MAX + SCHED_REASON_MAX)
#define SNAP_MOVE (8 + 4 + 4 + 4)

size_t schm_snapshot_max(void)
{
    return SNAP_HEAD + SCHED_NODES_MAX * SNAP_NODE + 2 + SCHED_PLACEMENTS_MAX * SNAP_PLACEMENT + 2 +
           SCHED_DECISIONS * SNAP_DECISION + 2 + SCHED_MOVES * SNAP_MOVE + 2 +
           SCHED_MAX_CLIENTS * DEDUP_SNAP_ENTRY + 4;
}

static bool node_has_state(const struct schm_node *nd)
{
    return nd->cordoned || nd->nlabels || nd->ntaints;
}

static uint32_t placements_used(const struct sched_machine *m)
{
    uint32_t n = 0;
    for (int i = 0; i < SCHED_PLACEMENTS_MAX; i++)
        n += m->p[i].state != SCHED_FREE;
    return n;
}

long schm_snapshot(const struct sched_machine *m, uint8_t *buf, size_t cap)
{
    struct le_writer w = {buf, cap, 0};
    le_put(&w, SNAP_MAGIC, 4);
    le_put(&w, SNAP_VERSION, 1);
    le_put(&w, m->applied, 8);
    sched_put_str(&w, m->policy, SCHED_POLICY_NAME_MAX);
    uint32_t nn = 0;
    for (int i = 0; i < SCHED_NODES_MAX; i++)
        nn += node_has_state(&m->nodes[i]);
    le_put(&w, nn, 1);
    for (int i = 0; i < SCHED_NODES_MAX; i++) {
        const struct schm_node *nd = &m->nodes[i];
        if (!node_has_state(nd))
            continue;
        le_put(&w, (uint64_t)i + 1, 1);
        le_put(&w, nd->cordoned, 1);
        le_put(&w, nd->nlabels, 1);
        for (uint32_t k = 0; k < nd->nlabels; k++) {
            sched_put_label(&w, &nd->labels[k].kv);
            le_put(&w, nd->labels[k].removed, 1);
        }
        le_put(&w, nd->ntaints, 1);
        for (uint32_t k = 0; k < nd->ntaints; k++) {
            sched_put_taint(&w, &nd->taints[k].t);
            le_put(&w, nd->taints[k].removed, 1);
        }
    }
    le_put(&w, placements_used(m), 2);
    for (int i = 0; i < SCHED_PLACEMENTS_MAX; i++) {
        const struct sched_placement *p = &m->p[i];
        if (p->state == SCHED_FREE)
            continue;
        le_put(&w, (uint64_t)i, 2);
        le_put(&w, p->req_id, 8);
        le_put(&w, p->state, 1);
        le_put(&w, p->node, 4);
        le_put(&w, (uint32_t)p->pid, 4);
        le_put(&w, p->since, 8);
        sched_put_spec(&w, &p->spec);
        sched_put_str(&w, p->reason, SCHED_REASON_MAX);
        sched_put_cmd(&w, &p->cmd);
        le_put(&w, p->restarts, 1);
    }
    uint32_t nd = 0, nm = 0;
    for (int k = 0; k < SCHED_DECISIONS; k++)
        nd += m->d[k].index != 0;
    for (int k = 0; k < SCHED_MOVES; k++)
        nm += m->mv[k].index != 0;
    le_put(&w, nd, 1);
    le_put(&w, m->d_next, 1);
    for (uint32_t k = 0; k < nd; k++) {
        const struct sched_decision *d = &m->d[k];
        le_put(&w, d->index, 8);
        le_put(&w, d->req_id, 8);
        le_put(&w, d->node, 4);
        le_put(&w, d->score, 1);
        sched_put_str(&w, d->policy, SCHED_POLICY_NAME_MAX);
        sched_put_str(&w, d->reason, SCHED_REASON_MAX);
    }
    le_put(&w, nm, 1);
    le_put(&w, m->mv_next, 1);
    for (uint32_t k = 0; k < nm; k++) {
        const struct sched_moved *mv = &m->mv[k];
        le_put(&w, mv->index, 8);
        le_put(&w, (uint32_t)mv->pid, 4);
        le_put(&w, mv->from, 4);
        le_put(&w, mv->to, 4);
    }
    le_put(&w, dedup_count(m->c, SCHED_MAX_CLIENTS), 2);
    dedup_put(&w, m->c, SCHED_MAX_CLIENTS);
    if (w.n > w.cap || w.cap - w.n < 4)
        return -EMSGSIZE;
    le_put(&w, crc32c(buf, w.n), 4);
    return (long)w.n;
}

/* ---- restore ------------------------------------------------------------------ */

static bool ring_ok(uint32_t n, uint32_t next, uint32_t max)
{
    return n <= max && next < max && (n == max || next == n);
}

static bool restore_nodes(struct le_reader *r, struct sched_machine *m)
{
    uint32_t nn = (uint32_t)le_get(r, 1), last = 0;
    if (nn > SCHED_NODES_MAX)
        return false;
    for (uint32_t k = 0; k < nn; k++) {
        struct schm_node nd;
        __builtin_memset(&nd, 0, sizeof nd);
        uint32_t id = (uint32_t)le_get(r, 1), cordoned = (uint32_t)le_get(r, 1);
        nd.cordoned = (uint8_t)cordoned;
        nd.nlabels = (uint8_t)le_get(r, 1);
        if (!r->ok || id <= last || id > SCHED_NODES_MAX || cordoned > 1 ||
            nd.nlabels > SCHED_NODE_LABELS)
            return false;
        for (uint32_t i = 0; i < nd.nlabels; i++) {
            struct schm_label *l = &nd.labels[i];
            sched_get_label(r, &l->kv, true);
            l->removed = (uint8_t)le_get(r, 1);
            if (l->removed > 1 || (l->removed && l->kv.value[0]))
                return false;
            for (uint32_t j = 0; j < i; j++)
                if (sched_streq(nd.labels[j].kv.key, l->kv.key, SCHED_KEY_MAX))
                    return false;
        }
        nd.ntaints = (uint8_t)le_get(r, 1);
        if (!r->ok || nd.ntaints > SCHED_NODE_TAINTS)
            return false;
        for (uint32_t i = 0; i < nd.ntaints; i++) {
            struct schm_taint *t = &nd.taints[i];
            sched_get_taint(r, &t->t, true);
            t->removed = (uint8_t)le_get(r, 1);
            if (t->removed > 1 || (t->removed && (t->t.kv.value[0] || t->t.effect)) ||
                (!t->removed && !t->t.effect))
                return false;
            for (uint32_t j = 0; j < i; j++)
                if (sched_streq(nd.taints[j].t.kv.key, t->t.kv.key, SCHED_KEY_MAX))
                    return false;
        }
        if (!r->ok || !node_has_state(&nd))
            return false;
        if (m)
            m->nodes[id - 1] = nd;
        last = id;
    }
    return true;
}

/* One placement's state, node and pid agree (schedmachine.h). */
static bool placement_ok(const struct sched_placement *p, uint64_t applied)
{
    bool node_ok = p->node >= 1 && p->node <= SCHED_NODES_MAX;
    if (!p->req_id || !p->since || p->since > applied ||
        (p->state != SCHED_PENDING && p->reason[0]) || (p->cmd.len && !p->spec.restart) ||
        (p->restarts && !p->spec.restart))
        return false;
    switch (p->state) {
    case SCHED_PENDING:
        return p->node == 0 && p->pid == 0;
    case SCHED_PLACED:
        return node_ok && p->pid == 0;
    case SCHED_RUNNING:
        return node_ok && p->pid > 0;
    case SCHED_LOST:
        return node_ok && p->pid >= 0;
    default:
        return false;
    }
}

static bool restore_placements(struct le_reader *r, struct sched_machine *m, uint64_t applied)
{
    /* what was read so far, for uniqueness: request ids, running pids (0: not running) */
    static uint64_t seen_req[SCHED_PLACEMENTS_MAX];
    static int32_t seen_pid[SCHED_PLACEMENTS_MAX];
    uint32_t n = (uint32_t)le_get(r, 2);
    int64_t last = -1;
    if (!r->ok || n > SCHED_PLACEMENTS_MAX)
        return false;
    for (uint32_t k = 0; k < n; k++) {
        struct sched_placement p;
        __builtin_memset(&p, 0, sizeof p);
        int64_t slot = (int64_t)le_get(r, 2);
        p.req_id = le_get(r, 8);
        p.state = (uint8_t)le_get(r, 1);
        p.node = (uint32_t)le_get(r, 4);
        p.pid = (int32_t)(uint32_t)le_get(r, 4);
        p.since = le_get(r, 8);
        sched_get_spec(r, &p.spec);
        sched_get_str(r, p.reason, SCHED_REASON_MAX, SCHED_STR_TEXT, 0);
        sched_get_cmd(r, &p.cmd);
        p.restarts = (uint8_t)le_get(r, 1);
        if (!r->ok || slot <= last || slot >= SCHED_PLACEMENTS_MAX || !placement_ok(&p, applied))
            return false;
        int32_t running = p.state == SCHED_RUNNING ? p.pid : 0;
        for (uint32_t j = 0; j < k; j++)
            if (seen_req[j] == p.req_id || (running && seen_pid[j] == running))
                return false;
        seen_req[k] = p.req_id;
        seen_pid[k] = running;
        if (m)
            m->p[slot] = p;
        last = slot;
    }
    return true;
}

static bool restore_rings(struct le_reader *r, struct sched_machine *m, uint64_t applied)
{
    uint32_t nd = (uint32_t)le_get(r, 1), d_next = (uint32_t)le_get(r, 1);
    if (!r->ok || !ring_ok(nd, d_next, SCHED_DECISIONS))
        return false;
    uint64_t di[SCHED_DECISIONS];
    for (uint32_t k = 0; k < nd; k++) {
        struct sched_decision d;
        __builtin_memset(&d, 0, sizeof d);
        d.index = di[k] = le_get(r, 8);
        d.req_id = le_get(r, 8);
        d.node = (uint32_t)le_get(r, 4);
        d.score = (uint8_t)le_get(r, 1);
        sched_get_str(r, d.policy, SCHED_POLICY_NAME_MAX, SCHED_STR_NAME, 1);
        sched_get_str(r, d.reason, SCHED_REASON_MAX, SCHED_STR_TEXT, 0);
        if (!r->ok || !d.index || d.index > applied || !d.req_id || d.node > SCHED_NODES_MAX ||
            d.score > 100 || (!d.node && d.score))
            return false;
        if (m)
            m->d[k] = d;
    }
    uint32_t nm = (uint32_t)le_get(r, 1), mv_next = (uint32_t)le_get(r, 1);
    if (!r->ok || !ring_ok(nm, mv_next, SCHED_MOVES))
        return false;
    uint64_t mi[SCHED_MOVES];
    for (uint32_t k = 0; k < nm; k++) {
        struct sched_moved mv;
        __builtin_memset(&mv, 0, sizeof mv);
        mv.index = mi[k] = le_get(r, 8);
        mv.pid = (int32_t)(uint32_t)le_get(r, 4);
        mv.from = (uint32_t)le_get(r, 4);
        mv.to = (uint32_t)le_get(r, 4);
        if (!r->ok || !mv.index || mv.index > applied || mv.pid <= 0 || !mv.from ||
            mv.from > SCHED_NODES_MAX || !mv.to || mv.to > SCHED_NODES_MAX || mv.from == mv.to)
            return false;
        if (m)
            m->mv[k] = mv;
    }
    /* oldest first, the indexes never go down */
    for (uint32_t k = 1; k < nd; k++)
        if (di[(d_next + k) % nd] < di[(d_next + k - 1) % nd])
            return false;
    for (uint32_t k = 1; k < nm; k++)
        if (mi[(mv_next + k) % nm] < mi[(mv_next + k - 1) % nm])
            return false;
    if (m) {
        m->d_next = d_next;
        m->mv_next = mv_next;
    }
    return true;
}

static bool restore_pass(struct sched_machine *m, const uint8_t *buf, size_t len)
{
    struct le_reader r = le_reader(buf, len);
    if (le_get(&r, 4) != SNAP_MAGIC || le_get(&r, 1) != SNAP_VERSION)
        return false;
    uint64_t applied = le_get(&r, 8);
    char policy[SCHED_POLICY_NAME_MAX];
    sched_get_str(&r, policy, sizeof policy, SCHED_STR_NAME, 1);
    if (!r.ok)
        return false;
    if (m) {
        m->applied = applied;
        __builtin_memcpy(m->policy, policy, sizeof policy);
    }
    if (!restore_nodes(&r, m) || !restore_placements(&r, m, applied) ||
        !restore_rings(&r, m, applied))
        return false;
    uint32_t nc = (uint32_t)le_get(&r, 2);
    if (!r.ok || nc > SCHED_MAX_CLIENTS ||
        !dedup_get(&r, m ? m->c : 0, SCHED_MAX_CLIENTS, nc, applied))
        return false;
    return r.ok && r.at == len;
}

int schm_restore(struct sched_machine *m, const uint8_t *buf, size_t len)
{
    if (len < SNAP_MIN || len > schm_snapshot_max())
        return -EBADMSG;
    uint32_t crc = 0;
    for (int i = 0; i < 4; i++)
        crc |= (uint32_t)buf[len - 4 + (size_t)i] << (8 * i);
    if (crc32c(buf, len - 4) != crc || !restore_pass(0, buf, len - 4))
        return -EBADMSG;
    __builtin_memset(m, 0, sizeof *m);
    restore_pass(m, buf, len - 4);
    return 0;
}
