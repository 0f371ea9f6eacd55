/* services/fs/primary/stores.c: calls from the primary to the replicas'
 * stores (port "chunks" on each node).
 *
 * A store that does not answer within STORE_TRY_NS is skipped for a while,
 * so while a node is down each write waits for it once, not every time; the
 * write still succeeds on a majority of the others, and the node is caught
 * up later (a full copy at the next write that reaches it, or anti-entropy).
 * The while doubles with each silence in a row, from SUSPECT_NS to
 * SUSPECT_MAX_NS, and is forgotten at its first answer: a dead node costs a
 * timeout every few seconds at first and then every 16 s, not every 2 s
 * (each costs every chunk that needs it then almost a second); a node that
 * comes back is heard within 16 s, and a restarted one at once (its new
 * port refuses the old one's calls). */
#include <string.h>

#include "services/fs/primary/primary.h"
#include "user/ipc.h"
#include "user/ulib.h"

#define STORE_TRY_NS (800 * 1000000ULL)
#define SUSPECT_NS (2000 * 1000000ULL)
#define SUSPECT_MAX_NS (16000 * 1000000ULL)
#define LOOKUP_TIMEOUT_NS (300 * 1000000ULL)

static struct port_id ports[FS_MAX_NODES + 1];
static bool known[FS_MAX_NODES + 1];
static uint64_t suspect_until[FS_MAX_NODES + 1];
static uint64_t suspect_for[FS_MAX_NODES + 1]; /* the next silence's; 0: SUSPECT_NS */
static uint8_t req_buf[CHUNK_MSG_MAX];
static uint8_t rep_buf[CHUNK_MSG_MAX];

int store_call(uint32_t node, const struct chunk_req *req, struct chunk_rep *rep)
{
    if (node == 0 || node > FS_MAX_NODES)
        return -EINVAL;
    uint64_t now = sys_clock();
    if (now < suspect_until[node])
        return -EHOSTDOWN;
    long len = chunk_req_encode(req, req_buf, sizeof req_buf);
    if (len < 0)
        return (int)len;
    long n;
    if (!known[node]) {
        n = ipc_lookup_timeout((int)node, "chunks", &ports[node], LOOKUP_TIMEOUT_NS);
        if (n)
            goto failed;
        known[node] = true;
    }
    n = ipc_call(&ports[node], req_buf, (size_t)len, rep_buf, sizeof rep_buf, STORE_TRY_NS);
    if (n >= 0) {
        suspect_for[node] = 0;
        return chunk_rep_decode(rep_buf, (size_t)n, rep) ? -EPROTO : 0;
    }
    if (n == -ECONNREFUSED || n == -ECONNRESET)
        known[node] = false; /* the store restarted: its port changed */
failed:
    if (n != -EINTR && n != -ECONNREFUSED && n != -ECONNRESET) {
        uint64_t d = suspect_for[node] ? suspect_for[node] : SUSPECT_NS;
        suspect_until[node] = sys_clock() + d;
        suspect_for[node] = d * 2 < SUSPECT_MAX_NS ? d * 2 : SUSPECT_MAX_NS;
    }
    return (int)n;
}
