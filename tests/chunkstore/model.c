/* tests/chunkstore/model.c: the chunk store's semantics, in memory, for the
 * crash and random tests to compare the store with (harness.h). */
#include <string.h>

#include "lib/errno.h"
#include "tests/chunkstore/harness.h"

struct chunk_id chunk_of(uint32_t n)
{
    /* a few files with a few chunks each, so id order mixes ino and index */
    return (struct chunk_id){1000 + n / 3, (n % 3) * 7};
}

const char *op_name(int kind)
{
    static const char *names[] = {"write", "put", "truncate", "fence", "remove"};
    return kind >= 0 && kind < OP_NKINDS ? names[kind] : "?";
}

int model_apply(struct mchunk *m, const struct op *op, bool room)
{
    static uint8_t bytes[CHUNK_SIZE];
    uint64_t v = m->exists ? m->version : 0, t = m->exists ? m->token : 0;
    switch (op->kind) {
    case OP_WRITE:
        if (op->version <= v || op->token < t)
            return -ESTALE;
        if (!m->exists && !room)
            return -ENOSPC;
        if (!m->exists)
            memset(m, 0, sizeof *m);
        fill_bytes(bytes, op->len, op->seed);
        memcpy(m->data + op->off, bytes, op->len);
        if (op->len && op->off + op->len > m->length)
            m->length = op->off + op->len;
        break;
    case OP_PUT:
        if (op->version < v || op->token < t)
            return -ESTALE;
        if (!m->exists && !room)
            return -ENOSPC;
        memset(m, 0, sizeof *m);
        fill_bytes(m->data, op->len, op->seed);
        m->length = op->len;
        break;
    case OP_TRUNC:
        if (op->version <= v || op->token < t)
            return -ESTALE;
        if (!m->exists && !room)
            return -ENOSPC;
        if (!m->exists)
            memset(m, 0, sizeof *m);
        if (op->len < m->length)
            memset(m->data + op->len, 0, m->length - op->len);
        m->length = op->len;
        break;
    case OP_FENCE:
        if (op->token < t)
            return -ESTALE;
        if (op->token == t)
            return 0;
        if (!m->exists && !room)
            return -ENOSPC;
        if (!m->exists)
            memset(m, 0, sizeof *m);
        m->exists = true;
        m->token = op->token;
        return 0;
    case OP_REMOVE:
        if (!m->exists)
            return -ENOENT;
        memset(m, 0, sizeof *m);
        return 0;
    default:
        return -EINVAL;
    }
    m->exists = true;
    m->version = op->version;
    m->token = op->token > t ? op->token : t;
    return 0;
}

int store_apply(struct chunkstore *cs, const struct op *op)
{
    static uint8_t bytes[CHUNK_SIZE];
    struct chunk_id id = chunk_of(op->chunk);
    switch (op->kind) {
    case OP_WRITE:
        fill_bytes(bytes, op->len, op->seed);
        return chunkstore_write(cs, id, op->off, bytes, op->len, op->version, op->token);
    case OP_PUT:
        fill_bytes(bytes, op->len, op->seed);
        return chunkstore_put(cs, id, bytes, op->len, op->version, op->token);
    case OP_TRUNC:
        return chunkstore_truncate(cs, id, op->len, op->version, op->token);
    case OP_FENCE:
        return chunkstore_fence(cs, id, op->token);
    case OP_REMOVE:
        return chunkstore_remove(cs, id);
    }
    return -EINVAL;
}

int chunk_matches(struct chunkstore *cs, uint32_t n, const struct mchunk *m, char *why,
                  size_t whylen)
{
    static uint8_t got[CHUNK_SIZE];
    struct chunk_id id = chunk_of(n);
    uint64_t v = 0, t = 0;
    uint32_t len = 0;
    int rv = chunkstore_info(cs, id, &v, &t, &len);
    if (rv != 0 && rv != -ENOENT)
        return rv;
    if (!m->exists || rv == -ENOENT) {
        if (m->exists != (rv == 0)) {
            snprintf(why, whylen, "chunk %u %s, want %s", n, rv == 0 ? "present" : "absent",
                     m->exists ? "present" : "absent");
            return 0;
        }
        rv = chunkstore_read(cs, id, 0, CHUNK_SIZE, got);
        if (rv != -ENOENT)
            return rv < 0 ? rv : -EPROTO;
        return 1;
    }
    if (v != m->version || t != m->token || len != m->length) {
        snprintf(why, whylen, "chunk %u is version %llu token %llu length %u, want %llu %llu %u", n,
                 (unsigned long long)v, (unsigned long long)t, len, (unsigned long long)m->version,
                 (unsigned long long)m->token, m->length);
        return 0;
    }
    rv = chunkstore_read(cs, id, 0, CHUNK_SIZE, got);
    if (rv)
        return rv;
    if (memcmp(got, m->data, CHUNK_SIZE) != 0) {
        uint32_t i = 0;
        while (got[i] == m->data[i])
            i++;
        snprintf(why, whylen, "chunk %u (version %llu) differs at byte %u", n,
                 (unsigned long long)v, i);
        return 0;
    }
    uint32_t bad = 0;
    rv = chunkstore_verify(cs, id, &bad);
    if (rv)
        return rv;
    return 1;
}
