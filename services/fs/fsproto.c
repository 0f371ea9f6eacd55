/* services/fs/fsproto.c: the file service's metadata wire formats
 * (fsproto.h; the byte layouts are tabled in docs/fs-machine.md).
 *
 * A request is a two-byte head (op, flags) and then the fields that op and
 * those flags use, in a fixed order; byte strings come after their length.
 * A reply is a fixed 74-byte head (status, routing, the attributes of the
 * inode it names), a LEASE reply's lease length, and for a successful
 * READDIR, STATUS or STATFS that op's payload.
 *
 * Each layout is written down once, as a "walk" over the struct that either
 * writes every field or reads every field, so the encoder and the decoder
 * cannot drift apart. One validity check per direction (req_check,
 * rep_valid) is applied by both: the encoder refuses exactly what the
 * decoder would refuse, so whatever encodes decodes to the same fields and
 * whatever decodes re-encodes to the same bytes (tests/fuzz/fuzz_fsproto.c
 * checks both). */
#include "services/fs/fsproto.h"

#include "lib/lebytes.h"

/* ---- names and paths ------------------------------------------------------ */

int fs_name_check(const char *name, size_t len)
{
    if (len == 0)
        return -EINVAL;
    if (len > FS_NAME_MAX)
        return -ENAMETOOLONG;
    if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
        return -EINVAL;
    for (size_t i = 0; i < len; i++)
        if (name[i] == '\0' || name[i] == '/')
            return -EINVAL;
    return 0;
}

int fs_path_check(const char *p, size_t len)
{
    if (len > FS_PATH_MAX)
        return -ENAMETOOLONG;
    if (len == 0 || p[0] != '/')
        return -EINVAL;
    if (len == 1)
        return 0; /* the root */
    /* each component runs from after a '/' to the next '/' or the end */
    size_t start = 1;
    for (size_t i = 1; i <= len; i++) {
        if (i < len && p[i] != '/')
            continue;
        int rv = fs_name_check(p + start, i - start);
        if (rv)
            return rv;
        start = i + 1;
    }
    return 0;
}

/* ---- ops ------------------------------------------------------------------ */

bool fs_op_is_client_write(uint8_t op) { return op >= FS_OP_CREATE && op <= FS_OP_RESERVE; }

bool fs_op_is_write(uint8_t op)
{
    return fs_op_is_client_write(op) || op == FS_OP_SESSION_OPEN || op == FS_OP_SESSION_EXPIRE ||
           op == FS_OP_RELEASE || op == FS_OP_NODE_OUT || op == FS_OP_NODE_IN;
}

/* The flags op may carry; -1 for an unknown op. */
static int op_flags(uint8_t op)
{
    switch (op) {
    case FS_OP_CREATE:
        return FS_F_EXCL | FS_F_TRUNC | FS_F_OPEN;
    case FS_OP_OPEN:
        return FS_F_TRUNC;
    case FS_OP_SETATTR:
        return FS_F_SIZE | FS_F_MTIME | FS_F_MODE;
    case FS_OP_MKDIR:
    case FS_OP_UNLINK:
    case FS_OP_RMDIR:
    case FS_OP_RENAME:
    case FS_OP_CLOSE:
    case FS_OP_EXTEND:
    case FS_OP_RESERVE:
    case FS_OP_STAT:
    case FS_OP_FSTAT:
    case FS_OP_READDIR:
    case FS_OP_LEASE:
    case FS_OP_STATUS:
    case FS_OP_STATFS:
    case FS_OP_SESSION:
    case FS_OP_SESSION_OPEN:
    case FS_OP_SESSION_EXPIRE:
    case FS_OP_RELEASE:
    case FS_OP_NODE_OUT:
    case FS_OP_NODE_IN:
        return 0;
    default:
        return -1;
    }
}

static bool op_has_path(uint8_t op)
{
    return (op >= FS_OP_CREATE && op <= FS_OP_RENAME) || op == FS_OP_OPEN || op == FS_OP_STAT ||
           op == FS_OP_READDIR;
}

/* ---- the field walker ----------------------------------------------------- */

/* Either writes each field it is shown (w set) or reads it (r set). */
struct walk {
    struct le_writer *w;
    struct le_reader *r;
};

static void f_u8(struct walk *k, uint8_t *v)
{
    if (k->w)
        le_put(k->w, *v, 1);
    else
        *v = (uint8_t)le_get(k->r, 1);
}

static void f_u16(struct walk *k, uint16_t *v)
{
    if (k->w)
        le_put(k->w, *v, 2);
    else
        *v = (uint16_t)le_get(k->r, 2);
}

static void f_u32(struct walk *k, uint32_t *v)
{
    if (k->w)
        le_put(k->w, *v, 4);
    else
        *v = (uint32_t)le_get(k->r, 4);
}

static void f_i32(struct walk *k, int32_t *v)
{
    if (k->w)
        le_put(k->w, (uint32_t)*v, 4);
    else
        *v = (int32_t)(uint32_t)le_get(k->r, 4);
}

static void f_u64(struct walk *k, uint64_t *v)
{
    if (k->w)
        le_put(k->w, *v, 8);
    else
        *v = le_get(k->r, 8);
}

/* A byte string after its length (len_bytes 1 or 2) into buf[0..max). On
 * the wire a length above max stops the reader; the encoder never sees one
 * (the checks refuse it first). */
static void f_str(struct walk *k, char *buf, uint16_t *len, size_t max, int len_bytes)
{
    if (k->w) {
        le_put(k->w, *len, len_bytes);
        le_put_bytes(k->w, buf, *len);
        return;
    }
    size_t n = (size_t)le_get(k->r, len_bytes);
    if (n > max) {
        k->r->ok = false;
        return;
    }
    if (le_get_bytes(k->r, buf, n))
        *len = (uint16_t)n;
}

static int finish(const struct le_writer *w) { return le_overflow(w) ? -EMSGSIZE : (int)w->n; }

/* ---- requests ------------------------------------------------------------- */

/* Is r a request the service accepts? 0; the path's or name's own error
 * (fs_path_check, fs_name_check); else -EINVAL. Only the fields r->op and
 * r->flags use are looked at. */
static int req_check(const struct fs_request *r)
{
    int allowed = op_flags(r->op);
    if (allowed < 0 || (r->flags & ~allowed))
        return -EINVAL;
    uint8_t op = r->op;
    if (fs_op_is_client_write(op) && r->client != 0 && r->seq == 0)
        return -EINVAL; /* a client numbers its writes from 1 */
    if (op_has_path(op)) {
        int rv = fs_path_check(r->path, r->path_len);
        if (rv)
            return rv;
    }
    switch (op) {
    case FS_OP_CREATE:
    case FS_OP_MKDIR:
        return r->mode & ~FS_MODE_MASK ? -EINVAL : 0;
    case FS_OP_RENAME:
        return fs_path_check(r->path2, r->path2_len);
    case FS_OP_SETATTR:
        if (r->flags == 0 || r->ino == 0)
            return -EINVAL; /* a SETATTR sets something, of some inode */
        return (r->flags & FS_F_MODE) && (r->mode & ~FS_MODE_MASK) ? -EINVAL : 0;
    case FS_OP_CLOSE:
    case FS_OP_EXTEND:
    case FS_OP_RESERVE:
    case FS_OP_FSTAT:
        return r->ino ? 0 : -EINVAL;
    case FS_OP_LEASE:
        return r->ino && r->owner_node ? 0 : -EINVAL;
    case FS_OP_READDIR:
        if (r->max > FS_READDIR_MAX)
            return -EINVAL;
        return r->after_len == 0 ? 0 : fs_name_check(r->after, r->after_len);
    case FS_OP_SESSION_OPEN:
        return r->owner_node ? 0 : -EINVAL;
    case FS_OP_NODE_OUT:
    case FS_OP_NODE_IN:
        return r->owner_node >= 1 && r->owner_node <= FS_OUT_NODES_MAX ? 0 : -EINVAL;
    case FS_OP_SESSION_EXPIRE:
    case FS_OP_RELEASE:
        return r->session ? 0 : -EINVAL;
    default:
        return 0;
    }
}

/* The layout after op and flags (docs/fs-machine.md):
 *   CREATE .. CLOSE:       client u64, seq u64
 *   every write:           now_ns u64
 *   CREATE:                mode u16; FS_F_OPEN: session u64, pid i32; path
 *   MKDIR:                 mode u16, path
 *   UNLINK, RMDIR, STAT:   path
 *   RENAME:                path, path2
 *   SETATTR:               ino u64; SIZE: size u64; MTIME: mtime_ns u64; MODE: mode u16
 *   OPEN:                  session u64, pid i32, path
 *   CLOSE:                 ino u64, session u64, pid i32
 *   EXTEND, RESERVE:       ino u64, size u64
 *   FSTAT:                 ino u64
 *   LEASE:                 ino u64, size u64, owner_node u32
 *   READDIR:               max u16, path, after_len u8, after
 *   SESSION_OPEN:          owner_node u32, nonce u64
 *   SESSION_EXPIRE:        session u64
 *   RELEASE:               session u64, pid i32
 *   NODE_OUT, NODE_IN:     owner_node u32
 *   STATUS, STATFS, SESSION: nothing
 * A path is path_len u16 and its bytes. */
static void req_walk(struct fs_request *r, struct walk *k)
{
    uint8_t op = r->op, fl = r->flags;
    if (fs_op_is_client_write(op)) {
        f_u64(k, &r->client);
        f_u64(k, &r->seq);
    }
    if (fs_op_is_write(op))
        f_u64(k, &r->now_ns);
    switch (op) {
    case FS_OP_CREATE:
        f_u16(k, &r->mode);
        if (fl & FS_F_OPEN) {
            f_u64(k, &r->session);
            f_i32(k, &r->pid);
        }
        break;
    case FS_OP_MKDIR:
        f_u16(k, &r->mode);
        break;
    case FS_OP_SETATTR:
        f_u64(k, &r->ino);
        if (fl & FS_F_SIZE)
            f_u64(k, &r->size);
        if (fl & FS_F_MTIME)
            f_u64(k, &r->mtime_ns);
        if (fl & FS_F_MODE)
            f_u16(k, &r->mode);
        break;
    case FS_OP_OPEN:
        f_u64(k, &r->session);
        f_i32(k, &r->pid);
        break;
    case FS_OP_CLOSE:
        f_u64(k, &r->ino);
        f_u64(k, &r->session);
        f_i32(k, &r->pid);
        break;
    case FS_OP_EXTEND:
    case FS_OP_RESERVE:
        f_u64(k, &r->ino);
        f_u64(k, &r->size);
        break;
    case FS_OP_FSTAT:
        f_u64(k, &r->ino);
        break;
    case FS_OP_LEASE:
        f_u64(k, &r->ino);
        f_u64(k, &r->size);
        f_u32(k, &r->owner_node);
        break;
    case FS_OP_READDIR: {
        uint16_t max = (uint16_t)r->max; /* checked <= FS_READDIR_MAX before writing */
        f_u16(k, &max);
        r->max = max;
        break;
    }
    case FS_OP_SESSION_OPEN:
        f_u32(k, &r->owner_node);
        f_u64(k, &r->nonce);
        break;
    case FS_OP_SESSION_EXPIRE:
        f_u64(k, &r->session);
        break;
    case FS_OP_NODE_OUT:
    case FS_OP_NODE_IN:
        f_u32(k, &r->owner_node);
        break;
    case FS_OP_RELEASE:
        f_u64(k, &r->session);
        f_i32(k, &r->pid);
        break;
    default:
        break;
    }
    if (op_has_path(op))
        f_str(k, r->path, &r->path_len, FS_PATH_MAX, 2);
    if (op == FS_OP_RENAME)
        f_str(k, r->path2, &r->path2_len, FS_PATH_MAX, 2);
    if (op == FS_OP_READDIR)
        f_str(k, r->after, &r->after_len, FS_NAME_MAX, 1);
}

int fs_request_encode(const struct fs_request *r, uint8_t *buf, size_t cap)
{
    int rv = req_check(r);
    if (rv)
        return rv;
    struct le_writer w = {buf, cap, 0};
    struct walk k = {&w, 0};
    le_put(&w, r->op, 1);
    le_put(&w, r->flags, 1);
    req_walk((struct fs_request *)r, &k); /* writing only reads r */
    return finish(&w);
}

int fs_request_decode(const uint8_t *buf, size_t len, struct fs_request *r)
{
    __builtin_memset(r, 0, sizeof *r);
    struct le_reader rd = le_reader(buf, len);
    struct walk k = {0, &rd};
    r->op = (uint8_t)le_get(&rd, 1);
    r->flags = (uint8_t)le_get(&rd, 1);
    int allowed = op_flags(r->op);
    if (!rd.ok || allowed < 0 || (r->flags & ~allowed))
        goto bad; /* the layout depends on both: check them before walking it */
    req_walk(r, &k);
    if (!rd.ok || rd.at != len || req_check(r) != 0)
        goto bad;
    return 0;
bad:
    __builtin_memset(r, 0, sizeof *r);
    return -EBADMSG;
}

/* ---- replies -------------------------------------------------------------- */

/* type 0 carries only an inode number; otherwise a real type and mode. */
static bool attr_valid(const struct fs_attr *a)
{
    if (a->type == 0)
        return a->mode == 0 && a->nlink == 0 && a->size == 0 && a->mtime_ns == 0 &&
               a->ctime_ns == 0 && a->version == 0;
    return (a->type == FS_T_FILE || a->type == FS_T_DIR) && !(a->mode & ~FS_MODE_MASK);
}

static bool rep_valid(const struct fs_reply *r)
{
    if (r->status > 0 || r->status < -4095)
        return false;
    if (r->op != 0 && op_flags(r->op) < 0)
        return false;
    bool ok = r->status == 0;
    if (r->created > ((ok && r->op == FS_OP_CREATE) ? 1 : 0))
        return false;
    if (r->more > ((ok && r->op == FS_OP_READDIR) ? 1 : 0))
        return false;
    if ((r->lease_ms != 0 || r->out_nodes != 0) && r->op != FS_OP_LEASE)
        return false;
    if (!attr_valid(&r->attr))
        return false;
    if (!(ok && r->op == FS_OP_READDIR))
        return r->n == 0;
    if (r->n > FS_READDIR_MAX)
        return false;
    for (uint32_t i = 0; i < r->n; i++) {
        const struct fs_dirent *e = &r->ents[i];
        if (e->ino == 0 || (e->type != FS_T_FILE && e->type != FS_T_DIR) ||
            fs_name_check(e->name, e->name_len) != 0)
            return false;
    }
    return true;
}

/* The layout (docs/fs-machine.md):
 *   status i32, leader u32, op u8, created u8, more u8, index u64, value u64,
 *   attr: ino u64, type u8, mode u16, nlink u32, size u64, mtime_ns u64,
 *         ctime_ns u64, version u64
 *   LEASE, whatever the status: lease_ms u32, out_nodes u64
 *   then only when status == 0:
 *   READDIR: n u16, n x (name_len u8, name, ino u64, type u8)
 *   STATUS:  node u32, leader u32, role u8, member u8, term, commit, applied,
 *            last_index, snap_index, session u64, inodes u32, bad_requests u32
 *   STATFS:  inodes_used u32, inodes_total u32, opens_used u32, opens_total u32,
 *            out_nodes u64 */
static void rep_walk(struct fs_reply *r, struct walk *k)
{
    f_i32(k, &r->status);
    f_u32(k, &r->leader);
    f_u8(k, &r->op);
    f_u8(k, &r->created);
    f_u8(k, &r->more);
    f_u64(k, &r->index);
    f_u64(k, &r->value);
    struct fs_attr *a = &r->attr;
    f_u64(k, &a->ino);
    f_u8(k, &a->type);
    f_u16(k, &a->mode);
    f_u32(k, &a->nlink);
    f_u64(k, &a->size);
    f_u64(k, &a->mtime_ns);
    f_u64(k, &a->ctime_ns);
    f_u64(k, &a->version);
    if (r->op == FS_OP_LEASE) {
        f_u32(k, &r->lease_ms);
        f_u64(k, &r->out_nodes);
    }
    if (r->status != 0 || (k->r && !k->r->ok))
        return;
    switch (r->op) {
    case FS_OP_READDIR: {
        uint16_t n = (uint16_t)r->n; /* checked <= FS_READDIR_MAX before writing */
        f_u16(k, &n);
        if (n > FS_READDIR_MAX) {
            k->r->ok = false; /* only a reader gets here */
            return;
        }
        r->n = n;
        for (uint32_t i = 0; i < n; i++) {
            struct fs_dirent *e = &r->ents[i];
            uint16_t len = e->name_len;
            f_str(k, e->name, &len, FS_NAME_MAX, 1);
            e->name_len = (uint8_t)len;
            f_u64(k, &e->ino);
            f_u8(k, &e->type);
        }
        break;
    }
    case FS_OP_STATUS: {
        struct fs_status *st = &r->st;
        f_u32(k, &st->node);
        f_u32(k, &st->leader);
        f_u8(k, &st->role);
        f_u8(k, &st->member);
        f_u64(k, &st->term);
        f_u64(k, &st->commit);
        f_u64(k, &st->applied);
        f_u64(k, &st->last_index);
        f_u64(k, &st->snap_index);
        f_u64(k, &st->session);
        f_u32(k, &st->inodes);
        f_u32(k, &st->bad_requests);
        break;
    }
    case FS_OP_STATFS:
        f_u32(k, &r->sf.inodes_used);
        f_u32(k, &r->sf.inodes_total);
        f_u32(k, &r->sf.opens_used);
        f_u32(k, &r->sf.opens_total);
        f_u64(k, &r->sf.out_nodes);
        break;
    default:
        break;
    }
}

int fs_reply_encode(const struct fs_reply *r, uint8_t *buf, size_t cap)
{
    if (!rep_valid(r))
        return -EINVAL;
    struct le_writer w = {buf, cap, 0};
    struct walk k = {&w, 0};
    rep_walk((struct fs_reply *)r, &k); /* writing only reads r */
    return finish(&w);
}

int fs_reply_decode(const uint8_t *buf, size_t len, struct fs_reply *r)
{
    __builtin_memset(r, 0, sizeof *r);
    struct le_reader rd = le_reader(buf, len);
    struct walk k = {0, &rd};
    rep_walk(r, &k);
    if (!rd.ok || rd.at != len || !rep_valid(r))
        goto bad;
    return 0;
bad:
    __builtin_memset(r, 0, sizeof *r);
    return -EBADMSG;
}
