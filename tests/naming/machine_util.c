/* tests/naming/machine_util.c: request builders, a random command generator
 * and an invariant check for the state machine tests. */
#include <stdio.h>

#include "tests/naming/harness.h"

struct ns_request nt_req(uint8_t op, const char *name)
{
    struct ns_request r;
    memset(&r, 0, sizeof r);
    r.op = op;
    if (name) {
        r.name_len = (uint16_t)strlen(name);
        memcpy(r.name, name, r.name_len);
    }
    return r;
}

struct ns_request nt_put(const char *name, const char *value, const struct port_id *port)
{
    struct ns_request r = nt_req(NS_OP_PUT, name);
    if (value) {
        r.flags |= NS_F_VALUE;
        r.value_len = (uint16_t)strlen(value);
        memcpy(r.value, value, r.value_len);
    }
    if (port) {
        r.flags |= NS_F_PORT;
        r.port = *port;
    }
    return r;
}

int nt_apply(struct ns_machine *m, const struct ns_request *req, struct ns_reply *rep)
{
    uint8_t buf[NS_REQUEST_MAX];
    int n = ns_request_encode(req, buf, sizeof buf);
    if (n < 0) {
        nt_fail(__FILE__, __LINE__, "request op %d does not encode: %d", req->op, n);
        return n;
    }
    return nsm_apply(m, m->applied + 1, buf, (size_t)n, rep);
}

/* ---- random commands ------------------------------------------------------ */

#define N_CLIENTS 12
static uint64_t client_seq[N_CLIENTS + 1];

uint16_t nt_random_name(char *dst)
{
    static const char *const pre[] = {"a/", "a/b/", "b/", "c", "svc.", "zz"};
    const char *p = pre[nt_below(6)];
    char tmp[NS_NAME_MAX + 1];
    int n = snprintf(tmp, sizeof tmp, "%s%u", p, (unsigned)nt_below(12));
    if (nt_below(40) == 0) /* now and then a long one */
        n = snprintf(tmp, sizeof tmp, "%s%0*u", p, 60, (unsigned)nt_below(3));
    if (n > NS_NAME_MAX)
        n = NS_NAME_MAX;
    memcpy(dst, tmp, (size_t)n);
    return (uint16_t)n;
}

static uint64_t rand_session(const struct ns_machine *m)
{
    if (nt_below(8) == 0)
        return 1 + nt_below(m->applied + 1); /* most likely not a session */
    for (int tries = 0; tries < 8; tries++) {
        const struct session_entry *s = &m->s[nt_below(NS_MAX_SESSIONS)];
        if (s->id)
            return s->id;
    }
    for (int i = 0; i < NS_MAX_SESSIONS; i++)
        if (m->s[i].id)
            return m->s[i].id;
    return 1 + nt_below(5);
}

size_t nt_random_command(const struct ns_machine *m, uint8_t *buf, size_t cap)
{
    static struct ns_request r;
    memset(&r, 0, sizeof r);
    unsigned pick = (unsigned)nt_below(100);
    if (pick < 3) { /* garbage */
        size_t n = nt_below(40);
        for (size_t i = 0; i < n && i < cap; i++)
            buf[i] = (uint8_t)nt_rand();
        return n < cap ? n : cap;
    }
    if (pick < 8) {
        r.op = NS_OP_SESSION_OPEN;
        r.owner_node = 1 + (uint32_t)nt_below(5);
        r.nonce = nt_below(4);
    } else if (pick < 11) {
        r.op = NS_OP_SESSION_EXPIRE;
        r.session = rand_session(m);
    } else if (pick < 15) {
        r.op = NS_OP_RELEASE;
        r.session = rand_session(m);
        r.owner_pid = (int32_t)nt_below(4);
    } else if (pick < 17) {
        r.op = NS_OP_GET; /* a read in the log: refused */
        r.name_len = nt_random_name(r.name);
    } else {
        r.op = pick < 60 ? NS_OP_PUT : (pick < 80 ? NS_OP_CAS : NS_OP_RM);
        r.name_len = nt_random_name(r.name);
        if (r.op != NS_OP_RM) {
            if (nt_below(3))
                r.flags |= NS_F_VALUE;
            if (!(r.flags & NS_F_VALUE) || nt_below(3) == 0)
                r.flags |= NS_F_PORT;
            r.value_len = (uint16_t)nt_below(nt_below(10) ? 8 : NS_VALUE_MAX + 1);
            for (int i = 0; i < r.value_len; i++)
                r.value[i] = (uint8_t)('a' + nt_below(3));
            r.port = (struct port_id){nt_below(3), nt_rand()};
            if (nt_below(4) == 0) {
                r.flags |= NS_F_EPHEMERAL;
                r.session = rand_session(m);
                r.owner_pid = (int32_t)nt_below(4);
            }
        }
        if (r.op == NS_OP_CAS) {
            if (nt_below(3) == 0) {
                r.flags |= NS_F_CMP_VALUE;
                r.expect_len = (uint16_t)nt_below(4);
                for (int i = 0; i < r.expect_len; i++)
                    r.expect[i] = (uint8_t)('a' + nt_below(3));
            } else {
                r.version = nt_below(4);
            }
        }
        if (r.op == NS_OP_RM && nt_below(2)) {
            r.flags |= NS_F_VERSION;
            r.version = nt_below(4);
        }
        /* the sender: a server (client 0) or one of a few clients */
        unsigned c = (unsigned)nt_below(N_CLIENTS + 1);
        if (c) {
            r.client = 0x1000 + c;
            unsigned how = (unsigned)nt_below(20);
            if (how == 0 && client_seq[c] > 0)
                r.seq = client_seq[c]; /* a retry */
            else if (how == 1 && client_seq[c] > 1)
                r.seq = 1 + nt_below(client_seq[c] - 1); /* an old one */
            else if (how == 2)
                r.seq = client_seq[c] + 2; /* after a lost request */
            else
                r.seq = client_seq[c] + 1;
            if (r.seq > client_seq[c])
                client_seq[c] = r.seq;
        }
    }
    int n = ns_request_encode(&r, buf, cap);
    return n < 0 ? 0 : (size_t)n;
}

void nt_random_history(struct ns_machine *m, int n)
{
    uint8_t buf[NS_REQUEST_MAX];
    for (int i = 0; i < n; i++) {
        if (nt_below(50) == 0) {
            nsm_skip(m, m->applied + 1 + nt_below(3));
            continue;
        }
        size_t len = nt_random_command(m, buf, sizeof buf);
        nsm_apply(m, m->applied + 1, buf, len, NULL);
    }
}

/* ---- invariants ----------------------------------------------------------- */

static int cmp_names(const struct ns_binding *a, const struct ns_binding *b)
{
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(a->name, b->name, n);
    if (c)
        return c;
    return (int)a->name_len - (int)b->name_len;
}

#define INV(cond, ...)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            nt_fail(__FILE__, __LINE__, __VA_ARGS__);                                              \
            return;                                                                                \
        }                                                                                          \
    } while (0)

void nt_check_invariants(const struct ns_machine *m)
{
    INV(m->n_bindings <= NS_MAX_BINDINGS, "n_bindings %u", m->n_bindings);
    for (uint32_t i = 0; i < NS_MAX_BINDINGS; i++) {
        const struct ns_binding *b = &m->e[i].b;
        INV(m->e[i].used == (i < m->n_bindings), "binding slot %u used %d", i, m->e[i].used);
        if (i >= m->n_bindings)
            continue;
        INV(ns_name_ok(b->name, b->name_len, false), "binding %u: bad name", i);
        INV(i == 0 || cmp_names(&m->e[i - 1].b, b) < 0, "bindings %u, %u not sorted", i - 1, i);
        INV(b->version >= 1, "binding %u version 0", i);
        INV(b->create_index >= 1 && b->create_index <= b->mod_index && b->mod_index <= m->applied,
            "binding %u indexes %llu %llu", i, (unsigned long long)b->create_index,
            (unsigned long long)b->mod_index);
        INV(b->flags && !(b->flags & ~(NS_F_VALUE | NS_F_PORT)), "binding %u flags %x", i,
            b->flags);
        INV(b->value_len <= ((b->flags & NS_F_VALUE) ? NS_VALUE_MAX : 0), "binding %u value_len",
            i);
        INV(b->session ? nsm_session_exists(m, b->session) : b->owner_pid == 0,
            "binding %u: session %llu gone", i, (unsigned long long)b->session);
    }
    for (int i = 0; i < NS_MAX_SESSIONS; i++) {
        if (!m->s[i].id)
            continue;
        INV(m->s[i].id <= m->applied && m->s[i].node, "session slot %d", i);
        for (int j = 0; j < i; j++)
            INV(m->s[j].id != m->s[i].id &&
                    (m->s[j].node != m->s[i].node || m->s[j].nonce != m->s[i].nonce || !m->s[j].id),
                "sessions %d and %d collide", j, i);
    }
    for (int i = 0; i < NS_MAX_CLIENTS; i++) {
        if (!m->c[i].id)
            continue;
        INV(m->c[i].seq >= 1 && m->c[i].last_used <= m->applied &&
                m->c[i].index <= m->c[i].last_used,
            "client slot %d", i);
        for (int j = 0; j < i; j++)
            INV(m->c[j].id != m->c[i].id, "clients %d and %d share an id", j, i);
    }
    INV(m->d_next < NS_MAX_DELETES, "d_next %u", m->d_next);
    uint64_t prev = m->d_lost;
    bool seen_free = false;
    for (uint32_t k = 0; k < NS_MAX_DELETES; k++) {
        const struct nsm_delete *d = &m->d[(m->d_next + k) % NS_MAX_DELETES];
        if (!d->index) {
            INV(m->d_lost == 0, "a free ring slot with d_lost set");
            seen_free = true;
            continue;
        }
        INV(!seen_free || (m->d_next + k) % NS_MAX_DELETES < m->d_next, "ring order");
        INV(d->index >= prev && d->index <= m->applied, "delete index order");
        INV(ns_name_ok(d->name, d->name_len, false), "delete name");
        prev = d->index;
    }
}
