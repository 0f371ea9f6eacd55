/* services/sched/schedreply.c: the reply codec (schedproto.h). */
#include "lib/errno.h"
#include "services/sched/schedproto.h"
#include "services/sched/schedwire.h"

static uint8_t page_max(uint8_t list)
{
    switch (list) {
    case SCHED_LIST_PLACEMENTS:
        return SCHED_PAGE_PLACEMENTS;
    case SCHED_LIST_DECISIONS:
        return SCHED_PAGE_DECISIONS;
    case SCHED_LIST_MOVES:
        return SCHED_PAGE_MOVES;
    case SCHED_LIST_NODES:
        return SCHED_PAGE_NODES;
    default:
        return 0;
    }
}

int sched_reply_encode(const struct sched_reply *r, uint8_t *buf, size_t cap)
{
    if (r->n > page_max(r->list))
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    le_put(&w, (uint32_t)r->status, 4);
    le_put(&w, r->op, 1);
    le_put(&w, r->leader, 4);
    le_put(&w, r->index, 8);
    le_put(&w, r->req_id, 8);
    le_put(&w, r->state, 1);
    le_put(&w, r->node, 4);
    le_put(&w, (uint32_t)r->pid, 4);
    le_put(&w, r->score, 1);
    le_put(&w, r->count, 4);
    sched_put_str(&w, r->reason, SCHED_REASON_MAX);
    sched_put_str(&w, r->policy, SCHED_POLICY_NAME_MAX);
    le_put(&w, r->list, 1);
    le_put(&w, r->more, 1);
    le_put(&w, r->next, 8);
    le_put(&w, r->n, 1);
    for (uint8_t i = 0; i < r->n; i++) {
        switch (r->list) {
        case SCHED_LIST_PLACEMENTS: {
            const struct sched_pl_item *p = &r->pl[i];
            le_put(&w, p->req_id, 8);
            le_put(&w, p->since, 8);
            le_put(&w, p->state, 1);
            le_put(&w, p->restart, 1);
            le_put(&w, p->restarts, 1);
            le_put(&w, p->node, 4);
            le_put(&w, p->cpu_milli, 4);
            le_put(&w, p->mem_kib, 4);
            le_put(&w, (uint32_t)p->pid, 4);
            sched_put_str(&w, p->reason, SCHED_REASON_MAX);
            break;
        }
        case SCHED_LIST_DECISIONS: {
            const struct sched_decision *d = &r->dec[i];
            le_put(&w, d->index, 8);
            le_put(&w, d->req_id, 8);
            le_put(&w, d->node, 4);
            le_put(&w, d->score, 1);
            sched_put_str(&w, d->policy, SCHED_POLICY_NAME_MAX);
            sched_put_str(&w, d->reason, SCHED_REASON_MAX);
            break;
        }
        case SCHED_LIST_MOVES: {
            const struct sched_moved *m = &r->mv[i];
            le_put(&w, m->index, 8);
            le_put(&w, (uint32_t)m->pid, 4);
            le_put(&w, m->from, 4);
            le_put(&w, m->to, 4);
            break;
        }
        case SCHED_LIST_NODES:
            sched_put_node(&w, &r->nodes[i], false);
            break;
        }
    }
    if (le_overflow(&w) || w.n > SCHED_MSG_MAX)
        return -EMSGSIZE;
    return (int)w.n;
}

static bool node_or_zero(uint32_t node) { return node <= SCHED_NODES_MAX; }

int sched_reply_decode(const uint8_t *buf, size_t len, struct sched_reply *r)
{
    __builtin_memset(r, 0, sizeof *r);
    struct le_reader rd = le_reader(buf, len);
    r->status = (int32_t)(uint32_t)le_get(&rd, 4);
    r->op = (uint8_t)le_get(&rd, 1);
    r->leader = (uint32_t)le_get(&rd, 4);
    r->index = le_get(&rd, 8);
    r->req_id = le_get(&rd, 8);
    r->state = (uint8_t)le_get(&rd, 1);
    r->node = (uint32_t)le_get(&rd, 4);
    r->pid = (int32_t)(uint32_t)le_get(&rd, 4);
    r->score = (uint8_t)le_get(&rd, 1);
    r->count = (uint32_t)le_get(&rd, 4);
    sched_get_str(&rd, r->reason, SCHED_REASON_MAX, SCHED_STR_TEXT, 0);
    sched_get_str(&rd, r->policy, SCHED_POLICY_NAME_MAX, SCHED_STR_NAME, 0);
    r->list = (uint8_t)le_get(&rd, 1);
    r->more = (uint8_t)le_get(&rd, 1);
    r->next = le_get(&rd, 8);
    r->n = (uint8_t)le_get(&rd, 1);
    bool ok = rd.ok && len <= SCHED_MSG_MAX && r->status <= 0 && r->status > -4096 &&
              node_or_zero(r->leader) && r->state <= SCHED_LOST && node_or_zero(r->node) &&
              r->score <= 100 && r->list <= SCHED_LIST_NODES && r->more <= 1 &&
              r->n <= page_max(r->list);
    for (uint8_t i = 0; ok && i < r->n; i++) {
        switch (r->list) {
        case SCHED_LIST_PLACEMENTS: {
            struct sched_pl_item *p = &r->pl[i];
            p->req_id = le_get(&rd, 8);
            p->since = le_get(&rd, 8);
            p->state = (uint8_t)le_get(&rd, 1);
            p->restart = (uint8_t)le_get(&rd, 1);
            p->restarts = (uint8_t)le_get(&rd, 1);
            p->node = (uint32_t)le_get(&rd, 4);
            p->cpu_milli = (uint32_t)le_get(&rd, 4);
            p->mem_kib = (uint32_t)le_get(&rd, 4);
            p->pid = (int32_t)(uint32_t)le_get(&rd, 4);
            sched_get_str(&rd, p->reason, SCHED_REASON_MAX, SCHED_STR_TEXT, 0);
            ok = p->req_id != 0 && p->state >= SCHED_PENDING && p->state <= SCHED_LOST &&
                 p->restart <= 1 && (p->restart || !p->restarts) && node_or_zero(p->node) &&
                 p->pid >= 0;
            break;
        }
        case SCHED_LIST_DECISIONS: {
            struct sched_decision *d = &r->dec[i];
            d->index = le_get(&rd, 8);
            d->req_id = le_get(&rd, 8);
            d->node = (uint32_t)le_get(&rd, 4);
            d->score = (uint8_t)le_get(&rd, 1);
            sched_get_str(&rd, d->policy, SCHED_POLICY_NAME_MAX, SCHED_STR_NAME, 0);
            sched_get_str(&rd, d->reason, SCHED_REASON_MAX, SCHED_STR_TEXT, 0);
            ok = d->index != 0 && d->req_id != 0 && node_or_zero(d->node) && d->score <= 100;
            break;
        }
        case SCHED_LIST_MOVES: {
            struct sched_moved *m = &r->mv[i];
            m->index = le_get(&rd, 8);
            m->pid = (int32_t)(uint32_t)le_get(&rd, 4);
            m->from = (uint32_t)le_get(&rd, 4);
            m->to = (uint32_t)le_get(&rd, 4);
            ok = m->index != 0 && m->pid > 0 && m->from >= 1 && m->to >= 1 &&
                 node_or_zero(m->from) && node_or_zero(m->to) && m->from != m->to;
            break;
        }
        case SCHED_LIST_NODES:
            sched_get_node(&rd, &r->nodes[i], false);
            break;
        }
        ok = ok && rd.ok;
    }
    if (!ok || !rd.ok || rd.at != len) {
        __builtin_memset(r, 0, sizeof *r);
        return -EBADMSG;
    }
    return 0;
}
