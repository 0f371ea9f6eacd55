/* services/fs/fstab.h: the metadata machine's sorted tables and lookups,
 * as the parts of the machine share them: fsmachine.c (commands), fsread.c
 * (reads), fssnap.c (snapshots), fslookup.c (the lookups themselves).
 * Internal to services/fs/: nothing outside includes it.
 *
 * Every slot is written field by field over zeros, never from a compound
 * literal, so its padding is zero too and replicas hold the same bytes.
 * The small helpers are inline here; the lookups live in fslookup.c. */
#ifndef SERVICES_FS_FSTAB_H
#define SERVICES_FS_FSTAB_H

#include "services/fs/fsmachine.h"

/* Bytewise order of two names, a prefix first: <0, 0, >0. */
static inline int fst_name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? __builtin_memcmp(a, b, n) : 0;
    if (c)
        return c;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* Directory-entry order: by parent inode, then by name. */
static inline int fst_dirent_cmp(uint64_t pa, const char *a, size_t alen, uint64_t pb,
                                 const char *b, size_t blen)
{
    if (pa != pb)
        return pa < pb ? -1 : 1;
    return fst_name_cmp(a, alen, b, blen);
}

/* The slot of inode ino, or -1 (binary search: inodes are sorted by ino). */
static inline int fst_inode_slot(const struct fs_machine *m, uint64_t ino)
{
    uint32_t lo = 0, hi = m->n_inodes;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->inodes[mid].ino < ino)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n_inodes && m->inodes[lo].ino == ino ? (int)lo : -1;
}

static inline void fst_inode_set(struct fsm_inode *n, uint64_t ino, uint64_t parent, uint8_t type,
                                 uint16_t mode, uint32_t nlink, uint64_t size, uint64_t mtime_ns,
                                 uint64_t ctime_ns, uint64_t version)
{
    __builtin_memset(n, 0, sizeof *n);
    n->ino = ino;
    n->parent = parent;
    n->type = type;
    n->mode = mode;
    n->nlink = nlink;
    n->size = size;
    n->mtime_ns = mtime_ns;
    n->ctime_ns = ctime_ns;
    n->version = version;
}

static inline void fst_dirent_set(struct fsm_dirent *d, uint64_t parent, const char *name,
                                  size_t len, uint64_t ino)
{
    __builtin_memset(d, 0, sizeof *d);
    d->parent = parent;
    d->ino = ino;
    d->name_len = (uint8_t)len;
    __builtin_memcpy(d->name, name, len);
}

static inline void fst_open_set(struct fsm_open *o, uint64_t session, int32_t pid, uint64_t ino,
                                uint32_t count)
{
    __builtin_memset(o, 0, sizeof *o);
    o->session = session;
    o->pid = pid;
    o->ino = ino;
    o->count = count;
}

/* Open-reference order: by session, then pid (signed), then inode. */
static inline int fst_open_cmp(uint64_t sa, int32_t pa, uint64_t ia, uint64_t sb, int32_t pb,
                               uint64_t ib)
{
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (pa != pb)
        return pa < pb ? -1 : 1;
    if (ia != ib)
        return ia < ib ? -1 : 1;
    return 0;
}

/* ---- lookups (fslookup.c) -------------------------------------------------- */

/* The first entry slot at or after (parent, name) (n_dirents if none). */
uint32_t fst_dirent_lower(const struct fs_machine *m, uint64_t parent, const char *name,
                          size_t len);
/* The slot of the entry (parent, name), or -1. */
int fst_dirent_slot(const struct fs_machine *m, uint64_t parent, const char *name, size_t len);

/* Where a canonical path leads: the directory that holds (or would hold) its
 * last component, that component, and the entry and inode slots it names
 * (-1 when absent). For "/": dir 0, no entry, the root's inode slot 0. */
struct fst_loc {
    uint64_t dir;
    const char *name;
    size_t name_len;
    int de; /* entry slot */
    int in; /* inode slot */
};

/* Resolve path p (canonical: the decoder checked it). 0 with *l filled, the
 * last component present or not; -ENOENT if an intermediate component is
 * missing, -ENOTDIR if one is a file. */
int fst_locate(const struct fs_machine *m, const char *p, size_t len, struct fst_loc *l);

/* An inode's attributes as a reply carries them. */
void fst_attr_fill(const struct fsm_inode *n, struct fs_attr *a);
/* Everything in rep but the entries array (10 KiB nobody reads unless n
 * says so) to zero, and rep->op = op. */
void fst_rep_clear(struct fs_reply *rep, uint8_t op);

#endif
