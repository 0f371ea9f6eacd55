/* services/fs/fsread.c: the metadata machine's reads (fsm_read in
 * fsmachine.h): STAT, FSTAT, READDIR and STATFS, answered from the machine
 * as it is, after the server's ReadIndex round; nothing here changes it. */
#include "services/fs/fstab.h"

/* READDIR: the entries of the directory after the name `after`, in name
 * order, at most max (0: FS_READDIR_MAX); more = 1 if others follow. */
static void read_dir(const struct fs_machine *m, const struct fs_request *q,
                     const struct fst_loc *l, struct fs_reply *rep)
{
    const struct fsm_inode *d = &m->inodes[l->in];
    if (d->type != FS_T_DIR) {
        rep->status = -ENOTDIR;
        return;
    }
    fst_attr_fill(d, &rep->attr);
    uint32_t max = q->max == 0 || q->max > FS_READDIR_MAX ? FS_READDIR_MAX : q->max;
    uint32_t i = fst_dirent_lower(m, d->ino, q->after, q->after_len);
    if (i < m->n_dirents && m->dirents[i].parent == d->ino &&
        fst_name_cmp(m->dirents[i].name, m->dirents[i].name_len, q->after, q->after_len) == 0)
        i++; /* strictly after */
    for (; i < m->n_dirents && m->dirents[i].parent == d->ino; i++) {
        if (rep->n == max) {
            rep->more = 1;
            break;
        }
        const struct fsm_dirent *e = &m->dirents[i];
        struct fs_dirent *out = &rep->ents[rep->n++];
        __builtin_memset(out, 0, sizeof *out);
        out->ino = e->ino;
        out->type = m->inodes[fst_inode_slot(m, e->ino)].type;
        out->name_len = e->name_len;
        __builtin_memcpy(out->name, e->name, e->name_len);
    }
}

void fsm_read(const struct fs_machine *m, const struct fs_request *q, struct fs_reply *rep)
{
    fst_rep_clear(rep, q->op);
    rep->index = m->applied;
    struct fst_loc l;
    switch (q->op) {
    case FS_OP_STAT:
    case FS_OP_READDIR:
        rep->status = fst_locate(m, q->path, q->path_len, &l);
        if (rep->status == 0 && l.in < 0)
            rep->status = -ENOENT;
        if (rep->status)
            return;
        if (q->op == FS_OP_STAT)
            fst_attr_fill(&m->inodes[l.in], &rep->attr);
        else
            read_dir(m, q, &l, rep);
        return;
    case FS_OP_FSTAT: {
        int i = fst_inode_slot(m, q->ino);
        if (i < 0)
            rep->status = -ENOENT;
        else
            fst_attr_fill(&m->inodes[i], &rep->attr);
        return;
    }
    case FS_OP_STATFS:
        rep->sf.inodes_used = m->n_inodes;
        rep->sf.inodes_total = FS_MAX_INODES;
        rep->sf.opens_used = m->n_opens;
        rep->sf.opens_total = FS_MAX_OPENS;
        rep->sf.out_nodes = m->out_nodes;
        return;
    default:
        rep->status = -EINVAL;
        return;
    }
}
