/* services/fs/fslookup.c: the metadata machine's lookups, shared by its
 * commands (fsmachine.c) and its reads (fsread.c): directory entries by
 * (parent, name), paths to the entry and inode they name, and the
 * attributes a reply carries (fstab.h has their contracts). */
#include "services/fs/fstab.h"

uint32_t fst_dirent_lower(const struct fs_machine *m, uint64_t parent, const char *name, size_t len)
{
    uint32_t lo = 0, hi = m->n_dirents;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct fsm_dirent *d = &m->dirents[mid];
        if (fst_dirent_cmp(d->parent, d->name, d->name_len, parent, name, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int fst_dirent_slot(const struct fs_machine *m, uint64_t parent, const char *name, size_t len)
{
    uint32_t i = fst_dirent_lower(m, parent, name, len);
    if (i < m->n_dirents && m->dirents[i].parent == parent &&
        fst_name_cmp(m->dirents[i].name, m->dirents[i].name_len, name, len) == 0)
        return (int)i;
    return -1;
}

int fst_locate(const struct fs_machine *m, const char *p, size_t len, struct fst_loc *l)
{
    l->dir = 0;
    l->name = p;
    l->name_len = 0;
    l->de = -1;
    l->in = 0;
    if (len == 1)
        return 0; /* the root */
    uint64_t cur = FS_ROOT_INO;
    size_t start = 1;
    for (size_t i = 1; i <= len; i++) {
        if (i < len && p[i] != '/')
            continue;
        int d = fst_dirent_slot(m, cur, p + start, i - start);
        if (i == len) {
            l->dir = cur;
            l->name = p + start;
            l->name_len = i - start;
            l->de = d;
            l->in = d < 0 ? -1 : fst_inode_slot(m, m->dirents[d].ino);
            return 0;
        }
        if (d < 0)
            return -ENOENT;
        int c = fst_inode_slot(m, m->dirents[d].ino);
        if (m->inodes[c].type != FS_T_DIR)
            return -ENOTDIR;
        cur = m->inodes[c].ino;
        start = i + 1;
    }
    return 0; /* not reached: the loop returns at i == len */
}

void fst_attr_fill(const struct fsm_inode *n, struct fs_attr *a)
{
    a->ino = n->ino;
    a->type = n->type;
    a->mode = n->mode;
    a->nlink = n->nlink;
    a->size = n->size;
    a->mtime_ns = n->mtime_ns;
    a->ctime_ns = n->ctime_ns;
    a->version = n->version;
}

void fst_rep_clear(struct fs_reply *rep, uint8_t op)
{
    __builtin_memset(rep, 0, __builtin_offsetof(struct fs_reply, ents));
    rep->op = op;
}
