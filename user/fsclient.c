/* user/fsclient.c: the file service's client library (fsclient.h;
 * docs/fs.md has the protocol).
 *
 * Metadata (the namespace, sizes, open references) goes to the metadata
 * leader (user/fsmeta.c). File data goes, one chunk at a time, to the
 * chunk's primary: the first of its replicas (services/fs/placement.h)
 * unless a reply names another, which holds the chunk's lease. Every call
 * retries by the process's mount mode: hard retries until the service
 * answers; soft gives up after retrans tries of timeo each.
 *
 * A write is durable on a majority of its chunk's replicas when the primary
 * answers; then the file's size is raised to cover it (FS_OP_EXTEND, through
 * Raft), and only then does the write return: a read that starts after it,
 * on any node, sees both. A read asks the metadata leader for the size
 * first (a ReadIndex read), then the primaries for the bytes. */
#include <stdlib.h>
#include <string.h>

#include "services/fs/chunkproto.h"
#include "services/fs/placement.h"
#include "user/fsclient.h"
#include "user/fsmeta.h"
#include "user/ipc.h"
#include "user/ulib.h"

#define LOOKUP_TIMEOUT_NS (500 * 1000000ULL)
#define MAX_NODES FS_MAX_NODES /* placement spans every node (up to 64) */

static struct fsc_mount mount_mode = {0, 1500, 3};
/* Buffers, allocated at the first call that needs them: every program
 * links this library (any program's stdout may be a file), and most never
 * touch a file, so they should not pay for 150 KiB of buffers. */
static struct fsc_bufs {
    struct fs_reply rep; /* large (a READDIR) */
    uint8_t creq[CHUNK_MSG_MAX], crep[CHUNK_MSG_MAX];
} * bufs;
#define rep (bufs->rep)
#define creq (bufs->creq)
#define crep (bufs->crep)
static struct port_id prim_port[MAX_NODES + 1];
static uint8_t prim_known[MAX_NODES + 1];
static uint64_t my_session;

void fsc_set_mount(const struct fsc_mount *m)
{
    mount_mode = *m;
    if (!mount_mode.timeo_ms)
        mount_mode.timeo_ms = 1500;
    if (!mount_mode.retrans)
        mount_mode.retrans = 3;
}

void fsc_get_mount(struct fsc_mount *m) { *m = mount_mode; }

/* 0, or -ENOMEM when the buffers cannot be had. */
static int ready(void)
{
    if (!bufs)
        bufs = malloc(sizeof *bufs);
    return bufs ? 0 : -ENOMEM;
}

static struct fsmeta_policy policy(void)
{
    struct fsmeta_policy p = {(uint64_t)mount_mode.timeo_ms * 1000000ULL, 0, 0};
    if (mount_mode.soft)
        p.tries = mount_mode.retrans;
    return p;
}

static uint32_t nodes(void)
{
    long n = syscall0(SYS_NODES);
    return n < 1 ? 1 : (n > MAX_NODES ? MAX_NODES : (uint32_t)n);
}

static int set_path(char *dst, uint16_t *dlen, const char *path)
{
    size_t n = strlen(path);
    if (n > FS_PATH_MAX)
        return -ENAMETOOLONG;
    int rv = fs_path_check(path, n);
    if (rv)
        return rv;
    memcpy(dst, path, n);
    *dlen = (uint16_t)n;
    return 0;
}

static void to_stat(const struct fs_attr *a, struct fsc_stat *out)
{
    memset(out, 0, sizeof *out);
    out->ino = a->ino;
    out->type = a->type;
    out->mode = a->mode;
    out->nlink = a->nlink;
    out->size = a->size;
    out->mtime_ns = a->mtime_ns;
    out->ctime_ns = a->ctime_ns;
    out->version = a->version;
}

static int meta(struct fs_request *req)
{
    if (ready())
        return -ENOMEM;
    struct fsmeta_policy p = policy();
    int rv = fsmeta_request(req, &rep, &p);
    if (rv == -ETIMEDOUT && fs_op_is_client_write(req->op))
        return -EIO; /* a soft mount's write whose outcome is unknown */
    return rv;
}

/* This node's session of the file service (open references belong to it,
 * and its server releases ours when this process exits). `stale`: a session
 * the service said is gone (0: none); wait until the server has a new one. */
static int session(uint64_t *out, uint64_t stale)
{
    if (ready())
        return -ENOMEM;
    if (my_session && my_session != stale) {
        *out = my_session;
        return 0;
    }
    my_session = 0;
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = FS_OP_SESSION;
    uint8_t buf[FS_REQUEST_MAX];
    int n = fs_request_encode(&req, buf, sizeof buf);
    struct port_id port;
    int rv = ipc_lookup_timeout(0, "fs", &port, LOOKUP_TIMEOUT_NS);
    if (rv)
        return rv == -ENOENT ? -ECONNREFUSED : rv;
    uint64_t timeo = (uint64_t)mount_mode.timeo_ms * 1000000ULL;
    uint64_t give_up = sys_clock() + timeo * mount_mode.retrans;
    while (n >= 0) {
        long m = ipc_call(&port, buf, (size_t)n, crep, FS_REPLY_MAX, timeo);
        if (m >= 0 && fs_reply_decode(crep, (size_t)m, &rep) == 0 && rep.status == 0 &&
            rep.value != stale) {
            my_session = rep.value;
            *out = my_session;
            return 0;
        }
        if (m == -EINTR)
            return -EINTR;
        if (mount_mode.soft && sys_clock() > give_up)
            return -ETIMEDOUT;
        sys_sleep(100 * 1000000ULL); /* the server has no (new) session yet */
    }
    return n;
}

int fsc_open(const char *path, uint32_t flags, uint16_t mode, struct fsc_file *f)
{
    struct fs_request req;
    memset(&req, 0, sizeof req);
    int rv = set_path(req.path, &req.path_len, path);
    if (rv)
        return rv;
    uint64_t stale = 0;
    for (int attempt = 0;; attempt++) {
        if ((rv = session(&req.session, stale)) != 0)
            return rv;
        req.pid = sys_getpid();
        if (flags & FSC_O_CREAT) {
            req.op = FS_OP_CREATE;
            req.mode = mode & FS_MODE_MASK;
            req.flags = FS_F_OPEN | ((flags & FSC_O_EXCL) ? FS_F_EXCL : 0);
        } else {
            req.op = FS_OP_OPEN;
        }
        rv = meta(&req);
        /* Our node's session expired (it was cut off for longer than a
         * lease): its server opens a new one; use that. */
        if (rv == -ESTALE && (!mount_mode.soft || attempt < (int)mount_mode.retrans)) {
            stale = req.session;
            continue;
        }
        break;
    }
    if (rv)
        return rv;
    memset(f, 0, sizeof *f);
    f->ino = rep.attr.ino;
    f->session = req.session;
    f->size = rep.attr.size;
    f->flags = flags;
    f->type = rep.attr.type;
    if (f->type == FS_T_DIR && (flags & (FSC_O_WRITE | FSC_O_TRUNC)))
        rv = -EISDIR;
    else if (f->type != FS_T_DIR && (flags & FSC_O_DIRECTORY))
        rv = -ENOTDIR;
    else if ((flags & FSC_O_TRUNC) && rep.attr.size > 0)
        rv = fsc_ftruncate(f, 0);
    if (rv)
        fsc_close(f);
    return rv;
}

/* Closing does not wait for the service: the reference is dropped through
 * this node's server (a datagram it passes to the leader), and if that is
 * lost, when this process exits (services/fs/main.c). So a close costs no
 * round trip, and an unlinked file may outlive its last close a moment. */
int fsc_close(struct fsc_file *f)
{
    if (!f->session)
        return 0; /* never opened at the service */
    if (f->session != my_session)
        return 0; /* that session expired: the reference went with it */
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = FS_OP_CLOSE;
    req.ino = f->ino;
    req.session = f->session;
    req.pid = sys_getpid();
    uint8_t buf[FS_REQUEST_MAX];
    int n = fs_request_encode(&req, buf, sizeof buf);
    struct port_id port;
    if (n < 0 || ipc_lookup_timeout(0, "fs", &port, LOOKUP_TIMEOUT_NS))
        return 0; /* no server here: the exit releases it */
    ipc_send_datagram(&port, buf, (size_t)n, 0);
    return 0;
}

static int primary_port(uint32_t node, struct port_id *out)
{
    if (node == 0 || node > MAX_NODES)
        return -EINVAL;
    if (!prim_known[node]) {
        int rv = ipc_lookup_timeout((int)node, "primary", &prim_port[node], LOOKUP_TIMEOUT_NS);
        if (rv)
            return rv;
        prim_known[node] = 1;
    }
    *out = prim_port[node];
    return 0;
}

/* One chunk request to the chunk's primary, retried by the mount mode. */
/* A primary that did not answer is tried last for a while, so that while
 * a node is down each call waits for it once, not every time. The while
 * doubles with each silence in a row (up to SUSPECT_MAX_NS) and is
 * forgotten when the node answers. */
#define SUSPECT_NS (5000 * 1000000ULL)
#define SUSPECT_MAX_NS (20000 * 1000000ULL)
static uint64_t prim_suspect_until[MAX_NODES + 1], prim_suspect_for[MAX_NODES + 1];

static void suspect_now(uint32_t node)
{
    if (node > MAX_NODES)
        return;
    uint64_t d = prim_suspect_for[node] ? prim_suspect_for[node] : SUSPECT_NS;
    prim_suspect_until[node] = sys_clock() + d;
    prim_suspect_for[node] = d * 2 < SUSPECT_MAX_NS ? d * 2 : SUSPECT_MAX_NS;
}

static bool suspect(uint32_t node)
{
    return node <= MAX_NODES && sys_clock() < prim_suspect_until[node];
}

/* The replica to try at or after position *at (cyclic): the first one not
 * suspected, else the one at *at. */
static uint32_t pick(const uint32_t *reps, uint32_t nrep, uint32_t *at)
{
    for (uint32_t i = 0; i < nrep; i++) {
        uint32_t k = (*at + i) % nrep;
        if (!suspect(reps[k])) {
            *at = k;
            return reps[k];
        }
    }
    return reps[*at % nrep];
}

/* The out-node mask (services/fs/fsproto.h, FS_OP_NODE_OUT): the nodes
 * chunks are placed without. Asked of the metadata service at most every
 * OUT_NODES_TTL_NS (it changes only when a node is declared gone for good
 * or comes back); a stale mask costs a detour, never data: a primary asks
 * the leader for its lease, and the leader checks it against the mask. */
#define OUT_NODES_TTL_NS (5 * IPC_SECOND)
static uint64_t out_nodes, out_nodes_at;

uint64_t fsc_out_nodes(int refresh)
{
    uint64_t now = sys_clock();
    if (!refresh && out_nodes_at && now - out_nodes_at < OUT_NODES_TTL_NS)
        return out_nodes;
    static struct fs_reply sr;
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = FS_OP_STATFS;
    struct fsmeta_policy p = {mount_mode.timeo_ms * 1000000ULL, 1, 0};
    if (fsmeta_request(&req, &sr, &p) == 0) {
        out_nodes = sr.sf.out_nodes;
        out_nodes_at = now;
    }
    return out_nodes;
}

/* The primary a chunk's requests go to first: this node's, when this node
 * holds a replica (the data then crosses the network only for the other
 * replicas' copies, and reads are local: docs/fs.md, "Writes and reads"),
 * else the first replica; one not suspected if there is one. *at: its
 * position in reps. */
static uint32_t first_primary(const uint32_t *reps, uint32_t nrep, uint32_t *at)
{
    uint32_t me = (uint32_t)sys_nodeid();
    *at = 0;
    for (uint32_t i = 0; i < nrep; i++)
        if (reps[i] == me)
            *at = i;
    return pick(reps, nrep, at);
}

/* A write ended where chunk `index` begins: a sequential writer writes it
 * next, so its primary is told now (a datagram, CHUNK_OP_PREPARE) and gets
 * the lease while this writer commits the size of its last write. A hint
 * only: if it is lost or wrong, the write asks for the lease itself. */
static void prepare_chunk(uint64_t ino, uint32_t index)
{
    if (index >= CHUNK_MAX_INDEX)
        return;
    uint32_t reps[FS_REPLICAS], at;
    uint32_t nrep = placement_replicas(ino, index, nodes(), fsc_out_nodes(0), reps);
    struct chunk_req q;
    memset(&q, 0, sizeof q);
    q.op = CHUNK_OP_PREPARE;
    q.ino = ino;
    q.index = index;
    uint8_t buf[CHUNK_REQ_HDR];
    struct port_id port;
    long len = chunk_req_encode(&q, buf, sizeof buf);
    if (nrep && len > 0 && primary_port(first_primary(reps, nrep, &at), &port) == 0)
        ipc_send_datagram(&port, buf, (size_t)len, 0);
}

/* One chunk request to the chunk's primary, retried by the mount mode. */
static int chunk_call(struct chunk_req *q, struct chunk_rep *r)
{
    if (ready())
        return -ENOMEM;
    uint32_t reps[FS_REPLICAS];
    uint32_t nrep = placement_replicas(q->ino, q->index, nodes(), fsc_out_nodes(0), reps);
    long len = chunk_req_encode(q, creq, sizeof creq);
    if (len < 0)
        return (int)len;
    uint32_t at, tries = 0;
    uint32_t target = first_primary(reps, nrep, &at);
    uint64_t backoff = 20 * 1000000ULL;
    bool replaced = false, short_try = false;
    for (;;) {
        if (mount_mode.soft && tries >= mount_mode.retrans)
            return q->op == CHUNK_OP_READ ? -ETIMEDOUT : -EIO;
        struct port_id port;
        long n = primary_port(target, &port);
        if (n == 0) {
            tries++;
            uint64_t t = (uint64_t)mount_mode.timeo_ms * 1000000ULL;
            n = ipc_call(&port, creq, (size_t)len, crep, sizeof crep, short_try ? t / 3 : t);
            short_try = false;
        }
        if (n == -EINTR)
            return -EINTR;
        if (n >= 0) {
            if (target <= MAX_NODES)
                prim_suspect_for[target] = 0; /* it answers */
            if (chunk_rep_decode(crep, (size_t)n, r))
                return -EPROTO;
            if (r->status == -EREMOTE && r->hint) {
                /* The lease is there, and only its holder serves the chunk
                 * until it runs out. A holder that did not answer lately
                 * may only have been busy (a primary waits for the metadata
                 * service's new leader after a node died): asked again,
                 * with a third of the timeout. */
                short_try = suspect(r->hint);
                target = r->hint;
                continue;
            }
            if (r->status == -EINVAL && !replaced) {
                /* the leader says that node is no replica: our out-node
                 * mask is stale (a node left or came back); once more
                 * with the mask as it is now */
                replaced = true;
                nrep = placement_replicas(q->ino, q->index, nodes(), fsc_out_nodes(1), reps);
                at = 0;
                target = pick(reps, nrep, &at);
                continue;
            }
            if (r->status != -EAGAIN && r->status != -EREMOTE)
                return r->status;
            /* busy, no majority yet, or a lease (maybe a dead node's) still
             * to run out: later */
        } else {
            if (n == -ECONNREFUSED || n == -ECONNRESET)
                prim_known[target] = 0; /* restarted: a new port */
            else if (target != (uint32_t)sys_nodeid())
                suspect_now(target); /* this node's own primary is never dead
                                      * when it is slow (a dead one has no port):
                                      * it waits, as for a new metadata leader */
            at = (at + 1) % nrep;    /* that node does not answer: the next replica */
            target = pick(reps, nrep, &at);
        }
        sys_sleep(backoff);
        if (backoff < 500 * 1000000ULL)
            backoff *= 2;
    }
}

static int fstat_ino(uint64_t ino, struct fs_attr *out)
{
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = FS_OP_FSTAT;
    req.ino = ino;
    int rv = meta(&req);
    if (rv == 0)
        *out = rep.attr;
    return rv;
}

/* Read len bytes at off, the file taken to be `size` long; *short_chunk is
 * set if a chunk held less than the range asked of it. */
static long read_range(struct fsc_file *f, void *buf, size_t len, uint64_t off, uint64_t size,
                       bool *short_chunk)
{
    if (off >= size)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off);
    size_t done = 0;
    *short_chunk = false;
    while (done < len) {
        uint64_t at = off + done;
        uint32_t in = (uint32_t)(at % FS_CHUNK_SIZE);
        uint32_t n = FS_CHUNK_SIZE - in < len - done ? FS_CHUNK_SIZE - in : (uint32_t)(len - done);
        struct chunk_req q;
        struct chunk_rep r;
        memset(&q, 0, sizeof q);
        q.op = CHUNK_OP_READ;
        q.ino = f->ino;
        q.index = (uint32_t)(at / FS_CHUNK_SIZE);
        q.off = in;
        q.len = n;
        int rv = chunk_call(&q, &r);
        if (rv)
            return done ? (long)done : rv;
        uint32_t got = r.data_len < n ? r.data_len : n;
        memcpy((uint8_t *)buf + done, r.data, got);
        memset((uint8_t *)buf + done + got, 0, n - got); /* a hole, or past the chunk's end */
        *short_chunk |= got < n;
        done += n;
    }
    return (long)done;
}

/* The file's size is asked of the metadata leader only when the read
 * cannot trust the one it knows (f->size, from the open or the last ask):
 * when the read reaches past it (the file may have grown), or when a chunk
 * holds less than asked (a hole, or a truncation: truncation cuts the
 * chunks before it changes the size, so a read that starts after a
 * truncation returned finds its chunks cut, and asks). A sequential read
 * of a file nobody changes asks once, at its end. */
long fsc_pread(struct fsc_file *f, void *buf, size_t len, uint64_t off)
{
    if (f->type == FS_T_DIR)
        return -EISDIR;
    bool short_chunk = false;
    if (off + len <= f->size) {
        long n = read_range(f, buf, len, off, f->size, &short_chunk);
        if (n < 0 || !short_chunk)
            return n;
    }
    struct fs_attr a;
    int rv = fstat_ino(f->ino, &a);
    if (rv)
        return rv;
    f->size = a.size;
    return read_range(f, buf, len, off, a.size, &short_chunk);
}

/* The bytes, chunk by chunk, through each chunk's primary. */
static long write_data(struct fsc_file *f, const void *buf, size_t len, uint64_t off)
{
    size_t done = 0;
    while (done < len) {
        uint64_t at = off + done;
        uint32_t in = (uint32_t)(at % FS_CHUNK_SIZE);
        uint32_t n = FS_CHUNK_SIZE - in < len - done ? FS_CHUNK_SIZE - in : (uint32_t)(len - done);
        struct chunk_req q;
        struct chunk_rep r;
        memset(&q, 0, sizeof q);
        q.op = CHUNK_OP_WRITE;
        q.ino = f->ino;
        q.index = (uint32_t)(at / FS_CHUNK_SIZE);
        q.off = in;
        q.len = n;
        q.data_len = n;
        q.data = (const uint8_t *)buf + done;
        int rv = chunk_call(&q, &r);
        if (rv)
            return rv == -ENOENT ? -EBADF : rv; /* ENOENT: the file is gone */
        done += n;
    }
    return (long)done;
}

static int extend(uint64_t ino, uint64_t end)
{
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = FS_OP_EXTEND;
    req.ino = ino;
    req.size = end;
    return meta(&req);
}

static bool writable(const struct fsc_file *f) { return (f->flags & FSC_O_WRITE) != 0; }

long fsc_pwrite(struct fsc_file *f, const void *buf, size_t len, uint64_t off)
{
    if (f->type == FS_T_DIR)
        return -EISDIR;
    if (!writable(f))
        return -EBADF;
    if (len == 0)
        return 0;
    if (off + len < off || off + len > (uint64_t)FS_CHUNK_SIZE * CHUNK_MAX_INDEX)
        return -EFBIG;
    long n = write_data(f, buf, len, off);
    if (n < 0)
        return n;
    if ((off + len) % FS_CHUNK_SIZE == 0)
        prepare_chunk(f->ino, (uint32_t)((off + len) / FS_CHUNK_SIZE));
    int rv = extend(f->ino, off + len);
    if (rv == 0 && rep.attr.size > f->size)
        f->size = rep.attr.size;
    return rv ? rv : n;
}

long fsc_append(struct fsc_file *f, const void *buf, size_t len, uint64_t *at)
{
    if (f->type == FS_T_DIR)
        return -EISDIR;
    if (!writable(f))
        return -EBADF;
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = FS_OP_RESERVE;
    req.ino = f->ino;
    req.size = len;
    int rv = meta(&req);
    if (rv)
        return rv;
    *at = rep.value; /* where the file ended: our bytes go there */
    if (*at + len > f->size)
        f->size = *at + len;
    return write_data(f, buf, len, *at);
}

/* Data first: the chunk holding the new end keeps only what is before it,
 * and the chunks after it are emptied; then the size. So a later extension
 * reads zeros there, never the old bytes. */
int fsc_ftruncate(struct fsc_file *f, uint64_t size)
{
    if (f->type == FS_T_DIR)
        return -EISDIR;
    if (size > (uint64_t)FS_CHUNK_SIZE * CHUNK_MAX_INDEX)
        return -EFBIG;
    struct fs_attr a;
    int rv = fstat_ino(f->ino, &a);
    if (rv)
        return rv;
    if (size < a.size) {
        uint64_t last = (a.size - 1) / FS_CHUNK_SIZE;
        for (uint64_t c = size / FS_CHUNK_SIZE; c <= last; c++) {
            uint32_t keep = c == size / FS_CHUNK_SIZE ? (uint32_t)(size % FS_CHUNK_SIZE) : 0;
            struct chunk_req q;
            struct chunk_rep r;
            memset(&q, 0, sizeof q);
            q.op = CHUNK_OP_TRUNC;
            q.ino = f->ino;
            q.index = (uint32_t)c;
            q.length = keep;
            if ((rv = chunk_call(&q, &r)) != 0)
                return rv;
        }
    }
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = FS_OP_SETATTR;
    req.flags = FS_F_SIZE;
    req.ino = f->ino;
    req.size = size;
    rv = meta(&req);
    if (rv == 0)
        f->size = size;
    return rv;
}

int fsc_fsync(struct fsc_file *f)
{
    /* Every write is on a majority's disks before it returns. */
    return f->ino ? 0 : -EBADF;
}

int fsc_fstat(struct fsc_file *f, struct fsc_stat *out)
{
    struct fs_attr a;
    int rv = fstat_ino(f->ino, &a);
    if (rv == 0)
        to_stat(&a, out);
    return rv;
}

static int path_op(uint8_t op, const char *path, const char *path2, uint16_t mode)
{
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = op;
    req.mode = mode & FS_MODE_MASK;
    int rv = set_path(req.path, &req.path_len, path);
    if (rv == 0 && path2)
        rv = set_path(req.path2, &req.path2_len, path2);
    return rv ? rv : meta(&req);
}

int fsc_stat(const char *path, struct fsc_stat *out)
{
    int rv = path_op(FS_OP_STAT, path, 0, 0);
    if (rv == 0)
        to_stat(&rep.attr, out);
    return rv;
}

int fsc_mkdir(const char *path, uint16_t mode) { return path_op(FS_OP_MKDIR, path, 0, mode); }
int fsc_rmdir(const char *path) { return path_op(FS_OP_RMDIR, path, 0, 0); }
int fsc_unlink(const char *path) { return path_op(FS_OP_UNLINK, path, 0, 0); }
int fsc_rename(const char *from, const char *to) { return path_op(FS_OP_RENAME, from, to, 0); }

int fsc_truncate(const char *path, uint64_t size)
{
    struct fsc_file f;
    int rv = fsc_open(path, FSC_O_WRITE, 0, &f);
    if (rv)
        return rv;
    rv = fsc_ftruncate(&f, size);
    int cv = fsc_close(&f);
    return rv ? rv : cv;
}

int fsc_readdir(const char *path, const char *after, struct fsc_dirent *ents, int max, int *more)
{
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = FS_OP_READDIR;
    int rv = set_path(req.path, &req.path_len, path);
    if (rv)
        return rv;
    size_t al = strlen(after);
    if (al > FS_NAME_MAX)
        return -ENAMETOOLONG;
    memcpy(req.after, after, al);
    req.after_len = (uint16_t)al;
    req.max = max > 0 && max < FS_READDIR_MAX ? (uint32_t)max : FS_READDIR_MAX;
    if ((rv = meta(&req)) != 0)
        return rv;
    int n = (int)rep.n;
    for (int i = 0; i < n; i++) {
        ents[i].ino = rep.ents[i].ino;
        ents[i].type = rep.ents[i].type;
        memcpy(ents[i].name, rep.ents[i].name, rep.ents[i].name_len);
        ents[i].name[rep.ents[i].name_len] = 0;
    }
    *more = rep.more;
    return n;
}

/* One request to node's chunk store (fsck, anti-entropy, df): 0 with the
 * reply in *r, or -errno. */
static int store_request(uint32_t node, const struct chunk_req *q, struct chunk_rep *r,
                         uint64_t timeout_ns)
{
    if (ready())
        return -ENOMEM;
    struct port_id port;
    int rv = ipc_lookup_timeout((int)node, "chunks", &port, LOOKUP_TIMEOUT_NS);
    if (rv)
        return rv;
    long len = chunk_req_encode(q, creq, sizeof creq);
    if (len < 0)
        return (int)len;
    long n = ipc_call(&port, creq, (size_t)len, crep, sizeof crep, timeout_ns);
    if (n < 0)
        return (int)n;
    return chunk_rep_decode(crep, (size_t)n, r) ? -EPROTO : 0;
}

/* One node's store: bytes used and free in its chunks region. */
static int store_space(uint32_t node, uint64_t *used, uint64_t *free_bytes)
{
    struct chunk_req q;
    struct chunk_rep r;
    memset(&q, 0, sizeof q);
    q.op = CHUNK_OP_STATFS;
    q.ino = 1;
    *used = *free_bytes = 0;
    int rv = store_request(node, &q, &r, (uint64_t)mount_mode.timeo_ms * 1000000ULL);
    if (rv)
        return rv;
    *used = r.version;
    *free_bytes = r.token;
    return r.status;
}

int fsc_statfs(int node, struct fsc_statfs *out)
{
    memset(out, 0, sizeof out[0]);
    uint32_t from = node ? (uint32_t)node : 1, to = node ? (uint32_t)node : nodes();
    for (uint32_t k = from; k <= to; k++) {
        uint64_t used, free_bytes;
        int rv = store_space(k, &used, &free_bytes);
        if (rv && node)
            return rv;
        if (rv == 0) {
            out->chunk_bytes += used + free_bytes;
            out->chunk_bytes_free += free_bytes;
        }
    }
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = FS_OP_STATFS;
    int rv = meta(&req);
    if (rv == 0) {
        out->inodes = rep.sf.inodes_total;
        out->inodes_free = rep.sf.inodes_total - rep.sf.inodes_used;
    }
    return rv;
}

/* ---- for fsck ------------------------------------------------------------ */

int fsc_store_list(uint32_t node, int first, uint64_t after_ino, uint32_t after_index, int verify,
                   struct fsc_chunk_info *out, int max)
{
    struct chunk_req q;
    struct chunk_rep r;
    memset(&q, 0, sizeof q);
    q.op = CHUNK_OP_LIST;
    q.flags = (first ? CHUNK_F_FIRST : 0) | (verify ? CHUNK_F_VERIFY : 0);
    q.ino = first ? 1 : after_ino;
    q.index = first ? 0 : after_index;
    q.len = max < CHUNK_LIST_MAX ? (uint32_t)max : CHUNK_LIST_MAX;
    int rv = store_request(node, &q, &r, 30 * IPC_SECOND);
    if (rv)
        return rv;
    if (r.data_len != r.count * CHUNK_LIST_ENTRY)
        return -EPROTO;
    if (r.status)
        return r.status;
    for (uint32_t i = 0; i < r.count; i++) {
        const uint8_t *p = r.data + i * CHUNK_LIST_ENTRY;
        struct fsc_chunk_info *e = &out[i];
        uint64_t v[6] = {0};
        static const int widths[6] = {8, 4, 8, 4, 4, 4};
        for (int f = 0, at = 0; f < 6; at += widths[f], f++)
            for (int b = 0; b < widths[f]; b++)
                v[f] |= (uint64_t)p[at + b] << (8 * b);
        e->ino = v[0];
        e->index = (uint32_t)v[1];
        e->version = v[2];
        e->length = (uint32_t)v[3];
        e->digest = (uint32_t)v[4];
        e->bad = (uint32_t)v[5];
    }
    return (int)r.count;
}

int fsc_store_hash(uint32_t node, uint32_t peer, uint64_t lo, uint64_t hi, uint64_t *hash,
                   uint32_t *count)
{
    struct chunk_req q;
    struct chunk_rep r;
    memset(&q, 0, sizeof q);
    q.op = CHUNK_OP_HASH;
    q.ino = 1;
    q.node = peer;
    q.version = lo;
    q.base = hi;
    q.token = fsc_out_nodes(0); /* HASH: the placement's out-node mask */
    int rv = store_request(node, &q, &r, 5 * IPC_SECOND);
    if (rv)
        return rv;
    *hash = r.token;
    *count = r.count;
    return r.status;
}

int fsc_server_status(int node, struct fs_status *out)
{
    static uint8_t buf[FS_REPLY_MAX];
    static struct fs_reply sr;
    struct fs_request req;
    memset(&req, 0, sizeof req);
    req.op = FS_OP_STATUS;
    int n = fs_request_encode(&req, buf, sizeof buf);
    struct port_id port;
    int rv = n < 0 ? n : ipc_lookup_timeout(node, "fs", &port, LOOKUP_TIMEOUT_NS);
    if (rv)
        return rv;
    long m = ipc_call(&port, buf, (size_t)n, buf, sizeof buf, IPC_SECOND);
    if (m < 0)
        return (int)m;
    if (fs_reply_decode(buf, (size_t)m, &sr))
        return -EPROTO;
    if (sr.status)
        return sr.status;
    *out = sr.st;
    return 0;
}

int fsc_store_ping(uint32_t node)
{
    struct chunk_req q;
    struct chunk_rep r;
    memset(&q, 0, sizeof q);
    q.op = CHUNK_OP_HASH; /* of an empty range: the store's cheapest answer */
    q.ino = 1;
    q.node = node;
    int rv = store_request(node, &q, &r, IPC_SECOND);
    return rv ? rv : r.status;
}

int fsc_chunk_repair(uint64_t ino, uint32_t index, uint32_t node)
{
    struct chunk_req q;
    struct chunk_rep r;
    memset(&q, 0, sizeof q);
    q.op = CHUNK_OP_REPAIR;
    q.ino = ino;
    q.index = index;
    q.node = node;
    int rv = chunk_call(&q, &r);
    return rv ? rv : (int)r.count;
}

int fsc_chunk_replicas(uint64_t ino, uint32_t index, uint32_t *nodes_out)
{
    return (int)placement_replicas(ino, index, nodes(), fsc_out_nodes(0), nodes_out);
}

int fsc_ino_exists(uint64_t ino)
{
    struct fs_attr a;
    int rv = fstat_ino(ino, &a);
    return rv == -ENOENT ? 0 : rv ? rv : 1;
}

int fsc_store_remove_gone(uint32_t node, uint64_t ino, uint32_t index, uint64_t version)
{
    struct chunk_req q;
    struct chunk_rep r;
    memset(&q, 0, sizeof q);
    q.op = CHUNK_OP_REMOVE;
    q.flags = CHUNK_F_GC;
    q.ino = ino;
    q.index = index;
    q.version = version;
    int rv = store_request(node, &q, &r, 5 * IPC_SECOND);
    return rv ? rv : r.status;
}
