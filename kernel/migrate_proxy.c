/* kernel/migrate_proxy.c: answers to calls a process took on one node
 * and answers on another, after a move (kernel/migrate.h,
 * docs/migration.md, "Ports"). Their callers wait where the call was
 * taken (a process there, or another node's through that node's
 * transport), so the answer goes back through there: a proxy entry on
 * the new node (token -> the old node) and a REPLY request. The entry goes
 * with the answer; a process that exits with answers owed fails them. */
#include "kernel/kernel.h"
#include "kernel/migrate.h"
#include "kernel/migrate_int.h"
#include "kernel/port.h"
#include "lib/migwire.h"

/* A reply to a call the process took on the node it came from: it goes
 * back through there (its caller waits there). */
#define PROXIES 128
static struct proxy {
    uint64_t token; /* 0: free */
    uint32_t node;
    int pid;
} proxies[PROXIES];
static int proxies_used; /* entries ever filled: a fast "none" for sys_reply */

uint32_t migrate_proxy_room(void)
{
    uint32_t n = 0;
    for (int i = 0; i < PROXIES; i++)
        n += !proxies[i].token;
    return n;
}

uint32_t migrate_proxies_of(int pid)
{
    uint32_t n = 0;
    for (int i = 0; proxies_used && i < PROXIES; i++)
        n += proxies[i].token && proxies[i].pid == pid;
    return n;
}

void migrate_proxy_add(uint64_t token, uint32_t node, int pid)
{
    for (int i = 0; i < PROXIES; i++) {
        if (!proxies[i].token) {
            proxies[i] = (struct proxy){token, node, pid};
            proxies_used = 1;
            return;
        }
    }
}

/* Forget what has been idle too long: a source that died mid-transfer. */
/* REPLY on the node a process left: answer (or fail) the caller. */
int migrate_serve_reply(struct msg *m)
{
    uint8_t head[MIG_REPLY_HEAD];
    uint32_t len = m->len - (uint32_t)sizeof(struct kreq);
    uint64_t token;
    int32_t error;
    if (len < MIG_REPLY_HEAD)
        return -EBADMSG;
    msg_read(m, sizeof(struct kreq), head, MIG_REPLY_HEAD);
    if (migwire_get_reply(head, len, &token, &error))
        return -EBADMSG;
    if (error) {
        port_fail_call(token, error);
        return 0;
    }
    struct msg *r = msg_alloc(len - MIG_REPLY_HEAD);
    if (!r)
        return -ENOBUFS;
    msg_copy(r, 0, m, (uint32_t)(sizeof(struct kreq) + MIG_REPLY_HEAD), r->len);
    r->sender_pid = m->sender_pid;
    r->sender_node = m->sender_node;
    return port_reply(token, r);
}

int migrate_forward_reply(uint64_t token, struct msg *m, int *result)
{
    struct proxy *x = 0;
    for (int i = 0; proxies_used && i < PROXIES && !x; i++)
        if (proxies[i].token == token)
            x = &proxies[i];
    if (!x)
        return 0;
    *result = -EMSGSIZE;
    if (m->len > MSG_MAX - sizeof(struct kreq) - MIG_REPLY_HEAD) {
        msg_free(m);
        return 1; /* the proxy stays: a shorter answer can still go */
    }
    uint32_t node = x->node;
    *x = (struct proxy){0};
    uint8_t head[MIG_REPLY_HEAD];
    migwire_put_reply(token, 0, head, sizeof head);
    struct msg *fwd = migrate_request_msg(KREQ_MIG_REPLY, MIG_REPLY_HEAD + m->len);
    if (!fwd) {
        msg_free(m);
        *result = -ENOBUFS;
        return 1;
    }
    msg_write(fwd, sizeof(struct kreq), head, MIG_REPLY_HEAD);
    msg_copy(fwd, (uint32_t)(sizeof(struct kreq) + MIG_REPLY_HEAD), m, 0, m->len);
    msg_free(m);
    int32_t answer;
    int rv = migrate_ask(node, fwd, &answer);
    *result = rv ? rv : answer;
    return 1;
}

void migrate_proc_exit(struct proc *p)
{
    for (int i = 0; proxies_used && i < PROXIES; i++) {
        if (!proxies[i].token || proxies[i].pid != p->pid)
            continue;
        /* It exits without answering: its callers there hear so. */
        uint8_t head[MIG_REPLY_HEAD];
        migwire_put_reply(proxies[i].token, -ECONNRESET, head, sizeof head);
        uint32_t node = proxies[i].node;
        proxies[i] = (struct proxy){0};
        struct msg *m = migrate_request_msg(KREQ_MIG_REPLY, MIG_REPLY_HEAD);
        if (!m)
            continue;
        msg_write(m, sizeof(struct kreq), head, MIG_REPLY_HEAD);
        int32_t answer;
        migrate_ask(node, m, &answer);
    }
}
