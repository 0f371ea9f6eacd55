/* services/naming/nsproto.c: the naming service's wire formats (nsproto.h);
 * the byte layouts are tabled in docs/naming-machine.md.
 *
 * A request is a two-byte head (op, flags) followed by the integer fields
 * that op and those flags use, then the byte strings, each after its length.
 * A reply is a fixed 27-byte head followed, for a successful GET, WATCH,
 * STATUS or LIST, by that op's payload. Everything is little-endian.
 *
 * One check per direction decides what is valid (req_valid, rep_valid), and
 * both the encoder and the decoder apply it: an encoder refuses (-EINVAL)
 * exactly what the decoder would refuse (-EBADMSG), so whatever encodes
 * decodes back to the same fields, and whatever decodes re-encodes to the
 * same bytes (the fuzzer checks both). */
#include "services/naming/nsproto.h"

#include "lib/errno.h"
#include "lib/lebytes.h"

/* ---- byte cursors (lib/lebytes.h) ------------------------------------------ */

/* A length-prefixed string into dst[0..max): the length (u8 or u16) then the
 * bytes. A length above max stops the reader. */
static uint16_t r_str(struct le_reader *r, void *dst, size_t max, int len_bytes)
{
    uint16_t n = (uint16_t)le_get(r, len_bytes);
    if (n > max) {
        r->ok = false;
        return 0;
    }
    le_get_bytes(r, dst, n);
    return r->ok ? n : 0;
}

static int finish(const struct le_writer *w) { return le_overflow(w) ? -EMSGSIZE : (int)w->n; }

/* ---- names ---------------------------------------------------------------- */

bool ns_name_ok(const char *name, size_t len, bool allow_empty)
{
    if (len > NS_NAME_MAX || (len == 0 && !allow_empty))
        return false;
    for (size_t i = 0; i < len; i++)
        if ((uint8_t)name[i] < 0x21 || (uint8_t)name[i] > 0x7e)
            return false;
    return true;
}

/* ---- requests ------------------------------------------------------------- */

bool ns_op_is_write(uint8_t op)
{
    switch (op) {
    case NS_OP_PUT:
    case NS_OP_CAS:
    case NS_OP_RM:
    case NS_OP_SESSION_OPEN:
    case NS_OP_SESSION_EXPIRE:
    case NS_OP_RELEASE:
        return true;
    default:
        return false;
    }
}

/* The flags op may carry; -1 for an unknown op. */
static int op_flags(uint8_t op)
{
    switch (op) {
    case NS_OP_PUT:
        return NS_F_VALUE | NS_F_PORT | NS_F_EPHEMERAL;
    case NS_OP_CAS:
        return NS_F_VALUE | NS_F_PORT | NS_F_EPHEMERAL | NS_F_CMP_VALUE;
    case NS_OP_RM:
        return NS_F_VERSION;
    case NS_OP_GET:
    case NS_OP_LIST:
    case NS_OP_WATCH:
    case NS_OP_STATUS:
    case NS_OP_SESSION:
    case NS_OP_SESSION_OPEN:
    case NS_OP_SESSION_EXPIRE:
    case NS_OP_RELEASE:
        return 0;
    default:
        return -1;
    }
}

/* Is r a request the service accepts? Only the fields r->op uses count. */
static bool req_valid(const struct ns_request *r)
{
    int allowed = op_flags(r->op);
    if (allowed < 0 || (r->flags & ~allowed))
        return false;
    switch (r->op) {
    case NS_OP_PUT:
    case NS_OP_CAS:
        if (!(r->flags & (NS_F_VALUE | NS_F_PORT)))
            return false; /* a binding carries a value, a port, or both */
        if ((r->flags & NS_F_EPHEMERAL) && r->session == 0)
            return false;
        if ((r->flags & NS_F_VALUE) && r->value_len > NS_VALUE_MAX)
            return false;
        if ((r->flags & NS_F_CMP_VALUE) && r->expect_len > NS_VALUE_MAX)
            return false;
        /* fall through */
    case NS_OP_RM:
        if (r->client != 0 && r->seq == 0)
            return false; /* a client's requests are numbered from 1 */
        /* fall through */
    case NS_OP_GET:
        return ns_name_ok(r->name, r->name_len, false);
    case NS_OP_LIST:
        if (!ns_name_ok(r->after, r->after_len, true))
            return false;
        /* fall through */
    case NS_OP_WATCH:
        return ns_name_ok(r->name, r->name_len, true);
    case NS_OP_SESSION_OPEN:
        return r->owner_node != 0;
    case NS_OP_SESSION_EXPIRE:
    case NS_OP_RELEASE:
        return r->session != 0;
    default: /* STATUS, SESSION: nothing else */
        return true;
    }
}

/* Each field of a layout, written (w set) or read (rd set) by one walk, so
 * the two directions cannot drift (req_walk, rep_walk). */
#define U8(f) (w ? le_put(w, (uint8_t)(f), 1) : (void)((f) = (uint8_t)le_get(rd, 1)))
#define U16(f) (w ? le_put(w, (uint16_t)(f), 2) : (void)((f) = (uint16_t)le_get(rd, 2)))
#define U32(f) (w ? le_put(w, (uint32_t)(f), 4) : (void)((f) = (uint32_t)le_get(rd, 4)))
#define I32(f) (w ? le_put(w, (uint32_t)(f), 4) : (void)((f) = (int32_t)le_get(rd, 4)))
#define U64(f) (w ? le_put(w, (f), 8) : (void)((f) = le_get(rd, 8)))
#define STR(buf, len, max, lb)                                                                     \
    (w ? (le_put(w, (len), (lb)), le_put_bytes(w, (buf), (len)))                                   \
       : (void)((len) = r_str(rd, (buf), (max), (lb))))

/* The layout, in order (docs/naming-machine.md):
 *   op u8, flags u8
 *   PUT, CAS, RM:       client u64, seq u64
 *   EPHEMERAL:          session u64, owner_pid i32
 *   PORT:               port.a u64, port.b u64
 *   CAS without CMP_VALUE, RM with VERSION, LIST, WATCH: version u64
 *   SESSION_OPEN:       owner_node u32, nonce u64
 *   SESSION_EXPIRE:     session u64
 *   RELEASE:            session u64, owner_pid i32
 *   PUT CAS RM GET LIST WATCH: name_len u8, name
 *   LIST:               after_len u8, after
 *   VALUE:              value_len u16, value
 *   CMP_VALUE:          expect_len u16, expect
 * Both directions walk it through this one function, so they cannot drift:
 * with w set it writes r, with rd set it fills r. */
static void req_walk(struct ns_request *r, struct le_writer *w, struct le_reader *rd)
{
    uint8_t op = r->op, fl = r->flags;
    bool named = false;
    switch (op) {
    case NS_OP_PUT:
    case NS_OP_CAS:
    case NS_OP_RM:
        U64(r->client);
        U64(r->seq);
        if (fl & NS_F_EPHEMERAL) {
            U64(r->session);
            I32(r->owner_pid);
        }
        if (fl & NS_F_PORT) {
            U64(r->port.a);
            U64(r->port.b);
        }
        if ((op == NS_OP_CAS && !(fl & NS_F_CMP_VALUE)) || (fl & NS_F_VERSION))
            U64(r->version);
        named = true;
        break;
    case NS_OP_GET:
        named = true;
        break;
    case NS_OP_LIST:
    case NS_OP_WATCH:
        U64(r->version);
        named = true;
        break;
    case NS_OP_SESSION_OPEN:
        U32(r->owner_node);
        U64(r->nonce);
        break;
    case NS_OP_SESSION_EXPIRE:
        U64(r->session);
        break;
    case NS_OP_RELEASE:
        U64(r->session);
        I32(r->owner_pid);
        break;
    default:
        break;
    }
    if (named)
        STR(r->name, r->name_len, NS_NAME_MAX, 1);
    if (op == NS_OP_LIST)
        STR(r->after, r->after_len, NS_NAME_MAX, 1);
    if (fl & NS_F_VALUE)
        STR(r->value, r->value_len, NS_VALUE_MAX, 2);
    if (fl & NS_F_CMP_VALUE)
        STR(r->expect, r->expect_len, NS_VALUE_MAX, 2);
}

/* Encode r: its length; -EINVAL if r is not a valid request (the decoder
 * would refuse it), -EMSGSIZE if it does not fit in cap. */
int ns_request_encode(const struct ns_request *r, uint8_t *buf, size_t cap)
{
    if (!req_valid(r))
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    le_put(&w, r->op, 1);
    le_put(&w, r->flags, 1);
    req_walk((struct ns_request *)r, &w, 0); /* writing only reads r */
    return finish(&w);
}

int ns_request_decode(const uint8_t *buf, size_t len, struct ns_request *r)
{
    __builtin_memset(r, 0, sizeof *r);
    struct le_reader rd = le_reader(buf, len);
    r->op = (uint8_t)le_get(&rd, 1);
    r->flags = (uint8_t)le_get(&rd, 1);
    int allowed = op_flags(r->op);
    if (!rd.ok || allowed < 0 || (r->flags & ~allowed))
        goto bad; /* the layout depends on both: check them before walking it */
    req_walk(r, 0, &rd);
    if (!rd.ok || rd.at != len || !req_valid(r))
        goto bad;
    return 0;
bad:
    __builtin_memset(r, 0, sizeof *r);
    return -EBADMSG;
}

/* ---- replies -------------------------------------------------------------- */

#define REP_HEAD 27 /* status, leader, op, event, more, index, version */

static bool known_op(uint8_t op) { return op_flags(op) >= 0; }

static bool binding_valid(const struct ns_binding *b)
{
    if (b->flags & ~(NS_F_VALUE | NS_F_PORT))
        return false;
    if (b->value_len > ((b->flags & NS_F_VALUE) ? NS_VALUE_MAX : 0))
        return false;
    return ns_name_ok(b->name, b->name_len, false);
}

/* names[0..len) is exactly n valid names, each followed by a NUL. */
static bool names_valid(const char *names, uint32_t len, uint32_t n)
{
    uint32_t at = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t start = at;
        while (at < len && names[at])
            at++;
        if (at == len || !ns_name_ok(names + start, at - start, false))
            return false;
        at++;
    }
    return at == len;
}

static bool rep_valid(const struct ns_reply *r)
{
    if (r->status > 0 || r->status < -4095)
        return false;
    if (r->op != 0 && !known_op(r->op))
        return false;
    bool ok = r->status == 0;
    if (r->event != 0 &&
        !(ok && r->op == NS_OP_WATCH && (r->event == NS_EV_PUT || r->event == NS_EV_RM)))
        return false;
    if (ok && r->op == NS_OP_WATCH && r->event == 0)
        return false;
    if (r->more > ((ok && r->op == NS_OP_LIST) ? 1 : 0))
        return false;
    if (!ok)
        return true;
    switch (r->op) {
    case NS_OP_GET:
    case NS_OP_WATCH:
        return binding_valid(&r->b);
    case NS_OP_LIST:
        return r->n_names <= NS_LIST_MAX && r->names_len <= sizeof r->names &&
               names_valid(r->names, r->names_len, r->n_names);
    default:
        return true;
    }
}

/* The layout after the head (docs/naming-machine.md), only when status == 0:
 *   GET, WATCH: version, create_index, mod_index, session u64, owner_pid i32,
 *               flags u8, PORT: port.a u64 port.b u64, name_len u8, name,
 *               VALUE: value_len u16, value
 *   STATUS:     node u32, leader u32, role u8, member u8, term, commit,
 *               applied, last_index, snap_index, session u64, bindings u32,
 *               elections, contact_ms, heard_mask u32, wall_ns,
 *               rpc_retransmits, rpc_timeouts, rpc_bad_mac u64
 *   LIST:       n_names u16, names_len u16, names */
static void rep_walk(struct ns_reply *r, struct le_writer *w, struct le_reader *rd)
{
    I32(r->status);
    U32(r->leader);
    U8(r->op);
    U8(r->event);
    U8(r->more);
    U64(r->index);
    U64(r->version);
    if (r->status != 0 || (rd && !rd->ok))
        return;
    struct ns_binding *b = &r->b;
    struct ns_status *st = &r->st;
    switch (r->op) {
    case NS_OP_GET:
    case NS_OP_WATCH:
        U64(b->version);
        U64(b->create_index);
        U64(b->mod_index);
        U64(b->session);
        I32(b->owner_pid);
        U8(b->flags);
        if (rd && (b->flags & ~(NS_F_VALUE | NS_F_PORT))) {
            rd->ok = false;
            return;
        }
        if (b->flags & NS_F_PORT) {
            U64(b->port.a);
            U64(b->port.b);
        }
        STR(b->name, b->name_len, NS_NAME_MAX, 1);
        if (b->flags & NS_F_VALUE)
            STR(b->value, b->value_len, NS_VALUE_MAX, 2);
        break;
    case NS_OP_STATUS:
        U32(st->node);
        U32(st->leader);
        U8(st->role);
        U8(st->member);
        U64(st->term);
        U64(st->commit);
        U64(st->applied);
        U64(st->last_index);
        U64(st->snap_index);
        U64(st->session);
        U32(st->bindings);
        U32(st->elections);
        U32(st->contact_ms);
        U32(st->heard_mask);
        U64(st->wall_ns);
        U64(st->rpc_retransmits);
        U64(st->rpc_timeouts);
        U64(st->rpc_bad_mac);
        break;
    case NS_OP_LIST:
        U16(r->n_names);
        if (w) {
            le_put(w, r->names_len, 2);
            le_put_bytes(w, r->names, r->names_len);
        } else {
            r->names_len = (uint16_t)le_get(rd, 2);
            if (r->names_len > sizeof r->names)
                rd->ok = false;
            else
                le_get_bytes(rd, r->names, r->names_len);
        }
        break;
    default:
        break;
    }
#undef U8
#undef U16
#undef U32
#undef I32
#undef U64
#undef STR
}

/* Encode r: its length; -EINVAL if r is not a valid reply (the decoder would
 * refuse it), -EMSGSIZE if it does not fit in cap. Only the fields r->op
 * uses are read: of names, only names[0..names_len) of a successful LIST. */
int ns_reply_encode(const struct ns_reply *r, uint8_t *buf, size_t cap)
{
    if (!rep_valid(r))
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    rep_walk((struct ns_reply *)r, &w, 0); /* writing only reads r */
    return finish(&w);
}

int ns_reply_decode(const uint8_t *buf, size_t len, struct ns_reply *r)
{
    __builtin_memset(r, 0, sizeof *r);
    struct le_reader rd = le_reader(buf, len);
    if (len < REP_HEAD)
        goto bad;
    rep_walk(r, 0, &rd);
    if (!rd.ok || rd.at != len || !rep_valid(r))
        goto bad;
    return 0;
bad:
    __builtin_memset(r, 0, sizeof *r);
    return -EBADMSG;
}
