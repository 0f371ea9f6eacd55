/* tests/fs/invariants.c: the metadata machine's invariants
 * (docs/fs-machine.md, "Invariants"), checked from the outside: written
 * against the struct alone, not with the machine's own helpers, so a bug in
 * those cannot hide itself. Used by the host tests after operations and by
 * tests/fuzz/fuzz_fsmachine.c after every command. */
#include <stdio.h>

#include "tests/fs/harness.h"

static char why[256];
static bool tails; /* also check that unused slots are zero */

#define INV(cond, ...)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            snprintf(why, sizeof why, __VA_ARGS__);                                                \
            return why;                                                                            \
        }                                                                                          \
    } while (0)

static bool all_zero(const void *p, size_t n)
{
    static const uint8_t zero[4096];
    const uint8_t *b = p;
    for (size_t at = 0; at < n; at += sizeof zero) {
        size_t k = n - at < sizeof zero ? n - at : sizeof zero;
        if (memcmp(b + at, zero, k) != 0)
            return false;
    }
    return true;
}

/* The slot of ino (-1 if absent); check_inodes has checked the order. */
static int slot_of(const struct fs_machine *m, uint64_t ino)
{
    int lo = 0, hi = (int)m->n_inodes - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (m->inodes[mid].ino == ino)
            return mid;
        if (m->inodes[mid].ino < ino)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static int name_order(const struct fsm_dirent *a, const struct fsm_dirent *b)
{
    if (a->parent != b->parent)
        return a->parent < b->parent ? -1 : 1;
    size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
    int c = memcmp(a->name, b->name, n);
    if (c)
        return c;
    return (int)a->name_len - (int)b->name_len;
}

static const char *check_inodes(const struct fs_machine *m)
{
    INV(m->n_inodes >= 1 && m->n_inodes <= FS_MAX_INODES, "n_inodes %u", m->n_inodes);
    const struct fsm_inode *root = &m->inodes[0];
    INV(root->ino == FS_ROOT_INO && root->type == FS_T_DIR && root->parent == 0,
        "slot 0 is not the root");
    INV(!tails ||
            all_zero(&m->inodes[m->n_inodes], (FS_MAX_INODES - m->n_inodes) * sizeof m->inodes[0]),
        "an inode slot past the end is not zero");
    for (uint32_t i = 0; i < m->n_inodes; i++) {
        const struct fsm_inode *n = &m->inodes[i];
        INV(i == 0 || n->ino > m->inodes[i - 1].ino, "inodes %u, %u not sorted", i - 1, i);
        INV(n->ino <= m->applied, "inode %llu above applied", (unsigned long long)n->ino);
        INV(n->type == FS_T_FILE || n->type == FS_T_DIR, "inode %u type %u", i, n->type);
        INV(!(n->mode & ~FS_MODE_MASK), "inode %u mode %o", i, n->mode);
        INV(n->version >= 1, "inode %u version 0", i);
        INV(n->type == FS_T_DIR || n->size <= FS_FILE_MAX, "inode %u size", i);
    }
    return NULL;
}

/* Entries: sorted, valid, naming existing inodes that agree on their parent;
 * each linked inode named exactly once; nlink and directory sizes right. */
static const char *check_dirents(const struct fs_machine *m)
{
    static uint32_t named[FS_MAX_INODES], entries[FS_MAX_INODES], subdirs[FS_MAX_INODES];
    memset(named, 0, m->n_inodes * sizeof named[0]);
    memset(entries, 0, m->n_inodes * sizeof entries[0]);
    memset(subdirs, 0, m->n_inodes * sizeof subdirs[0]);
    INV(m->n_dirents < FS_MAX_INODES, "n_dirents %u", m->n_dirents);
    INV(!tails || all_zero(&m->dirents[m->n_dirents],
                           (FS_MAX_INODES - m->n_dirents) * sizeof m->dirents[0]),
        "an entry slot past the end is not zero");
    for (uint32_t i = 0; i < m->n_dirents; i++) {
        const struct fsm_dirent *d = &m->dirents[i];
        INV(fs_name_check(d->name, d->name_len) == 0, "entry %u: bad name", i);
        INV(all_zero(d->name + d->name_len, FS_NAME_MAX - d->name_len), "entry %u: name tail", i);
        INV(i == 0 || name_order(&m->dirents[i - 1], d) < 0, "entries %u, %u not sorted", i - 1, i);
        int p = slot_of(m, d->parent), c = slot_of(m, d->ino);
        INV(p >= 0 && m->inodes[p].type == FS_T_DIR, "entry %u: parent not a directory", i);
        INV(c > 0, "entry %u names the root or nothing", i);
        INV(m->inodes[c].parent == d->parent, "entry %u: inode's parent disagrees", i);
        named[c]++;
        entries[p]++;
        subdirs[p] += m->inodes[c].type == FS_T_DIR;
    }
    for (uint32_t i = 0; i < m->n_inodes; i++) {
        const struct fsm_inode *n = &m->inodes[i];
        bool linked = i == 0 || n->parent != 0;
        INV(named[i] == (i > 0 && n->parent != 0), "inode %llu named %u times",
            (unsigned long long)n->ino, named[i]);
        uint32_t want = !linked ? 0 : (n->type == FS_T_FILE ? 1 : 2 + subdirs[i]);
        INV(n->nlink == want, "inode %llu nlink %u, want %u", (unsigned long long)n->ino, n->nlink,
            want);
        INV(n->type == FS_T_FILE || n->size == entries[i], "directory %llu size %llu, %u entries",
            (unsigned long long)n->ino, (unsigned long long)n->size, entries[i]);
    }
    return NULL;
}

/* Every linked inode hangs from the root; an orphan is referenced. */
static const char *check_tree(const struct fs_machine *m)
{
    for (uint32_t i = 1; i < m->n_inodes; i++) {
        const struct fsm_inode *n = &m->inodes[i];
        if (n->parent == 0) {
            bool open = false;
            for (uint32_t k = 0; k < m->n_opens && !open; k++)
                open = m->opens[k].ino == n->ino;
            INV(open, "orphan %llu with no reference", (unsigned long long)n->ino);
            continue;
        }
        uint64_t x = n->ino;
        uint32_t steps = 0;
        while (x != FS_ROOT_INO) {
            int s = slot_of(m, x);
            INV(s >= 0 && m->inodes[s].parent != 0, "inode %llu is not under the root",
                (unsigned long long)n->ino);
            x = m->inodes[s].parent;
            INV(++steps <= m->n_inodes, "a cycle above inode %llu", (unsigned long long)n->ino);
        }
    }
    return NULL;
}

static const char *check_tables(const struct fs_machine *m)
{
    INV(m->n_opens <= FS_MAX_OPENS, "n_opens %u", m->n_opens);
    INV(!tails || all_zero(&m->opens[m->n_opens], (FS_MAX_OPENS - m->n_opens) * sizeof m->opens[0]),
        "an open slot past the end is not zero");
    for (uint32_t i = 0; i < m->n_opens; i++) {
        const struct fsm_open *o = &m->opens[i];
        INV(o->count >= 1 && o->count <= FS_OPEN_COUNT_MAX, "open %u count %u", i, o->count);
        INV(fsm_session_exists(m, o->session), "open %u: no session %llu", i,
            (unsigned long long)o->session);
        INV(slot_of(m, o->ino) >= 0, "open %u: no inode %llu", i, (unsigned long long)o->ino);
        if (i > 0) {
            const struct fsm_open *p = &m->opens[i - 1];
            bool less = p->session != o->session ? p->session < o->session
                        : p->pid != o->pid       ? p->pid < o->pid
                                                 : p->ino < o->ino;
            INV(less, "opens %u, %u not sorted", i - 1, i);
        }
    }
    for (int i = 0; i < FS_MAX_SESSIONS; i++) {
        const struct session_entry *s = &m->s[i];
        if (!s->id) {
            INV(!tails || all_zero(s, sizeof *s), "free session slot %d not zero", i);
            continue;
        }
        INV(s->id <= m->applied && s->node != 0, "session slot %d", i);
        for (int j = 0; j < i; j++) /* the free ones are zero: id 0 */
            INV(!m->s[j].id ||
                    (m->s[j].id != s->id && (m->s[j].node != s->node || m->s[j].nonce != s->nonce)),
                "sessions %d and %d collide", j, i);
    }
    for (int i = 0; i < FS_MAX_CLIENTS; i++) {
        const struct dedup_client *c = &m->c[i];
        if (!c->id) {
            INV(!tails || all_zero(c, sizeof *c), "free client slot %d not zero", i);
            continue;
        }
        INV(c->seq >= 1 && c->index >= 1 && c->index <= c->last_used && c->last_used <= m->applied,
            "client slot %d", i);
        for (int j = 0; j < i; j++) /* the free ones are zero: id 0 */
            INV(m->c[j].id != c->id, "clients %d and %d share an id", j, i);
    }
    return NULL;
}

static const char *check_all(const struct fs_machine *m)
{
    const char *w = check_inodes(m);
    if (!w)
        w = check_dirents(m);
    if (!w)
        w = check_tree(m);
    if (!w)
        w = check_tables(m);
    return w;
}

const char *ft_invariants(const struct fs_machine *m)
{
    tails = true;
    return check_all(m);
}

const char *ft_invariants_used(const struct fs_machine *m)
{
    tails = false;
    return check_all(m);
}
