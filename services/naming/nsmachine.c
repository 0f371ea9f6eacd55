/* services/naming/nsmachine.c: the naming service's replicated state machine
 * (nsmachine.h; semantics and snapshot layout in docs/naming-machine.md).
 *
 * Deterministic by construction: no clock, no randomness, no allocation, and
 * every choice that could differ between replicas (which slot a new session
 * or client takes, which client is forgotten, the order in which an expiry
 * removes bindings) is made by a fixed rule over the machine's own contents.
 * Bindings stay sorted by name (bytewise, shorter first on a tie), so GET
 * and LIST are binary searches and a prefix is one contiguous run.
 * Snapshots of it are nssnap.c's. */
#include "services/naming/nsmachine.h"

#include "lib/errno.h"

/* ---- small helpers -------------------------------------------------------- */

/* Bytewise order of two names: <0, 0, >0. */
int nsm_name_cmp(const char *a, size_t alen, const char *b, size_t blen)
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
        if (nsm_name_cmp(b->name, b->name_len, name, len) < 0)
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
    if (i < m->n_bindings && nsm_name_cmp(m->e[i].b.name, m->e[i].b.name_len, name, len) == 0)
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

void nsm_init(struct ns_machine *m) { __builtin_memset(m, 0, sizeof *m); }

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
                  nsm_name_cmp(m->e[i].b.name, m->e[i].b.name_len, req->name, req->name_len) == 0;
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
        match =
            b && b->value_len == req->expect_len &&
            (req->expect_len == 0 || __builtin_memcmp(b->value, req->expect, req->expect_len) == 0);
    else
        match = req->version == 0 ? !b : (b && b->version == req->version);
    if (!match) {
        *version = b ? b->version : 0;
        return -ECANCELED;
    }
    return bind(m, req, index, version);
}

static int rm(struct ns_machine *m, const struct ns_request *req, uint64_t index, uint64_t *version)
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
        return sessiontab_open(m->s, NS_MAX_SESSIONS, index, req->owner_node, req->nonce, version);
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
        nsm_name_cmp(m->e[j].b.name, m->e[j].b.name_len, req->after, req->after_len) == 0)
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
