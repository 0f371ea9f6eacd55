/* services/fs/chunkproto.c: the chunk messages' codec (chunkproto.h). */
#include "services/fs/chunkproto.h"

#include "lib/errno.h"
#include "lib/lebytes.h"

bool chunk_op_is_peer(uint8_t op) { return op >= CHUNK_OP_REPLICATE && op <= CHUNK_OP_HASH; }

static bool op_known(uint8_t op)
{
    return (op >= CHUNK_OP_READ && op <= CHUNK_OP_PREPARE) ||
           (op >= CHUNK_OP_REPLICATE && op <= CHUNK_OP_HASH) || op == CHUNK_OP_LEASE;
}

long chunk_req_encode(const struct chunk_req *r, uint8_t *buf, size_t cap)
{
    struct le_writer w = {buf, cap, 0};
    le_put(&w, r->op, 1);
    le_put(&w, r->flags, 1);
    le_put(&w, r->ino, 8);
    le_put(&w, r->index, 4);
    le_put(&w, r->off, 4);
    le_put(&w, r->len, 4);
    le_put(&w, r->token, 8);
    le_put(&w, r->version, 8);
    le_put(&w, r->base, 8);
    le_put(&w, r->length, 4);
    le_put(&w, r->node, 4);
    le_put(&w, r->data_len, 4);
    if (r->data_len)
        le_put_bytes(&w, r->data, r->data_len);
    return le_overflow(&w) ? -EMSGSIZE : (long)w.n;
}

int chunk_req_decode(const uint8_t *buf, size_t len, struct chunk_req *r)
{
    struct le_reader d = le_reader(buf, len);
    __builtin_memset(r, 0, sizeof *r);
    r->op = (uint8_t)le_get(&d, 1);
    r->flags = (uint8_t)le_get(&d, 1);
    r->ino = le_get(&d, 8);
    r->index = (uint32_t)le_get(&d, 4);
    r->off = (uint32_t)le_get(&d, 4);
    r->len = (uint32_t)le_get(&d, 4);
    r->token = le_get(&d, 8);
    r->version = le_get(&d, 8);
    r->base = le_get(&d, 8);
    r->length = (uint32_t)le_get(&d, 4);
    r->node = (uint32_t)le_get(&d, 4);
    r->data_len = (uint32_t)le_get(&d, 4);
    /* LIST's (ino, index) is a cursor, "after this key", that need not name
     * a chunk: anti-entropy lists from just before a range of keys
     * (chunk_key(ino, index) - 1, whose index may be any below 2^15). */
    bool cursor = r->op == CHUNK_OP_LIST;
    if (!d.ok || le_left(&d) != r->data_len || !op_known(r->op) || (r->ino == 0 && !cursor) ||
        r->index >= (cursor ? 1u << 15 : CHUNK_MAX_INDEX) || r->off > FS_CHUNK_SIZE ||
        r->len > FS_CHUNK_SIZE - r->off || r->length > FS_CHUNK_SIZE ||
        (r->flags & ~(CHUNK_F_FIRST | CHUNK_F_VERIFY | CHUNK_F_GC | CHUNK_F_PEEK | CHUNK_F_FORWARD |
                      CHUNK_F_EMPTY)))
        return -EBADMSG;
    if ((r->flags & CHUNK_F_EMPTY) && r->op != CHUNK_OP_REMOVE)
        return -EBADMSG;
    /* Only a replica's copy is passed on, and to a node that can exist. */
    if ((r->flags & CHUNK_F_FORWARD) &&
        (r->op != CHUNK_OP_REPLICATE || r->node == 0 || r->node > FS_MAX_NODES))
        return -EBADMSG;
    r->data = r->data_len ? buf + d.at : 0;
    switch (r->op) {
    case CHUNK_OP_WRITE:
    case CHUNK_OP_REPLICATE:
        /* data is the bytes written at off; len says the same */
        if (r->data_len != r->len || r->len == 0)
            return -EBADMSG;
        break;
    case CHUNK_OP_PUT:
        if (r->data_len != r->length || r->version == 0)
            return -EBADMSG;
        break;
    case CHUNK_OP_LIST:
        if (r->data_len || r->len > CHUNK_LIST_MAX)
            return -EBADMSG;
        break;
    default:
        if (r->data_len)
            return -EBADMSG;
        break;
    }
    if (chunk_op_is_peer(r->op) && r->op != CHUNK_OP_LIST && r->op != CHUNK_OP_STATFS &&
        r->op != CHUNK_OP_GET && r->op != CHUNK_OP_HASH && r->token == 0 &&
        !(r->op == CHUNK_OP_REMOVE && (r->flags & CHUNK_F_GC)))
        return -EBADMSG; /* a change from a peer always carries a lease's token */
    return 0;
}

long chunk_rep_encode(const struct chunk_rep *r, uint8_t *buf, size_t cap)
{
    struct le_writer w = {buf, cap, 0};
    le_put(&w, (uint32_t)r->status, 4);
    le_put(&w, r->version, 8);
    le_put(&w, r->length, 4);
    le_put(&w, r->token, 8);
    le_put(&w, r->hint, 4);
    le_put(&w, r->lease_ms, 4);
    le_put(&w, r->count, 4);
    le_put(&w, r->digest, 4);
    le_put(&w, r->data_len, 4);
    if (r->data_len)
        le_put_bytes(&w, r->data, r->data_len);
    return le_overflow(&w) ? -EMSGSIZE : (long)w.n;
}

int chunk_rep_decode(const uint8_t *buf, size_t len, struct chunk_rep *r)
{
    struct le_reader d = le_reader(buf, len);
    __builtin_memset(r, 0, sizeof *r);
    r->status = (int32_t)(uint32_t)le_get(&d, 4);
    r->version = le_get(&d, 8);
    r->length = (uint32_t)le_get(&d, 4);
    r->token = le_get(&d, 8);
    r->hint = (uint32_t)le_get(&d, 4);
    r->lease_ms = (uint32_t)le_get(&d, 4);
    r->count = (uint32_t)le_get(&d, 4);
    r->digest = (uint32_t)le_get(&d, 4);
    r->data_len = (uint32_t)le_get(&d, 4);
    if (!d.ok || le_left(&d) != r->data_len || r->status > 0 || r->status < -4095 ||
        r->length > FS_CHUNK_SIZE || r->count > CHUNK_LIST_MAX || r->data_len > FS_CHUNK_SIZE)
        return -EBADMSG;
    r->data = r->data_len ? buf + d.at : 0;
    return 0;
}
