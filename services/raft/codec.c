/* services/raft/codec.c: the versioned, length-checked wire encoding of
 * every Raft message. All integers are little endian.
 *
 *   header (61 bytes): u8 magic 'R', u8 version, u8 type, u8 flags, u8 reject,
 *     u32 from, u32 to, u64 term, index, log_term, commit, hint, ctx
 *   APPEND body:   u32 n, then n x { u64 term, u8 type, u16 len, len bytes }
 *   SNAPSHOT body: u8 members, members x { u32 id, u8 role }, u32 len, len bytes
 *   other types:   no body
 *
 * The decoder checks every length against the bytes actually present and
 * every enumerated value against its range, and requires the input to end
 * exactly where the message does. It never reads past `len`. Semantic checks
 * (terms, addressing) are raft_step's job. */
#include "services/raft/internal.h"
#include "lib/lebytes.h"

#define RAFT_MAGIC 0x52

size_t raft_encoded_size(const struct raft_msg *m)
{
    size_t n = RAFT_WIRE_HEADER;
    if (m->type == RAFT_MSG_APPEND) {
        n += 4;
        for (uint32_t k = 0; k < m->n_entries; k++)
            n += 11 + m->entries[k].len;
    } else if (m->type == RAFT_MSG_SNAPSHOT) {
        n += 1 + 5 * (size_t)m->conf.n + 4 + m->snap_len;
    }
    return n;
}

int raft_encode(const struct raft_msg *m, uint8_t *buf, size_t cap)
{
    struct le_writer w = {buf, cap, 0};
    le_put(&w, RAFT_MAGIC, 1);
    le_put(&w, RAFT_WIRE_VERSION, 1);
    le_put(&w, m->type, 1);
    le_put(&w, m->flags, 1);
    le_put(&w, m->reject, 1);
    le_put(&w, m->from, 4);
    le_put(&w, m->to, 4);
    le_put(&w, m->term, 8);
    le_put(&w, m->index, 8);
    le_put(&w, m->log_term, 8);
    le_put(&w, m->commit, 8);
    le_put(&w, m->hint, 8);
    le_put(&w, m->ctx, 8);
    if (m->type == RAFT_MSG_APPEND) {
        le_put(&w, m->n_entries, 4);
        for (uint32_t k = 0; k < m->n_entries; k++) {
            const struct raft_entry *e = &m->entries[k];
            if (e->len > RAFT_MAX_DATA)
                return -EINVAL;
            le_put(&w, e->term, 8);
            le_put(&w, e->type, 1);
            le_put(&w, e->len, 2);
            le_put_bytes(&w, e->data, e->len);
        }
    } else if (m->type == RAFT_MSG_SNAPSHOT) {
        if (m->conf.n > RAFT_MAX_NODES)
            return -EINVAL;
        le_put(&w, m->conf.n, 1);
        for (uint32_t i = 0; i < m->conf.n; i++) {
            le_put(&w, m->conf.m[i].id, 4);
            le_put(&w, m->conf.m[i].role, 1);
        }
        le_put(&w, m->snap_len, 4);
        le_put_bytes(&w, m->snap_data, m->snap_len);
    }
    if (le_overflow(&w))
        return -EMSGSIZE;
    return (int)w.n;
}

int raft_decode(const uint8_t *buf, size_t len, struct raft_msg *out, struct raft_entry *ents,
                uint32_t ents_cap)
{
    struct le_reader b = le_reader(buf, len);
    struct raft_msg m = {0};
    if (!buf || len < RAFT_WIRE_HEADER)
        return -EBADMSG;
    if (le_get(&b, 1) != RAFT_MAGIC)
        return -EBADMSG;
    if (le_get(&b, 1) != RAFT_WIRE_VERSION)
        return -EPROTO;
    m.type = (uint8_t)le_get(&b, 1);
    m.flags = (uint8_t)le_get(&b, 1);
    m.reject = (uint8_t)le_get(&b, 1);
    if (m.type == 0 || m.type >= RAFT_MSG_TYPE_END || (m.flags & ~RAFT_FLAG_TRANSFER) ||
        m.reject > 1)
        return -EBADMSG;
    m.from = (uint32_t)le_get(&b, 4);
    m.to = (uint32_t)le_get(&b, 4);
    m.term = le_get(&b, 8);
    m.index = le_get(&b, 8);
    m.log_term = le_get(&b, 8);
    m.commit = le_get(&b, 8);
    m.hint = le_get(&b, 8);
    m.ctx = le_get(&b, 8);
    if (m.type == RAFT_MSG_APPEND) {
        uint64_t n = le_get(&b, 4);
        /* each entry takes at least 11 bytes: reject absurd counts first */
        if (n > le_left(&b) / 11)
            return -EBADMSG;
        if (n > ents_cap)
            return -ENOBUFS;
        for (uint32_t k = 0; k < n; k++) {
            struct raft_entry *e = &ents[k];
            e->term = le_get(&b, 8);
            e->type = (uint8_t)le_get(&b, 1);
            e->len = (uint16_t)le_get(&b, 2);
            if (!b.ok || e->len > RAFT_MAX_DATA || e->type < RAFT_ENTRY_NORMAL ||
                e->type > RAFT_ENTRY_CONF || !le_get_bytes(&b, e->data, e->len))
                return -EBADMSG;
        }
        m.n_entries = (uint32_t)n;
        m.entries = n ? ents : NULL;
    } else if (m.type == RAFT_MSG_SNAPSHOT) {
        uint64_t n = le_get(&b, 1);
        if (!b.ok || n > RAFT_MAX_NODES)
            return -EBADMSG;
        m.conf.n = (uint32_t)n;
        for (uint32_t i = 0; i < n; i++) {
            m.conf.m[i].id = (uint32_t)le_get(&b, 4);
            m.conf.m[i].role = (uint8_t)le_get(&b, 1);
            if (m.conf.m[i].role != RAFT_VOTER && m.conf.m[i].role != RAFT_LEARNER)
                return -EBADMSG;
        }
        uint64_t sl = le_get(&b, 4);
        m.snap_data = sl ? b.p + b.at : NULL;
        if (!le_get_bytes(&b, NULL, sl))
            return -EBADMSG;
        m.snap_len = (uint32_t)sl;
    }
    if (!b.ok || b.at != b.len)
        return -EBADMSG;
    *out = m;
    return 0;
}
