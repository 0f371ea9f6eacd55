/* services/fs/closes.c: closes passed to the leader in batches.
 *
 * A process's close is a datagram to its node's server (user/fsclient.c
 * fsc_close), which proposes it as the server's own CLOSE command. Sent one
 * by one, each close was a Raft commit of its own, and the leader's flush of
 * it delayed the process's next request: `fsbench create` (open O_CREAT,
 * close, repeat) took 1.2-2.2x a naming bind; without the close commits,
 * 0.7-1.0x. So the server holds closes for up to CLOSES_DELAY_MS (or until
 * CLOSES_MAX wait) and then sends them back to back, where the leader
 * proposes them in one batch, one flush.
 *
 * What a held close changes: the reference goes a little later (an unlinked
 * file's chunks outlive its last close by up to CLOSES_DELAY_MS more, which
 * docs/fs.md allows); no reply waits on it. A close still held when its
 * process has exited is dropped: the RELEASE the runtime proposes for that
 * pid takes every reference it had. */
#include <string.h>

#include "services/fs/server.h"
#include "user/ulib.h"

#define CLOSES_MAX 32
#define CLOSES_DELAY_MS 50

struct held_close {
    uint64_t ino, session;
    int32_t pid;
};

static struct held_close held[CLOSES_MAX];
static uint32_t nheld;
static uint64_t first_held_ns;

static void closes_flush(void)
{
    static struct fs_request req;
    static uint8_t cmd[FS_REQUEST_MAX];
    for (uint32_t i = 0; i < nheld; i++) {
        memset(&req, 0, sizeof req);
        req.op = FS_OP_CLOSE; /* client 0, seq 0: the server's own command */
        req.ino = held[i].ino;
        req.session = held[i].session;
        req.pid = held[i].pid;
        req.now_ns = sys_wallclock();
        int n = fs_request_encode(&req, cmd, sizeof cmd);
        if (n > 0)
            replica_forward(cmd, (uint32_t)n);
    }
    nheld = 0;
}

void closes_hold(uint64_t ino, uint64_t session, int32_t pid)
{
    if (nheld == CLOSES_MAX)
        closes_flush();
    if (!nheld)
        first_held_ns = sys_clock();
    held[nheld++] = (struct held_close){ino, session, pid};
}

void closes_drop_pid(int32_t pid)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < nheld; i++)
        if (held[i].pid != pid)
            held[kept++] = held[i];
    nheld = kept;
}

void closes_poll(void)
{
    if (nheld && sys_clock() - first_held_ns >= CLOSES_DELAY_MS * 1000000ULL)
        closes_flush();
}
