/* services/naming/nsmachine.c: the naming service's replicated state machine
 * (nsmachine.h; semantics and snapshot layout in docs/naming-machine.md).
 *
 * Deterministic by construction: no clock, no randomness, no allocation, and
 * every choice that could differ between replicas (which slot a new session
 * or client takes, which client is forgotten, the order in which an expiry
 * removes bindings) is made by a fixed rule over the machine's own contents.
 * Bindings stay sorted by name (bytewise, shorter first on a tie), so GET
 * and LIST are binary searches and a prefix is one contiguous run. */
#include "services/naming/nsmachine.h"

#include "lib/crc32c.h"
#include "lib/errno.h"
#include "lib/lebytes.h"

/* ---- small helpers -------------------------------------------------------- */

/* Bytewise order of two names: <0, 0, >0. */
static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? __builtin_memcmp(a, b, n) : 0;
    if (c)
        return c;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

static bool has_prefix(const char *name, size_t len, const char *pre, size_t plen)
{
    return plen <= len && (plen == 0 || __builtin_memcmp(name, pre, plen) == 0);
}

/* The first slot whose name is >= name (n_bindings if none). */
static uint32_t lower_bound(const struct ns_machine *m, const char *name, size_t len)
{
    uint32_t lo = 0, hi = m->n_bindings;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct ns_binding *b = &m->e[mid].b;
        if (name_cmp(b->name, b->name_len, name, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The slot holding name, or -1. */
static int find(const struct ns_machine *m, const char *name, size_t len)
{
    uint32_t i = lower_bound(m, name, len);
    if (i < m->n_bindings && name_cmp(m->e[i].b.name, m->e[i].b.name_len, name, len) == 0)
        return (int)i;
    return -1;
}

/* Clears everything in rep but the names array (16 KiB nobody reads unless
 * n_names says so). */
static void rep_clear(struct ns_reply *rep, uint8_t op)
{
    __builtin_memset(rep, 0, __builtin_offsetof(struct ns_reply, names));
    rep->op = op;
}

void nsm_init(struct ns_machine *m)
{
    __builtin_memset(m, 0, sizeof *m);
}

uint64_t nsm_session_find(const struct ns_machine *m, uint32_t node, uint64_t nonce)
{
    return sessiontab_find(m->s, NS_MAX_SESSIONS, node, nonce);
}

bool nsm_session_exists(const struct ns_machine *m, uint64_t id)
{
    return sessiontab_slot(m->s, NS_MAX_SESSIONS, id) >= 0;
}

/* ---- bindings and the deletes ring ---------------------------------------- */

/* Remember that name was unbound at index, for watches. The ring keeps the
 * newest NS_MAX_DELETES; d_lost is the newest index among those dropped. */
static void record_delete(struct ns_machine *m, const char *name, uint16_t len, uint64_t index)
{
    struct nsm_delete *d = &m->d[m->d_next];
    if (d->index && d->index > m->d_lost)
        m->d_lost = d->index;
    __builtin_memset(d, 0, sizeof *d);
    d->index = index;
    d->name_len = len;
    __builtin_memcpy(d->name, name, len);
    m->d_next = (m->d_next + 1) % NS_MAX_DELETES;
}

static void remove_slot(struct ns_machine *m, uint32_t i, uint64_t index)
{
    const struct ns_binding *b = &m->e[i].b;
    record_delete(m, b->name, b->name_len, index);
    __builtin_memmove(&m->e[i], &m->e[i + 1], (m->n_bindings - i - 1) * sizeof m->e[0]);
    m->n_bindings--;
    __builtin_memset(&m->e[m->n_bindings], 0, sizeof m->e[0]);
}

/* Remove every binding of session (and of pid, if any_pid is false), in name
 * order; the number removed. */
static uint64_t remove_owned(struct ns_machine *m, uint64_t session, bool any_pid, int32_t pid,
                             uint64_t index)
{
    uint32_t keep = 0, n = m->n_bindings;
    uint64_t removed = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct ns_binding *b = &m->e[i].b;
        if (b->session == session && (any_pid || b->owner_pid == pid)) {
            record_delete(m, b->name, b->name_len, index);
            removed++;
            continue;
        }
        if (keep != i)
            __builtin_memcpy(&m->e[keep], &m->e[i], sizeof m->e[0]);
        keep++;
    }
    for (uint32_t i = keep; i < n; i++)
        __builtin_memset(&m->e[i], 0, sizeof m->e[i]);
    m->n_bindings = keep;
    return removed;
}

/* PUT, and a CAS whose comparison held: create or replace req's binding.
 * Returns the status; the new version in *version. */
static int bind(struct ns_machine *m, const struct ns_request *req, uint64_t index,
                uint64_t *version)
{
    bool eph = req->flags & NS_F_EPHEMERAL;
    if (eph && !nsm_session_exists(m, req->session))
        return -ESTALE;
    uint32_t i = lower_bound(m, req->name, req->name_len);
    bool exists = i < m->n_bindings &&
                  name_cmp(m->e[i].b.name, m->e[i].b.name_len, req->name, req->name_len) == 0;
    uint64_t ver = 1, created = index;
    if (exists) {
        ver = m->e[i].b.version + 1;
        created = m->e[i].b.create_index;
    } else {
        if (m->n_bindings >= NS_MAX_BINDINGS)
            return -ENOSPC;
        __builtin_memmove(&m->e[i + 1], &m->e[i], (m->n_bindings - i) * sizeof m->e[0]);
        m->n_bindings++;
    }
    struct nsm_entry *e = &m->e[i];
    __builtin_memset(e, 0, sizeof *e);
    e->used = true;
    struct ns_binding *b = &e->b;
    b->version = ver;
    b->create_index = created;
    b->mod_index = index;
    b->flags = req->flags & (NS_F_VALUE | NS_F_PORT);
    if (eph) {
        b->session = req->session;
        b->owner_pid = req->owner_pid;
    }
    if (b->flags & NS_F_PORT)
        b->port = req->port;
    b->name_len = req->name_len;
    __builtin_memcpy(b->name, req->name, req->name_len);
    if (b->flags & NS_F_VALUE) {
        b->value_len = req->value_len;
        __builtin_memcpy(b->value, req->value, req->value_len);
    }
    *version = ver;
    return 0;
}

/* CAS. A mismatch of any kind is -ECANCELED with the current version (0 if
 * the name is absent), including a non-zero expected version for a name that
 * does not exist: the client lost a race either way, and -ENOENT would make
 * it tell apart two outcomes it handles the same. */
static int cas(struct ns_machine *m, const struct ns_request *req, uint64_t index,
               uint64_t *version)
{
    if ((req->flags & NS_F_EPHEMERAL) && !nsm_session_exists(m, req->session))
        return -ESTALE;
    int i = find(m, req->name, req->name_len);
    const struct ns_binding *b = i >= 0 ? &m->e[i].b : 0;
    bool match;
    if (req->flags & NS_F_CMP_VALUE)
        match = b && b->value_len == req->expect_len &&
                (req->expect_len == 0 ||
                 __builtin_memcmp(b->value, req->expect, req->expect_len) == 0);
    else
        match = req->version == 0 ? !b : (b && b->version == req->version);
    if (!match) {
        *version = b ? b->version : 0;
        return -ECANCELED;
    }
    return bind(m, req, index, version);
}

static int rm(struct ns_machine *m, const struct ns_request *req, uint64_t index,
              uint64_t *version)
{
    int i = find(m, req->name, req->name_len);
    if (i < 0)
        return -ENOENT;
    *version = m->e[i].b.version;
    if ((req->flags & NS_F_VERSION) && m->e[i].b.version != req->version)
        return -ECANCELED;
    remove_slot(m, (uint32_t)i, index);
    return 0;
}

/* ---- apply ---------------------------------------------------------------- */

static int apply_op(struct ns_machine *m, const struct ns_request *req, uint64_t index,
                    uint64_t *version)
{
    switch (req->op) {
    case NS_OP_PUT:
        return bind(m, req, index, version);
    case NS_OP_CAS:
        return cas(m, req, index, version);
    case NS_OP_RM:
        return rm(m, req, index, version);
    case NS_OP_SESSION_OPEN:
        return sessiontab_open(m->s, NS_MAX_SESSIONS, index, req->owner_node, req->nonce,
                               version);
    case NS_OP_SESSION_EXPIRE:
        if (!sessiontab_close(m->s, NS_MAX_SESSIONS, req->session))
            return 0; /* already gone: a repeated expiry */
        *version = remove_owned(m, req->session, true, 0, index);
        return 0;
    case NS_OP_RELEASE:
        *version = remove_owned(m, req->session, false, req->owner_pid, index);
        return 0;
    default:
        return -EINVAL; /* a read in the log: never proposed by a server */
    }
}

/* Apply the command at `index`. A client's write (PUT, CAS, RM with
 * client != 0) goes through the client table first:
 *   - known client, seq == its last: not applied again, the cached reply;
 *   - known client, seq < its last: -ESTALE (an old retry, already answered);
 *   - known client, seq > its last: applied, and the reply cached;
 *   - unknown client, seq == 1: applied, and the client entered (evicting
 *     the least recently used when the table is full);
 *   - unknown client, seq > 1: -ESTALE, not applied: the client was
 *     forgotten, so this may be a retry of a request that already ran.
 * An unknown client retrying its seq 1 after being forgotten is applied
 * again: the table bounds what the service remembers. */
int nsm_apply(struct ns_machine *m, uint64_t index, const uint8_t *cmd, size_t len,
              struct ns_reply *rep)
{
    struct ns_request req;
    int status;
    uint64_t version = 0, rindex = index;
    if (index <= m->applied) {
        status = -EINVAL; /* the caller's bug: nothing changes */
        if (rep) {
            rep_clear(rep, 0);
            rep->status = status;
            rep->index = m->applied;
        }
        return status;
    }
    if (ns_request_decode(cmd, len, &req)) {
        status = -EBADMSG;
        req.op = 0;
    } else if (!ns_op_is_write(req.op)) {
        status = -EINVAL;
    } else if ((req.op == NS_OP_PUT || req.op == NS_OP_CAS || req.op == NS_OP_RM) &&
               req.client != 0) {
        struct dedup_client *cl;
        switch (dedup_check(m->c, NS_MAX_CLIENTS, req.client, req.seq, index, &cl)) {
        case DEDUP_REPEAT:
            status = cl->status;
            version = cl->version;
            rindex = cl->index;
            break;
        case DEDUP_STALE:
            status = -ESTALE;
            break;
        case DEDUP_APPLY:
        default:
            status = apply_op(m, &req, index, &version);
            dedup_record(m->c, NS_MAX_CLIENTS, cl, req.client, req.seq, index, status, version);
            break;
        }
    } else {
        status = apply_op(m, &req, index, &version);
    }
    m->applied = index;
    if (rep) {
        rep_clear(rep, req.op);
        rep->status = status;
        rep->index = rindex;
        rep->version = version;
    }
    return status;
}

void nsm_skip(struct ns_machine *m, uint64_t index)
{
    if (index > m->applied)
        m->applied = index;
}

/* ---- reads ---------------------------------------------------------------- */

static void read_list(const struct ns_machine *m, const struct ns_request *req,
                      struct ns_reply *rep)
{
    uint64_t max = req->version == 0 || req->version > NS_LIST_MAX ? NS_LIST_MAX : req->version;
    uint32_t i = lower_bound(m, req->name, req->name_len);
    uint32_t j = lower_bound(m, req->after, req->after_len);
    if (j < m->n_bindings &&
        name_cmp(m->e[j].b.name, m->e[j].b.name_len, req->after, req->after_len) == 0)
        j++; /* strictly after */
    if (j > i)
        i = j;
    for (; i < m->n_bindings; i++) {
        const struct ns_binding *b = &m->e[i].b;
        if (!has_prefix(b->name, b->name_len, req->name, req->name_len))
            break;
        if (rep->n_names == max) {
            rep->more = 1;
            break;
        }
        __builtin_memcpy(rep->names + rep->names_len, b->name, b->name_len);
        rep->names_len += b->name_len;
        rep->names[rep->names_len++] = 0;
        rep->n_names++;
    }
}

/* WATCH: the first change under the prefix after index req->version. A put
 * is reported through the binding as it is now, so a name changed several
 * times after that index shows only its latest version (a watch says
 * "changed at least once since", as etcd does after compaction). A removal
 * comes from the deletes ring; once one the ring dropped (d_lost) is newer
 * than the watch's index, the watch may have missed it: -ESTALE, whatever
 * else is found, since the dropped one might be the first change. */
static void read_watch(const struct ns_machine *m, const struct ns_request *req,
                       struct ns_reply *rep)
{
    uint64_t after = req->version;
    if (m->d_lost > after) {
        rep->status = -ESTALE;
        return;
    }
    const struct ns_binding *put = 0;
    for (uint32_t i = lower_bound(m, req->name, req->name_len); i < m->n_bindings; i++) {
        const struct ns_binding *b = &m->e[i].b;
        if (!has_prefix(b->name, b->name_len, req->name, req->name_len))
            break;
        if (b->mod_index > after && (!put || b->mod_index < put->mod_index))
            put = b;
    }
    /* Oldest first, so the first match at the lowest index wins a tie
     * (several removals by one expiry share an index). */
    const struct nsm_delete *del = 0;
    for (uint32_t k = 0; k < NS_MAX_DELETES; k++) {
        const struct nsm_delete *d = &m->d[(m->d_next + k) % NS_MAX_DELETES];
        if (!d->index || d->index <= after || (del && d->index >= del->index))
            continue;
        if (has_prefix(d->name, d->name_len, req->name, req->name_len))
            del = d;
    }
    if (put && (!del || put->mod_index < del->index)) {
        rep->event = NS_EV_PUT;
        rep->b = *put;
        rep->index = put->mod_index;
        rep->version = put->version;
    } else if (del) {
        rep->event = NS_EV_RM;
        rep->b.name_len = del->name_len;
        __builtin_memcpy(rep->b.name, del->name, del->name_len);
        rep->index = del->index;
    } else {
        rep->status = -EAGAIN;
    }
}

void nsm_read(const struct ns_machine *m, const struct ns_request *req, struct ns_reply *rep)
{
    rep_clear(rep, req->op);
    rep->index = m->applied;
    switch (req->op) {
    case NS_OP_GET: {
        int i = find(m, req->name, req->name_len);
        if (i < 0) {
            rep->status = -ENOENT;
            return;
        }
        rep->b = m->e[i].b;
        rep->version = rep->b.version;
        return;
    }
    case NS_OP_LIST:
        read_list(m, req, rep);
        return;
    case NS_OP_WATCH:
        read_watch(m, req, rep);
        return;
    default:
        rep->status = -EINVAL;
        return;
    }
}

/* ---- snapshots ------------------------------------------------------------ */

/* Layout (docs/naming-machine.md), little-endian:
 *   magic u32 "NSM1", format u32 = 1, applied u64, d_lost u64,
 *   n_sessions u16, n_clients u16, n_deletes u16, n_bindings u16, d_next u16
 *   sessions  (slot order): slot u16, id u64, nonce u64, node u32
 *   clients   (slot order): slot u16, id u64, seq u64, last_used u64,
 *                           status i32, version u64, index u64
 *   deletes   (slot order, slots 0..n_deletes-1): index u64, name_len u8, name
 *   bindings  (name order): name_len u8, name, version u64, create_index u64,
 *                           mod_index u64, session u64, owner_pid i32, flags u8,
 *                           PORT: port.a u64, port.b u64; VALUE: value_len u16, value
 *   crc32c u32 of everything before it
 * Slots are kept, so a restored machine is byte for byte the original (and
 * chooses as it would: lowest free slot, lowest slot on an LRU tie). The ring
 * only ever fills up, so its used slots are 0..n_deletes-1; oldest first is
 * from d_next round when it is full, from 0 when not (then d_next is
 * n_deletes and d_lost is 0). */
#define SNAP_MAGIC 0x314d534eu /* "NSM1" */
#define SNAP_FORMAT 1
#define SNAP_HEAD (4 + 4 + 8 + 8 + 5 * 2)
#define SNAP_SESSION SESSIONTAB_SNAP_ENTRY
#define SNAP_CLIENT DEDUP_SNAP_ENTRY
#define SNAP_DELETE (8 + 1 + NS_NAME_MAX)
#define SNAP_BINDING (1 + NS_NAME_MAX + 8 * 4 + 4 + 1 + 16 + 2 + NS_VALUE_MAX)

size_t nsm_snapshot_max(void)
{
    return SNAP_HEAD + NS_MAX_SESSIONS * SNAP_SESSION + NS_MAX_CLIENTS * SNAP_CLIENT +
           NS_MAX_DELETES * SNAP_DELETE + NS_MAX_BINDINGS * SNAP_BINDING + 4;
}

static uint32_t deletes_count(const struct ns_machine *m)
{
    uint32_t n = 0;
    for (int k = 0; k < NS_MAX_DELETES; k++)
        n += m->d[k].index != 0;
    return n;
}

long nsm_snapshot(const struct ns_machine *m, uint8_t *buf, size_t cap)
{
    struct le_writer w = {buf, cap, 0};
    uint32_t ns = sessiontab_count(m->s, NS_MAX_SESSIONS);
    uint32_t nc = dedup_count(m->c, NS_MAX_CLIENTS), nd = deletes_count(m);
    le_put(&w, SNAP_MAGIC, 4);
    le_put(&w, SNAP_FORMAT, 4);
    le_put(&w, m->applied, 8);
    le_put(&w, m->d_lost, 8);
    le_put(&w, ns, 2);
    le_put(&w, nc, 2);
    le_put(&w, nd, 2);
    le_put(&w, m->n_bindings, 2);
    le_put(&w, m->d_next, 2);
    sessiontab_put(&w, m->s, NS_MAX_SESSIONS);
    dedup_put(&w, m->c, NS_MAX_CLIENTS);
    for (uint32_t k = 0; k < nd; k++) {
        const struct nsm_delete *d = &m->d[k];
        le_put(&w, d->index, 8);
        le_put(&w, d->name_len, 1);
        le_put_bytes(&w, d->name, d->name_len);
    }
    for (uint32_t i = 0; i < m->n_bindings; i++) {
        const struct ns_binding *b = &m->e[i].b;
        le_put(&w, b->name_len, 1);
        le_put_bytes(&w, b->name, b->name_len);
        le_put(&w, b->version, 8);
        le_put(&w, b->create_index, 8);
        le_put(&w, b->mod_index, 8);
        le_put(&w, b->session, 8);
        le_put(&w, (uint32_t)b->owner_pid, 4);
        le_put(&w, b->flags, 1);
        if (b->flags & NS_F_PORT) {
            le_put(&w, b->port.a, 8);
            le_put(&w, b->port.b, 8);
        }
        if (b->flags & NS_F_VALUE) {
            le_put(&w, b->value_len, 2);
            le_put_bytes(&w, b->value, b->value_len);
        }
    }
    if (w.n > w.cap || w.cap - w.n < 4)
        return -EMSGSIZE;
    le_put(&w, crc32c(buf, w.n), 4);
    return (long)w.n;
}

/* A name of 1..NS_NAME_MAX valid bytes into dst (if any); its length, 0 if bad. */
static uint16_t s_name(struct le_reader *r, char *dst)
{
    size_t n = (size_t)le_get(r, 1);
    if (!r->ok || n > r->len - r->at || !ns_name_ok((const char *)r->p + r->at, n, false)) {
        r->ok = false;
        return 0;
    }
    le_get_bytes(r, dst, n);
    return (uint16_t)n;
}

/* One pass over a snapshot whose CRC and length were checked: with m NULL it
 * only validates, else it fills m (already cleared). The same code does both,
 * so nothing reaches m that the first pass did not accept. */
static bool restore_pass(struct ns_machine *m, const uint8_t *buf, size_t len)
{
    struct le_reader r = le_reader(buf, len);
    if (le_get(&r, 4) != SNAP_MAGIC || le_get(&r, 4) != SNAP_FORMAT)
        return false;
    uint64_t applied = le_get(&r, 8), d_lost = le_get(&r, 8);
    uint32_t ns = (uint32_t)le_get(&r, 2), nc = (uint32_t)le_get(&r, 2);
    uint32_t nd = (uint32_t)le_get(&r, 2), nb = (uint32_t)le_get(&r, 2);
    uint32_t d_next = (uint32_t)le_get(&r, 2);
    bool full = nd == NS_MAX_DELETES;
    if (!r.ok || ns > NS_MAX_SESSIONS || nc > NS_MAX_CLIENTS || nd > NS_MAX_DELETES ||
        nb > NS_MAX_BINDINGS || d_lost > applied || d_next >= NS_MAX_DELETES ||
        (!full && (d_lost || d_next != nd)))
        return false;
    if (m) {
        m->applied = applied;
        m->d_lost = d_lost;
        m->d_next = d_next;
    }

    /* Sessions: slots increasing, ids 1..applied and unique, (node, nonce)
     * unique; clients: slots increasing, ids unique, seq >= 1, indexes <=
     * applied. A validating pass reads the sessions into a table of its own,
     * for the bindings' check below. */
    struct session_entry seen[NS_MAX_SESSIONS];
    __builtin_memset(seen, 0, sizeof seen);
    if (!sessiontab_get(&r, seen, NS_MAX_SESSIONS, ns, applied) ||
        !dedup_get(&r, m ? m->c : 0, NS_MAX_CLIENTS, nc, applied))
        return false;
    if (m)
        __builtin_memcpy(m->s, seen, sizeof seen);

    /* Deletes: indexes 1..applied, non-decreasing oldest first, none before
     * d_lost (the newest one dropped). */
    uint64_t di[NS_MAX_DELETES];
    for (uint32_t k = 0; k < nd; k++) {
        struct nsm_delete d;
        __builtin_memset(&d, 0, sizeof d);
        d.index = di[k] = le_get(&r, 8);
        d.name_len = s_name(&r, d.name);
        if (!r.ok || d.index == 0 || d.index > applied)
            return false;
        if (m)
            __builtin_memcpy(&m->d[k], &d, sizeof d);
    }
    uint64_t prev = d_lost;
    for (uint32_t k = 0; k < nd; k++) {
        uint64_t index = di[(full ? d_next + k : k) % NS_MAX_DELETES];
        if (index < prev)
            return false;
        prev = index;
    }

    /* Bindings: names strictly increasing; an ephemeral one's session exists. */
    const uint8_t *prev_name = 0;
    size_t prev_len = 0;
    for (uint32_t k = 0; k < nb; k++) {
        size_t name_at = r.at + 1;
        struct nsm_entry e;
        __builtin_memset(&e, 0, sizeof e);
        e.used = true;
        struct ns_binding *b = &e.b;
        b->name_len = s_name(&r, b->name);
        b->version = le_get(&r, 8);
        b->create_index = le_get(&r, 8);
        b->mod_index = le_get(&r, 8);
        b->session = le_get(&r, 8);
        b->owner_pid = (int32_t)(uint32_t)le_get(&r, 4);
        b->flags = (uint8_t)le_get(&r, 1);
        if (!r.ok || b->version == 0 || b->create_index == 0 ||
            b->create_index > b->mod_index || b->mod_index > applied ||
            (b->flags & ~(NS_F_VALUE | NS_F_PORT)) || !(b->flags & (NS_F_VALUE | NS_F_PORT)) ||
            (b->session == 0 && b->owner_pid != 0))
            return false;
        if (prev_name && name_cmp((const char *)prev_name, prev_len, b->name, b->name_len) >= 0)
            return false;
        prev_name = buf + name_at;
        prev_len = b->name_len;
        if (b->session && sessiontab_slot(seen, NS_MAX_SESSIONS, b->session) < 0)
            return false;
        if (b->flags & NS_F_PORT) {
            b->port.a = le_get(&r, 8);
            b->port.b = le_get(&r, 8);
        }
        if (b->flags & NS_F_VALUE) {
            size_t vl = (size_t)le_get(&r, 2);
            if (!r.ok || vl > NS_VALUE_MAX || vl > r.len - r.at)
                return false;
            b->value_len = (uint16_t)vl;
            __builtin_memcpy(b->value, r.p + r.at, vl);
            r.at += vl;
        }
        if (!r.ok)
            return false;
        if (m)
            __builtin_memcpy(&m->e[k], &e, sizeof e);
    }
    if (m)
        m->n_bindings = nb;
    return r.ok && r.at == len;
}

int nsm_restore(struct ns_machine *m, const uint8_t *buf, size_t len)
{
    if (len < SNAP_HEAD + 4 || len > nsm_snapshot_max())
        return -EBADMSG;
    uint32_t crc = 0;
    for (int i = 0; i < 4; i++)
        crc |= (uint32_t)buf[len - 4 + (size_t)i] << (8 * i);
    if (crc32c(buf, len - 4) != crc || !restore_pass(0, buf, len - 4))
        return -EBADMSG;
    nsm_init(m);
    restore_pass(m, buf, len - 4);
    return 0;
}
